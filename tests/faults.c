// SPDX-License-Identifier: MIT
/*
 * Systematic fault injection: every libipc call of a table of operations runs
 * with /proc/thread-self/fail-nth = 1, 2, 3, ... (the n-th allocation or user
 * copy of the calling thread fails: failslab, fail_page_alloc,
 * fail_usercopy) until a run injects no fault. A run that failed must return
 * -ENOMEM or -EFAULT and change nothing: /proc/xipc/users and
 * /proc/xipc/mailboxes read the same, no descriptor or mapping is left, the
 * operation's own objects are as they were (no message half-sent, taken or
 * lost), and the same call then succeeds. After each case the operation's
 * objects are torn down and everything must read as before its setup.
 *
 * The one documented exception: an RPC whose reply came but could not be
 * written out fails with EFAULT after the server answered (struct xipc_rpc
 * in <linux/xipc.h>); such a run is checked for exactly that and counted.
 *
 * Each injected fault's call site is read from the stack the fault injector
 * prints (verbose=2) on /dev/kmsg: the first frame in xipc.ko, or else the
 * system call the fault came in. The last test prints the figures.
 *
 * Skips (exit 4) on a kernel without fault injection (CONFIG_FAULT_INJECTION:
 * the debug kernel of `make test-debug` has it, Debian's kernels do not).
 */
#include <dirent.h>
#include <stdatomic.h>

#include "fixture.h"

#define FAIL_NTH	"/proc/thread-self/fail-nth"
#define DEBUGFS		"/sys/kernel/debug"
#define LONG_NS		XIPC_TEST_LONG_NS
/* No operation needs more: a run past it is a loop that never succeeds. */
#define MAX_NTH		400
#define MAX_SITES	512
#define SITE_LEN	96
#define PAYLOAD		200
#define BIG_PAYLOAD	(64 << 10)
#define REQ_TYPE	7
#define NOTICE_TYPE	9

/* What the tests share with the last one, which prints it: MAP_SHARED. */
struct figures {
	unsigned int cases;		/* (operation, n) runs */
	unsigned int injected;		/* of which a fault was injected in */
	unsigned int absorbed;		/* injected, yet the call succeeded */
	unsigned int rpc_late;		/* RPCs failed after the reply came */
	unsigned int silent;		/* injected without a stack (NOWARN) */
	unsigned int ops;
	unsigned int nr_sites;
	struct {
		char name[SITE_LEN];
		unsigned int hits;
	} sites[MAX_SITES];
};

static struct figures *figures;

/* One operation's objects; each setup fills what its run uses. */
struct ctx {
	int space;
	int space2;		/* a space of the operation's own */
	int arg;		/* the operation's struct op .arg */
	__u32 mb, mb2, h1, h2, h3;
	char name[XIPC_TEST_NAME_SIZE];
	unsigned char payload[PAYLOAD];
	unsigned char *big;
	unsigned char buf[PAYLOAD];
	__u32 handles[8];
	struct xipc_recv recv;
	struct xipc_transfer tr[2];
	pid_t named;
	int ret;		/* what the run returned */
	/* RPC server and LRPC threads */
	pthread_t thread, thread2;
	bool thread_on;
	atomic_int served;
	atomic_int stop;
	atomic_int tid;
	struct ipc_service *svc, *svc2;
	struct ipc_binding *b;
	struct xipc_astack *a;
	struct ipc_request req;
	int result;
	void *ptr;
};

/* ---- the state every run must leave as it found it ---- */

static void read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n;

	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	while (len < size - 1 &&
	       (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	buf[len] = 0;
	close(fd);
}

/*
 * /proc/xipc/mailboxes without the columns of who waits (servers come and
 * go) and the traffic counters (sent, received: they count attempts too).
 */
static void mailboxes_view(char *out, size_t size)
{
	static char raw[32768];
	char *line, *save, *tok, *tsave;
	size_t len = 0;
	int col;

	read_text("/proc/xipc/mailboxes", raw, sizeof(raw));
	for (line = strtok_r(raw, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		for (col = 0, tok = strtok_r(line, " ", &tsave); tok;
		     tok = strtok_r(NULL, " ", &tsave), col++)
			if (col != 11 && col != 12 && col != 14 && col != 15 &&
			    len + strlen(tok) + 2 < size)
				len += sprintf(out + len, "%s ", tok);
		if (len + 2 < size)
			len += sprintf(out + len, "\n");
	}
	out[len] = 0;
}

struct snap {
	char users[4096];
	char mailboxes[16384];
	unsigned int fds, maps;
};

static void snap_take(struct snap *s)
{
	static char maps[65536];
	DIR *d = opendir("/proc/self/fd");
	char *p;

	read_text("/proc/xipc/users", s->users, sizeof(s->users));
	mailboxes_view(s->mailboxes, sizeof(s->mailboxes));
	ck_assert(d);
	for (s->fds = 0; readdir(d); s->fds++)
		;
	closedir(d);
	read_text("/proc/self/maps", maps, sizeof(maps));
	for (s->maps = 0, p = maps; *p; p++)
		s->maps += *p == '\n';
}

/*
 * @maps: compare the mappings too; not after a teardown, since glibc keeps
 * the stacks of the threads it joined mapped, for the next ones.
 */
static void snap_same(const struct snap *a, const struct snap *b,
		      const char *op, unsigned int n, const char *when, bool maps)
{
	ck_assert_msg(!strcmp(a->users, b->users),
		      "%s n=%u %s: /proc/xipc/users changed:\n%s---\n%s", op, n,
		      when, a->users, b->users);
	ck_assert_msg(!strcmp(a->mailboxes, b->mailboxes),
		      "%s n=%u %s: /proc/xipc/mailboxes changed:\n%s---\n%s",
		      op, n, when, a->mailboxes, b->mailboxes);
	ck_assert_msg(a->fds == b->fds, "%s n=%u %s: descriptors %u -> %u",
		      op, n, when, a->fds, b->fds);
	ck_assert_msg(!maps || a->maps == b->maps,
		      "%s n=%u %s: mappings %u -> %u",
		      op, n, when, a->maps, b->maps);
}

/*
 * Takes @now until it reads as @want, for operations that go through the
 * name server: it finishes its side (closing what an unregister released)
 * after it answered. Within a bound that only a bug reaches. (@want itself,
 * taken right after a call to the name server, is exact: the kernel drops
 * the reply handle's charge before it wakes the caller.)
 */
static void snap_settle(const struct snap *want, struct snap *now, bool named)
{
	unsigned int tries;

	snap_take(now);
	for (tries = 0; named && tries < 1000; tries++) {
		if (!strcmp(want->users, now->users) &&
		    !strcmp(want->mailboxes, now->mailboxes))
			return;
		usleep(10000);
		snap_take(now);
	}
}

/* ---- fail-nth and the injector's report ---- */

static int nth_fd = -1;
static int kmsg_fd = -1;

static void nth_set(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	/*
	 * No ck_assert() from here to the call: a passing one writes its
	 * place to libcheck's pipe, which would count as a copy.
	 */
	if (pwrite(nth_fd, buf, len, 0) != len)
		ck_abort_msg("%s: %s", FAIL_NTH, strerror(errno));
}

/*
 * Whether the fault was injected in the call just made; either way fail-nth
 * is 0 afterwards. Reading it counts as a copy to user space, which may be
 * the n-th: then the read fails, and the call had none.
 */
static bool nth_injected(void)
{
	char buf[16] = "";
	ssize_t n = pread(nth_fd, buf, sizeof(buf) - 1, 0);

	if (n < 0) {
		ck_assert_int_eq(errno, EFAULT);
		return false;
	}
	if (buf[0] == '0')
		return true;
	/* The write itself may be the n-th copy: it fails, and resets it. */
	if (pwrite(nth_fd, "0", 1, 0) != 1)
		ck_assert_int_eq(errno, EFAULT);
	return false;
}

static void site_count(const char *name)
{
	unsigned int i;

	for (i = 0; i < figures->nr_sites; i++)
		if (!strcmp(figures->sites[i].name, name))
			break;
	if (i == figures->nr_sites) {
		if (i == MAX_SITES)
			return;
		snprintf(figures->sites[i].name, SITE_LEN, "%s", name);
		figures->nr_sites++;
	}
	figures->sites[i].hits++;
}

/*
 * The fault's site, from the records the injector printed since the run
 * began: "FAULT_INJECTION: forcing a failure.", "name failslab, ...",
 * then the stack, innermost first. The first reliable frame in xipc.ko is
 * the site; a fault outside the module is named by its system call.
 */
static void kmsg_site(const char *op)
{
	char rec[1024], attr[24] = "?", site[SITE_LEN - 32] = "", sys[40] = "";
	char key[SITE_LEN];
	char prev[64] = "";
	bool seen = false;
	ssize_t n;

	if (kmsg_fd < 0)
		return;
	for (;;) {
		char *msg, *end, *frame;

		n = read(kmsg_fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		rec[n] = 0;
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		end = strchr(msg, '\n');
		if (end)
			*end = 0;
		if (strstr(msg, "FAULT_INJECTION: forcing a failure")) {
			char *name = strstr(msg, "name ");

			if (seen)	/* one fault per run: a second is a bug */
				ck_abort_msg("%s: two faults injected in one run", op);
			seen = true;
			/* The record's second line (escaped as \x0a). */
			if (name)
				sscanf(name + 5, "%23[^,]", attr);
			continue;
		}
		if (!seen || msg[0] != ' ' || msg[1] == '?')
			continue;
		frame = msg + 1;
		if (!site[0] && strstr(frame, " [xipc]")) {
			char *plus = strchr(frame, '/');

			if (plus)
				*plus = 0;
			snprintf(site, sizeof(site), "%.63s", frame);
		}
		if (!sys[0] && (!strncmp(frame, "__x64_sys_", 10) ||
				!strncmp(frame, "__ia32_sys_", 11)))
			sscanf(frame, "%39[^+]", sys);
		if (!sys[0] && !strncmp(frame, "do_syscall_64", 13))
			snprintf(sys, sizeof(sys), "%.39s", prev);
		sscanf(frame, "%63[^+]", prev);
	}
	if (!seen) {
		figures->silent++;
		return;
	}
	if (site[0])
		snprintf(key, sizeof(key), "%s %s", attr, site);
	else
		snprintf(key, sizeof(key), "%s outside xipc, in %s", attr,
			 sys[0] ? sys : "?");
	site_count(key);
}

/*
 * The injectors fail only what fail-nth asks for (their probability stays
 * 0), but by default skip allocations that may sleep, and fail_page_alloc
 * order-0 pages: fail those too. User pages (highmem) stay out, and a stack
 * is printed for each fault.
 */
static void knobs_set(void)
{
	static const char *const knobs[][2] = {
		{ "failslab/ignore-gfp-wait", "N" },
		{ "failslab/verbose", "2" },
		{ "fail_page_alloc/ignore-gfp-wait", "N" },
		{ "fail_page_alloc/min-order", "0" },
		{ "fail_page_alloc/verbose", "2" },
		{ "fail_usercopy/verbose", "2" },
	};
	char path[128];
	unsigned int i;
	int fd;

	for (i = 0; i < FX_NR(knobs); i++) {
		snprintf(path, sizeof(path), DEBUGFS "/%s", knobs[i][0]);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (write(fd, knobs[i][1], strlen(knobs[i][1])) < 0)
			fprintf(stderr, "%s: %s\n", path, strerror(errno));
		close(fd);
	}
}

/* ---- the operations ---- */

/*
 * An operation is one function, called in each phase of a case: SETUP makes
 * its objects; RUN makes the call (its result); UNDONE checks after a failed
 * run that its objects are as they were; DONE checks the run that succeeded
 * and undoes what it made; TEARDOWN. LATE, for an operation made of an RPC:
 * whether the failed run is the documented late failure (the server
 * answered, the answer could not be written out); if so it puts things back
 * as after the setup. c->ret is what the run returned.
 */
enum phase { SETUP, RUN, UNDONE, DONE, TEARDOWN, LATE };

struct op {
	const char *name;
	int (*fn)(struct ctx *c, enum phase p);
	int arg;		/* c->arg: the variant of an operation */
	unsigned int with;	/* what the engine does for it: */
};

#define MAILBOX	(1 << 0)	/* c->mb: a new mailbox, closed after the teardown */
#define SERVICE	(1 << 1)	/* c->svc: a new service (service_new()), the same */
#define CLOSES	(1 << 2)	/* DONE: the run made a handle (> 0), closed */
#define NAMED	(1 << 3)	/* a name server runs */

static bool checking(enum phase p)
{
	return p == UNDONE || p == DONE;
}

static __u32 new_mb(struct ctx *c)
{
	return xipc_test_mailbox(c->space, 0, 0, 0);
}

static void close_ok(struct ctx *c, __u32 h)
{
	ck_assert_int_eq(ipc_handle_close(c->space, h), 0);
}

/* A handle the call returned, closed. */
static void close_made(struct ctx *c, int ret)
{
	ck_assert_int_gt(ret, 0);
	close_ok(c, ret);
}

static void handle_gone(struct ctx *c, __u32 h)
{
	struct xipc_handle_info info;

	ck_assert_int_eq(ipc_handle_info(c->space, h, &info), -EBADF);
}

/* Fails unless the state of @h has @bit exactly when @set. */
static void state_is(struct ctx *c, __u32 h, __u32 bit, bool set)
{
	ck_assert_uint_eq(!!(xipc_test_handle_info(c->space, h).state & bit),
			  set);
}

static struct xipc_transfer copy_send(__u32 h)
{
	return (struct xipc_transfer){ .handle = h, .rights = XIPC_RIGHT_SEND };
}

/* Sets c->recv for a receive of anything on @mb into c->buf. */
static struct xipc_recv *recv_args(struct ctx *c, __u32 mb, __u32 flags)
{
	c->recv = xipc_test_recv_args(mb, 0, c->buf, sizeof(c->buf), 0);
	c->recv.flags = flags;
	c->recv.handles = ipc_ptr(c->handles);
	c->recv.max_handles = FX_NR(c->handles);
	return &c->recv;
}

/* The mailbox holds nothing (a receive that does not wait finds nothing). */
static void queue_empty(struct ctx *c, __u32 mb)
{
	ck_assert_int_eq(ipc_recv(c->space, recv_args(c, mb, XIPC_RECV_PEEK)),
			 -EAGAIN);
}

/*
 * The mailbox's first message is c->payload with @nr handles; @take: it is
 * taken (its handles closed), and the mailbox is empty after it.
 */
static void expect_payload(struct ctx *c, __u32 mb, unsigned int nr, bool take)
{
	unsigned int i;

	memset(c->buf, 0, sizeof(c->buf));
	ck_assert_int_eq(ipc_recv(c->space, recv_args(c, mb, take ? 0 :
						      XIPC_RECV_PEEK)), PAYLOAD);
	ck_assert(!memcmp(c->buf, c->payload, PAYLOAD));
	ck_assert_uint_eq(c->recv.nr_handles, nr);
	for (i = 0; take && i < nr; i++)
		close_ok(c, c->handles[i]);
	if (take)
		queue_empty(c, mb);
}

/* Sends c->payload on c->mb, carrying the first @nr of c->tr. */
static int send_payload(struct ctx *c, unsigned int nr)
{
	struct xipc_send msg = xipc_test_send_args(c->mb, REQ_TYPE, c->payload,
						   PAYLOAD, 0);

	msg.transfers = nr ? ipc_ptr(c->tr) : 0;
	msg.nr_transfers = nr;
	return ipc_send(c->space, &msg);
}

/* open, info, mailboxes and handles */

static int op_open(struct ctx *c, enum phase p)
{
	if (p == RUN)
		return ipc_open(0);
	if (p == DONE)
		ck_assert_int_eq(ipc_close(c->ret), 0);
	return 0;
}

static int op_info(struct ctx *c, enum phase p)
{
	struct xipc_info info;

	return p == RUN ? ipc_info(c->space, &info) : 0;
}

static int op_create(struct ctx *c, enum phase p)
{
	return p == RUN ? ipc_mailbox_create(c->space, 0, 0, 0) : 0;
}

/* arg: the dup's flags (XIPC_DUP_BADGE: with badge 42) */
static int op_dup(struct ctx *c, enum phase p)
{
	return p == RUN ? ipc_handle_dup(c->space, c->mb, XIPC_RIGHT_SEND,
					 c->arg, c->arg ? 42 : 0) : 0;
}

/*
 * A dup that makes its space's handle table grow: a space of its own whose
 * first array (module/table.c: 16 slots) is full, handles 1 to 16.
 */
#define TABLE_FIRST	16

static int op_dup_grows(struct ctx *c, enum phase p)
{
	unsigned int i;

	if (p == SETUP) {
		c->space2 = xipc_test_open();
		ck_assert_int_eq(xipc_test_mailbox(c->space2, 0, 0, 0), 1);
		for (i = 2; i <= TABLE_FIRST; i++)
			ck_assert_int_eq(fx_dup(c->space2, 1, XIPC_RIGHT_SEND,
						0, 0), i);
	}
	if (p == RUN)
		return ipc_handle_dup(c->space2, 1, XIPC_RIGHT_SEND, 0, 0);
	if (checking(p))
		ck_assert_uint_eq(xipc_test_count_handles(c->space2),
				  TABLE_FIRST + (p == DONE));
	if (p == DONE)
		ck_assert_int_eq(c->ret, TABLE_FIRST + 1);
	if (p == TEARDOWN)
		ck_assert_int_eq(ipc_close(c->space2), 0);
	return 0;
}

static int op_handle_info(struct ctx *c, enum phase p)
{
	struct xipc_handle_info info;

	return p == RUN ? ipc_handle_info(c->space, c->mb, &info) : 0;
}

/* c->h1 is a child of c->mb, with every right; arg 0 closes it, 1 revokes it. */
static int op_close_revoke(struct ctx *c, enum phase p)
{
	struct xipc_handle_info info;

	if (p == SETUP)
		c->h1 = fx_dup(c->space, c->mb, XIPC_RIGHTS_ALL, 0, 0);
	if (p == RUN)
		return c->arg ? ipc_handle_revoke(c->space, c->mb) :
				ipc_handle_close(c->space, c->h1);
	if (checking(p) && c->arg)
		state_is(c, c->h1, XIPC_STATE_REVOKED, p == DONE);
	else if (checking(p))
		ck_assert_int_eq(ipc_handle_info(c->space, c->h1, &info),
				 p == DONE ? -EBADF : 0);
	if (p == TEARDOWN)
		ipc_handle_close(c->space, c->h1);
	return 0;
}

static int op_destroy(struct ctx *c, enum phase p)
{
	if (p == RUN)
		return ipc_mailbox_destroy(c->space, c->mb);
	if (checking(p))
		state_is(c, c->mb, XIPC_STATE_DESTROYED, p == DONE);
	return 0;
}

static int op_mailbox_fd(struct ctx *c, enum phase p)
{
	if (p == RUN)
		return ipc_mailbox_fd(c->space, c->mb);
	if (p == DONE) {
		ck_assert_int_ge(c->ret, 0);
		ck_assert_int_eq(close(c->ret), 0);
	}
	return 0;
}

/* named mailboxes */

static int op_open_create(struct ctx *c, enum phase p)
{
	if (p == SETUP)
		xipc_test_name(c->name, "fault");
	if (p == RUN)
		return ipc_mailbox_open(c->space, c->name,
					XIPC_OPEN_CREATE | XIPC_OPEN_EXCL, 0600, 0);
	if (p == UNDONE)
		ck_assert_int_eq(ipc_mailbox_open(c->space, c->name, 0, 0, 0),
				 -ENOENT);
	if (p == DONE) {
		close_made(c, c->ret);
		ck_assert_int_eq(ipc_mailbox_unlink(c->space, c->name), 0);
	}
	return 0;
}

/* A mailbox named c->name (c->mb), for the calls on names. */
static void named_mailbox(struct ctx *c, enum phase p)
{
	if (p == SETUP) {
		xipc_test_name(c->name, "fault");
		c->mb = ipc_mailbox_open(c->space, c->name, XIPC_OPEN_CREATE,
					 0600, 0);
		ck_assert_int_gt(c->mb, 0);
	}
	if (p == TEARDOWN) {
		ipc_mailbox_unlink(c->space, c->name);
		close_ok(c, c->mb);
	}
}

static int op_open_existing(struct ctx *c, enum phase p)
{
	named_mailbox(c, p);
	if (p == RUN)
		return ipc_mailbox_open(c->space, c->name, 0, 0, XIPC_RIGHT_SEND);
	return 0;
}

static int op_unlink(struct ctx *c, enum phase p)
{
	named_mailbox(c, p);
	if (p == RUN)
		return ipc_mailbox_unlink(c->space, c->name);
	if (p == UNDONE)
		close_made(c, ipc_mailbox_open(c->space, c->name, 0, 0,
					       XIPC_RIGHT_SEND));
	if (p == DONE)
		ck_assert_int_eq(ipc_mailbox_open(c->space, c->name, 0, 0, 0),
				 -ENOENT);
	return 0;
}

/* send, receive, peek */

static int op_send(struct ctx *c, enum phase p)
{
	if (p == RUN)
		return send_payload(c, 0);
	if (p == UNDONE)
		queue_empty(c, c->mb);
	if (p == DONE) {
		ck_assert_int_eq(c->ret, 0);
		expect_payload(c, c->mb, 0, true);
	}
	return 0;
}

static int op_send_big(struct ctx *c, enum phase p)
{
	struct xipc_send msg = xipc_test_send_args(c->mb, REQ_TYPE, c->big,
						   BIG_PAYLOAD, 0);
	struct xipc_recv r = xipc_test_recv_args(c->mb, 0, c->ptr,
						 BIG_PAYLOAD, 0);

	if (p == SETUP) {
		c->mb = xipc_test_mailbox(c->space, 2 * BIG_PAYLOAD, 0, 0);
		c->big = malloc(BIG_PAYLOAD);
		c->ptr = calloc(1, BIG_PAYLOAD);
		ck_assert(c->big && c->ptr);
		fx_fill(c->big, BIG_PAYLOAD, 2);
	}
	if (p == RUN)
		return ipc_send(c->space, &msg);
	if (p == UNDONE)
		queue_empty(c, c->mb);
	if (p == DONE) {
		ck_assert_int_eq(c->ret, 0);
		ck_assert_int_eq(ipc_recv(c->space, &r), BIG_PAYLOAD);
		ck_assert(!memcmp(c->ptr, c->big, BIG_PAYLOAD));
		queue_empty(c, c->mb);
	}
	if (p == TEARDOWN) {
		free(c->big);
		free(c->ptr);
		close_ok(c, c->mb);
	}
	return 0;
}

/* A message with two handles: h1 copied (SEND only), h2 moved. */
static int op_send_handles(struct ctx *c, enum phase p)
{
	if (p == SETUP) {
		c->h1 = new_mb(c);
		c->h2 = new_mb(c);
		c->tr[0] = copy_send(c->h1);
		c->tr[1] = (struct xipc_transfer){ .handle = c->h2,
						   .flags = XIPC_TRANSFER_MOVE };
	}
	if (p == RUN)
		return send_payload(c, 2);
	if (p == UNDONE) {
		queue_empty(c, c->mb);
		xipc_test_handle_info(c->space, c->h1);
		xipc_test_handle_info(c->space, c->h2);	/* the moved one is back */
	}
	if (p == DONE) {
		ck_assert_int_eq(c->ret, 0);
		handle_gone(c, c->h2);
		expect_payload(c, c->mb, 2, true);
	}
	if (p == TEARDOWN) {
		close_ok(c, c->h1);
		ipc_handle_close(c->space, c->h2);
	}
	return 0;
}

/* A queued message with one handle; arg: the receive's flags. */
static int op_recv(struct ctx *c, enum phase p)
{
	if (p == SETUP) {
		c->h1 = new_mb(c);
		c->tr[0] = copy_send(c->h1);
		ck_assert_int_eq(send_payload(c, 1), 0);
	}
	if (p == RUN)
		return ipc_recv(c->space, recv_args(c, c->mb, c->arg));
	if (p == UNDONE)
		expect_payload(c, c->mb, 1, false);
	if (p == DONE) {
		ck_assert_int_eq(c->ret, PAYLOAD);
		ck_assert(!memcmp(c->buf, c->payload, PAYLOAD));
	}
	if (p == DONE && c->arg == XIPC_RECV_PEEK) {
		expect_payload(c, c->mb, 1, true);
	} else if (p == DONE) {
		ck_assert_uint_eq(c->recv.nr_handles, 1);
		close_ok(c, c->handles[0]);
		queue_empty(c, c->mb);
	}
	if (p == TEARDOWN)
		close_ok(c, c->h1);
	return 0;
}

/* RPC: a server thread answers on c->mb, in the same space. */

static void *rpc_server(void *arg)
{
	struct ctx *c = arg;
	unsigned char req[PAYLOAD], rep[PAYLOAD];
	__u32 got[4];
	unsigned int i;

	while (!atomic_load(&c->stop)) {
		struct xipc_recv r = xipc_test_recv_args(c->mb, 0, req,
							 sizeof(req), 100000000);
		struct xipc_transfer t = copy_send(c->h3);
		struct xipc_reply reply = { .data = ipc_ptr(rep),
					    .size = sizeof(rep) };
		int ret;

		r.handles = ipc_ptr(got);
		r.max_handles = FX_NR(got);
		ret = ipc_recv(c->space, &r);
		if (ret == -ETIMEDOUT)
			continue;
		if (ret < 0)
			break;
		for (i = 0; i < r.nr_handles; i++)
			ipc_handle_close(c->space, got[i]);
		for (i = 0; i < PAYLOAD; i++)
			rep[i] = req[i] ^ 0x5a;
		reply.reply = r.reply;
		if (r.nr_handles) {	/* answer a handle with a handle */
			reply.transfers = ipc_ptr(&t);
			reply.nr_transfers = 1;
		}
		atomic_fetch_add(&c->served, 1);
		ipc_reply(c->space, &reply);
	}
	return NULL;
}

static void start_thread(struct ctx *c, void *(*fn)(void *))
{
	atomic_store(&c->stop, 0);
	ck_assert_int_eq(pthread_create(&c->thread, NULL, fn, c), 0);
	c->thread_on = true;
}

static void stop_thread(struct ctx *c)
{
	atomic_store(&c->stop, 1);
	if (c->thread_on)
		pthread_join(c->thread, NULL);
	c->thread_on = false;
}

static int rpc_call(struct ctx *c, unsigned int nr)
{
	struct xipc_rpc call = { .handle = c->mb, .type = REQ_TYPE,
		.data = ipc_ptr(c->payload), .size = PAYLOAD,
		.transfers = ipc_ptr(c->tr), .nr_transfers = nr,
		.reply_data = ipc_ptr(c->buf), .reply_size = sizeof(c->buf),
		.reply_handles = ipc_ptr(c->handles), .max_reply_handles = 2,
		.timeout_ns = LONG_NS };
	int ret;

	memset(c->buf, 0, sizeof(c->buf));
	memset(c->handles, 0, sizeof(c->handles));
	ret = ipc_rpc(c->space, &call);
	c->result = call.nr_reply_handles;
	return ret;
}

/*
 * arg: the handles the request carries, and so the answer. The documented
 * late failure: the server answered, the reply could not all be written.
 * Its handles are installed all the same; the numbers the kernel could
 * write are closed, and the server counted once.
 */
static int op_rpc(struct ctx *c, enum phase p)
{
	unsigned int i;

	if (p == SETUP) {
		c->h1 = new_mb(c);
		c->h3 = new_mb(c);
		c->tr[0] = copy_send(c->h1);
		atomic_store(&c->served, 0);
		start_thread(c, rpc_server);
	}
	if (p == RUN)
		return rpc_call(c, c->arg);
	if (p == UNDONE)
		ck_assert_int_eq(atomic_load(&c->served), 0);
	if (p == DONE) {
		ck_assert_int_eq(c->ret, PAYLOAD);
		ck_assert_int_eq(atomic_load(&c->served), 1);
		for (i = 0; i < PAYLOAD; i++)
			ck_assert_uint_eq(c->buf[i], c->payload[i] ^ 0x5a);
		ck_assert_int_eq(c->result, c->arg);
		if (c->arg)
			close_ok(c, c->handles[0]);
	}
	if (p == TEARDOWN) {
		stop_thread(c);
		close_ok(c, c->h1);
		close_ok(c, c->h3);
	}
	if (p != LATE || c->ret != -EFAULT || atomic_load(&c->served) != 1)
		return 0;
	if (c->handles[0])
		close_ok(c, c->handles[0]);
	atomic_store(&c->served, 0);
	return 1;
}

/* Reply: a client thread calls c->mb; this thread took the request. */

static void *rpc_client(void *arg)
{
	struct ctx *c = arg;
	unsigned char rep[PAYLOAD];
	__u32 got[2] = { 0 };
	struct xipc_rpc call = { .handle = c->mb, .type = REQ_TYPE,
		.data = ipc_ptr(c->payload), .size = PAYLOAD,
		.reply_data = ipc_ptr(rep), .reply_size = sizeof(rep),
		.reply_handles = ipc_ptr(got), .max_reply_handles = 2,
		.timeout_ns = LONG_NS };
	int ret = ipc_rpc(c->space, &call);

	c->result = ret == PAYLOAD && call.nr_reply_handles == 1 &&
		    !memcmp(rep, c->payload, PAYLOAD) ? 1 : ret < 0 ? ret : -1000;
	if (got[0])
		ipc_handle_close(c->space, got[0]);
	atomic_fetch_add(&c->served, 1);
	return NULL;
}

static int op_reply(struct ctx *c, enum phase p)
{
	struct xipc_reply reply = { .reply = c->h1, .data = ipc_ptr(c->payload),
		.size = PAYLOAD, .transfers = ipc_ptr(c->tr), .nr_transfers = 1 };

	if (p == SETUP) {
		c->h3 = new_mb(c);
		c->tr[0] = copy_send(c->h3);
		atomic_store(&c->served, 0);
		c->result = 0;
		start_thread(c, rpc_client);
		memset(c->buf, 0, sizeof(c->buf));
		c->recv = xipc_test_recv_args(c->mb, 0, c->buf, sizeof(c->buf),
					      LONG_NS);
		ck_assert_int_eq(ipc_recv(c->space, &c->recv), PAYLOAD);
		c->h1 = c->recv.reply;
		ck_assert_uint_gt(c->h1, 0);
	}
	if (p == RUN)
		return ipc_reply(c->space, &reply);
	if (p == UNDONE) {
		xipc_test_handle_info(c->space, c->h1);
		ck_assert_int_eq(atomic_load(&c->served), 0);
	}
	if (p == DONE) {
		ck_assert_int_eq(c->ret, 0);
		handle_gone(c, c->h1);
		stop_thread(c);
		ck_assert_int_eq(c->result, 1);
		ck_assert_int_eq(atomic_load(&c->served), 1);
	}
	if (p == TEARDOWN) {
		stop_thread(c);
		close_ok(c, c->h3);
	}
	return 0;
}

/* Watches, the name-server role, bootstrap */

static int op_watch(struct ctx *c, enum phase p)
{
	struct xipc_death_notice notice;
	struct xipc_recv r = xipc_test_recv_args(c->mb2, NOTICE_TYPE, &notice,
						 sizeof(notice), 0);

	if (p == SETUP)
		c->mb2 = new_mb(c);
	if (p == RUN)
		return ipc_watch(c->space, c->mb, c->mb2, NOTICE_TYPE, 77);
	if (p == DONE)
		ck_assert_int_eq(c->ret, 0);
	if (checking(p))
		ck_assert_int_eq(ipc_mailbox_destroy(c->space, c->mb), 0);
	if (p == UNDONE) {
		/* No watch: the death tells nobody. */
		queue_empty(c, c->mb2);
		close_ok(c, c->mb);
		c->mb = new_mb(c);
	}
	if (p == DONE) {
		ck_assert_int_eq(ipc_recv(c->space, &r), (int)sizeof(notice));
		ck_assert_uint_eq(notice.cookie, 77);
		queue_empty(c, c->mb2);
	}
	if (p == TEARDOWN)
		close_ok(c, c->mb2);
	return 0;
}

static int op_claim(struct ctx *c, enum phase p)
{
	if (p == RUN)
		return ipc_nameserver_claim(c->space, c->mb);
	if (p == UNDONE)
		ck_assert_int_eq(ipc_bootstrap(c->space, 0), -ENOENT);
	if (p == DONE) {
		ck_assert_int_eq(c->ret, 0);
		close_made(c, ipc_bootstrap(c->space, 0));
	}
	return 0;
}

/* The name service: a name server of the test's own, in its IPC namespace. */

static int op_bootstrap(struct ctx *c, enum phase p)
{
	return p == RUN ? ipc_bootstrap(c->space, LONG_NS) : 0;
}

enum { NS_REGISTER, NS_LOOKUP, NS_UNREGISTER, NS_LIST };

static int ns_register(struct ctx *c)
{
	return ipc_ns_register(c->space, c->name, c->mb, NULL, 0, LONG_NS);
}

/* Whether c->name is registered: a lookup finds it, or says ENOENT. */
static bool ns_registered(struct ctx *c)
{
	int h = ipc_ns_lookup(c->space, c->name, 0, 0, LONG_NS);

	ck_assert_msg(h > 0 || h == -ENOENT, "lookup: %d", h);
	if (h > 0)
		close_ok(c, h);
	return h > 0;
}

/*
 * arg: the call. c->name names c->mb, but for NS_REGISTER's run. A register
 * or unregister that failed late, after the name server answered, holds.
 */
static int op_ns(struct ctx *c, enum phase p)
{
	static struct ipc_ns_entry entries[4];
	bool changes = c->arg == NS_REGISTER || c->arg == NS_UNREGISTER;

	if (p == SETUP) {
		snprintf(c->name, sizeof(c->name), "fault-%d", (int)getpid());
		if (c->arg != NS_REGISTER)
			ck_assert_int_eq(ns_register(c), 0);
	}
	if (p == RUN && c->arg == NS_REGISTER)
		return ns_register(c);
	if (p == RUN && c->arg == NS_LOOKUP)
		return ipc_ns_lookup(c->space, c->name, 0, 0, LONG_NS);
	if (p == RUN && c->arg == NS_UNREGISTER)
		return ipc_ns_unregister(c->space, c->name, LONG_NS);
	if (p == RUN)
		return ipc_ns_list(c->space, NULL, entries, FX_NR(entries),
				   LONG_NS);
	if (p == DONE && c->arg == NS_REGISTER)
		ck_assert_int_eq(c->ret, 0);
	if (checking(p) && changes)	/* there after a register, not after an unregister */
		ck_assert_int_eq(ns_registered(c),
				 (p == DONE) == (c->arg == NS_REGISTER));
	if (p == DONE && c->arg == NS_LIST)
		ck_assert_int_eq(c->ret, 1);
	if (p == TEARDOWN)
		ipc_ns_unregister(c->space, c->name, LONG_NS);
	if (p != LATE || c->ret != -EFAULT)
		return 0;
	if (c->arg == NS_REGISTER)
		return ipc_ns_unregister(c->space, c->name, LONG_NS) == 0;
	if (c->arg != NS_UNREGISTER || ns_registered(c))
		return 0;
	ck_assert_int_eq(ns_register(c), 0);
	return 1;
}

static int op_ns_watch(struct ctx *c, enum phase p)
{
	return p == RUN ? ipc_ns_watch(c->space, c->mb, NOTICE_TYPE, 5, LONG_NS) : 0;
}

/* LRPC: services, bindings, calls */

static int proc_echo(struct ipc_request *req, void *cookie)
{
	struct ctx *c = cookie;

	req->astack->regs[0] = req->args->regs[0] * 3 + 1;
	atomic_fetch_add(&c->served, 1);
	return 0;
}

static struct ipc_service *service_new(struct ctx *c)
{
	struct ipc_service *svc;

	ck_assert_int_eq(ipc_service_create(c->space, &(struct ipc_service_attr){
		.max_bindings = 4 }, &svc), 0);
	ck_assert_int_eq(ipc_service_register(svc, 1, proc_echo, c), 0);
	return svc;
}

static int op_service_create(struct ctx *c, enum phase p)
{
	if (p == RUN)
		return ipc_service_create(c->space, &(struct ipc_service_attr){ 0 },
					  &c->svc);
	if (p == DONE) {
		ck_assert_int_eq(c->ret, 0);
		ipc_service_free(c->svc);
	}
	return 0;
}

static int op_service_destroy(struct ctx *c, enum phase p)
{
	if (p == RUN)
		return ipc_service_destroy(c->svc);
	if (p == DONE)
		ck_assert_int_eq(c->ret, 0);
	if (checking(p))
		state_is(c, ipc_service_handle(c->svc), XIPC_STATE_DESTROYED,
			 p == DONE);
	return 0;
}

static int op_bind(struct ctx *c, enum phase p)
{
	if (p == RUN)
		return ipc_bind(c->space, ipc_service_handle(c->svc), &c->b);
	if (p == DONE) {
		ck_assert_int_eq(c->ret, 0);
		/* Every slot but this one's is free. */
		ck_assert_int_eq(ipc_astack_get(c->b, &c->a), 0);
		ipc_astack_put(c->b, c->a);
		ck_assert_int_eq(ipc_unbind(c->b), 0);
	}
	return 0;
}

static void *serve_thread(void *arg)
{
	struct ctx *c = arg;

	ipc_service_run(c->svc2 ? c->svc2 : c->svc);
	return NULL;
}

/* A service served by a thread, and a binding to it with an A-stack. */
static int op_call(struct ctx *c, enum phase p)
{
	if (p == SETUP) {
		atomic_store(&c->served, 0);
		start_thread(c, serve_thread);
		ck_assert_int_eq(ipc_bind(c->space, ipc_service_handle(c->svc),
					  &c->b), 0);
		ck_assert_int_eq(ipc_astack_get(c->b, &c->a), 0);
		c->a->size = 0;
	}
	if (p == RUN) {
		c->a->regs[0] = 14;
		return ipc_call(c->b, c->a, 1, LONG_NS);
	}
	if (p == UNDONE)
		ck_assert_int_eq(atomic_load(&c->served), 0);
	if (p == DONE) {
		ck_assert_int_eq(c->ret, 0);
		ck_assert_int_eq(c->a->status, 0);
		ck_assert_uint_eq(c->a->regs[0], 43);
		ck_assert_int_eq(atomic_load(&c->served), 1);
	}
	if (p == TEARDOWN) {
		ipc_astack_put(c->b, c->a);
		ck_assert_int_eq(ipc_unbind(c->b), 0);
		ck_assert_int_eq(ipc_service_destroy(c->svc), 0);
		stop_thread(c);
	}
	return 0;
}

/* A client thread's call, waiting in the kernel until it is served. */
static void *lrpc_client(void *arg)
{
	struct ctx *c = arg;

	atomic_store(&c->tid, (int)gettid());
	c->a->regs[0] = 1;
	c->result = ipc_call(c->b, c->a, 1, LONG_NS);
	return NULL;
}

/* Answers the call this thread took with ipc_service_next(). */
static void answer_taken(struct ctx *c)
{
	struct xipc_lrpc_serve serve = { .flags = XIPC_SERVE_REPLY,
		.service = ipc_service_handle(c->svc), .call = c->req.token };

	ck_assert_int_eq(ioctl(c->space, XIPC_IOC_LRPC_SERVE, &serve), 0);
	stop_thread(c);
	ck_assert_int_eq(c->result, 0);
}

/*
 * A nested call: this thread serves service A (c->svc, ipc_service_next)
 * while a client thread's call to A waits, and from inside that call calls
 * service B, served by another thread, naming A's call as its parent.
 */
static int op_nested(struct ctx *c, enum phase p)
{
	struct xipc_astack *a2 = c->ptr;
	struct xipc_lrpc_call call = { .binding = c->h2,
		.parent = c->req.token, .timeout_ns = LONG_NS };
	struct xipc_bind bind = { 0 };

	if (p == SETUP) {
		c->svc2 = service_new(c);		/* B: served by a thread */
		atomic_store(&c->served, 0);
		ck_assert_int_eq(pthread_create(&c->thread2, NULL, serve_thread,
						c), 0);
		ck_assert_int_eq(ipc_bind(c->space, ipc_service_handle(c->svc),
					  &c->b), 0);
		ck_assert_int_eq(ipc_astack_get(c->b, &c->a), 0);
		/* B's binding by hand: the raw call below needs its handle. */
		bind.service = ipc_service_handle(c->svc2);
		ck_assert_int_eq(ioctl(c->space, XIPC_IOC_BIND, &bind), 0);
		c->h2 = bind.handle;
		c->h3 = bind.map_size;
		c->ptr = mmap(NULL, bind.map_size, PROT_READ | PROT_WRITE,
			      MAP_SHARED, c->space, bind.map_offset);
		ck_assert(c->ptr != MAP_FAILED);
		start_thread(c, lrpc_client);
		ck_assert_int_eq(ipc_service_next(c->svc, &c->req, 0, LONG_NS), 0);
	}
	if (p == RUN) {
		call.parent_service = ipc_service_handle(c->svc);
		a2->proc = 1;
		a2->regs[0] = 2;
		return ioctl(c->space, XIPC_IOC_LRPC_CALL, &call) ? -errno : 0;
	}
	if (p == UNDONE)
		ck_assert_int_eq(atomic_load(&c->served), 0);
	if (p == DONE) {
		ck_assert_int_eq(c->ret, 0);
		ck_assert_uint_eq(a2->regs[0], 7);
		ck_assert_int_eq(atomic_load(&c->served), 1);
	}
	if (p == TEARDOWN) {
		answer_taken(c);
		ipc_astack_put(c->b, c->a);
		ck_assert_int_eq(ipc_unbind(c->b), 0);
		ck_assert_int_eq(munmap(c->ptr, c->h3), 0);
		close_ok(c, c->h2);
		ck_assert_int_eq(ipc_service_destroy(c->svc2), 0);
		pthread_join(c->thread2, NULL);
		ipc_service_free(c->svc2);
		c->svc2 = NULL;
	}
	return 0;
}

/* The server's side: take a call (ipc_service_next), then answer it. */
static int op_serve(struct ctx *c, enum phase p)
{
	if (p == SETUP) {
		ck_assert_int_eq(ipc_bind(c->space, ipc_service_handle(c->svc),
					  &c->b), 0);
		ck_assert_int_eq(ipc_astack_get(c->b, &c->a), 0);
		c->result = -1000;
		atomic_store(&c->tid, 0);
		start_thread(c, lrpc_client);
		/* Queued before the run: the client's call waits in the kernel. */
		while (!atomic_load(&c->tid))
			sched_yield();
		xipc_test_wait_asleep(atomic_load(&c->tid));
		memset(&c->req, 0, sizeof(c->req));
	}
	if (p == RUN)
		return ipc_service_next(c->svc, &c->req, 0, LONG_NS);
	if (p == UNDONE)
		ck_assert_int_eq(c->result, -1000);	/* the client still waits */
	if (p == DONE) {
		ck_assert_int_eq(c->ret, 0);
		ck_assert_uint_eq(c->req.proc, 1);
		answer_taken(c);
	}
	if (p == TEARDOWN) {
		stop_thread(c);
		ipc_astack_put(c->b, c->a);
		ck_assert_int_eq(ipc_unbind(c->b), 0);
	}
	return 0;
}

/* ---- the table ---- */

static const struct op ops[] = {
	{ "ipc_open", op_open, 0, 0 },
	{ "ipc_info", op_info, 0, 0 },
	{ "ipc_mailbox_create", op_create, 0, CLOSES },
	{ "ipc_handle_dup", op_dup, 0, MAILBOX | CLOSES },
	{ "ipc_handle_dup badge", op_dup, XIPC_DUP_BADGE, MAILBOX | CLOSES },
	{ "ipc_handle_dup growing the table", op_dup_grows, 0, 0 },
	{ "ipc_handle_info", op_handle_info, 0, MAILBOX },
	{ "ipc_handle_close", op_close_revoke, 0, MAILBOX },
	{ "ipc_handle_revoke", op_close_revoke, 1, MAILBOX },
	{ "ipc_mailbox_destroy", op_destroy, 0, MAILBOX },
	{ "ipc_mailbox_fd", op_mailbox_fd, 0, MAILBOX },
	{ "ipc_mailbox_open create", op_open_create, 0, 0 },
	{ "ipc_mailbox_open existing", op_open_existing, 0, CLOSES },
	{ "ipc_mailbox_unlink", op_unlink, 0, 0 },
	{ "ipc_send", op_send, 0, MAILBOX },
	{ "ipc_send 64 KiB", op_send_big, 0, 0 },
	{ "ipc_send with handles (copy, move)", op_send_handles, 0, MAILBOX },
	{ "ipc_recv with a handle", op_recv, 0, MAILBOX },
	{ "ipc_recv peek", op_recv, XIPC_RECV_PEEK, MAILBOX },
	{ "ipc_rpc", op_rpc, 0, MAILBOX },
	{ "ipc_rpc with handles", op_rpc, 1, MAILBOX },
	{ "ipc_reply with a handle", op_reply, 0, MAILBOX },
	{ "ipc_watch", op_watch, 0, MAILBOX },
	{ "ipc_nameserver_claim", op_claim, 0, MAILBOX },
	{ "ipc_bootstrap", op_bootstrap, 0, CLOSES | NAMED },
	{ "ipc_ns_register", op_ns, NS_REGISTER, MAILBOX | NAMED },
	{ "ipc_ns_lookup", op_ns, NS_LOOKUP, MAILBOX | CLOSES | NAMED },
	{ "ipc_ns_unregister", op_ns, NS_UNREGISTER, MAILBOX | NAMED },
	{ "ipc_ns_list", op_ns, NS_LIST, MAILBOX | NAMED },
	{ "ipc_ns_watch", op_ns_watch, 0, MAILBOX | CLOSES | NAMED },
	{ "ipc_service_create", op_service_create, 0, 0 },
	{ "ipc_service_destroy", op_service_destroy, 0, SERVICE },
	{ "ipc_bind", op_bind, 0, SERVICE },
	{ "ipc_call", op_call, 0, SERVICE },
	{ "nested call (XIPC_IOC_LRPC_CALL with a parent)", op_nested, 0, SERVICE },
	{ "ipc_service_next", op_serve, 0, SERVICE },
};

/* ---- the engine ---- */

/* Makes @op's objects (the tests check no others), or tears them down. */
static void objects(const struct op *op, struct ctx *c, enum phase p)
{
	if ((op->with & MAILBOX) && p == SETUP)
		c->mb = new_mb(c);
	if ((op->with & SERVICE) && p == SETUP)
		c->svc = service_new(c);
	op->fn(c, p);
	if ((op->with & MAILBOX) && p == TEARDOWN)
		close_ok(c, c->mb);
	if ((op->with & SERVICE) && p == TEARDOWN)
		ipc_service_free(c->svc);
}

/* One run with fault @n: whether a fault was injected. */
static bool fault_run(const struct op *op, struct ctx *c, unsigned int n)
{
	struct snap set, after;
	bool hit;

	objects(op, c, SETUP);
	snap_take(&set);
	if (kmsg_fd >= 0)
		lseek(kmsg_fd, 0, SEEK_END);
	nth_set(n);
	c->ret = op->fn(c, RUN);
	hit = nth_injected();
	figures->cases++;
	if (hit) {
		figures->injected++;
		kmsg_site(op->name);
	}
	if (hit && c->ret >= 0) {
		/* absorbed: a fallback, or a retry inside */
		figures->absorbed++;
	} else if (hit) {
		bool late = op->fn(c, LATE);

		ck_assert_msg(late || c->ret == -ENOMEM || c->ret == -EFAULT,
			      "%s n=%u: %d (%s)", op->name, n, c->ret,
			      strerror(-c->ret));
		figures->rpc_late += late;
		snap_settle(&set, &after, op->with & NAMED);
		snap_same(&set, &after, op->name, n, late ?
			  "after a late failure" : "after the failed run", true);
		if (!late)
			op->fn(c, UNDONE);
		c->ret = op->fn(c, RUN);
		ck_assert_msg(c->ret >= 0, "%s n=%u: the retry failed: %d",
			      op->name, n, c->ret);
	} else {
		ck_assert_msg(c->ret >= 0, "%s n=%u: no fault, yet %d", op->name,
			      n, c->ret);
	}
	op->fn(c, DONE);
	if (op->with & CLOSES)
		close_made(c, c->ret);
	objects(op, c, TEARDOWN);
	return hit;
}

/* One operation, with fault 1, 2, 3, ... until a run has none. */
FX_LOOP_TEST("faults", test_op, 0, FX_NR(ops))
{
	const struct op *op = &ops[_i];
	unsigned int n, injected = 0;
	struct snap before, after;
	struct ctx c = { 0 };
	bool hit;

	/* An IPC namespace of its own: the name-server role is free. */
	ck_assert_msg(unshare(CLONE_NEWIPC) == 0, "unshare: %s", strerror(errno));
	c.space = xipc_test_open();
	c.arg = op->arg;
	fx_fill(c.payload, PAYLOAD, 1);
	if (op->with & NAMED)
		c.named = fx_start_named(c.space);
	nth_fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	ck_assert_msg(nth_fd >= 0, "%s: %s", FAIL_NTH, strerror(errno));
	for (n = 1, hit = true; hit; n++) {
		ck_assert_msg(n <= MAX_NTH, "%s: still failing at n=%u", op->name, n);
		snap_take(&before);
		hit = fault_run(op, &c, n);
		injected += hit;
		snap_settle(&before, &after, op->with & NAMED);
		snap_same(&before, &after, op->name, n, "after its teardown", false);
	}
	if (op->with & NAMED)
		fx_stop_named(c.named);
	/* Last: check names a case by the file of its last check. */
	ck_assert_int_eq(close(nth_fd), 0);
	printf("# %s: %u runs, %u with a fault\n", op->name, n - 1, injected);
	fflush(stdout);
	figures->ops++;
}
END_TEST

FX_TEST("faults", test_figures)
{
	unsigned int i, module = 0;

	for (i = 0; i < figures->nr_sites; i++) {
		printf("# site %s: %u\n", figures->sites[i].name,
		       figures->sites[i].hits);
		module += !strstr(figures->sites[i].name, "outside xipc");
	}
	printf("# fault injection: %u operations, %u (operation, n) runs, %u with a fault injected\n",
	       figures->ops, figures->cases, figures->injected);
	printf("# %u distinct sites (%u in xipc.ko, %u outside it), %u faults without a stack (__GFP_NOWARN)\n",
	       figures->nr_sites, module, figures->nr_sites - module,
	       figures->silent);
	printf("# %u faults absorbed (the call succeeded), %u RPCs failed after their reply came\n",
	       figures->absorbed, figures->rpc_late);
	fflush(stdout);
	ck_assert_uint_eq(figures->ops, FX_NR(ops));
	ck_assert_uint_gt(module, 0);
	/* "ipc_handle_dup growing the table" reached the growth. */
	for (i = 0; i < figures->nr_sites; i++)
		if (strstr(figures->sites[i].name, "xipc_table_grow"))
			break;
	ck_assert_msg(i < figures->nr_sites, "no fault in xipc_table_grow");
}
END_TEST

int main(void)
{
	if (access(FAIL_NTH, F_OK)) {
		printf("1..0 # SKIP no %s: the kernel has no fault injection\n",
		       FAIL_NTH);
		return KSFT_SKIP;
	}
	figures = mmap(NULL, sizeof(*figures), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (figures == MAP_FAILED)
		return KSFT_FAIL;
	knobs_set();
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	return fx_main("faults");
}
