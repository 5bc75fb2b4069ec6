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
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libipc.h"
#include "harness.h"

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

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

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
	__u32 mb, mb2, h1, h2, h3;
	char name[XIPC_TEST_NAME_SIZE];
	unsigned char payload[PAYLOAD];
	unsigned char *big;
	unsigned char buf[PAYLOAD];
	__u32 handles[8];
	struct xipc_recv recv;
	struct xipc_transfer tr[2];
	pid_t named;
	/* RPC server and LRPC threads */
	pthread_t thread, thread2;
	bool thread_on, thread2_on;
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

static void fill(unsigned char *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(seed * 31 + i * 7 + (i >> 8));
}

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

static unsigned int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	unsigned int n = 0;

	ck_assert(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static unsigned int count_lines(const char *path)
{
	static char text[65536];
	unsigned int n = 0;
	char *p;

	read_text(path, text, sizeof(text));
	for (p = text; *p; p++)
		n += *p == '\n';
	return n;
}

struct snap {
	char users[4096];
	char mailboxes[16384];
	unsigned int fds, maps;
};

static void snap_take(struct snap *s)
{
	read_text("/proc/xipc/users", s->users, sizeof(s->users));
	mailboxes_view(s->mailboxes, sizeof(s->mailboxes));
	s->fds = count_entries("/proc/self/fd");
	s->maps = count_lines("/proc/self/maps");
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

static void kmsg_skip(void)
{
	if (kmsg_fd >= 0)
		lseek(kmsg_fd, 0, SEEK_END);
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
 * The fault's site, from the records the injector printed since
 * kmsg_skip(): "FAULT_INJECTION: forcing a failure.", "name failslab, ...",
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

static void write_knob(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, value, strlen(value)) < 0)
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
	close(fd);
}

/*
 * The injectors fail only what fail-nth asks for (their probability stays
 * 0), but by default skip allocations that may sleep, and fail_page_alloc
 * order-0 pages: fail those too. User pages (highmem) stay out, and a stack
 * is printed for each fault.
 */
static void knobs_set(void)
{
	write_knob(DEBUGFS "/failslab/ignore-gfp-wait", "N");
	write_knob(DEBUGFS "/failslab/verbose", "2");
	write_knob(DEBUGFS "/fail_page_alloc/ignore-gfp-wait", "N");
	write_knob(DEBUGFS "/fail_page_alloc/min-order", "0");
	write_knob(DEBUGFS "/fail_page_alloc/verbose", "2");
	write_knob(DEBUGFS "/fail_usercopy/verbose", "2");
}

/* ---- the operations ---- */

struct op {
	const char *name;
	void (*setup)(struct ctx *c);
	int (*run)(struct ctx *c);
	/* after a failed run: the operation's objects are as before */
	void (*undone)(struct ctx *c, int ret);
	/* after the run that succeeded: check it, undo what it made */
	void (*done)(struct ctx *c, int ret);
	void (*teardown)(struct ctx *c);
	/*
	 * For an operation made of an RPC: whether a failed run is the
	 * documented late failure (the server answered, the answer could not
	 * be written out); if so it puts things back as after the setup.
	 */
	bool (*late)(struct ctx *c, int ret);
	bool named;	/* needs a name server */
};

static void handle_ok(int space, __u32 h)
{
	struct xipc_handle_info info;

	ck_assert_int_eq(ipc_handle_info(space, h, &info), 0);
}

static __u32 handle_state(int space, __u32 h)
{
	struct xipc_handle_info info;

	ck_assert_int_eq(ipc_handle_info(space, h, &info), 0);
	return info.state;
}

static void handle_gone(int space, __u32 h)
{
	struct xipc_handle_info info;

	ck_assert_int_eq(ipc_handle_info(space, h, &info), -EBADF);
}

static void close_ok(int space, __u32 h)
{
	ck_assert_int_eq(ipc_handle_close(space, h), 0);
}

static void base_setup(struct ctx *c)
{
	c->mb = xipc_test_mailbox(c->space, 0, 0, 0);
}

static void base_teardown(struct ctx *c)
{
	close_ok(c->space, c->mb);
}

/* Sets c->recv for a receive of anything on @mb into c->buf. */
static struct xipc_recv *recv_args(struct ctx *c, __u32 mb, __u32 flags)
{
	c->recv = xipc_test_recv_args(mb, 0, c->buf, sizeof(c->buf), 0);
	c->recv.flags = flags;
	c->recv.handles = ipc_ptr(c->handles);
	c->recv.max_handles = ARRAY_SIZE(c->handles);
	return &c->recv;
}

/* The mailbox holds nothing (a receive that does not wait finds nothing). */
static void queue_empty(struct ctx *c, __u32 mb)
{
	ck_assert_int_eq(ipc_recv(c->space, recv_args(c, mb, XIPC_RECV_PEEK)),
			 -EAGAIN);
}

/* The mailbox's first message is c->payload with @nr handles. */
static void queue_holds(struct ctx *c, __u32 mb, unsigned int nr)
{
	memset(c->buf, 0, sizeof(c->buf));
	ck_assert_int_eq(ipc_recv(c->space, recv_args(c, mb, XIPC_RECV_PEEK)),
			 PAYLOAD);
	ck_assert(!memcmp(c->buf, c->payload, PAYLOAD));
	ck_assert_uint_eq(c->recv.nr_handles, nr);
}

/* Takes the first message, which must be c->payload; closes its handles. */
static void take_payload(struct ctx *c, __u32 mb, unsigned int nr)
{
	unsigned int i;

	memset(c->buf, 0, sizeof(c->buf));
	ck_assert_int_eq(ipc_recv(c->space, recv_args(c, mb, 0)), PAYLOAD);
	ck_assert(!memcmp(c->buf, c->payload, PAYLOAD));
	ck_assert_uint_eq(c->recv.nr_handles, nr);
	for (i = 0; i < nr; i++)
		close_ok(c->space, c->handles[i]);
	queue_empty(c, mb);
}

/* open, info */

static int run_open(struct ctx *c)
{
	(void)c;
	return ipc_open(0);
}

static void done_open(struct ctx *c, int ret)
{
	(void)c;
	ck_assert_int_eq(ipc_close(ret), 0);
}

static int run_info(struct ctx *c)
{
	struct xipc_info info;

	return ipc_info(c->space, &info);
}

static void done_nothing(struct ctx *c, int ret)
{
	(void)c;
	(void)ret;
}

/* mailboxes and handles */

static int run_create(struct ctx *c)
{
	return ipc_mailbox_create(c->space, 0, 0, 0);
}

static void done_close(struct ctx *c, int ret)
{
	ck_assert_int_gt(ret, 0);
	close_ok(c->space, ret);
}

static int run_dup(struct ctx *c)
{
	return ipc_handle_dup(c->space, c->mb, XIPC_RIGHT_SEND, 0, 0);
}

static int run_dup_badge(struct ctx *c)
{
	return ipc_handle_dup(c->space, c->mb, XIPC_RIGHT_SEND, XIPC_DUP_BADGE, 42);
}

static int run_handle_info(struct ctx *c)
{
	struct xipc_handle_info info;

	return ipc_handle_info(c->space, c->mb, &info);
}

static void setup_child(struct ctx *c)
{
	base_setup(c);
	c->h1 = ipc_handle_dup(c->space, c->mb, XIPC_RIGHTS_ALL, 0, 0);
	ck_assert_int_gt(c->h1, 0);
}

static void teardown_child(struct ctx *c)
{
	ipc_handle_close(c->space, c->h1);
	base_teardown(c);
}

static int run_close(struct ctx *c)
{
	return ipc_handle_close(c->space, c->h1);
}

static void undone_close(struct ctx *c, int ret)
{
	(void)ret;
	handle_ok(c->space, c->h1);
}

static void done_close_child(struct ctx *c, int ret)
{
	(void)ret;
	handle_gone(c->space, c->h1);
}

static int run_revoke(struct ctx *c)
{
	return ipc_handle_revoke(c->space, c->mb);
}

static void undone_revoke(struct ctx *c, int ret)
{
	(void)ret;
	ck_assert(!(handle_state(c->space, c->h1) & XIPC_STATE_REVOKED));
}

static void done_revoke(struct ctx *c, int ret)
{
	(void)ret;
	ck_assert(handle_state(c->space, c->h1) & XIPC_STATE_REVOKED);
}

static int run_destroy(struct ctx *c)
{
	return ipc_mailbox_destroy(c->space, c->mb);
}

static void undone_destroy(struct ctx *c, int ret)
{
	(void)ret;
	ck_assert(!(handle_state(c->space, c->mb) & XIPC_STATE_DESTROYED));
}

static void done_destroy(struct ctx *c, int ret)
{
	(void)ret;
	ck_assert(handle_state(c->space, c->mb) & XIPC_STATE_DESTROYED);
}

static int run_mailbox_fd(struct ctx *c)
{
	return ipc_mailbox_fd(c->space, c->mb);
}

static void done_fd(struct ctx *c, int ret)
{
	(void)c;
	ck_assert_int_ge(ret, 0);
	ck_assert_int_eq(close(ret), 0);
}

/* named mailboxes */

static void setup_name(struct ctx *c)
{
	xipc_test_name(c->name, "fault");
}

static int run_open_create(struct ctx *c)
{
	return ipc_mailbox_open(c->space, c->name,
				XIPC_OPEN_CREATE | XIPC_OPEN_EXCL, 0600, 0);
}

static void undone_open_create(struct ctx *c, int ret)
{
	(void)ret;
	ck_assert_int_eq(ipc_mailbox_open(c->space, c->name, 0, 0, 0), -ENOENT);
}

static void done_open_create(struct ctx *c, int ret)
{
	done_close(c, ret);
	ck_assert_int_eq(ipc_mailbox_unlink(c->space, c->name), 0);
}

static void setup_named(struct ctx *c)
{
	setup_name(c);
	c->mb = ipc_mailbox_open(c->space, c->name, XIPC_OPEN_CREATE, 0600, 0);
	ck_assert_int_gt(c->mb, 0);
}

static void teardown_named(struct ctx *c)
{
	ipc_mailbox_unlink(c->space, c->name);
	close_ok(c->space, c->mb);
}

static int run_open_existing(struct ctx *c)
{
	return ipc_mailbox_open(c->space, c->name, 0, 0, XIPC_RIGHT_SEND);
}

static int run_unlink(struct ctx *c)
{
	return ipc_mailbox_unlink(c->space, c->name);
}

static void undone_unlink(struct ctx *c, int ret)
{
	int h = ipc_mailbox_open(c->space, c->name, 0, 0, XIPC_RIGHT_SEND);

	(void)ret;
	ck_assert_int_gt(h, 0);
	close_ok(c->space, h);
}

static void done_unlink(struct ctx *c, int ret)
{
	(void)ret;
	ck_assert_int_eq(ipc_mailbox_open(c->space, c->name, 0, 0, 0), -ENOENT);
}

/* send, receive, peek */

static void setup_send(struct ctx *c)
{
	base_setup(c);
	fill(c->payload, PAYLOAD, 1);
}

static int run_send(struct ctx *c)
{
	struct xipc_send msg = xipc_test_send_args(c->mb, REQ_TYPE, c->payload,
						   PAYLOAD, 0);

	return ipc_send(c->space, &msg);
}

static void undone_send(struct ctx *c, int ret)
{
	(void)ret;
	queue_empty(c, c->mb);
}

static void done_send(struct ctx *c, int ret)
{
	ck_assert_int_eq(ret, 0);
	take_payload(c, c->mb, 0);
}

static void setup_send_big(struct ctx *c)
{
	c->mb = xipc_test_mailbox(c->space, 2 * BIG_PAYLOAD, 0, 0);
	c->big = malloc(BIG_PAYLOAD);
	ck_assert(c->big);
	fill(c->big, BIG_PAYLOAD, 2);
	c->ptr = malloc(BIG_PAYLOAD);
	ck_assert(c->ptr);
	memset(c->ptr, 0, BIG_PAYLOAD);
}

static void teardown_send_big(struct ctx *c)
{
	free(c->big);
	free(c->ptr);
	base_teardown(c);
}

static int run_send_big(struct ctx *c)
{
	struct xipc_send msg = xipc_test_send_args(c->mb, REQ_TYPE, c->big,
						   BIG_PAYLOAD, 0);

	return ipc_send(c->space, &msg);
}

static void done_send_big(struct ctx *c, int ret)
{
	struct xipc_recv r = xipc_test_recv_args(c->mb, 0, c->ptr, BIG_PAYLOAD, 0);

	ck_assert_int_eq(ret, 0);
	ck_assert_int_eq(ipc_recv(c->space, &r), BIG_PAYLOAD);
	ck_assert(!memcmp(c->ptr, c->big, BIG_PAYLOAD));
	queue_empty(c, c->mb);
}

/* A message with two handles: h1 copied (SEND only), h2 moved. */
static void setup_send_handles(struct ctx *c)
{
	setup_send(c);
	c->h1 = xipc_test_mailbox(c->space, 0, 0, 0);
	c->h2 = xipc_test_mailbox(c->space, 0, 0, 0);
	c->tr[0] = (struct xipc_transfer){ .handle = c->h1,
					   .rights = XIPC_RIGHT_SEND };
	c->tr[1] = (struct xipc_transfer){ .handle = c->h2,
					   .flags = XIPC_TRANSFER_MOVE };
}

static void teardown_send_handles(struct ctx *c)
{
	close_ok(c->space, c->h1);
	ipc_handle_close(c->space, c->h2);
	base_teardown(c);
}

static int run_send_handles(struct ctx *c)
{
	struct xipc_send msg = xipc_test_send_args(c->mb, REQ_TYPE, c->payload,
						   PAYLOAD, 0);

	msg.transfers = ipc_ptr(c->tr);
	msg.nr_transfers = 2;
	return ipc_send(c->space, &msg);
}

static void undone_send_handles(struct ctx *c, int ret)
{
	(void)ret;
	queue_empty(c, c->mb);
	handle_ok(c->space, c->h1);
	handle_ok(c->space, c->h2);	/* the moved one is back */
}

static void done_send_handles(struct ctx *c, int ret)
{
	ck_assert_int_eq(ret, 0);
	handle_gone(c->space, c->h2);
	take_payload(c, c->mb, 2);
}

/* A queued message with one handle, for the receives. */
static void setup_queued(struct ctx *c)
{
	setup_send(c);
	c->h1 = xipc_test_mailbox(c->space, 0, 0, 0);
	c->tr[0] = (struct xipc_transfer){ .handle = c->h1,
					   .rights = XIPC_RIGHT_SEND };
	{
		struct xipc_send msg = xipc_test_send_args(c->mb, REQ_TYPE,
							   c->payload, PAYLOAD, 0);

		msg.transfers = ipc_ptr(c->tr);
		msg.nr_transfers = 1;
		ck_assert_int_eq(ipc_send(c->space, &msg), 0);
	}
}

static void teardown_queued(struct ctx *c)
{
	close_ok(c->space, c->h1);
	base_teardown(c);
}

static int run_recv(struct ctx *c)
{
	return ipc_recv(c->space, recv_args(c, c->mb, 0));
}

static void undone_recv(struct ctx *c, int ret)
{
	(void)ret;
	queue_holds(c, c->mb, 1);
}

static void done_recv(struct ctx *c, int ret)
{
	ck_assert_int_eq(ret, PAYLOAD);
	ck_assert(!memcmp(c->buf, c->payload, PAYLOAD));
	ck_assert_uint_eq(c->recv.nr_handles, 1);
	handle_ok(c->space, c->handles[0]);
	close_ok(c->space, c->handles[0]);
	queue_empty(c, c->mb);
}

static int run_peek(struct ctx *c)
{
	return ipc_recv(c->space, recv_args(c, c->mb, XIPC_RECV_PEEK));
}

static void done_peek(struct ctx *c, int ret)
{
	ck_assert_int_eq(ret, PAYLOAD);
	ck_assert(!memcmp(c->buf, c->payload, PAYLOAD));
	take_payload(c, c->mb, 1);
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
		struct xipc_reply reply = { 0 };
		struct xipc_transfer t = { 0 };
		int ret;

		r.handles = ipc_ptr(got);
		r.max_handles = ARRAY_SIZE(got);
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
		reply.data = ipc_ptr(rep);
		reply.size = sizeof(rep);
		if (r.nr_handles) {	/* answer a handle with a handle */
			t.handle = c->h3;
			t.rights = XIPC_RIGHT_SEND;
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

static void setup_rpc(struct ctx *c)
{
	setup_send(c);
	c->h1 = xipc_test_mailbox(c->space, 0, 0, 0);
	c->h3 = xipc_test_mailbox(c->space, 0, 0, 0);
	c->tr[0] = (struct xipc_transfer){ .handle = c->h1,
					   .rights = XIPC_RIGHT_SEND };
	atomic_store(&c->served, 0);
	start_thread(c, rpc_server);
}

static void teardown_rpc(struct ctx *c)
{
	stop_thread(c);
	close_ok(c->space, c->h1);
	close_ok(c->space, c->h3);
	base_teardown(c);
}

static int rpc_call(struct ctx *c, unsigned int nr)
{
	struct xipc_rpc call = {
		.handle = c->mb,
		.type = REQ_TYPE,
		.data = ipc_ptr(c->payload),
		.size = PAYLOAD,
		.transfers = ipc_ptr(c->tr),
		.nr_transfers = nr,
		.reply_data = ipc_ptr(c->buf),
		.reply_size = sizeof(c->buf),
		.reply_handles = ipc_ptr(c->handles),
		.max_reply_handles = 2,
		.timeout_ns = LONG_NS,
	};
	int ret;

	memset(c->buf, 0, sizeof(c->buf));
	memset(c->handles, 0, sizeof(c->handles));
	ret = ipc_rpc(c->space, &call);
	c->result = call.nr_reply_handles;
	return ret;
}

static int run_rpc(struct ctx *c)
{
	return rpc_call(c, 0);
}

static int run_rpc_handles(struct ctx *c)
{
	return rpc_call(c, 1);
}

static void undone_rpc(struct ctx *c, int ret)
{
	(void)ret;
	ck_assert_int_eq(atomic_load(&c->served), 0);
}

static void check_reply(struct ctx *c)
{
	unsigned int i;

	for (i = 0; i < PAYLOAD; i++)
		ck_assert_uint_eq(c->buf[i], c->payload[i] ^ 0x5a);
}

static void done_rpc(struct ctx *c, int ret)
{
	ck_assert_int_eq(ret, PAYLOAD);
	ck_assert_int_eq(atomic_load(&c->served), 1);
	check_reply(c);
	ck_assert_int_eq(c->result, 0);
}

static void done_rpc_handles(struct ctx *c, int ret)
{
	ck_assert_int_eq(ret, PAYLOAD);
	ck_assert_int_eq(atomic_load(&c->served), 1);
	check_reply(c);
	ck_assert_int_eq(c->result, 1);
	close_ok(c->space, c->handles[0]);
}

/*
 * The documented late failure: the server answered, the reply could not
 * all be written. Its handles are installed all the same; the numbers the
 * kernel could write are closed here, and the server counted once.
 */
static bool rpc_late(struct ctx *c, int ret)
{
	if (ret != -EFAULT || atomic_load(&c->served) != 1)
		return false;
	if (c->handles[0])
		close_ok(c->space, c->handles[0]);
	atomic_store(&c->served, 0);
	return true;
}

/* Reply: a client thread calls c->mb; this thread took the request. */

static void *rpc_client(void *arg)
{
	struct ctx *c = arg;
	unsigned char rep[PAYLOAD];
	__u32 got[2] = { 0 };
	struct xipc_rpc call = {
		.handle = c->mb,
		.type = REQ_TYPE,
		.data = ipc_ptr(c->payload),
		.size = PAYLOAD,
		.reply_data = ipc_ptr(rep),
		.reply_size = sizeof(rep),
		.reply_handles = ipc_ptr(got),
		.max_reply_handles = 2,
		.timeout_ns = LONG_NS,
	};
	int ret = ipc_rpc(c->space, &call);

	c->result = ret == PAYLOAD && call.nr_reply_handles == 1 &&
		    !memcmp(rep, c->payload, PAYLOAD) ? 1 : ret < 0 ? ret : -1000;
	if (got[0])
		ipc_handle_close(c->space, got[0]);
	atomic_fetch_add(&c->served, 1);
	return NULL;
}

static void setup_reply(struct ctx *c)
{
	setup_send(c);
	c->h3 = xipc_test_mailbox(c->space, 0, 0, 0);
	c->tr[0] = (struct xipc_transfer){ .handle = c->h3,
					   .rights = XIPC_RIGHT_SEND };
	atomic_store(&c->served, 0);
	c->result = 0;
	start_thread(c, rpc_client);
	memset(c->buf, 0, sizeof(c->buf));
	c->recv = xipc_test_recv_args(c->mb, 0, c->buf, sizeof(c->buf), LONG_NS);
	ck_assert_int_eq(ipc_recv(c->space, &c->recv), PAYLOAD);
	c->h1 = c->recv.reply;
	ck_assert_uint_gt(c->h1, 0);
}

static void teardown_reply(struct ctx *c)
{
	stop_thread(c);
	close_ok(c->space, c->h3);
	base_teardown(c);
}

static int run_reply(struct ctx *c)
{
	struct xipc_reply reply = {
		.reply = c->h1,
		.data = ipc_ptr(c->payload),
		.size = PAYLOAD,
		.transfers = ipc_ptr(c->tr),
		.nr_transfers = 1,
	};

	return ipc_reply(c->space, &reply);
}

static void undone_reply(struct ctx *c, int ret)
{
	(void)ret;
	handle_ok(c->space, c->h1);
	ck_assert_int_eq(atomic_load(&c->served), 0);
}

static void done_reply(struct ctx *c, int ret)
{
	ck_assert_int_eq(ret, 0);
	handle_gone(c->space, c->h1);
	stop_thread(c);
	ck_assert_int_eq(c->result, 1);
	ck_assert_int_eq(atomic_load(&c->served), 1);
}

/* Watches, the name-server role, bootstrap */

static void setup_watch(struct ctx *c)
{
	base_setup(c);
	c->mb2 = xipc_test_mailbox(c->space, 0, 0, 0);
}

static void teardown_watch(struct ctx *c)
{
	ipc_handle_close(c->space, c->mb);
	close_ok(c->space, c->mb2);
}

static int run_watch(struct ctx *c)
{
	return ipc_watch(c->space, c->mb, c->mb2, NOTICE_TYPE, 77);
}

static void undone_watch(struct ctx *c, int ret)
{
	(void)ret;
	/* No watch: the death tells nobody. */
	ck_assert_int_eq(ipc_mailbox_destroy(c->space, c->mb), 0);
	queue_empty(c, c->mb2);
	close_ok(c->space, c->mb);
	c->mb = xipc_test_mailbox(c->space, 0, 0, 0);
}

static void done_watch(struct ctx *c, int ret)
{
	struct xipc_death_notice notice;
	struct xipc_recv r = xipc_test_recv_args(c->mb2, NOTICE_TYPE, &notice,
						 sizeof(notice), 0);

	ck_assert_int_eq(ret, 0);
	ck_assert_int_eq(ipc_mailbox_destroy(c->space, c->mb), 0);
	ck_assert_int_eq(ipc_recv(c->space, &r), (int)sizeof(notice));
	ck_assert_uint_eq(notice.cookie, 77);
	queue_empty(c, c->mb2);
}

static int run_claim(struct ctx *c)
{
	return ipc_nameserver_claim(c->space, c->mb);
}

static void undone_claim(struct ctx *c, int ret)
{
	(void)ret;
	ck_assert_int_eq(ipc_bootstrap(c->space, 0), -ENOENT);
}

static void done_claim(struct ctx *c, int ret)
{
	int h;

	ck_assert_int_eq(ret, 0);
	h = ipc_bootstrap(c->space, 0);
	ck_assert_int_gt(h, 0);
	close_ok(c->space, h);
}

/* The name service: a name server of the test's own, in its IPC namespace. */

static void named_up(struct ctx *c)
{
	char path[256];
	int h;

	xipc_test_tool_path("xipc-named", path, sizeof(path));
	c->named = xipc_test_fork();
	if (c->named == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDERR_FILENO);
		execl(path, path, (char *)NULL);
		_exit(126);
	}
	h = ipc_bootstrap(c->space, LONG_NS);
	ck_assert_int_gt(h, 0);
	close_ok(c->space, h);
}

static void named_down(struct ctx *c)
{
	ck_assert_int_eq(kill(c->named, SIGTERM), 0);
	ck_assert_int_eq(xipc_test_wait(c->named), 0);
}

static int run_bootstrap(struct ctx *c)
{
	return ipc_bootstrap(c->space, LONG_NS);
}

static void setup_ns(struct ctx *c)
{
	base_setup(c);
	snprintf(c->name, sizeof(c->name), "fault-%d", (int)getpid());
}

static void teardown_ns(struct ctx *c)
{
	ipc_ns_unregister(c->space, c->name, LONG_NS);
	base_teardown(c);
}

static int run_ns_register(struct ctx *c)
{
	return ipc_ns_register(c->space, c->name, c->mb, NULL, 0, LONG_NS);
}

static void undone_ns_register(struct ctx *c, int ret)
{
	(void)ret;
	ck_assert_int_eq(ipc_ns_lookup(c->space, c->name, 0, 0, LONG_NS), -ENOENT);
}

static void done_ns_register(struct ctx *c, int ret)
{
	int h;

	ck_assert_int_eq(ret, 0);
	h = ipc_ns_lookup(c->space, c->name, 0, 0, LONG_NS);
	ck_assert_int_gt(h, 0);
	close_ok(c->space, h);
}

/* A register that failed late, after the name server answered: it holds. */
static bool ns_register_late(struct ctx *c, int ret)
{
	return ret == -EFAULT &&
	       ipc_ns_unregister(c->space, c->name, LONG_NS) == 0;
}

static void setup_ns_named(struct ctx *c)
{
	setup_ns(c);
	ck_assert_int_eq(run_ns_register(c), 0);
}

static int run_ns_lookup(struct ctx *c)
{
	return ipc_ns_lookup(c->space, c->name, 0, 0, LONG_NS);
}

static int run_ns_unregister(struct ctx *c)
{
	return ipc_ns_unregister(c->space, c->name, LONG_NS);
}

static void undone_ns_unregister(struct ctx *c, int ret)
{
	(void)ret;
	done_ns_register(c, 0);
}

static void done_ns_unregister(struct ctx *c, int ret)
{
	undone_ns_register(c, ret);
}

static bool ns_unregister_late(struct ctx *c, int ret)
{
	int h;

	if (ret != -EFAULT)
		return false;
	h = ipc_ns_lookup(c->space, c->name, 0, 0, LONG_NS);
	if (h > 0) {
		close_ok(c->space, h);
		return false;
	}
	ck_assert_int_eq(run_ns_register(c), 0);
	return true;
}

static int run_ns_list(struct ctx *c)
{
	static struct ipc_ns_entry entries[4];

	return ipc_ns_list(c->space, NULL, entries, ARRAY_SIZE(entries), LONG_NS);
}

static void done_ns_list(struct ctx *c, int ret)
{
	(void)c;
	ck_assert_int_eq(ret, 1);
}

static int run_ns_watch(struct ctx *c)
{
	return ipc_ns_watch(c->space, c->mb, NOTICE_TYPE, 5, LONG_NS);
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

static struct ipc_service *service_made;

static int run_service_create(struct ctx *c)
{
	return ipc_service_create(c->space, &(struct ipc_service_attr){ 0 },
				  &service_made);
}

static void done_service_create(struct ctx *c, int ret)
{
	(void)c;
	ck_assert_int_eq(ret, 0);
	ipc_service_free(service_made);
}

static void setup_service(struct ctx *c)
{
	c->svc = service_new(c);
}

static void teardown_service(struct ctx *c)
{
	ipc_service_free(c->svc);
}

static int run_service_destroy(struct ctx *c)
{
	return ipc_service_destroy(c->svc);
}

static void undone_service_destroy(struct ctx *c, int ret)
{
	(void)ret;
	ck_assert(!(handle_state(c->space, ipc_service_handle(c->svc)) &
		    XIPC_STATE_DESTROYED));
}

static void done_service_destroy(struct ctx *c, int ret)
{
	ck_assert_int_eq(ret, 0);
	ck_assert(handle_state(c->space, ipc_service_handle(c->svc)) &
		  XIPC_STATE_DESTROYED);
}

static struct ipc_binding *binding_made;

static int run_bind(struct ctx *c)
{
	return ipc_bind(c->space, ipc_service_handle(c->svc), &binding_made);
}

static void done_bind(struct ctx *c, int ret)
{
	struct xipc_astack *a;

	ck_assert_int_eq(ret, 0);
	/* Every slot but this one's is free. */
	ck_assert_int_eq(ipc_astack_get(binding_made, &a), 0);
	ipc_astack_put(binding_made, a);
	ck_assert_int_eq(ipc_unbind(binding_made), 0);
	(void)c;
}

static void *serve_thread(void *arg)
{
	struct ctx *c = arg;

	ipc_service_run(c->svc2 ? c->svc2 : c->svc);
	return NULL;
}

/* A service served by a thread, and a binding to it with an A-stack. */
static void setup_call(struct ctx *c)
{
	c->svc = service_new(c);
	atomic_store(&c->served, 0);
	start_thread(c, serve_thread);
	ck_assert_int_eq(ipc_bind(c->space, ipc_service_handle(c->svc), &c->b), 0);
	ck_assert_int_eq(ipc_astack_get(c->b, &c->a), 0);
	c->a->regs[0] = 14;
	c->a->size = 0;
}

static void teardown_call(struct ctx *c)
{
	ipc_astack_put(c->b, c->a);
	ck_assert_int_eq(ipc_unbind(c->b), 0);
	ck_assert_int_eq(ipc_service_destroy(c->svc), 0);
	stop_thread(c);
	ipc_service_free(c->svc);
}

static int run_call(struct ctx *c)
{
	c->a->regs[0] = 14;
	return ipc_call(c->b, c->a, 1, LONG_NS);
}

static void undone_call(struct ctx *c, int ret)
{
	(void)ret;
	ck_assert_int_eq(atomic_load(&c->served), 0);
}

static void done_call(struct ctx *c, int ret)
{
	ck_assert_int_eq(ret, 0);
	ck_assert_int_eq(c->a->status, 0);
	ck_assert_uint_eq(c->a->regs[0], 43);
	ck_assert_int_eq(atomic_load(&c->served), 1);
}

/*
 * A nested call: this thread serves service A (ipc_service_next) while a
 * client thread's call to A waits, and from inside that call calls service
 * B, served by another thread, naming A's call as its parent.
 */
static void *nested_client(void *arg)
{
	struct ctx *c = arg;

	atomic_store(&c->tid, (int)gettid());

	c->a->regs[0] = 1;
	c->result = ipc_call(c->b, c->a, 1, LONG_NS);
	return NULL;
}

static void setup_nested(struct ctx *c)
{
	struct xipc_bind bind = { 0 };

	c->svc = service_new(c);		/* A: served here */
	c->svc2 = service_new(c);		/* B: served by a thread */
	atomic_store(&c->served, 0);
	ck_assert_int_eq(pthread_create(&c->thread2, NULL, serve_thread, c), 0);
	c->thread2_on = true;
	ck_assert_int_eq(ipc_bind(c->space, ipc_service_handle(c->svc), &c->b), 0);
	ck_assert_int_eq(ipc_astack_get(c->b, &c->a), 0);
	/* B's binding by hand: the raw call below needs its handle. */
	bind.service = ipc_service_handle(c->svc2);
	ck_assert_int_eq(ioctl(c->space, XIPC_IOC_BIND, &bind), 0);
	c->h2 = bind.handle;
	c->h3 = bind.map_size;
	c->ptr = mmap(NULL, bind.map_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      c->space, bind.map_offset);
	ck_assert(c->ptr != MAP_FAILED);
	start_thread(c, nested_client);
	ck_assert_int_eq(ipc_service_next(c->svc, &c->req, 0, LONG_NS), 0);
}

static void teardown_nested(struct ctx *c)
{
	struct xipc_lrpc_serve serve = {
		.flags = XIPC_SERVE_REPLY,
		.service = ipc_service_handle(c->svc),
		.call = c->req.token,
	};

	ck_assert_int_eq(ioctl(c->space, XIPC_IOC_LRPC_SERVE, &serve), 0);
	stop_thread(c);
	ck_assert_int_eq(c->result, 0);
	ipc_astack_put(c->b, c->a);
	ck_assert_int_eq(ipc_unbind(c->b), 0);
	ck_assert_int_eq(munmap(c->ptr, c->h3), 0);
	close_ok(c->space, c->h2);
	ck_assert_int_eq(ipc_service_destroy(c->svc2), 0);
	pthread_join(c->thread2, NULL);
	c->thread2_on = false;
	ipc_service_free(c->svc2);
	ipc_service_free(c->svc);
	c->svc2 = NULL;
}

static int run_nested(struct ctx *c)
{
	struct xipc_astack *a2 = c->ptr;
	struct xipc_lrpc_call call = {
		.binding = c->h2,
		.parent_service = ipc_service_handle(c->svc),
		.parent = c->req.token,
		.timeout_ns = LONG_NS,
	};

	a2->proc = 1;
	a2->regs[0] = 2;
	return ioctl(c->space, XIPC_IOC_LRPC_CALL, &call) ? -errno : 0;
}

static void done_nested(struct ctx *c, int ret)
{
	struct xipc_astack *a2 = c->ptr;

	ck_assert_int_eq(ret, 0);
	ck_assert_uint_eq(a2->regs[0], 7);
	ck_assert_int_eq(atomic_load(&c->served), 1);
}

/* The server's side: take a call (ipc_service_next), then answer it. */
static void setup_serve(struct ctx *c)
{
	c->svc = service_new(c);
	ck_assert_int_eq(ipc_bind(c->space, ipc_service_handle(c->svc), &c->b), 0);
	ck_assert_int_eq(ipc_astack_get(c->b, &c->a), 0);
	c->result = -1000;
	atomic_store(&c->tid, 0);
	start_thread(c, nested_client);
	/* Queued before the run: the client's call waits in the kernel. */
	while (!atomic_load(&c->tid))
		sched_yield();
	xipc_test_wait_asleep(atomic_load(&c->tid));
	memset(&c->req, 0, sizeof(c->req));
}

static int run_serve(struct ctx *c)
{
	return ipc_service_next(c->svc, &c->req, 0, LONG_NS);
}

static void undone_serve(struct ctx *c, int ret)
{
	(void)ret;
	ck_assert_int_eq(c->result, -1000);	/* the client still waits */
}

static void done_serve(struct ctx *c, int ret)
{
	struct xipc_lrpc_serve serve = {
		.flags = XIPC_SERVE_REPLY,
		.service = ipc_service_handle(c->svc),
		.call = c->req.token,
	};

	ck_assert_int_eq(ret, 0);
	ck_assert_uint_eq(c->req.proc, 1);
	ck_assert_int_eq(ioctl(c->space, XIPC_IOC_LRPC_SERVE, &serve), 0);
	stop_thread(c);
	ck_assert_int_eq(c->result, 0);
}

static void teardown_serve(struct ctx *c)
{
	stop_thread(c);
	ipc_astack_put(c->b, c->a);
	ck_assert_int_eq(ipc_unbind(c->b), 0);
	ipc_service_free(c->svc);
}

/* ---- the table ---- */

static const struct op ops[] = {
	{ .name = "ipc_open", .run = run_open, .done = done_open },
	{ .name = "ipc_info", .run = run_info, .done = done_nothing },
	{ .name = "ipc_mailbox_create", .run = run_create, .done = done_close },
	{ .name = "ipc_handle_dup", .setup = base_setup, .run = run_dup, .done = done_close, .teardown = base_teardown },
	{ .name = "ipc_handle_dup badge", .setup = base_setup, .run = run_dup_badge, .done = done_close, .teardown = base_teardown },
	{ .name = "ipc_handle_info", .setup = base_setup, .run = run_handle_info, .done = done_nothing, .teardown = base_teardown },
	{ .name = "ipc_handle_close", .setup = setup_child, .run = run_close, .undone = undone_close, .done = done_close_child, .teardown = teardown_child },
	{ .name = "ipc_handle_revoke", .setup = setup_child, .run = run_revoke, .undone = undone_revoke, .done = done_revoke, .teardown = teardown_child },
	{ .name = "ipc_mailbox_destroy", .setup = base_setup, .run = run_destroy, .undone = undone_destroy, .done = done_destroy, .teardown = base_teardown },
	{ .name = "ipc_mailbox_fd", .setup = base_setup, .run = run_mailbox_fd, .done = done_fd, .teardown = base_teardown },
	{ .name = "ipc_mailbox_open create", .setup = setup_name, .run = run_open_create, .undone = undone_open_create, .done = done_open_create },
	{ .name = "ipc_mailbox_open existing", .setup = setup_named, .run = run_open_existing, .done = done_close, .teardown = teardown_named },
	{ .name = "ipc_mailbox_unlink", .setup = setup_named, .run = run_unlink, .undone = undone_unlink, .done = done_unlink, .teardown = teardown_named },
	{ .name = "ipc_send", .setup = setup_send, .run = run_send, .undone = undone_send, .done = done_send, .teardown = base_teardown },
	{ .name = "ipc_send 64 KiB", .setup = setup_send_big, .run = run_send_big, .undone = undone_send, .done = done_send_big, .teardown = teardown_send_big },
	{ .name = "ipc_send with handles (copy, move)", .setup = setup_send_handles, .run = run_send_handles, .undone = undone_send_handles, .done = done_send_handles, .teardown = teardown_send_handles },
	{ .name = "ipc_recv with a handle", .setup = setup_queued, .run = run_recv, .undone = undone_recv, .done = done_recv, .teardown = teardown_queued },
	{ .name = "ipc_recv peek", .setup = setup_queued, .run = run_peek, .undone = undone_recv, .done = done_peek, .teardown = teardown_queued },
	{ .name = "ipc_rpc", .setup = setup_rpc, .run = run_rpc, .undone = undone_rpc, .done = done_rpc, .teardown = teardown_rpc, .late = rpc_late },
	{ .name = "ipc_rpc with handles", .setup = setup_rpc, .run = run_rpc_handles, .undone = undone_rpc, .done = done_rpc_handles, .teardown = teardown_rpc, .late = rpc_late },
	{ .name = "ipc_reply with a handle", .setup = setup_reply, .run = run_reply, .undone = undone_reply, .done = done_reply, .teardown = teardown_reply },
	{ .name = "ipc_watch", .setup = setup_watch, .run = run_watch, .undone = undone_watch, .done = done_watch, .teardown = teardown_watch },
	{ .name = "ipc_nameserver_claim", .setup = base_setup, .run = run_claim, .undone = undone_claim, .done = done_claim, .teardown = base_teardown },
	{ .name = "ipc_bootstrap", .run = run_bootstrap, .done = done_close, .named = true },
	{ .name = "ipc_ns_register", .setup = setup_ns, .run = run_ns_register, .undone = undone_ns_register, .done = done_ns_register, .teardown = teardown_ns, .late = ns_register_late, .named = true },
	{ .name = "ipc_ns_lookup", .setup = setup_ns_named, .run = run_ns_lookup, .done = done_close, .teardown = teardown_ns, .named = true },
	{ .name = "ipc_ns_unregister", .setup = setup_ns_named, .run = run_ns_unregister, .undone = undone_ns_unregister, .done = done_ns_unregister, .teardown = teardown_ns, .late = ns_unregister_late, .named = true },
	{ .name = "ipc_ns_list", .setup = setup_ns_named, .run = run_ns_list, .done = done_ns_list, .teardown = teardown_ns, .named = true },
	{ .name = "ipc_ns_watch", .setup = base_setup, .run = run_ns_watch, .done = done_close, .teardown = base_teardown, .named = true },
	{ .name = "ipc_service_create", .run = run_service_create, .done = done_service_create },
	{ .name = "ipc_service_destroy", .setup = setup_service, .run = run_service_destroy, .undone = undone_service_destroy, .done = done_service_destroy, .teardown = teardown_service },
	{ .name = "ipc_bind", .setup = setup_service, .run = run_bind, .done = done_bind, .teardown = teardown_service },
	{ .name = "ipc_call", .setup = setup_call, .run = run_call, .undone = undone_call, .done = done_call, .teardown = teardown_call },
	{ .name = "nested call (XIPC_IOC_LRPC_CALL with a parent)", .setup = setup_nested, .run = run_nested, .undone = undone_call, .done = done_nested, .teardown = teardown_nested },
	{ .name = "ipc_service_next", .setup = setup_serve, .run = run_serve, .undone = undone_serve, .done = done_serve, .teardown = teardown_serve },
};

/* ---- the engine ---- */

static void fault_op(const struct op *op)
{
	unsigned int n, injected = 0;
	struct snap before, set, after;
	struct ctx c;
	int ret;

	memset(&c, 0, sizeof(c));
	c.space = xipc_test_open();
	if (op->named)
		named_up(&c);
	nth_fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	ck_assert_msg(nth_fd >= 0, "%s: %s", FAIL_NTH, strerror(errno));

	for (n = 1;; n++) {
		bool hit;

		ck_assert_msg(n <= MAX_NTH, "%s: still failing at n=%u", op->name, n);
		snap_take(&before);
		if (op->setup)
			op->setup(&c);
		snap_take(&set);
		kmsg_skip();
		nth_set(n);
		ret = op->run(&c);
		hit = nth_injected();
		figures->cases++;
		if (!hit) {
			ck_assert_msg(ret >= 0, "%s n=%u: no fault, yet %d", op->name,
				      n, ret);
			op->done(&c, ret);
		} else {
			figures->injected++;
			injected++;
			kmsg_site(op->name);
			if (ret >= 0) {
				/* absorbed: a fallback, or a retry inside */
				figures->absorbed++;
				op->done(&c, ret);
			} else if (op->late && op->late(&c, ret)) {
				figures->rpc_late++;
				snap_settle(&set, &after, op->named);
				snap_same(&set, &after, op->name, n, "after a late failure", true);
				ret = op->run(&c);
				ck_assert_msg(ret >= 0, "%s n=%u: retry: %d", op->name, n, ret);
				op->done(&c, ret);
			} else {
				ck_assert_msg(ret == -ENOMEM || ret == -EFAULT,
					      "%s n=%u: %d (%s)", op->name, n, ret,
					      strerror(-ret));
				snap_settle(&set, &after, op->named);
				snap_same(&set, &after, op->name, n, "after the failed run", true);
				if (op->undone)
					op->undone(&c, ret);
				ret = op->run(&c);
				ck_assert_msg(ret >= 0, "%s n=%u: the retry failed: %d",
					      op->name, n, ret);
				op->done(&c, ret);
			}
		}
		if (op->teardown)
			op->teardown(&c);
		snap_settle(&before, &after, op->named);
		snap_same(&before, &after, op->name, n, "after its teardown", false);
		if (!hit)
			break;
	}
	close(nth_fd);
	if (op->named)
		named_down(&c);
	ipc_close(c.space);
	printf("# %s: %u runs, %u with a fault\n", op->name, n, injected);
	fflush(stdout);
	figures->ops++;
}

START_TEST(test_op)
{
	/* An IPC namespace of its own: the name-server role is free. */
	ck_assert_msg(unshare(CLONE_NEWIPC) == 0, "unshare: %s", strerror(errno));
	fault_op(&ops[_i]);
}
END_TEST

START_TEST(test_figures)
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
	ck_assert_uint_eq(figures->ops, ARRAY_SIZE(ops));
	ck_assert_uint_gt(module, 0);
}
END_TEST

int main(void)
{
	Suite *suite = suite_create("faults");
	TCase *tcase;

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
	tcase = xipc_tcase(suite, "faults");
	tcase_add_loop_test(tcase, test_op, 0, ARRAY_SIZE(ops));
	tcase_add_test(tcase, test_figures);
	return xipc_test_main(suite);
}
