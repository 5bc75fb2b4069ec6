// SPDX-License-Identifier: MIT
/*
 * The executor: runs a program's calls in this process, in helper threads
 * (calls marked async, which are not waited for) and in forked children.
 *
 * Everything a program makes is recorded in tables the later calls pick
 * from: handles (with what they name, so that a field wanting a service
 * finds one), LRPC call tokens, mailbox descriptors, mappings, children.
 * The tables are append-only during a run and lock-free, since helper
 * threads append to them and a forked child must never find a lock held.
 *
 * A call that may block is given a guard: a per-thread timer that sends
 * SIGUSR1 (a handler without SA_RESTART) every GUARD_NS, so that nothing
 * blocks for long whatever its timeout, and the EINTR paths get exercised.
 * Sleeping is what limits a worker's pace: timeouts are mostly 0, and a
 * kernel without high-resolution timers (the debug kernel's tinyconfig)
 * sleeps at least a jiffy (4 ms at HZ=250) whatever the timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/kcov.h>
#include <linux/types.h>
#include <linux/xipc.h>

#include "fuzz.h"

#define NR_SPACES	4
#define NR_HELPERS	3
#define MAX_ENTRIES	256
#define MAX_TOKENS	64
#define MAX_FDS		16
#define MAX_MAPS	16
#define MAX_CHILDREN	8
#define DATA_SIZE	(256 << 10)
#define PAGE		4096
#define COVER_SIZE	(64 << 10)
#define GUARD_NS	4000000LL
#define LONG_NS		4000000ULL

/* Where in a thread's argument page each kind of array goes. */
#define ARG_XFERS	128	/* up to 72 struct xipc_transfer */
#define ARG_HANDLES	1280	/* up to 100 handle numbers */
#define ARG_REPLY_H	1700	/* up to 100 */
#define ARG_NAME	2200	/* a name, up to 300 bytes */

#define UNMAPPED_ADDR	0x10000ULL
#define KERNEL_ADDR	0xffff888000000000ULL

struct entry {
	uint32_t valid;
	int slot;
	uint32_t handle;
	unsigned int type;	/* enum fuzz_object; O_ANY: not known */
	uint64_t map_size;
	uint32_t astack_size;
	uint32_t nr_astacks;
	uint32_t max_bindings;
};

struct map {
	uint8_t *addr;
	size_t len;
	bool writable;
	struct entry info;	/* what was mapped */
};

/* One thread's means: its argument page, its KCOV trace, its guard timer. */
struct thread {
	pid_t tid;
	timer_t timer;
	bool timer_ok;
	uint64_t *cover;
	uint8_t *arg;		/* read-write, a PROT_NONE page after it */
	uint8_t *arg_ro;	/* the same page, read-only */
};

struct helper {
	pthread_t th;
	struct fuzz_exec *e;
	struct thread t;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	const struct fuzz_call *call;
	unsigned int index;
	bool busy;
	bool ready;
};

struct fuzz_exec {
	unsigned int worker;
	struct fuzz_coverage cov;
	struct fuzz_stats *stats;
	uint8_t *data;		/* DATA_SIZE read-write, a guard page after */
	uint8_t *data_ro;
	struct thread main;
	struct helper helpers[NR_HELPERS];
	int64_t *results;
	/* What the run made so far. */
	int spaces[NR_SPACES];
	struct entry entries[MAX_ENTRIES];
	uint32_t nr_entries;
	uint64_t tokens[MAX_TOKENS];
	uint32_t nr_tokens;
	int fds[MAX_FDS];
	uint32_t nr_fds;
	struct map maps[MAX_MAPS];
	uint32_t nr_maps;
	pid_t children[MAX_CHILDREN];
	uint32_t nr_children;
	bool in_child;
};

static void on_signal(int sig)
{
	(void)sig;
}

static void *map_page_pair(uint8_t **ro, size_t size)
{
	uint8_t *rw;
	int fd = memfd_create("xipc-fuzz", MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, size))
		abort();
	/* The read-write view with a PROT_NONE page after it. */
	rw = mmap(NULL, size + PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (rw == MAP_FAILED ||
	    mmap(rw, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
		abort();
	*ro = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (*ro == MAP_FAILED)
		abort();
	close(fd);
	return rw;
}

static void thread_init(struct fuzz_exec *e, struct thread *t)
{
	struct sigevent sev;
	int fd;

	memset(t, 0, sizeof(*t));
	t->tid = (pid_t)syscall(SYS_gettid);
	t->arg = map_page_pair(&t->arg_ro, PAGE);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGUSR1;
	sev._sigev_un._tid = t->tid;
	t->timer_ok = !timer_create(CLOCK_MONOTONIC, &sev, &t->timer);
	if (!e->cov.kcov)
		return;
	fd = open("/sys/kernel/debug/kcov", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	if (ioctl(fd, KCOV_INIT_TRACE, COVER_SIZE) == 0) {
		t->cover = mmap(NULL, COVER_SIZE * sizeof(uint64_t),
				PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (t->cover == MAP_FAILED ||
		    ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC)) {
			if (t->cover != MAP_FAILED)
				munmap(t->cover, COVER_SIZE * sizeof(uint64_t));
			t->cover = NULL;
		}
	}
	/* The trace stays enabled on this thread while the mapping exists. */
	if (!t->cover)
		close(fd);
}

static void guard(struct thread *t, bool on)
{
	struct itimerspec its;

	if (!t->timer_ok)
		return;
	memset(&its, 0, sizeof(its));
	/*
	 * Again and again until disarmed: a thread slow to enter the call
	 * (a busy machine) may take the first signal before it sleeps.
	 */
	if (on)
		its.it_value.tv_nsec = its.it_interval.tv_nsec = GUARD_NS;
	timer_settime(t->timer, 0, &its, NULL);
}

uint64_t fuzz_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The handle table. */
static bool fits(unsigned int want, unsigned int type)
{
	switch (want) {
	case O_ANY:
		return true;
	case O_LRPC:
		return type == O_SERVICE || type == O_BINDING;
	case O_MAILBOX:
		return type == O_MAILBOX || type == O_ANY;
	default:
		return type == want;
	}
}

static const struct entry *find_entry(struct fuzz_exec *e, unsigned int want,
				      unsigned int k)
{
	uint32_t nr = __atomic_load_n(&e->nr_entries, __ATOMIC_ACQUIRE);
	unsigned int pass, matches, i;

	if (nr > MAX_ENTRIES)
		nr = MAX_ENTRIES;
	/* Among those that fit the field, else among all. */
	for (pass = 0; pass < 2; pass++) {
		matches = 0;
		for (i = nr; i-- > 0;)
			if (__atomic_load_n(&e->entries[i].valid, __ATOMIC_ACQUIRE) &&
			    (pass || fits(want, e->entries[i].type)))
				matches++;
		if (!matches)
			continue;
		k %= matches;
		for (i = nr; i-- > 0;)
			if (__atomic_load_n(&e->entries[i].valid, __ATOMIC_ACQUIRE) &&
			    (pass || fits(want, e->entries[i].type)) && !k--)
				return &e->entries[i];
	}
	return NULL;
}

static void add_entry(struct fuzz_exec *e, const struct entry *proto)
{
	uint32_t i = __atomic_fetch_add(&e->nr_entries, 1, __ATOMIC_ACQ_REL);

	if (i >= MAX_ENTRIES)
		return;
	e->entries[i] = *proto;
	e->entries[i].valid = 0;
	__atomic_store_n(&e->entries[i].valid, 1, __ATOMIC_RELEASE);
}

static void add_handle(struct fuzz_exec *e, int slot, uint32_t handle,
		       unsigned int type)
{
	struct entry en = { .slot = slot, .handle = handle, .type = type };

	if (handle)
		add_entry(e, &en);
}

/*
 * A handle field: a number made by an earlier call (the k-th newest that
 * fits), a small number (stale, or another space's), 0, or anything. The
 * slot of the space the handle came from goes to *@slot, if known.
 */
static uint32_t resolve_handle(struct fuzz_exec *e, uint64_t w,
			       unsigned int want, int *slot,
			       const struct entry **found)
{
	const struct entry *en;

	if (found)
		*found = NULL;
	switch (w & 3) {
	case H_SMALL:
		return 1 + FIELD_HI(w) % 24;
	case H_ZERO:
		return 0;
	case H_RANDOM:
		return FIELD_HI(w);
	}
	en = find_entry(e, want, FIELD_MID(w));
	if (!en)
		return 1 + FIELD_MID(w) % 8;
	if (slot && *slot < 0)
		*slot = en->slot;
	if (found)
		*found = en;
	return en->handle;
}

static int space_fd(struct fuzz_exec *e, uint64_t w, int slot)
{
	if (w & 0xff)
		slot = (int)((w & 0xff) - 1) % NR_SPACES;
	else if (slot < 0)
		slot = 0;
	return e->spaces[slot];
}

static int space_slot(struct fuzz_exec *e, int fd)
{
	int i;

	for (i = 0; i < NR_SPACES; i++)
		if (e->spaces[i] == fd)
			return i;
	return 0;
}

/* A pointer of kind @w & 7 to @size bytes of data. */
static uint64_t data_ptr(struct fuzz_exec *e, uint64_t w, uint64_t size)
{
	uint64_t in = size < DATA_SIZE ? size : DATA_SIZE;

	switch (FIELD_PTR(w)) {
	case P_VALID:
		return size <= DATA_SIZE ? (uintptr_t)e->data :
		       (uintptr_t)(e->data + DATA_SIZE - in / 2);
	case P_RDONLY:
		return size <= DATA_SIZE ? (uintptr_t)e->data_ro : UNMAPPED_ADDR;
	case P_NULL:
		return 0;
	case P_UNMAPPED:
		return UNMAPPED_ADDR;
	case P_PARTIAL:
		return (uintptr_t)(e->data + DATA_SIZE - in / 2);
	default:
		return KERNEL_ADDR;
	}
}

/* A pointer of kind @w & 7 into the thread's argument page at @off. */
static uint64_t arg_ptr(struct thread *t, uint64_t w, size_t off, size_t size)
{
	switch (FIELD_PTR(w)) {
	case P_VALID:
		return (uintptr_t)(t->arg + off);
	case P_RDONLY:
		return (uintptr_t)(t->arg_ro + off);
	case P_NULL:
		return 0;
	case P_UNMAPPED:
		return UNMAPPED_ADDR;
	case P_PARTIAL:
		/* It ends in the PROT_NONE page. */
		return (uintptr_t)(t->arg + PAGE - (size + 1) / 2);
	default:
		return KERNEL_ADDR;
	}
}

static uint64_t resolve_timeout(uint64_t w, bool abs)
{
	uint32_t hi = FIELD_HI(w);
	uint64_t ns;

	switch (w & 7) {
	case T_ZERO:
		return 0;
	case T_TINY:
		ns = 1000 + hi % 100000;
		break;
	case T_SHORT:
		ns = 100000 + hi % 1900000;
		break;
	case T_INFINITE:
		return XIPC_TIMEOUT_INFINITE;
	case T_HUGE:
		return (1ULL << 63) + hi;
	case T_PAST:
		return 1 + hi % 1000;
	case T_RANDOM:
		return (uint64_t)hi << 32 | hi;
	default:
		ns = LONG_NS;
		break;
	}
	return abs ? fuzz_now_ns() + ns : ns;
}

static uint64_t resolve_token(struct fuzz_exec *e, uint64_t w)
{
	uint32_t nr = __atomic_load_n(&e->nr_tokens, __ATOMIC_ACQUIRE);
	uint64_t token;

	if (nr > MAX_TOKENS)
		nr = MAX_TOKENS;
	switch (w & 3) {
	case K_INDEX:
		return FIELD_MID(w);
	case K_RANDOM:
		return FIELD_HI(w);
	}
	if (!nr)
		return FIELD_MID(w);
	token = __atomic_load_n(&e->tokens[nr - 1 - FIELD_MID(w) % nr],
				__ATOMIC_RELAXED);
	/* A stale token: the same A-stack, another call. */
	return (w & 3) == K_STALE ? token + (1ULL << 32) : token;
}

static void add_token(struct fuzz_exec *e, uint64_t token)
{
	uint32_t i = __atomic_fetch_add(&e->nr_tokens, 1, __ATOMIC_ACQ_REL);

	if (i < MAX_TOKENS)
		__atomic_store_n(&e->tokens[i], token, __ATOMIC_RELEASE);
}

static void add_fd(struct fuzz_exec *e, int fd)
{
	uint32_t i = __atomic_fetch_add(&e->nr_fds, 1, __ATOMIC_ACQ_REL);

	if (i < MAX_FDS)
		__atomic_store_n(&e->fds[i], fd, __ATOMIC_RELEASE);
	else
		close(fd);
}

/* The transfers of a send, an RPC or a reply, written at ARG_XFERS. */
static uint64_t transfers(struct fuzz_exec *e, struct thread *t,
			  const struct fuzz_call *c, unsigned int first,
			  unsigned int nr_words, uint32_t *nr)
{
	struct xipc_transfer *x = (struct xipc_transfer *)(t->arg + ARG_XFERS);
	uint64_t n = c->w[first] >> 8, w;
	unsigned int i;

	*nr = (uint32_t)n;
	for (i = 0; i < n && i < 72; i++) {
		w = c->w[first + 1 + i % nr_words];
		x[i].handle = resolve_handle(e, w & 0xffffffffffULL, O_ANY, NULL,
					     NULL);
		x[i].rights = (w >> 40) & 0xf;
		x[i].flags = (w >> 44) & 0xf;
		x[i].reserved = (w >> 48) & 1;
	}
	return n ? arg_ptr(t, c->w[first], ARG_XFERS, n * sizeof(*x)) :
	       FIELD_PTR(c->w[first]) == P_VALID ? 0 : arg_ptr(t, c->w[first],
							       ARG_XFERS, 16);
}

/* A name field: its pointer and length. */
static uint64_t name(struct fuzz_exec *e, struct thread *t, uint64_t w,
		     uint32_t *len)
{
	char *buf = (char *)t->arg + ARG_NAME;
	unsigned int index = (w & 0xff) % 8;
	int n;

	if (index < 6)
		n = snprintf(buf, 64, "fz-%u", index);
	else
		n = snprintf(buf, 64, "fz-w%u-%u", e->worker, index);
	*len = (uint32_t)n;
	switch ((w >> 8) & 7) {
	case 1:
		*len = 0;
		break;
	case 2:
		memset(buf + n, 'x', 256 - n);
		*len = 256;
		break;
	case 3:
		memset(buf + n, 'y', 255 - n);
		*len = 255;
		break;
	case 4:
		buf[1] = 0;
		break;
	case 5:
		return UNMAPPED_ADDR;
	}
	return (uintptr_t)buf;
}

/* The struct of the call, where the call's F_ARGP word says. */
static void *place(struct thread *t, uint64_t w, const void *s, size_t size)
{
	uint64_t p = arg_ptr(t, w, 0, size);

	if (FIELD_PTR(w) == P_PARTIAL)
		memcpy((void *)(uintptr_t)p, s, PAGE - (p - (uintptr_t)t->arg));
	else
		memcpy(t->arg, s, size);
	return (void *)(uintptr_t)p;
}

static int64_t do_ioctl(struct fuzz_exec *e, int fd, unsigned long cmd,
			void *arg)
{
	int ret;

	if (fd >= 0)
		__atomic_fetch_add(&e->stats->ioctls, 1, __ATOMIC_RELAXED);
	ret = ioctl(fd, cmd, arg);
	return ret < 0 ? -errno : ret;
}

/* Command @cmd on @arg in a batch, as F_BATCH word @how says (fuzz.h). */
static int64_t do_batch(struct fuzz_exec *e, int fd, unsigned long cmd,
			void *arg, uint64_t how)
{
	uint32_t op_cmd = (uint32_t)cmd, reserved = 0, nr = 1, done = 0;
	uint64_t bits = how >> 8;
	/* The second op, for modes 9 and 10; zeroed (mode 7's @nr) else. */
	struct xipc_batch_op second = { 0 };

	switch (how & 0xff) {
	case 5:
		reserved = 1U << (bits % 32);
		break;
	case 6:
		op_cmd = (uint32_t)bits;
		break;
	case 7:
		nr = (uint32_t)(bits % (XIPC_BATCH_MAX + 2));
		break;
	case 8:
		done = (uint32_t)(bits % 3);
		break;
	case 9:
		nr = 2;
		done = (uint32_t)(bits % 2);
		second = (struct xipc_batch_op){ .cmd = op_cmd,
						 .arg = (uintptr_t)arg };
		break;
	case 10:
		nr = 2;
		second = (struct xipc_batch_op){
			.cmd = bits & 1 ? op_cmd : XIPC_IOC_GET_INFO,
			.reserved = bits & 1 ? 1U << (bits % 32) : 0,
			.arg = (uintptr_t)arg,
		};
		break;
	}

	struct xipc_batch_op ops[XIPC_BATCH_MAX] = {
		{ .cmd = op_cmd, .reserved = reserved, .arg = (uintptr_t)arg },
		second,
	};
	struct xipc_batch batch = {
		.ops = (uintptr_t)ops, .nr = nr, .done = done,
	};

	return do_ioctl(e, fd, XIPC_IOC_BATCH, &batch);
}

/* After a call whose struct was placed read-write: the kernel's answer. */
static bool answered(uint64_t argp, int64_t ret)
{
	return ret >= 0 && FIELD_PTR(argp) == P_VALID;
}

static uint32_t raw_cmd(uint64_t w)
{
	static const unsigned long cmds[] = {
		XIPC_IOC_GET_INFO, XIPC_IOC_HANDLE_CLOSE, XIPC_IOC_SEND,
		XIPC_IOC_RECV, XIPC_IOC_RPC, XIPC_IOC_LRPC_SERVE,
	};
	uint32_t hi = FIELD_HI(w);

	switch (w & 3) {
	case 0:
		/* Our type, any number, size and direction. */
		return _IOC(hi & 3, XIPC_IOCTL_TYPE, (hi >> 2) & 0x4f,
			    (hi >> 10) & 0xff);
	case 1:
		/* A real command with the wrong size or direction. */
		return cmds[hi % 6] ^ (1U << (16 + (hi >> 8) % 16));
	default:
		return hi;
	}
}

static int64_t run_mmap(struct fuzz_exec *e, const struct fuzz_call *c)
{
	const struct entry *en;
	int slot = -1, fd, prot = PROT_READ | PROT_WRITE, flags = MAP_SHARED;
	uint32_t h = resolve_handle(e, c->w[1], O_LRPC, &slot, &en);
	uint64_t len, off = (uint64_t)h * PAGE, k = c->w[3];
	struct map *m;
	void *addr;

	fd = space_fd(e, c->w[0], slot);
	switch (c->w[2] & 3) {
	case 0:
		len = en && en->map_size ? en->map_size : PAGE;
		break;
	case 1:
		len = PAGE;
		break;
	case 2:
		len = (en ? en->map_size : 0) + PAGE;
		break;
	default:
		len = PAGE * (1 + (c->w[2] >> 8) % 64);
		break;
	}
	if (k & 1)
		flags = MAP_PRIVATE;
	if (k & 2)
		prot = PROT_READ;
	if (k & 4)
		off = (uint64_t)(FIELD_HI(k) % 64) * PAGE;
	if (k & 8)
		off += PAGE;
	if (e->nr_maps >= MAX_MAPS)
		return -ENOSPC;
	addr = mmap(NULL, len, prot, flags, fd, off);
	if (addr == MAP_FAILED)
		return -errno;
	m = &e->maps[e->nr_maps++];
	m->addr = addr;
	m->len = len;
	m->writable = prot & PROT_WRITE;
	if (en)
		m->info = *en;
	else
		memset(&m->info, 0, sizeof(m->info));
	return 0;
}

static int64_t run_touch(struct fuzz_exec *e, const struct fuzz_call *c)
{
	struct map *m;
	uint64_t off, k = c->w[1];
	uint32_t astack, nr;

	if (!e->nr_maps)
		return -ENOENT;
	m = &e->maps[c->w[0] % e->nr_maps];
	if (!m->addr || !m->writable)
		return -EACCES;
	astack = m->info.astack_size ? m->info.astack_size : PAGE;
	nr = (uint32_t)(m->len / astack);
	off = (uint64_t)((k >> 8) % (nr ? nr : 1)) * astack;
	switch (k & 7) {
	case 0:
		off += offsetof(struct xipc_astack, proc);
		break;
	case 1:
		off += offsetof(struct xipc_astack, size);
		break;
	case 2:
		off += offsetof(struct xipc_astack, state);
		break;
	case 3:
		/* A slot's holds, in a server's mapping of the region. */
		off = (uint64_t)m->info.max_bindings * m->info.nr_astacks *
		      m->info.astack_size +
		      (uint64_t)((k >> 8) % (m->info.max_bindings ?: 1)) *
		      sizeof(struct xipc_slot_info) +
		      offsetof(struct xipc_slot_info, holds);
		break;
	default:
		off = (k >> 8) % m->len;
		break;
	}
	off &= ~3ULL;
	if (off + 4 > m->len)
		return -EINVAL;
	__atomic_store_n((uint32_t *)(m->addr + off), (uint32_t)c->w[2],
			 __ATOMIC_RELAXED);
	return 0;
}

static int64_t run_munmap(struct fuzz_exec *e, const struct fuzz_call *c)
{
	struct map *m;

	if (!e->nr_maps)
		return -ENOENT;
	m = &e->maps[c->w[0] % e->nr_maps];
	if (!m->addr)
		return -ENOENT;
	/* Part of it: the mapping splits, each piece holding the object. */
	if (c->w[1] & 1 && m->len > PAGE) {
		munmap(m->addr, PAGE);
		m->addr += PAGE;
		m->len -= PAGE;
		return 0;
	}
	munmap(m->addr, m->len);
	m->addr = NULL;
	return 0;
}

static uint64_t run_call(struct fuzz_exec *e, struct thread *t,
			 const struct fuzz_call *c, unsigned int index);

/* Runs the @n calls after @index in a child, which then exits. */
static int64_t run_fork(struct fuzz_exec *e, const struct fuzz_prog *p,
			unsigned int index, unsigned int n)
{
	unsigned int i;
	pid_t pid;

	if (e->in_child || e->nr_children >= MAX_CHILDREN)
		return -ENOSPC;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid) {
		e->children[e->nr_children++] = pid;
		return pid;
	}
	e->in_child = true;
	/* The timer belongs to the parent's thread; no trace is read here. */
	e->cov.kcov = false;
	thread_init(e, &e->main);
	for (i = index + 1; i <= index + n && i < p->nr; i++)
		run_call(e, &e->main, &p->calls[i], i);
	_exit(0);
}

/* Runs one call; returns the time its trace took to merge, in ticks. */
static uint64_t run_call(struct fuzz_exec *e, struct thread *t,
			 const struct fuzz_call *c, unsigned int index)
{
	union {
		struct xipc_info info;
		struct xipc_handle_op op;
		struct xipc_handle_dup dup;
		struct xipc_handle_info hinfo;
		struct xipc_mailbox_create mbc;
		struct xipc_mailbox_fd mbfd;
		struct xipc_mailbox_open open;
		struct xipc_mailbox_unlink unlink;
		struct xipc_send send;
		struct xipc_recv recv;
		struct xipc_rpc rpc;
		struct xipc_reply reply;
		struct xipc_service_create svc;
		struct xipc_bind bind;
		struct xipc_lrpc_call call;
		struct xipc_lrpc_serve serve;
		struct xipc_bootstrap boot;
		struct xipc_watch watch;
		uint8_t raw[256];
	} u;
	const uint64_t *w = c->w;
	const struct entry *en = NULL;
	int slot = -1, fd;
	int64_t ret = -ENOSYS;
	unsigned long cmd = 0;
	bool blocks = false;
	uint64_t argp = 0, how = 0;
	size_t size = 0;
	void *arg;
	uint32_t n;

	memset(&u, 0, sizeof(u));
	if (t->cover)
		__atomic_store_n(&t->cover[0], 0, __ATOMIC_RELAXED);

	switch (c->id) {
	case C_GET_INFO:
		u.info.flags = (uint32_t)w[1];
		u.info.reserved[0] = w[2];
		cmd = XIPC_IOC_GET_INFO, size = sizeof(u.info), argp = w[3];
		break;
	case C_CLOSE:
	case C_REVOKE:
	case C_MB_DESTROY:
	case C_SVC_DESTROY:
	case C_NS_CLAIM:
		u.op.handle = resolve_handle(e, w[1], c->id == C_SVC_DESTROY ?
					     O_SERVICE : c->id == C_CLOSE ||
					     c->id == C_REVOKE ? O_ANY : O_MAILBOX,
					     &slot, NULL);
		u.op.flags = (uint32_t)w[2];
		cmd = c->id == C_CLOSE ? XIPC_IOC_HANDLE_CLOSE :
		      c->id == C_REVOKE ? XIPC_IOC_HANDLE_REVOKE :
		      c->id == C_MB_DESTROY ? XIPC_IOC_MAILBOX_DESTROY :
		      c->id == C_SVC_DESTROY ? XIPC_IOC_SERVICE_DESTROY :
		      XIPC_IOC_NAMESERVER_CLAIM;
		size = sizeof(u.op), argp = w[3];
		break;
	case C_DUP:
		u.dup.handle = resolve_handle(e, w[1], O_ANY, &slot, &en);
		u.dup.flags = (uint32_t)w[2];
		u.dup.rights = (uint32_t)w[3];
		u.dup.badge = w[4];
		cmd = XIPC_IOC_HANDLE_DUP, size = sizeof(u.dup), argp = w[5];
		break;
	case C_INFO:
		u.hinfo.handle = resolve_handle(e, w[1], O_ANY, &slot, NULL);
		u.hinfo.flags = (uint32_t)w[2];
		u.hinfo.reserved = (uint32_t)w[3];
		cmd = XIPC_IOC_HANDLE_INFO, size = sizeof(u.hinfo), argp = w[4];
		break;
	case C_MB_CREATE:
		u.mbc.flags = (uint32_t)w[1];
		u.mbc.max_msg_size = (uint32_t)w[2];
		u.mbc.max_msgs = (uint32_t)w[3];
		u.mbc.max_bytes = w[4];
		u.mbc.reserved[0] = w[5];
		cmd = XIPC_IOC_MAILBOX_CREATE, size = sizeof(u.mbc), argp = w[6];
		break;
	case C_MB_FD:
		u.mbfd.handle = resolve_handle(e, w[1], O_MAILBOX, &slot, NULL);
		u.mbfd.flags = (uint32_t)w[2];
		u.mbfd.reserved = (uint32_t)w[3];
		cmd = XIPC_IOC_MAILBOX_FD, size = sizeof(u.mbfd), argp = w[4];
		break;
	case C_MB_OPEN:
		u.open.flags = (uint32_t)w[1];
		u.open.name = name(e, t, w[2], &u.open.name_len);
		u.open.mode = (uint32_t)w[3];
		u.open.rights = (uint32_t)w[4];
		u.open.max_msg_size = (uint32_t)w[5];
		u.open.max_msgs = (uint32_t)w[6];
		u.open.max_bytes = w[7];
		u.open.reserved = (uint32_t)w[8];
		cmd = XIPC_IOC_MAILBOX_OPEN, size = sizeof(u.open), argp = w[9];
		break;
	case C_MB_UNLINK:
		u.unlink.flags = (uint32_t)w[1];
		u.unlink.name = name(e, t, w[2], &u.unlink.name_len);
		cmd = XIPC_IOC_MAILBOX_UNLINK, size = sizeof(u.unlink), argp = w[3];
		break;
	case C_SEND:
		u.send.handle = resolve_handle(e, w[1], O_MAILBOX, &slot, NULL);
		u.send.flags = (uint32_t)w[2];
		u.send.type = (int64_t)w[3];
		u.send.size = FIELD_HI(w[4]);
		u.send.data = data_ptr(e, w[4], u.send.size);
		u.send.transfers = transfers(e, t, c, 5, 4, &u.send.nr_transfers);
		u.send.timeout_ns = resolve_timeout(w[10], u.send.flags & XIPC_ABSTIME);
		u.send.reserved = (uint32_t)w[11];
		cmd = XIPC_IOC_SEND, size = sizeof(u.send), argp = w[12];
		how = w[13];
		blocks = u.send.timeout_ns;
		break;
	case C_RECV:
		u.recv.handle = resolve_handle(e, w[1], O_MAILBOX, &slot, NULL);
		u.recv.flags = (uint32_t)w[2];
		u.recv.type = (int64_t)w[3];
		u.recv.size = FIELD_HI(w[4]);
		u.recv.data = data_ptr(e, w[4], u.recv.size);
		u.recv.max_handles = (uint32_t)(w[5] >> 8);
		u.recv.handles = arg_ptr(t, w[5], ARG_HANDLES, 4 * (w[5] >> 8 & 0xff));
		u.recv.timeout_ns = resolve_timeout(w[6], u.recv.flags & XIPC_ABSTIME);
		u.recv.skip = w[7];
		u.recv.badge = w[8];
		u.recv.pid = w[9] == 1 ? getpid() : w[9] == 3 ? -1 : (int32_t)w[9];
		cmd = XIPC_IOC_RECV, size = sizeof(u.recv), argp = w[10];
		how = w[11];
		blocks = u.recv.timeout_ns;
		break;
	case C_RPC:
		u.rpc.handle = resolve_handle(e, w[1], O_MAILBOX, &slot, NULL);
		u.rpc.flags = (uint32_t)w[2];
		u.rpc.type = (int64_t)w[3];
		u.rpc.size = FIELD_HI(w[4]);
		u.rpc.data = data_ptr(e, w[4], u.rpc.size);
		u.rpc.transfers = transfers(e, t, c, 5, 2, &u.rpc.nr_transfers);
		u.rpc.reply_size = FIELD_HI(w[8]);
		u.rpc.reply_data = data_ptr(e, w[8], u.rpc.reply_size);
		u.rpc.max_reply_handles = (uint32_t)(w[9] >> 8);
		u.rpc.reply_handles = arg_ptr(t, w[9], ARG_REPLY_H,
					      4 * (w[9] >> 8 & 0xff));
		u.rpc.timeout_ns = resolve_timeout(w[10], u.rpc.flags & XIPC_ABSTIME);
		u.rpc.reserved = (uint32_t)w[11];
		cmd = XIPC_IOC_RPC, size = sizeof(u.rpc), argp = w[12];
		how = w[13];
		blocks = true;
		break;
	case C_REPLY:
		u.reply.reply = resolve_handle(e, w[1], O_REPLY, &slot, NULL);
		u.reply.flags = (uint32_t)w[2];
		u.reply.size = FIELD_HI(w[3]);
		u.reply.data = data_ptr(e, w[3], u.reply.size);
		u.reply.transfers = transfers(e, t, c, 4, 2, &u.reply.nr_transfers);
		u.reply.reserved = (uint32_t)w[7];
		cmd = XIPC_IOC_REPLY, size = sizeof(u.reply), argp = w[8];
		how = w[9];
		break;
	case C_SVC_CREATE:
		u.svc.flags = (uint32_t)w[1];
		u.svc.astack_size = (uint32_t)w[2];
		u.svc.nr_astacks = (uint32_t)w[3];
		u.svc.max_bindings = (uint32_t)w[4];
		u.svc.reserved = (uint32_t)w[5];
		cmd = XIPC_IOC_SERVICE_CREATE, size = sizeof(u.svc), argp = w[6];
		break;
	case C_BIND:
		u.bind.service = resolve_handle(e, w[1], O_SERVICE, &slot, &en);
		u.bind.flags = (uint32_t)w[2];
		cmd = XIPC_IOC_BIND, size = sizeof(u.bind), argp = w[3];
		break;
	case C_LRPC_CALL:
		u.call.binding = resolve_handle(e, w[1], O_BINDING, &slot, NULL);
		/*
		 * Not XIPC_CALL_REGS: the kernel would write the results into
		 * registers this C code keeps its own values in (libipc's
		 * register calls say so to the compiler; a plain ioctl cannot).
		 */
		u.call.flags = (uint32_t)w[2] & ~XIPC_CALL_REGS;
		u.call.astack = (uint32_t)w[3];
		u.call.parent_service = resolve_handle(e, w[4], O_SERVICE, &slot,
						       NULL);
		u.call.parent = resolve_token(e, w[5]);
		u.call.timeout_ns = resolve_timeout(w[6], u.call.flags & XIPC_ABSTIME);
		u.call.expect = (uint32_t)w[7];
		u.call.proc = (uint32_t)w[8];
		cmd = XIPC_IOC_LRPC_CALL, size = sizeof(u.call), argp = w[9];
		blocks = true;
		break;
	case C_LRPC_SERVE:
		u.serve.service = resolve_handle(e, w[1], O_SERVICE, &slot, NULL);
		/* Not XIPC_SERVE_REGS, as not XIPC_CALL_REGS above. */
		u.serve.flags = (uint32_t)w[2] & ~XIPC_SERVE_REGS;
		u.serve.call = resolve_token(e, w[3]);
		u.serve.timeout_ns = resolve_timeout(w[4], u.serve.flags & XIPC_ABSTIME);
		u.serve.args = FIELD_PTR(w[5]) == P_NULL ? 0 :
			       data_ptr(e, w[5], FIELD_HI(w[5]));
		u.serve.status = (int32_t)w[6];
		cmd = XIPC_IOC_LRPC_SERVE, size = sizeof(u.serve), argp = w[7];
		blocks = u.serve.timeout_ns;
		break;
	case C_BOOTSTRAP:
		u.boot.flags = (uint32_t)w[1];
		u.boot.timeout_ns = resolve_timeout(w[2], u.boot.flags & XIPC_ABSTIME);
		cmd = XIPC_IOC_BOOTSTRAP, size = sizeof(u.boot), argp = w[3];
		blocks = u.boot.timeout_ns;
		break;
	case C_WATCH:
		u.watch.handle = resolve_handle(e, w[1], O_ANY, &slot, NULL);
		u.watch.mailbox = resolve_handle(e, w[2], O_MAILBOX, &slot, NULL);
		u.watch.flags = (uint32_t)w[3];
		u.watch.reserved = (uint32_t)w[4];
		u.watch.type = (int64_t)w[5];
		u.watch.cookie = w[6];
		cmd = XIPC_IOC_WATCH, size = sizeof(u.watch), argp = w[7];
		break;
	case C_RAW_IOCTL:
		memset(u.raw, (int)(w[1] >> 24), sizeof(u.raw));
		cmd = raw_cmd(w[1]), size = 128, argp = w[2];
		blocks = true;	/* it may be a receive that waits forever */
		break;
	}

	if (cmd) {
		fd = space_fd(e, w[0], slot);
		arg = place(t, argp, &u, size);
		if (blocks)
			guard(t, true);
		ret = how & 0xff ? do_batch(e, fd, cmd, arg, how) :
				   do_ioctl(e, fd, cmd, arg);
		if (blocks)
			guard(t, false);
		if (answered(argp, ret))
			memcpy(&u, t->arg, size);
		slot = space_slot(e, fd);
	}

	switch (c->id) {
	case C_DUP:
		if (answered(argp, ret))
			add_handle(e, slot, u.dup.new_handle, en ? en->type : O_ANY);
		break;
	case C_MB_CREATE:
		if (answered(argp, ret))
			add_handle(e, slot, u.mbc.handle, O_MAILBOX);
		break;
	case C_MB_OPEN:
		if (answered(argp, ret))
			add_handle(e, slot, u.open.handle, O_MAILBOX);
		break;
	case C_BOOTSTRAP:
		if (answered(argp, ret))
			add_handle(e, slot, u.boot.handle, O_MAILBOX);
		break;
	case C_MB_FD:
		if (ret >= 0)
			add_fd(e, (int)ret);
		break;
	case C_RECV:
		if (!answered(argp, ret))
			break;
		if (FIELD_PTR(w[5]) == P_VALID && !(u.recv.flags & XIPC_RECV_PEEK))
			for (n = 0; n < u.recv.nr_handles && n < 100; n++)
				add_handle(e, slot, ((uint32_t *)(t->arg + ARG_HANDLES))[n],
					   O_ANY);
		add_handle(e, slot, u.recv.reply, O_REPLY);
		break;
	case C_RPC:
		if (answered(argp, ret) && FIELD_PTR(w[9]) == P_VALID)
			for (n = 0; n < u.rpc.nr_reply_handles && n < 100; n++)
				add_handle(e, slot, ((uint32_t *)(t->arg + ARG_REPLY_H))[n],
					   O_ANY);
		break;
	case C_SVC_CREATE:
		if (answered(argp, ret)) {
			struct entry s = {
				.slot = slot, .handle = u.svc.handle,
				.type = O_SERVICE,
				.map_size = u.svc.region_size,
				.astack_size = u.svc.astack_size,
				.nr_astacks = u.svc.nr_astacks,
				.max_bindings = u.svc.max_bindings,
			};

			add_entry(e, &s);
		}
		break;
	case C_BIND:
		if (answered(argp, ret)) {
			struct entry b = {
				.slot = slot, .handle = u.bind.handle,
				.type = O_BINDING,
				.map_size = u.bind.map_size,
				.astack_size = u.bind.astack_size,
				.nr_astacks = u.bind.nr_astacks,
				.max_bindings = 1,
			};

			add_entry(e, &b);
		}
		break;
	case C_LRPC_SERVE:
		if (answered(argp, ret) && u.serve.flags & XIPC_SERVE_WAIT)
			add_token(e, u.serve.call);
		break;
	case C_OPEN_SPACE:
		slot = (int)(w[0] % NR_SPACES);
		if (e->spaces[slot] >= 0)
			close(e->spaces[slot]);
		e->spaces[slot] = open("/dev/xipc", O_RDWR | O_CLOEXEC);
		ret = e->spaces[slot] < 0 ? -errno : 0;
		break;
	case C_CLOSE_SPACE:
		slot = (int)(w[0] % NR_SPACES);
		ret = e->spaces[slot] >= 0 ? close(e->spaces[slot]) : -EBADF;
		e->spaces[slot] = -1;
		break;
	case C_DUP_SPACE:
		slot = (int)(w[1] % NR_SPACES);
		fd = e->spaces[w[0] % NR_SPACES];
		if (fd < 0) {
			ret = -EBADF;
			break;
		}
		fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0) {
			ret = -errno;
			break;
		}
		if (e->spaces[slot] >= 0)
			close(e->spaces[slot]);
		e->spaces[slot] = fd;
		ret = 0;
		break;
	case C_MMAP:
		ret = run_mmap(e, c);
		break;
	case C_MUNMAP:
		ret = run_munmap(e, c);
		break;
	case C_TOUCH:
		ret = run_touch(e, c);
		break;
	case C_POLL: {
		uint32_t nr = __atomic_load_n(&e->nr_fds, __ATOMIC_ACQUIRE);
		struct pollfd pfd = { .events = POLLIN | POLLOUT };

		if (nr > MAX_FDS)
			nr = MAX_FDS;
		if (!nr) {
			ret = -ENOENT;
			break;
		}
		pfd.fd = e->fds[w[0] % nr];
		ret = poll(&pfd, 1, 0) < 0 ? -errno : pfd.revents;
		break;
	}
	case C_CLOSE_FD: {
		uint32_t nr = __atomic_load_n(&e->nr_fds, __ATOMIC_ACQUIRE);

		if (nr > MAX_FDS)
			nr = MAX_FDS;
		if (!nr) {
			ret = -ENOENT;
			break;
		}
		/* Swapped out for -1 first: the teardown closes what is left. */
		fd = __atomic_exchange_n(&e->fds[w[0] % nr], -1, __ATOMIC_ACQ_REL);
		ret = fd >= 0 ? close(fd) : -EBADF;
		break;
	}
	case C_SETEUID:
		/* This thread only: the raw call, not glibc's process-wide one. */
		ret = syscall(SYS_setresuid, -1, w[0] & 1 ? 65534 : 0, -1);
		if (ret < 0)
			ret = -errno;
		break;
	}

	if (e->results)
		e->results[index] = ret;
	if (t->cover && e->cov.trace) {
		uint64_t nr = __atomic_load_n(&t->cover[0], __ATOMIC_RELAXED);
		uint64_t start = fuzz_ticks();

		if (nr > COVER_SIZE - 1)
			nr = COVER_SIZE - 1;
		e->cov.trace(e->cov.arg, &t->cover[1], nr);
		return fuzz_ticks() - start;
	}
	return 0;
}

static void *helper_main(void *arg)
{
	struct helper *h = arg;
	const struct fuzz_call *c;

	thread_init(h->e, &h->t);
	pthread_mutex_lock(&h->lock);
	h->ready = true;
	pthread_cond_broadcast(&h->cond);
	for (;;) {
		while (!h->call)
			pthread_cond_wait(&h->cond, &h->lock);
		c = h->call;
		pthread_mutex_unlock(&h->lock);
		run_call(h->e, &h->t, c, h->index);
		pthread_mutex_lock(&h->lock);
		h->call = NULL;
		h->busy = false;
		pthread_cond_broadcast(&h->cond);
	}
	return NULL;
}

struct fuzz_exec *fuzz_exec_new(unsigned int worker, uint64_t seed,
				const struct fuzz_coverage *cov,
				struct fuzz_stats *stats)
{
	struct fuzz_exec *e = calloc(1, sizeof(*e));
	struct sigaction sa;
	struct fuzz_rng r = { seed | 1 };
	unsigned int i;

	if (!e)
		abort();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: calls see EINTR */
	sigaction(SIGUSR1, &sa, NULL);
	e->worker = worker;
	e->cov = *cov;
	e->stats = stats;
	e->data = map_page_pair(&e->data_ro, DATA_SIZE);
	for (i = 0; i < DATA_SIZE / 8; i++)
		((uint64_t *)e->data)[i] = fuzz_rand(&r);
	for (i = 0; i < NR_SPACES; i++)
		e->spaces[i] = -1;
	thread_init(e, &e->main);
	for (i = 0; i < NR_HELPERS; i++) {
		struct helper *h = &e->helpers[i];

		h->e = e;
		pthread_mutex_init(&h->lock, NULL);
		pthread_cond_init(&h->cond, NULL);
		if (pthread_create(&h->th, NULL, helper_main, h))
			abort();
	}
	/* Each thread set up (its trace open) before the caller goes on. */
	for (i = 0; i < NR_HELPERS; i++) {
		struct helper *h = &e->helpers[i];

		pthread_mutex_lock(&h->lock);
		while (!h->ready)
			pthread_cond_wait(&h->cond, &h->lock);
		pthread_mutex_unlock(&h->lock);
	}
	return e;
}

static bool dispatch(struct fuzz_exec *e, const struct fuzz_call *c,
		     unsigned int index)
{
	unsigned int i;

	for (i = 0; i < NR_HELPERS; i++) {
		struct helper *h = &e->helpers[i];
		bool taken = false;

		pthread_mutex_lock(&h->lock);
		if (!h->busy) {
			h->busy = true;
			h->call = c;
			h->index = index;
			pthread_cond_broadcast(&h->cond);
			taken = true;
		}
		pthread_mutex_unlock(&h->lock);
		if (taken)
			return true;
	}
	return false;
}

static void wait_helpers(struct fuzz_exec *e)
{
	unsigned int i, rounds;

	for (i = 0; i < NR_HELPERS; i++) {
		struct helper *h = &e->helpers[i];

		pthread_mutex_lock(&h->lock);
		for (rounds = 0; h->busy; rounds++) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 5000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&h->cond, &h->lock, &ts);
			/* Its guard should have fired: interrupt it again. */
			if (h->busy && rounds >= 2)
				pthread_kill(h->th, SIGUSR1);
		}
		pthread_mutex_unlock(&h->lock);
	}
}

/* Adds the time since @start, less @other, to @phase's; returns now. */
static uint64_t account(struct fuzz_exec *e, unsigned int phase,
			uint64_t start, uint64_t other)
{
	uint64_t now = fuzz_ticks();

	e->stats->nr[phase]++;
	e->stats->ticks[phase] += now - start - other;
	return now;
}

static void teardown(struct fuzz_exec *e, uint64_t start)
{
	unsigned int i;
	int status;

	wait_helpers(e);
	start = account(e, PH_HELPERS, start, 0);
	for (i = 0; i < e->nr_children; i++) {
		if (waitpid(e->children[i], &status, WNOHANG) == 0) {
			/* Killed in the middle of whatever it does. */
			kill(e->children[i], SIGKILL);
			waitpid(e->children[i], &status, 0);
		}
	}
	start = account(e, PH_CHILDREN, start, 0);
	for (i = 0; i < e->nr_maps; i++)
		if (e->maps[i].addr)
			munmap(e->maps[i].addr, e->maps[i].len);
	for (i = 0; i < e->nr_fds && i < MAX_FDS; i++)
		if (e->fds[i] >= 0)
			close(e->fds[i]);
	for (i = 0; i < NR_SPACES; i++) {
		if (e->spaces[i] >= 0)
			close(e->spaces[i]);
		e->spaces[i] = -1;
	}
	syscall(SYS_setresuid, -1, 0, -1);
	e->nr_entries = e->nr_tokens = e->nr_fds = 0;
	e->nr_maps = e->nr_children = 0;
	memset(e->entries, 0, sizeof(e->entries));
	account(e, PH_TEARDOWN, start, 0);
}

void fuzz_exec_run(struct fuzz_exec *e, const struct fuzz_prog *p,
		   int64_t *results, volatile uint32_t *current)
{
	uint64_t start = fuzz_ticks(), merge;
	unsigned int i, n;

	e->results = results;
	e->spaces[0] = open("/dev/xipc", O_RDWR | O_CLOEXEC);
	e->spaces[1] = open("/dev/xipc", O_RDWR | O_CLOEXEC);
	start = account(e, PH_SETUP, start, 0);
	for (i = 0; i < p->nr; i++) {
		const struct fuzz_call *c = &p->calls[i];

		if (current)
			*current = i;
		if (c->id >= C_NR)
			continue;
		if (c->id == C_FORK) {
			n = 1 + (unsigned int)(c->w[0] % 4);
			results[i] = run_fork(e, p, i, n);
			/* The child runs the next calls; this process skips them. */
			if (results[i] > 0)
				for (; n && i + 1 < p->nr; n--)
					results[++i] = -ECHILD;
			start = account(e, C_FORK, start, 0);
			continue;
		}
		if (c->async && c->id < C_FIRST_PSEUDO && dispatch(e, c, i)) {
			start = account(e, PH_ASYNC, start, 0);
			continue;
		}
		merge = run_call(e, &e->main, c, i);
		e->stats->nr[PH_COVER]++;
		e->stats->ticks[PH_COVER] += merge;
		start = account(e, c->id, start, merge);
	}
	if (current)
		*current = p->nr;
	teardown(e, start);
}
