// SPDX-License-Identifier: MIT
/*
 * The module's tracepoints (module/trace.h), read through tracefs: each
 * test enables events/xipc in a trace instance of its own, runs a small
 * exchange, and checks the events' order and fields, and that their ids
 * join a send to its receive and a call to its reply. Only events naming
 * the test's own objects count (the name server may trace too). tracefs is
 * mounted if need be; the program is skipped only where it cannot be (no
 * tracing: ENODEV; not root). perf counts every event on every CPU meanwhile
 * (the perf_trace_* code): the last test checks it counted each.
 */
#include <stdarg.h>
#include <linux/perf_event.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "fixture.h"

/* Where tracefs may be: its own mount point, or debugfs's, before 4.1. */
static const char *const tracefs_dirs[] = {
	"/sys/kernel/tracing",
	"/sys/kernel/debug/tracing",
};

static char tracefs[64];
static char tracefs_error[256];

/* Every event of module/trace.h. */
static const char *const events[] = {
	"xipc_mailbox_create", "xipc_mailbox_destroy", "xipc_mailbox_free",
	"xipc_msg_send", "xipc_msg_recv", "xipc_rpc_call", "xipc_rpc_reply",
	"xipc_rpc_cancel", "xipc_lrpc_call", "xipc_lrpc_serve",
	"xipc_lrpc_reply", "xipc_lrpc_return", "xipc_handle_dup",
	"xipc_handle_transfer", "xipc_handle_revoke", "xipc_death_notice",
	"xipc_quota", "xipc_no_room", "xipc_limit",
};

static bool is_tracefs(const char *dir)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/instances", dir);
	return !access(path, F_OK);
}

/*
 * Finds tracefs, mounting it if needed: 0, or -errno of the mount, with
 * what went wrong in tracefs_error. -ENODEV: the kernel has no tracefs.
 */
static int find_tracefs(void)
{
	const char *dir = NULL;
	unsigned int i;
	int err;

	for (i = 0; i < FX_NR(tracefs_dirs) && !dir; i++)
		if (is_tracefs(tracefs_dirs[i]))
			dir = tracefs_dirs[i];
	if (!dir && mount("nodev", tracefs_dirs[0], "tracefs", 0, NULL) == 0 &&
	    is_tracefs(tracefs_dirs[0]))
		dir = tracefs_dirs[0];
	if (dir) {
		snprintf(tracefs, sizeof(tracefs), "%s", dir);
		return 0;
	}
	err = errno ? -errno : -ENOENT;
	snprintf(tracefs_error, sizeof(tracefs_error),
		 "no tracefs: mount on %s: %s", tracefs_dirs[0], strerror(-err));
	return err;
}

/* Writes @text to @dir/@name: 0, or -errno. */
static int write_text(const char *dir, const char *name, const char *text)
{
	char path[256];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		err = -errno;
	close(fd);
	return err;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	int err = write_text(dir, name, text);

	ck_assert_msg(!err, "write '%s' to %s/%s: %s", text, dir, name,
		      strerror(-err));
}

/* The test's trace instance (each test runs in a process of its own). */
static char instance[160];

/* Makes an instance with every xipc event enabled, on the global clock. */
static void instance_start(void)
{
	char path[256];

	snprintf(instance, sizeof(instance), "%s/instances/xipc-test-%d",
		 tracefs, (int)getpid());
	rmdir(instance);
	ck_assert_msg(mkdir(instance, 0700) == 0, "mkdir %s: %s", instance,
		      strerror(errno));
	/* One clock for every CPU, so that the order across CPUs holds. */
	write_file(instance, "trace_clock", "global");
	snprintf(path, sizeof(path), "%s/events/xipc/enable", instance);
	ck_assert_msg(access(path, W_OK) == 0,
		      "%s: %s (the module has no tracepoints?)", path,
		      strerror(errno));
	write_file(instance, "events/xipc/enable", "1");
}

/* One event of the trace. */
struct event {
	int pid;
	char name[32];
	char fields[512];
};

#define MAX_EVENTS 4096

/* The test's trace, read by instance_stop(). */
static struct trace {
	struct event ev[MAX_EVENTS];
	unsigned int nr;
} t;

/*
 * Parses a line of the trace ("task-PID [CPU] flags TIME: NAME: fields"):
 * true for an xipc event.
 */
static bool parse_event(const char *line, struct event *ev)
{
	const char *name = strstr(line, ": xipc_"), *bracket, *dash, *end;

	if (line[0] == '#' || !name)
		return false;
	name += 2;
	end = strchr(name, ':');
	if (!end || (size_t)(end - name) >= sizeof(ev->name))
		return false;
	memcpy(ev->name, name, end - name);
	ev->name[end - name] = 0;
	snprintf(ev->fields, sizeof(ev->fields), " %s", end + 1);
	ev->fields[strcspn(ev->fields, "\n")] = 0;
	/* The pid ends the task's name, which may hold '-' and spaces. */
	bracket = strstr(line, " [");
	ev->pid = -1;
	for (dash = bracket; bracket && dash > line; dash--) {
		if (*dash == '-') {
			ev->pid = atoi(dash + 1);
			break;
		}
	}
	return true;
}

/* Disables the events, reads the whole trace into t, removes the instance. */
static void instance_stop(void)
{
	char path[256], line[1024];
	FILE *trace;

	write_file(instance, "events/xipc/enable", "0");
	snprintf(path, sizeof(path), "%s/trace", instance);
	trace = fopen(path, "re");
	ck_assert_msg(trace != NULL, "%s: %s", path, strerror(errno));
	t.nr = 0;
	while (fgets(line, sizeof(line), trace))
		if (t.nr < MAX_EVENTS && parse_event(line, &t.ev[t.nr]))
			t.nr++;
	fclose(trace);
	ck_assert_msg(rmdir(instance) == 0, "rmdir %s: %s", instance,
		      strerror(errno));
}

/* Field @key of event @i as a signed number: true if it has the field. */
static bool field(unsigned int i, const char *key, long long *value)
{
	char pattern[40];
	const char *at;

	snprintf(pattern, sizeof(pattern), " %s=", key);
	at = strstr(t.ev[i].fields, pattern);
	if (at)
		*value = strtoll(at + strlen(pattern), NULL, 0);
	return at;
}

/* Field @key of event @i, which it must have. */
static long long must_field(unsigned int i, const char *key)
{
	long long value;

	ck_assert_msg(field(i, key, &value), "%s has no %s: %s",
		      t.ev[i].name, key, t.ev[i].fields);
	return value;
}

/* Whether event @i has the word @word (a flag, or "key=text"). */
static bool has_word(unsigned int i, const char *word)
{
	char pattern[72];
	size_t len;
	const char *at;

	snprintf(pattern, sizeof(pattern), " %s", word);
	len = strlen(pattern);
	for (at = strstr(t.ev[i].fields, pattern); at;
	     at = strstr(at + 1, pattern))
		if (at[len] == 0 || at[len] == ' ')
			return true;
	return false;
}

/*
 * Whether event @i has all of @what: "key=number" fields (in any base),
 * "pid=number" its task's pid, and words ("queued", "what=mailboxes").
 */
static bool has(unsigned int i, const char *what)
{
	char token[64], *eq, *end;
	long long want, got;
	int n;

	for (; sscanf(what, " %63s%n", token, &n) == 1; what += n) {
		eq = strchr(token, '=');
		want = eq ? strtoll(eq + 1, &end, 0) : 0;
		if (!eq || !eq[1] || *end) {
			if (!has_word(i, token))
				return false;
			continue;
		}
		*eq = 0;
		if (!strcmp(token, "pid"))
			got = t.ev[i].pid;
		else if (!field(i, token, &got))
			return false;
		if (got != want)
			return false;
	}
	return true;
}

#define PRINTF(f, a)	__attribute__((format(printf, f, a)))

/* Fails unless event @i has all of @fmt (see has(), printf-formatted). */
static PRINTF(2, 3) void expect(unsigned int i, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	ck_assert_msg(has(i, what), "%s: not %s: %s", t.ev[i].name, what,
		      t.ev[i].fields);
}

/*
 * The first event named @name from index @from that has all of @fmt (see
 * has(), printf-formatted): its index; fails the test if there is none.
 */
static PRINTF(3, 4) unsigned int find(unsigned int from, const char *name,
				      const char *fmt, ...)
{
	char what[256];
	unsigned int i;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	for (i = from; i < t.nr; i++)
		if (!strcmp(t.ev[i].name, name) && has(i, what))
			return i;
	ck_abort_msg("no %s with %s after event %u of %u", name, what, from,
		     t.nr);
	return 0;
}

/* Every event is in tracefs, with its format. */
FX_TEST("trace", test_every_event_is_in_tracefs)
{
	char path[256];
	unsigned int i;

	ck_assert_msg(tracefs[0], "%s", tracefs_error);
	for (i = 0; i < FX_NR(events); i++) {
		snprintf(path, sizeof(path), "%s/events/xipc/%s/format",
			 tracefs, events[i]);
		ck_assert_msg(access(path, R_OK) == 0, "%s: %s", path,
			      strerror(errno));
	}
}
END_TEST

/*
 * Messages: a send that queues (with a handle), its receive after a pause,
 * a send handed to a receiver asleep, a dup, a revoke, a death watch told
 * by a destroy, and the mailbox freed; each send joined to its receive by
 * mailbox and seq.
 */
FX_TEST("trace", test_message_events)
{
	const struct timespec pause = { .tv_nsec = 20 * 1000 * 1000 };
	int space = xipc_test_open();
	struct xipc_transfer transfer;
	__u64 m_id, k_id, w_id;
	__u32 m, k, w, got[1];
	struct xipc_send send;
	struct xipc_recv recv;
	char buf[64];
	unsigned int i, j, send1, recv1, send2, recv2;
	long long seq;
	pid_t child;

	instance_start();
	m_id = fx_object_id(space, m = xipc_test_mailbox(space, 0, 0, 0));
	k_id = fx_object_id(space, k = xipc_test_mailbox(space, 0, 0, 0));
	w_id = fx_object_id(space, w = xipc_test_mailbox(space, 0, 0, 0));

	/* Queued, with a copy of k; received after a pause of 20 ms. */
	send = xipc_test_send_args(m, 5, "hello world", 11, 0);
	transfer = (struct xipc_transfer){ .handle = k, .rights = XIPC_RIGHT_SEND };
	send.transfers = ipc_ptr(&transfer);
	send.nr_transfers = 1;
	ck_assert_int_eq(ipc_send(space, &send), 0);
	nanosleep(&pause, NULL);
	recv = xipc_test_recv_args(m, 0, buf, sizeof(buf), 0);
	recv.handles = ipc_ptr(got);
	recv.max_handles = 1;
	ck_assert_int_eq(ipc_recv(space, &recv), 11);
	ck_assert_uint_eq(recv.nr_handles, 1);

	/* Handed to a receiver asleep on m. */
	child = fx_fork_waiter();
	if (child == 0) {
		fx_waiter_ready();
		_exit(xipc_test_recv(space, m, 6, buf, sizeof(buf),
				     XIPC_TEST_LONG_NS, &recv) == 3 ? 0 : 10);
	}
	fx_await_asleep(child);
	ck_assert_int_eq(xipc_test_send(space, m, 6, "abc", 3, 0), 0);
	ck_assert_int_eq(xipc_test_wait(child), 0);

	/* A badged dup of k, then a revoke of k: the dup and the copy go. */
	fx_dup(space, k, XIPC_RIGHT_SEND, XIPC_DUP_BADGE, 77);
	ck_assert_int_eq(ipc_handle_revoke(space, k), 0);

	/* A watch on m, told by its destroy; then m goes. */
	ck_assert_int_eq(ipc_watch(space, m, w, 9, 0xc00c1e), 0);
	ck_assert_int_eq(ipc_mailbox_destroy(space, m), 0);
	ck_assert_int_eq(ipc_handle_close(space, m), 0);
	instance_stop();

	i = find(0, "xipc_mailbox_create", "mailbox=%llu", m_id);
	expect(i, "max_msgs=256");
	send1 = find(i, "xipc_msg_send", "mailbox=%llu", m_id);
	seq = must_field(send1, "seq");
	expect(send1, "type=5 size=11 nr_handles=1 handle=%u call=0 queued pid=%d",
	       m, getpid());
	recv1 = find(send1, "xipc_msg_recv", "mailbox=%llu seq=%lld", m_id, seq);
	expect(recv1, "type=5 nr_handles=1");
	/* It waited at least the pause (the stamp is there, and monotonic). */
	ck_assert_int_ge(must_field(recv1, "queued_ns"), 20 * 1000 * 1000);
	j = find(recv1, "xipc_handle_transfer", "object=%llu handle=%u", k_id,
		 got[0]);
	expect(j, "rights=%d", XIPC_RIGHT_SEND);

	send2 = find(recv1, "xipc_msg_send", "mailbox=%llu type=6", m_id);
	expect(send2, "seq=%lld handed", seq + 1);
	recv2 = find(send2, "xipc_msg_recv", "mailbox=%llu seq=%lld", m_id,
		     seq + 1);
	expect(recv2, "pid=%d", child);

	i = find(recv2, "xipc_handle_dup", "object=%llu handle=%u", k_id, k);
	expect(i, "badge=77");
	i = find(i, "xipc_handle_revoke", "object=%llu handle=%u", k_id, k);
	expect(i, "revoked=2");
	i = find(i, "xipc_mailbox_destroy", "mailbox=%llu", m_id);
	expect(i, "dropped=0");
	i = find(i, "xipc_death_notice", "mailbox=%llu object=%llu", w_id, m_id);
	expect(i, "cookie=%d", 0xc00c1e);
	find(i, "xipc_mailbox_free", "mailbox=%llu", m_id);
}
END_TEST

/*
 * RPC: a call answered, joined through its call id from the call to the
 * request's send and receive and to the reply; then a call nobody answers,
 * canceled by its timeout.
 */
FX_TEST("trace", test_rpc_events)
{
	int space = xipc_test_open(), ret;
	struct xipc_rpc call;
	unsigned int i, j;
	char buf[16];
	long long id;
	pid_t child;
	__u32 m;
	__u64 m_id;

	instance_start();
	m_id = fx_object_id(space, m = xipc_test_mailbox(space, 0, 0, 0));
	call = (struct xipc_rpc){ .handle = m, .type = 3,
		.data = ipc_ptr("ping"), .size = 4, .reply_data = ipc_ptr(buf),
		.reply_size = sizeof(buf), .timeout_ns = XIPC_TEST_LONG_NS };
	child = xipc_test_fork();
	if (child == 0) {
		struct xipc_recv req;

		CHILD_EXPECT(xipc_test_recv(space, m, 0, buf, sizeof(buf),
					    XIPC_TEST_LONG_NS, &req) == 4, 10);
		_exit(ipc_reply(space, &(struct xipc_reply){ .reply = req.reply,
			.data = ipc_ptr("pong!"), .size = 5 }) == 0 ? 0 : 11);
	}
	ck_assert_int_eq(ipc_rpc(space, &call), 5);
	ck_assert_int_eq(xipc_test_wait(child), 0);

	/* Nobody answers this one. */
	call.type = 4;
	call.timeout_ns = XIPC_TEST_SHORT_NS;
	ret = ipc_rpc(space, &call);
	ck_assert_int_lt(ret, 0);
	instance_stop();

	i = find(0, "xipc_rpc_call", "mailbox=%llu type=3", m_id);
	id = must_field(i, "call");
	ck_assert_int_ne(id, 0);
	expect(i, "size=4");
	j = find(i, "xipc_msg_send", "mailbox=%llu call=%lld", m_id, id);
	j = find(j, "xipc_msg_recv", "mailbox=%llu call=%lld", m_id, id);
	expect(j, "pid=%d", child);
	j = find(j, "xipc_rpc_reply", "call=%lld", id);
	expect(j, "size=5 err=0 pid=%d", child);

	i = find(j, "xipc_rpc_call", "mailbox=%llu type=4", m_id);
	id = must_field(i, "call");
	j = find(i, "xipc_msg_send", "mailbox=%llu call=%lld", m_id, id);
	j = find(j, "xipc_rpc_cancel", "call=%lld", id);
	expect(j, "err=%d", ret);
}
END_TEST

/* LRPC: service a's handler calls service b, nested, from its thread. */
static int inner_proc(struct ipc_request *req, void *cookie)
{
	(void)cookie;
	req->astack->regs[0] = req->depth;
	return 0;
}

static int outer_proc(struct ipc_request *req, void *cookie)
{
	struct ipc_binding *inner = cookie;
	struct xipc_astack *a;
	int ret;

	ipc_astack_get(inner, &a);
	ret = ipc_call(inner, a, 1, IPC_NO_TIMEOUT);
	if (!ret)
		ret = a->status;
	if (!ret)
		req->astack->regs[0] = a->regs[0];
	ipc_astack_put(inner, a);
	return ret;
}

static void *serve(void *svc)
{
	return (void *)(long)ipc_service_run(svc);
}

/* The events of a nested call's step @step of @service and @token, after @i. */
static unsigned int lrpc_step(unsigned int i, const char *step, __u64 service,
			      long long token)
{
	i = find(i, step, "service=%llu token=%lld", service, token);
	expect(i, "err=0");
	return i;
}

FX_TEST("trace", test_lrpc_events)
{
	int space = xipc_test_open();
	struct ipc_service_attr attr = { 0 };
	struct ipc_service *outer, *inner;
	struct ipc_binding *b, *to_inner;
	struct xipc_astack *a;
	pthread_t threads[2];
	__u64 outer_id, inner_id;
	long long tok_outer, tok_inner;
	unsigned int i, j;
	void *res;

	ck_assert_int_eq(ipc_service_create(space, &attr, &outer), 0);
	ck_assert_int_eq(ipc_service_create(space, &attr, &inner), 0);
	outer_id = fx_object_id(space, ipc_service_handle(outer));
	inner_id = fx_object_id(space, ipc_service_handle(inner));
	ck_assert_int_eq(ipc_bind(space, ipc_service_handle(inner), &to_inner), 0);
	ck_assert_int_eq(ipc_bind(space, ipc_service_handle(outer), &b), 0);
	ck_assert_int_eq(ipc_service_register(outer, 1, outer_proc, to_inner), 0);
	ck_assert_int_eq(ipc_service_register(inner, 1, inner_proc, NULL), 0);
	ck_assert_int_eq(pthread_create(&threads[0], NULL, serve, outer), 0);
	ck_assert_int_eq(pthread_create(&threads[1], NULL, serve, inner), 0);

	instance_start();
	ipc_astack_get(b, &a);
	ck_assert_int_eq(ipc_call(b, a, 1, XIPC_TEST_LONG_NS), 0);
	ck_assert_int_eq(a->status, 0);
	ck_assert_int_eq(a->regs[0], 1);	/* the inner call's depth */
	ipc_astack_put(b, a);
	instance_stop();

	ck_assert_int_eq(ipc_service_destroy(outer), 0);
	ck_assert_int_eq(ipc_service_destroy(inner), 0);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(pthread_join(threads[i], &res), 0);
		ck_assert_int_eq((long)res, -EIDRM);
	}
	ipc_unbind(b);
	ipc_unbind(to_inner);
	ipc_service_free(outer);
	ipc_service_free(inner);

	/*
	 * call, serve, nested call and serve, their replies and returns. A
	 * serve is looked for by its call's token from the first event: on
	 * the debug kernel a serve was once read back before its call, which
	 * the service's lock orders (a question for the ring buffer's
	 * timestamps under emulation, left open); the rest must be in order.
	 */
	i = find(0, "xipc_lrpc_call", "service=%llu depth=0", outer_id);
	expect(i, "pid=%d", getpid());
	tok_outer = must_field(i, "token");
	j = find(0, "xipc_lrpc_serve", "service=%llu token=%lld", outer_id,
		 tok_outer);
	expect(j, "astack=%lld depth=0", must_field(i, "astack"));
	i = find(0, "xipc_lrpc_call", "service=%llu depth=1", inner_id);
	tok_inner = must_field(i, "token");
	j = find(0, "xipc_lrpc_serve", "service=%llu token=%lld", inner_id,
		 tok_inner);
	expect(j, "depth=1");
	i = i > j ? i : j;
	i = lrpc_step(i, "xipc_lrpc_reply", inner_id, tok_inner);
	i = lrpc_step(i, "xipc_lrpc_return", inner_id, tok_inner);
	i = lrpc_step(i, "xipc_lrpc_reply", outer_id, tok_outer);
	i = lrpc_step(i, "xipc_lrpc_return", outer_id, tok_outer);
	expect(i, "pid=%d", getpid());
}
END_TEST

/* Starts the instance, the module parameter @param lowered to 1 (was *@old). */
static void lower(const char *param, unsigned long long *old)
{
	ck_assert_int_eq(xipc_test_param_read(param, old), 0);
	instance_start();
	ck_assert_int_eq(xipc_test_param_write(param, 1), 0);
}

/* Puts @param back to @old, and stops the instance. */
static void restore(const char *param, unsigned long long old)
{
	ck_assert_int_eq(xipc_test_param_write(param, old), 0);
	instance_stop();
}

#define QUOTA_UID 4321

/* What a user with one quota at 1 does, in a space of its own: 0 or a check. */
static int two_mailboxes(int space)
{
	return ipc_mailbox_create(space, 0, 0, 0) <= 0 ? 1 :
	       ipc_mailbox_create(space, 0, 0, 0) != -ENOBUFS ? 2 : 0;
}

static int two_sends(int space)
{
	__u32 mailbox = ipc_mailbox_create(space, 0, 0, 0);

	return xipc_test_send(space, mailbox, 1, "abc", 3, 0) ? 1 :
	       xipc_test_send(space, mailbox, 1, "abc", 3, 0) != -ENOBUFS ? 2 : 0;
}

static int a_dup(int space)
{
	__u32 mailbox = ipc_mailbox_create(space, 0, 0, 0);

	return ipc_handle_dup(space, mailbox, XIPC_RIGHT_SEND, 0, 0) !=
	       -ENOBUFS;
}

static int two_handles_sent(int space)
{
	__u32 mailbox = ipc_mailbox_create(space, 0, 0, 0);

	return fx_send_handle(space, mailbox, mailbox, XIPC_RIGHT_SEND, 0, 0) ?
	       1 : fx_send_handle(space, mailbox, mailbox, XIPC_RIGHT_SEND, 0,
				  0) != -ENOBUFS ? 2 : 0;
}

static int a_service(int space)
{
	struct xipc_service_create req = { .astack_size = sysconf(_SC_PAGESIZE),
					   .nr_astacks = 1, .max_bindings = 1 };

	return !ioctl(space, XIPC_IOC_SERVICE_CREATE, &req) || errno != ENOBUFS;
}

/*
 * Each quota, @param lowered to 1, and what its refusal reports: @amount
 * refused (0: two pages, a region's A-stack and slot records) while the
 * user held @held.
 */
static const struct quota_row {
	const char *param;
	int (*exceed)(int space);
	const char *what;
	unsigned long amount, held;
} quota_rows[] = {
	{ "user_max_mailboxes", two_mailboxes, "mailboxes", 1, 1 },
	{ "user_max_msgs", two_sends, "msgs", 3, 1 },
	{ "user_max_handles", a_dup, "handles", 1, 1 },
	{ "user_max_handles", two_handles_sent, "transit", 1, 1 },
	{ "user_max_bytes", a_service, "region", 0, 0 },
};

/* A user over a quota: the refusal is an event with its uid. */
FX_LOOP_TEST("trace", test_quota_event, 0, FX_NR(quota_rows))
{
	const struct quota_row *row = &quota_rows[_i];
	unsigned long amount = row->amount ?: 2 * (unsigned long)sysconf(_SC_PAGESIZE);
	unsigned long long old;
	unsigned int i;
	pid_t child;
	int status;

	lower(row->param, &old);
	child = xipc_test_fork();
	if (child == 0) {
		int space;

		xipc_test_become(QUOTA_UID, QUOTA_UID, NULL, 0);
		space = ipc_open(0);
		CHILD_EXPECT(space >= 0, 10);
		_exit(row->exceed(space));
	}
	status = xipc_test_wait(child);
	restore(row->param, old);
	ck_assert_msg(status == 0, "%s: check %d failed", row->what, status);

	i = find(0, "xipc_quota", "uid=%d", QUOTA_UID);
	expect(i, "what=%s amount=%lu held=%lu pid=%d", row->what, amount,
	       row->held, child);
}
END_TEST

/*
 * A send that finds no room: another user over its fair share (two of a
 * mailbox of four, so that a third would leave it less than it holds), then
 * the creator with the mailbox full. Each refusal is an event, with the
 * sender's uid and pid, what the mailbox holds and what the sender holds.
 */
FX_TEST("trace", test_no_room_event)
{
	int space = xipc_test_open(), status, i;
	__u32 mailbox = xipc_test_mailbox(space, 0, 4, 0);
	__u64 id = fx_object_id(space, mailbox);
	pid_t child;

	instance_start();
	child = xipc_test_fork();
	if (child == 0) {
		xipc_test_become(QUOTA_UID, QUOTA_UID, NULL, 0);
		for (i = 0; i < 3; i++)
			CHILD_EXPECT(xipc_test_send(space, mailbox, 1, "ab", 2, 0) ==
				     (i < 2 ? 0 : -EAGAIN), 10 + i);
		_exit(0);
	}
	status = xipc_test_wait(child);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(xipc_test_send(space, mailbox, 2, "abc", 3, 0),
				 i < 2 ? 0 : -EAGAIN);
	instance_stop();
	ck_assert_int_eq(status, 0);

	i = find(0, "xipc_no_room", "mailbox=%llu uid=%d", id, QUOTA_UID);
	expect(i, "pid=%d fair_share size=2 msgs=2 bytes=4 held_msgs=2 held_bytes=4",
	       child);
	i = find(i + 1, "xipc_no_room", "mailbox=%llu uid=%d", id, geteuid());
	expect(i, "pid=%d full size=3 msgs=4 bytes=10 held_msgs=0 held_bytes=0",
	       getpid());
}
END_TEST

/* Fails unless the trace has this process's xipc_limit event of @what. */
static void find_limit(const char *what, __u64 object)
{
	unsigned int i = find(0, "xipc_limit", "object=%llu", object);

	expect(i, "what=%s limit=1 pid=%d", what, getpid());
}

/*
 * A space full, with the max_handles parameter lowered to 1: a fresh
 * space's second handle is EMFILE, an event naming the space.
 */
FX_TEST("trace", test_limit_handles_event)
{
	unsigned long long old;
	int space = xipc_test_open(), first, second;

	lower("max_handles", &old);
	first = ipc_mailbox_create(space, 0, 0, 0);
	second = ipc_mailbox_create(space, 0, 0, 0);
	restore("max_handles", old);
	ck_assert_int_eq(first, 1);
	ck_assert_int_eq(second, -EMFILE);
	find_limit("handles", xipc_test_space_id(space));
}
END_TEST

/* A handle with the max_watches watches it may take: EMLINK, an event. */
FX_TEST("trace", test_limit_watches_event)
{
	unsigned long long old;
	int space = xipc_test_open(), first, second;
	__u32 watched = xipc_test_mailbox(space, 0, 0, 0);
	__u32 notices = xipc_test_mailbox(space, 0, 0, 0);

	lower("max_watches", &old);
	first = ipc_watch(space, watched, notices, 1, 7);
	second = ipc_watch(space, watched, notices, 1, 8);
	restore("max_watches", old);
	ck_assert_int_eq(first, 0);
	ck_assert_int_eq(second, -EMLINK);
	find_limit("watches", fx_object_id(space, watched));
}
END_TEST

/* A service with its one binding taken: the next bind is EBUSY, an event. */
FX_TEST("trace", test_limit_bindings_event)
{
	struct ipc_service_attr attr = { .max_bindings = 1 };
	struct ipc_binding *b, *again = NULL;
	int space = xipc_test_open(), second;
	struct ipc_service *svc;

	ck_assert_int_eq(ipc_service_create(space, &attr, &svc), 0);
	ck_assert_int_eq(ipc_bind(space, ipc_service_handle(svc), &b), 0);
	instance_start();
	second = ipc_bind(space, ipc_service_handle(svc), &again);
	instance_stop();
	ck_assert_int_eq(second, -EBUSY);
	find_limit("bindings", fx_object_id(space, ipc_service_handle(svc)));
	ipc_unbind(b);
	ipc_service_destroy(svc);
	ipc_service_free(svc);
}
END_TEST

/*
 * An instance with every xipc event enabled for the whole program, so that
 * the tests' instances switch no tracepoint on or off: that patches kernel
 * text while other CPUs may run it, which a TCG guest does not always
 * survive (tests/vm/run boots with trace_options=norecord-cmd for the
 * worst of it). Once at each end is what any user of tracing does.
 */
static char keeper[160];

/* Writes @text to the keeper's file @name, or says on stderr why not. */
static void keeper_write(const char *name, const char *text)
{
	int err = write_text(keeper, name, text);

	if (err)
		fprintf(stderr, "# %s/%s: %s\n", keeper, name, strerror(-err));
}

static void keeper_start(void)
{
	snprintf(keeper, sizeof(keeper), "%s/instances/xipc-keeper-%d",
		 tracefs, (int)getpid());
	if (mkdir(keeper, 0700) != 0) {
		fprintf(stderr, "# mkdir %s: %s\n", keeper, strerror(errno));
		keeper[0] = 0;
		return;
	}
	/* Its events are on only to keep them on: the smallest buffer. */
	keeper_write("buffer_size_kb", "4");
	keeper_write("events/xipc/enable", "1");
}

static void keeper_stop(void)
{
	if (!keeper[0])
		return;
	keeper_write("events/xipc/enable", "0");
	if (rmdir(keeper) != 0)
		fprintf(stderr, "# rmdir %s: %s\n", keeper, strerror(errno));
}

/* perf's counters of each event on each CPU, opened before the tests. */
#define PERF_MAX_CPUS 64
static int perf_fds[FX_NR(events)][PERF_MAX_CPUS];
static long perf_cpus;
static char perf_error[256];

/* The id perf knows event @name by, from tracefs; -1 if it cannot be read. */
static long long event_id(const char *name)
{
	long long id = -1;
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/events/xipc/%s/id", tracefs, name);
	f = fopen(path, "r");
	if (f && fscanf(f, "%lld", &id) != 1)
		id = -1;
	if (f)
		fclose(f);
	return id;
}

/* Opens the counters; on failure perf_error says why (the test fails). */
static void perf_start(void)
{
	struct perf_event_attr attr = { .type = PERF_TYPE_TRACEPOINT,
					.size = sizeof(attr) };
	unsigned int i;
	long cpu;

	perf_cpus = sysconf(_SC_NPROCESSORS_CONF);
	if (perf_cpus > PERF_MAX_CPUS)
		perf_cpus = PERF_MAX_CPUS;
	for (i = 0; i < FX_NR(events); i++) {
		long long id = event_id(events[i]);

		if (id < 0) {
			snprintf(perf_error, sizeof(perf_error),
				 "no id for %s in tracefs", events[i]);
			return;
		}
		attr.config = (__u64)id;
		for (cpu = 0; cpu < perf_cpus; cpu++) {
			perf_fds[i][cpu] = (int)syscall(SYS_perf_event_open,
							&attr, -1, (int)cpu, -1,
							PERF_FLAG_FD_CLOEXEC);
			/* A CPU that is not online has nothing to count. */
			if (perf_fds[i][cpu] < 0 && errno != ENODEV) {
				snprintf(perf_error, sizeof(perf_error),
					 "perf_event_open(%s, cpu %ld): %s",
					 events[i], cpu, strerror(errno));
				return;
			}
		}
	}
}

/*
 * Last: perf counted each event at least once while the tests above ran
 * (each of them makes the events it checks happen).
 */
FX_TEST("trace", test_perf_counted_every_event)
{
	unsigned int i;
	long cpu;

	ck_assert_msg(!perf_error[0], "%s", perf_error);
	for (i = 0; i < FX_NR(events); i++) {
		unsigned long long total = 0, count;

		for (cpu = 0; cpu < perf_cpus; cpu++) {
			if (perf_fds[i][cpu] < 0)
				continue;
			ck_assert_int_eq(read(perf_fds[i][cpu], &count,
					      sizeof(count)), sizeof(count));
			total += count;
		}
		ck_assert_msg(total > 0, "perf counted no %s", events[i]);
	}
}
END_TEST

int main(void)
{
	int err = find_tracefs();

	/* Skipped only where tracefs cannot be: any other failure fails. */
	if (err && (err == -ENODEV || geteuid() != 0)) {
		printf("1..0 # SKIP %s\n", tracefs_error);
		return KSFT_SKIP;
	}
	keeper_start();
	perf_start();
	err = fx_main("trace");
	keeper_stop();
	return err;
}
