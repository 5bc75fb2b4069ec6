// SPDX-License-Identifier: MIT
/*
 * RPC and Reply: a round trip, the one-shot reply handle, reply errors, and
 * how a call ends when the caller gives up or dies, or the reply handle or
 * the mailbox goes away; then many concurrent calls against two servers.
 */
#include "fixture.h"

#define MSG_MAX		256
#define REQUEST_TYPE	5
#define PROBE_TYPE	6
#define STOP_TYPE	7

static __u32 rpc_mailbox(int space)
{
	return xipc_test_mailbox(space, MSG_MAX, 16, 16 * MSG_MAX);
}

/*
 * A call of REQUEST_TYPE with @size bytes at @data and room for a @room
 * byte reply at @reply; nr_reply_handles, output only, is poisoned.
 */
static struct xipc_rpc rpc_args(__u32 mailbox, const void *data, size_t size,
				void *reply, size_t room, __u64 timeout_ns)
{
	struct xipc_rpc call = { .handle = mailbox, .type = REQUEST_TYPE,
		.data = ipc_ptr(data), .size = size, .reply_data = ipc_ptr(reply),
		.reply_size = room, .timeout_ns = timeout_ns };

	memset(&call.nr_reply_handles, POISON_BYTE, sizeof(call.nr_reply_handles));
	return call;
}

/* Answers @reply with @size bytes at @data and @nr @transfers: the result. */
static int reply_carrying(int space, __u32 reply, const void *data,
			  size_t size, const struct xipc_transfer *transfers,
			  __u32 nr)
{
	struct xipc_reply args = { .reply = reply, .data = ipc_ptr(data),
		.size = size, .transfers = ipc_ptr(transfers), .nr_transfers = nr };

	return ipc_reply(space, &args);
}

static int reply_with(int space, __u32 reply, const void *data, size_t size)
{
	return reply_carrying(space, reply, data, size, NULL, 0);
}

/* The next message of @mailbox, waited for: size or -errno (children too). */
static int take_request(int space, __u32 mailbox, void *buf, size_t size,
			struct xipc_recv *msg)
{
	return xipc_test_recv(space, mailbox, 0, buf, size, XIPC_TEST_LONG_NS, msg);
}

/* Room in @call for @max handles of the reply, at @handles. */
static void with_reply_handles(struct xipc_rpc *call, __u32 *handles,
			       __u32 max)
{
	call->reply_handles = ipc_ptr(handles);
	call->max_reply_handles = max;
}

/* @call got one handle (of two places), to mailbox @object_id, @rights. */
static void expect_one_handle(int space, const struct xipc_rpc *call,
			      const __u32 *handles, __u64 object_id,
			      __u64 rights)
{
	ck_assert_uint_eq(call->nr_reply_handles, 1);
	ck_assert_uint_gt(handles[0], 0);
	ck_assert_uint_eq(handles[1], 0);
	fx_expect_handle(space, handles[0], XIPC_OBJECT_MAILBOX, object_id,
			 rights, 0, 0);
}

/*
 * Forks a caller that makes one call on @mailbox with @timeout_ns (moving
 * @moved in its request, unless 0) and exits 0 if it ends with @expected.
 * With @handler it catches SIGUSR1 first; with @probe it then sends a
 * PROBE_TYPE message, so that whoever takes from @mailbox learns the call is
 * over. A handle it moved must be back in its slot after, as it was.
 */
static pid_t fork_caller(int space, __u32 mailbox, __u64 timeout_ns,
			 int expected, bool handler, bool probe, __u32 moved)
{
	pid_t pid = xipc_test_fork();

	if (pid == 0) {
		struct xipc_transfer move = { .handle = moved,
					      .flags = XIPC_TRANSFER_MOVE };
		struct xipc_handle_info info = { 0 }, after;
		char reply[MSG_MAX];
		struct xipc_rpc call = rpc_args(mailbox, "call", 4, reply,
						sizeof(reply), timeout_ns);
		int ret;

		if (moved) {
			call.transfers = ipc_ptr(&move);
			call.nr_transfers = 1;
			CHILD_EXPECT(ipc_handle_info(space, moved, &info) == 0, 5);
		}
		CHILD_EXPECT(!handler || fx_catch_sigusr1() == 0, 1);
		ret = ipc_rpc(space, &call);
		if (ret != expected)
			fprintf(stderr, "ipc_rpc: %d, expected %d\n", ret, expected);
		CHILD_EXPECT(ret == expected, 2);
		CHILD_EXPECT(!handler || fx_signals == 1, 3);
		CHILD_EXPECT(!probe || xipc_test_send(space, mailbox, PROBE_TYPE,
						      "p", 1, 0) == 0, 4);
		CHILD_EXPECT(!moved || (ipc_handle_info(space, moved, &after) == 0 &&
					!memcmp(&after, &info, sizeof(info))), 6);
		_exit(0);
	}
	return pid;
}

/* Exit codes of the server children. */
enum {
	SERVER_RECV = 1, SERVER_REQUEST, SERVER_SENDER, SERVER_REPLY_HANDLE,
	SERVER_REPLY, SERVER_SECOND_REPLY, SERVER_TOO_LARGE, SERVER_HANDLES,
};

/*
 * Forks a server that takes one request from @mailbox, whose payload must be
 * @size bytes, and answers it with @serve, then exits 0. @serve finds the
 * payload at msg->data, the handles at msg->handles, and @arg in serve_arg.
 */
typedef void (*serve_fn)(int space, struct xipc_recv *msg);
static __u64 serve_arg;
static pid_t fork_server(int space, __u32 mailbox, int size, serve_fn serve,
			 __u64 arg)
{
	pid_t pid;

	serve_arg = arg;
	pid = xipc_test_fork();
	if (pid == 0) {
		__u32 handles[2] = { 0, 0 };
		char buf[MSG_MAX];
		struct xipc_recv msg = xipc_test_recv_args(mailbox, 0, buf,
							   sizeof(buf),
							   XIPC_TEST_LONG_NS);

		msg.handles = ipc_ptr(handles);
		msg.max_handles = 2;
		CHILD_EXPECT(ipc_recv(space, &msg) == size, SERVER_RECV);
		serve(space, &msg);
		_exit(0);
	}
	return pid;
}

static void serve_pong(int space, struct xipc_recv *msg)
{
	struct xipc_handle_info info;

	CHILD_EXPECT(memcmp((void *)(uintptr_t)msg->data, "ping", 4) == 0 &&
		     msg->size == 4 &&
		     msg->type == REQUEST_TYPE && msg->nr_handles == 0,
		     SERVER_REQUEST);
	CHILD_EXPECT(msg->badge == 42 && msg->pid == getppid() &&
		     msg->uid == getuid() && msg->gid == getgid(),
		     SERVER_SENDER);
	CHILD_EXPECT(msg->reply != 0 &&
		     ipc_handle_info(space, msg->reply, &info) == 0 &&
		     info.type == XIPC_OBJECT_REPLY, SERVER_REPLY_HANDLE);
	CHILD_EXPECT(reply_with(space, msg->reply, "pong!!", 6) == 0,
		     SERVER_REPLY);
}

/* Answers the string serve_arg points to (NULL: an empty reply). */
static void serve_text(int space, struct xipc_recv *msg)
{
	const char *text = (const char *)(uintptr_t)serve_arg;

	CHILD_EXPECT(msg->reply != 0, SERVER_REPLY_HANDLE);
	CHILD_EXPECT(reply_with(space, msg->reply, text,
				text ? strlen(text) : 0) == 0, SERVER_REPLY);
}

/* Answers "pong", carrying the transfer serve_arg points to. */
static void serve_handing(int space, struct xipc_recv *msg)
{
	const struct xipc_transfer *t = (const void *)(uintptr_t)serve_arg;

	CHILD_EXPECT(reply_carrying(space, msg->reply, "pong", 4, t, 1) == 0,
		     SERVER_REPLY);
}

static void serve_twice(int space, struct xipc_recv *msg)
{
	struct xipc_handle_info info;

	/* Its caller waits: not canceled. */
	CHILD_EXPECT(ipc_handle_info(space, msg->reply, &info) == 0 &&
		     info.state == 0, SERVER_REPLY_HANDLE);
	CHILD_EXPECT(reply_with(space, msg->reply, "one", 3) == 0, SERVER_REPLY);
	/* Consumed: the handle is gone. */
	CHILD_EXPECT(reply_with(space, msg->reply, "two", 3) == -EBADF,
		     SERVER_SECOND_REPLY);
	CHILD_EXPECT(ipc_handle_info(space, msg->reply, &info) == -EBADF,
		     SERVER_REPLY_HANDLE);
}

static void serve_too_large(int space, struct xipc_recv *msg)
{
	CHILD_EXPECT(reply_with(space, msg->reply, "123456789", 9) == -EMSGSIZE,
		     SERVER_TOO_LARGE);
	/* The handle stays for a reply that fits. */
	CHILD_EXPECT(reply_with(space, msg->reply, "12345678", 8) == 0,
		     SERVER_REPLY);
}

/*
 * A call of @request (NULL: an empty one) through a handle with @badge (0:
 * the mailbox's own) and room for @room bytes, that a server answers with
 * @serve: the reply must be @want, and the rest of the caller's buffer as
 * it was. The round trip, the one-shot reply handle, a reply larger than
 * the caller's buffer (the handle stays for one that fits), and an empty
 * request and reply, which are messages too.
 */
static const struct {
	serve_fn serve;
	__u64 badge;
	const char *request;
	size_t room;
	const char *want;
} answers[] = {
	{ serve_pong, 42, "ping", 64, "pong!!" },
	{ serve_twice, 0, "ping", 16, "one" },
	{ serve_too_large, 0, "ping", 8, "12345678" },
	{ serve_text, 0, NULL, 0, "" },
};

FX_LOOP_TEST("calls", test_answered, 0, FX_NR(answers))
{
	__u64 badge = answers[_i].badge;
	const char *request = answers[_i].request, *want = answers[_i].want;
	int space = xipc_test_open();
	__u32 mailbox = rpc_mailbox(space);
	__u32 client = badge ? fx_dup(space, mailbox, XIPC_RIGHT_SEND,
				      XIPC_DUP_BADGE, badge) : mailbox;
	int sent = request ? strlen(request) : 0;
	pid_t server = fork_server(space, mailbox, sent, answers[_i].serve, 0);
	size_t size = strlen(want);
	unsigned char reply[64];
	struct xipc_rpc call;

	memset(reply, POISON_BYTE, sizeof(reply));
	call = rpc_args(client, request, sent, reply, answers[_i].room,
			XIPC_TEST_LONG_NS);
	ck_assert_int_eq(ipc_rpc(space, &call), size);
	ck_assert_uint_eq(call.reply_size, size);
	ck_assert_uint_eq(call.nr_reply_handles, 0);
	ck_assert_mem_eq(reply, want, size);
	ck_assert_uint_eq(reply[size], POISON_BYTE);
	ck_assert_int_eq(xipc_test_wait(server), 0);
	xipc_test_assert_empty(space, mailbox);
}
END_TEST

/*
 * The reply comes to a caller whose reply buffer is not writable: the call
 * fails with EFAULT, but the handle the server moved into the reply is the
 * caller's, under the number it was told, and not lost with the reply. The
 * moved handle is the only handle to its mailbox, which would die with it.
 */
FX_TEST("errors", test_reply_to_a_bad_buffer_keeps_its_handles)
{
	int space = xipc_test_open();
	__u32 mailbox = rpc_mailbox(space), passed = rpc_mailbox(space);
	__u64 object_id = fx_object_id(space, passed);
	__u32 handles[2] = { 0, 0 };
	struct xipc_handle_info info;
	void *unwritable = mmap(NULL, 4096, PROT_READ,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct xipc_transfer move = { .handle = passed,
				      .flags = XIPC_TRANSFER_MOVE };
	pid_t server = fork_server(space, mailbox, 4, serve_handing,
				   (uintptr_t)&move);
	struct xipc_rpc call = rpc_args(mailbox, "ping", 4, unwritable, 16,
					XIPC_TEST_LONG_NS);

	ck_assert_ptr_ne(unwritable, MAP_FAILED);
	with_reply_handles(&call, handles, 2);
	ck_assert_int_eq(ipc_rpc(space, &call), -EFAULT);
	ck_assert_int_eq(xipc_test_wait(server), 0);
	ck_assert_uint_eq(call.reply_size, 4);
	expect_one_handle(space, &call, handles, object_id, XIPC_RIGHTS_ALL);
	/* Alive: it still has its receiver, the moved handle. */
	fx_deliver(space, handles[0], handles[0]);
	/* The number reserved for the second handle went back. */
	ck_assert_int_eq(ipc_handle_info(space, handles[0] + 1, &info), -EBADF);
}
END_TEST

/* Dups @handle in @space until the space is full: how many it took. */
static unsigned int fill_space(int space, __u32 handle)
{
	unsigned int n = 0;
	int ret;

	while ((ret = ipc_handle_dup(space, handle, XIPC_RIGHT_SEND, 0, 0)) > 0)
		n++;
	ck_assert_int_eq(ret, -EMFILE);
	return n;
}

/*
 * A caller whose space has no room for the reply's handles: refused with
 * EMFILE before anything is sent, where the server would otherwise answer
 * into a space that cannot take the answer. Room for as many handles as
 * the call asks is enough; a call that asks for none needs none.
 */
FX_TEST("errors", test_rpc_from_a_full_space_is_refused_before_sending)
{
	int caller = xipc_test_open(), server_space = xipc_test_open();
	char name[XIPC_TEST_NAME_SIZE], reply[16];
	__u32 handles[1] = { 0 };
	int serving = fx_named(server_space, name, "full");
	int mailbox = ipc_mailbox_open(caller, name, 0, 0,
				       XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT);
	struct xipc_rpc call = rpc_args(mailbox, "ping", 4, reply, sizeof(reply),
					XIPC_TEST_SHORT_NS);
	struct xipc_transfer give = { .handle = serving,
				      .rights = XIPC_RIGHT_SEND };
	pid_t server;

	ck_assert_int_gt(mailbox, 0);
	ck_assert_int_eq(ipc_mailbox_unlink(server_space, name), 0);
	ck_assert_uint_gt(fill_space(caller, mailbox), 0);
	with_reply_handles(&call, handles, 1);
	ck_assert_int_eq(ipc_rpc(caller, &call), -EMFILE);
	xipc_test_assert_empty(server_space, serving);

	/* Two answers: one without a handle, then one with. */
	server = fork_server(server_space, serving, 4, serve_text,
			     (uintptr_t)"none");
	call = rpc_args(mailbox, "ping", 4, reply, sizeof(reply),
			XIPC_TEST_LONG_NS);
	ck_assert_int_eq(ipc_rpc(caller, &call), 4);
	ck_assert_mem_eq(reply, "none", 4);
	ck_assert_int_eq(xipc_test_wait(server), 0);

	ck_assert_int_eq(ipc_handle_close(caller, mailbox + 1), 0);
	server = fork_server(server_space, serving, 4, serve_handing,
			     (uintptr_t)&give);
	call = rpc_args(mailbox, "ping", 4, reply, sizeof(reply),
			XIPC_TEST_LONG_NS);
	with_reply_handles(&call, handles, 1);
	ck_assert_int_eq(ipc_rpc(caller, &call), 4);
	ck_assert_mem_eq(reply, "pong", 4);
	ck_assert_uint_eq(call.nr_reply_handles, 1);
	ck_assert_uint_eq(handles[0], mailbox + 1);
	ck_assert_uint_eq(xipc_test_handle_info(caller, handles[0]).rights,
			  XIPC_RIGHT_SEND);
	ck_assert_int_eq(xipc_test_wait(server), 0);
}
END_TEST

/*
 * Answers a request that carried one handle, to object serve_arg with SEND
 * and GRANT: first with two copies of it (EMSGSIZE, the caller has room for
 * one), then with one.
 */
static void serve_passing(int space, struct xipc_recv *msg)
{
	const __u32 *got = (const __u32 *)(uintptr_t)msg->handles;
	struct xipc_transfer back[2] = {
		{ .handle = got[0], .rights = XIPC_RIGHT_SEND },
		{ .handle = got[0], .rights = XIPC_RIGHT_SEND },
	};
	struct xipc_handle_info info;

	CHILD_EXPECT(msg->nr_handles == 1 && got[0] > 0, SERVER_HANDLES);
	CHILD_EXPECT(ipc_handle_info(space, got[0], &info) == 0 &&
		     info.object_id == serve_arg &&
		     info.rights == (XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT),
		     SERVER_REQUEST);
	CHILD_EXPECT(reply_carrying(space, msg->reply, "h", 1, back, 2) ==
		     -EMSGSIZE, SERVER_TOO_LARGE);
	CHILD_EXPECT(reply_carrying(space, msg->reply, "h", 1, back, 1) == 0,
		     SERVER_REPLY);
}

/*
 * A request carries a handle to the server, and the reply one back to the
 * caller; a reply with more handles than the caller has room for is
 * EMSGSIZE and leaves the reply handle.
 */
FX_TEST("calls", test_rpc_passes_handles_both_ways)
{
	int space = xipc_test_open();
	__u32 mailbox = rpc_mailbox(space), passed = rpc_mailbox(space);
	__u64 object_id = fx_object_id(space, passed);
	struct xipc_transfer transfer = {
		.handle = passed, .rights = XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT,
	};
	pid_t server = fork_server(space, mailbox, 4, serve_passing, object_id);
	__u32 handles[2] = { 0, 0 };
	char reply[16];
	struct xipc_rpc call = rpc_args(mailbox, "pass", 4, reply, sizeof(reply),
					XIPC_TEST_LONG_NS);

	call.transfers = ipc_ptr(&transfer);
	call.nr_transfers = 1;
	with_reply_handles(&call, handles, 1);
	ck_assert_int_eq(ipc_rpc(space, &call), 1);
	expect_one_handle(space, &call, handles, object_id, XIPC_RIGHT_SEND);
	ck_assert_int_eq(xipc_test_wait(server), 0);
}
END_TEST

/* Nobody serves: the call ends with ETIMEDOUT, relative or absolute. */
FX_TEST("endings", test_rpc_timeout_without_server)
{
	int space = xipc_test_open();
	__u32 mailbox = rpc_mailbox(space);
	__u32 full = xipc_test_mailbox(space, MSG_MAX, 1, 0);
	char reply[16], byte;
	struct xipc_rpc call = rpc_args(mailbox, "x", 1, reply, sizeof(reply),
					XIPC_TEST_SHORT_NS);
	struct xipc_recv msg;

	ck_assert_int_eq(ipc_rpc(space, &call), -ETIMEDOUT);
	call = rpc_args(mailbox, "x", 1, reply, sizeof(reply),
			xipc_test_deadline(XIPC_TEST_SHORT_NS));
	call.flags = XIPC_ABSTIME;
	ck_assert_int_eq(ipc_rpc(space, &call), -ETIMEDOUT);

	/* The timeout covers queueing too: a full mailbox never takes it. */
	ck_assert_int_eq(xipc_test_send(space, full, 1, "f", 1, 0), 0);
	call = rpc_args(full, "x", 1, reply, sizeof(reply), XIPC_TEST_SHORT_NS);
	ck_assert_int_eq(ipc_rpc(space, &call), -ETIMEDOUT);
	ck_assert_int_eq(xipc_test_recv(space, full, 0, &byte, 1, 0, &msg), 1);
	ck_assert_int_eq(byte, 'f');
	ck_assert_uint_eq(msg.reply, 0);
	xipc_test_assert_empty(space, full);
}
END_TEST

/* The caller of @reply gave up: its state says so, before the late reply. */
static void assert_canceled(int space, __u32 reply)
{
	struct xipc_handle_info info = xipc_test_handle_info(space, reply);

	ck_assert_uint_eq(info.type, XIPC_OBJECT_REPLY);
	ck_assert_uint_eq(info.state, XIPC_STATE_CANCELED);
}

/*
 * A caller whose timeout expires after the server took its request: the
 * server's late reply fails with ECANCELED and consumes the handle.
 *
 * Whether the server takes the request before a short timeout expires is up
 * to the scheduler. The caller sends a probe message after its call ends;
 * if the server finds the probe first, the request was withdrawn before it
 * could take it (which the ABI allows), and the test tries again with a
 * longer timeout. It asserts nothing about time.
 */
FX_TEST("endings", test_rpc_timeout_cancels_the_call)
{
	__u64 timeout = XIPC_TEST_SHORT_NS;
	int space = xipc_test_open();
	bool tested = false;
	struct xipc_recv msg;
	char buf[MSG_MAX];

	while (!tested && timeout <= XIPC_TEST_LONG_NS / 6) {
		__u32 mailbox = rpc_mailbox(space);
		pid_t caller = fork_caller(space, mailbox, timeout, -ETIMEDOUT,
					   false, true, 0);

		ck_assert_int_ge(take_request(space, mailbox, buf, sizeof(buf),
					      &msg), 0);
		ck_assert_int_eq(xipc_test_wait(caller), 0);
		tested = msg.type == REQUEST_TYPE;
		if (tested) {
			ck_assert_uint_ne(msg.reply, 0);
			assert_canceled(space, msg.reply);
			ck_assert_int_eq(reply_with(space, msg.reply, "late", 4),
					 -ECANCELED);
			ck_assert_int_eq(reply_with(space, msg.reply, "late", 4),
					 -EBADF);
		} else {
			ck_assert_int_eq(msg.type, PROBE_TYPE);
			ck_assert_uint_eq(msg.reply, 0);
			timeout *= 10;
		}
		ck_assert_int_eq(ipc_mailbox_destroy(space, mailbox), 0);
		ck_assert_int_eq(ipc_handle_close(space, mailbox), 0);
	}
	ck_assert_msg(tested, "every request was withdrawn before it was taken");
}
END_TEST

/*
 * A call whose request the server took, ended from outside: the caller,
 * calling through a send-only handle with @timeout, ends with @call_ends
 * when the test does @what; then the server's late reply gets @late (0:
 * the reply is the test's), and any further one EBADF. A call canceled
 * (ECANCELED) shows it on the reply handle first.
 */
enum { SIGNAL, KILL, REVOKE, CLOSE_REPLY, DESTROY };
static const struct {
	const char *name;
	int what;
	__u64 timeout;
	int call_ends;
	int late;
} taken_endings[] = {
	{ "a signal", SIGNAL, XIPC_TIMEOUT_INFINITE, -EINTR, -ECANCELED },
	{ "the caller's death", KILL, XIPC_TIMEOUT_INFINITE, 0, -ECANCELED },
	/* Revoking the mailbox reaches the caller's handle: as a timeout. */
	{ "a revoke", REVOKE, XIPC_TIMEOUT_INFINITE, -EKEYREVOKED, -ECANCELED },
	/* The server closes the reply handle without answering. */
	{ "the reply handle closed", CLOSE_REPLY, XIPC_TEST_LONG_NS, -EPIPE,
	  -EBADF },
	/* Once taken, a request no longer depends on its mailbox. */
	{ "the mailbox destroyed", DESTROY, XIPC_TEST_LONG_NS, 4, 0 },
};

FX_LOOP_TEST("endings", test_taken_call_ends, 0, FX_NR(taken_endings))
{
	int space = xipc_test_open(), what = taken_endings[_i].what, status;
	__u32 mailbox = rpc_mailbox(space);
	__u32 client = fx_dup(space, mailbox, XIPC_RIGHT_SEND, 0, 0);
	pid_t caller = fork_caller(space, client, taken_endings[_i].timeout,
				   taken_endings[_i].call_ends, what == SIGNAL,
				   false, 0);
	struct xipc_recv msg;
	char buf[MSG_MAX];

	ck_assert_int_eq(take_request(space, mailbox, buf, sizeof(buf), &msg), 4);
	ck_assert_uint_ne(msg.reply, 0);
	if (what == SIGNAL)
		xipc_test_wait_asleep(caller);
	if (what == SIGNAL || what == KILL)
		ck_assert_int_eq(kill(caller, what == KILL ? SIGKILL : SIGUSR1), 0);
	else if (what == REVOKE)
		ck_assert_int_eq(ipc_handle_revoke(space, mailbox), 0);
	else if (what == CLOSE_REPLY)
		ck_assert_int_eq(ipc_handle_close(space, msg.reply), 0);
	else
		ck_assert_int_eq(ipc_mailbox_destroy(space, mailbox), 0);
	if (what == DESTROY)
		ck_assert_int_eq(reply_with(space, msg.reply, "done", 4), 0);
	status = xipc_test_wait_status(caller);
	if (what == KILL)
		ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	else
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "%s: caller: %#x", taken_endings[_i].name, status);
	if (taken_endings[_i].late == -ECANCELED)
		assert_canceled(space, msg.reply);
	if (what != DESTROY)
		ck_assert_int_eq(reply_with(space, msg.reply, "late", 4),
				 taken_endings[_i].late);
	ck_assert_int_eq(reply_with(space, msg.reply, "late", 4), -EBADF);
}
END_TEST

/* Revocation: a call through a handle a revoke reaches ends at once. */

/* Waits until @mailbox holds a message (a peek): its payload size. */
static int await_queued(int space, __u32 mailbox)
{
	char buf[MSG_MAX];
	struct xipc_recv msg = xipc_test_recv_args(mailbox, 0, buf, sizeof(buf),
						   XIPC_TEST_LONG_NS);

	msg.flags = XIPC_RECV_PEEK;
	return ipc_recv(space, &msg);
}

/*
 * A call whose request is still queued, ended from outside: the caller,
 * asleep in a call through a handle with @rights derived from the mailbox's
 * (through a handle between), ends with @error when the test does @what.
 * A revoke withdraws the request (the queue is empty as the revoke returns)
 * and puts the handle the request moved back in its slot.
 */
enum { REVOKE_MAILBOX, REVOKE_CLIENT, CLOSE_THEN_REVOKE, DESTROY_QUEUED };
static const struct {
	int what;
	__u32 rights;
	int error;
} queued_endings[] = {
	/* The case: the revoke reaches the caller's handle. */
	{ REVOKE_MAILBOX, XIPC_RIGHT_SEND, -EKEYREVOKED },
	/*
	 * A call counts as derived from the handle it was made through, as an
	 * LRPC binding does: revoking that very handle ends it, while the
	 * handle itself stays valid for the next call.
	 */
	{ REVOKE_CLIENT, XIPC_RIGHT_SEND | XIPC_RIGHT_MANAGE, -EKEYREVOKED },
	/*
	 * Closing the calling handle does not end the call; a later revoke
	 * of its parent, which would have reached the handle, still does.
	 */
	{ CLOSE_THEN_REVOKE, XIPC_RIGHT_SEND, -EKEYREVOKED },
	{ DESTROY_QUEUED, XIPC_RIGHT_SEND, -EIDRM },
};

FX_LOOP_TEST("endings", test_queued_call_ends, 0, FX_NR(queued_endings))
{
	int space = xipc_test_open(), what = queued_endings[_i].what;
	__u32 mailbox = rpc_mailbox(space);
	__u32 middle = fx_dup(space, mailbox, XIPC_RIGHTS_ALL, 0, 0);
	__u32 client = fx_dup(space, middle, queued_endings[_i].rights, 0, 0);
	__u32 moved = what == DESTROY_QUEUED ? 0 : rpc_mailbox(space);
	__u64 moved_id = moved ? fx_object_id(space, moved) : 0;
	pid_t caller = fork_caller(space, client, XIPC_TEST_LONG_NS,
				   queued_endings[_i].error, false, false, moved);
	struct xipc_handle_info info;
	char reply[8];
	struct xipc_rpc call = rpc_args(client, "x", 1, reply, sizeof(reply),
					XIPC_TEST_SHORT_NS);

	ck_assert_int_eq(await_queued(space, mailbox), 4);
	xipc_test_wait_asleep(caller);
	/* Moved: out of its slot while its request is out. */
	if (moved)
		ck_assert_int_eq(ipc_handle_info(space, moved, &info), -EBADF);
	if (what == REVOKE_MAILBOX)
		ck_assert_int_eq(ipc_handle_revoke(space, mailbox), 0);
	else if (what == REVOKE_CLIENT)
		ck_assert_int_eq(ipc_handle_revoke(space, client), 0);
	else if (what == DESTROY_QUEUED)
		ck_assert_int_eq(ipc_mailbox_destroy(space, mailbox), 0);
	if (what == CLOSE_THEN_REVOKE) {
		ck_assert_int_eq(ipc_handle_close(space, client), 0);
		ck_assert_int_eq(await_queued(space, mailbox), 4);
		ck_assert_int_eq(ipc_handle_revoke(space, middle), 0);
	}
	if (what != DESTROY_QUEUED)
		xipc_test_assert_empty(space, mailbox);
	ck_assert_int_eq(xipc_test_wait(caller), 0);
	if (moved) {
		ck_assert_uint_eq(fx_object_id(space, moved), moved_id);
		fx_deliver(space, moved, moved);
	}
	/* Later calls through a revoked handle are refused, as sends are. */
	if (what == REVOKE_MAILBOX)
		ck_assert_int_eq(ipc_rpc(space, &call), -EKEYREVOKED);
	if (what == REVOKE_CLIENT) {
		ck_assert_uint_eq(xipc_test_handle_info(space, client).state, 0);
		ck_assert_int_eq(xipc_test_send(space, client, 1, "s", 1, 0), 0);
	}
}
END_TEST

/*
 * The server dies holding the request's reply handle: the caller gets
 * EPIPE. The server receives in a space of its own (reaching the mailbox by
 * its name), so the handle goes with the server's space when it exits.
 */
FX_TEST("endings", test_server_death_is_epipe)
{
	int space = xipc_test_open();
	char name[XIPC_TEST_NAME_SIZE], reply[16];
	int mailbox = fx_named(space, name, "server");
	struct xipc_rpc call = rpc_args(mailbox, "call", 4, reply, sizeof(reply),
					XIPC_TEST_LONG_NS);
	pid_t server = xipc_test_fork();

	if (server == 0) {
		int own;
		__u32 mine = fx_child_open(name, XIPC_RIGHT_RECV, &own,
					   SERVER_RECV);
		struct xipc_recv msg;
		char buf[MSG_MAX];

		CHILD_EXPECT(take_request(own, mine, buf, sizeof(buf), &msg) == 4,
			     SERVER_RECV);
		CHILD_EXPECT(msg.reply != 0, SERVER_REPLY_HANDLE);
		/* Dies without answering. */
		_exit(0);
	}
	ck_assert_int_eq(ipc_rpc(space, &call), -EPIPE);
	ck_assert_int_eq(xipc_test_wait(server), 0);
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
}
END_TEST

/*
 * A peek at a request copies it but hands out no reply handle; the receive
 * that takes it does.
 */
FX_TEST("calls", test_peek_at_a_request)
{
	int space = xipc_test_open();
	__u32 mailbox = rpc_mailbox(space);
	pid_t caller = fork_caller(space, mailbox, XIPC_TEST_LONG_NS, 4, false,
				   false, 0);
	unsigned int count = 0, i;
	struct xipc_recv msg;
	char buf[MSG_MAX];

	/* Wait for the request without taking it, then peek again. */
	for (i = 0; i < 2; i++) {
		msg = xipc_test_recv_args(mailbox, 0, buf, sizeof(buf),
					  i ? 0 : XIPC_TEST_LONG_NS);
		msg.flags = XIPC_RECV_PEEK;
		ck_assert_int_eq(ipc_recv(space, &msg), 4);
		ck_assert_int_eq(msg.type, REQUEST_TYPE);
		ck_assert_uint_eq(msg.reply, 0);
		if (!i)
			count = xipc_test_count_handles(space);
	}
	ck_assert_uint_eq(xipc_test_count_handles(space), count);

	ck_assert_int_eq(take_request(space, mailbox, buf, sizeof(buf), &msg), 4);
	ck_assert_uint_ne(msg.reply, 0);
	ck_assert_uint_eq(xipc_test_count_handles(space), count + 1);
	ck_assert_int_eq(reply_with(space, msg.reply, "done", 4), 0);
	ck_assert_int_eq(xipc_test_wait(caller), 0);
}
END_TEST

#define CLIENTS		4
#define SERVERS		2
#define CALLS		200

struct call_payload {
	__u32 client;
	__u32 seq;
	__u64 nonce;
};

/* A request of @client's call @seq, or (@answer) what a server answers. */
static struct call_payload payload_of(__u32 client, __u32 seq, bool answer)
{
	__u64 x = (__u64)client << 32 | seq;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (struct call_payload){ client, seq, answer ? ~x : x };
}

static void serve_until_stopped(int space, __u32 mailbox)
{
	struct call_payload request, answer;
	struct xipc_recv msg;

	for (;;) {
		CHILD_EXPECT(take_request(space, mailbox, &request, sizeof(request),
					  &msg) == sizeof(request), SERVER_RECV);
		if (msg.type == STOP_TYPE)
			_exit(0);
		CHILD_EXPECT(msg.type == REQUEST_TYPE && msg.reply != 0,
			     SERVER_REQUEST);
		answer = request;
		answer.nonce = ~request.nonce;
		CHILD_EXPECT(reply_with(space, msg.reply, &answer,
					sizeof(answer)) == 0, SERVER_REPLY);
	}
}

/* A client thread: it must not ck_assert, so it reports in @error, @seq. */
struct client { pthread_t thread; int space; __u32 mailbox, id, seq; int error; };

static void *make_calls(void *arg)
{
	struct client *c = arg;
	struct call_payload request, got, want;
	struct xipc_rpc call;
	int ret;

	for (c->seq = 0; c->seq < CALLS && !c->error; c->seq++) {
		request = payload_of(c->id, c->seq, false);
		want = payload_of(c->id, c->seq, true);
		call = rpc_args(c->mailbox, &request, sizeof(request), &got,
				sizeof(got), XIPC_TEST_LONG_NS);
		ret = ipc_rpc(c->space, &call);
		if (ret != sizeof(got))
			c->error = ret < 0 ? ret : -EPROTO;
		else if (memcmp(&got, &want, sizeof(got)) != 0)
			c->error = -EBADMSG;
	}
	return NULL;
}

FX_TEST("load", test_concurrent_calls)
{
	int space = xipc_test_open();
	__u32 mailbox = rpc_mailbox(space);
	struct call_payload stop = { 0 };
	struct client clients[CLIENTS];
	pid_t servers[SERVERS];
	unsigned int i;

	for (i = 0; i < SERVERS; i++) {
		servers[i] = xipc_test_fork();
		if (servers[i] == 0)
			serve_until_stopped(space, mailbox);
	}
	for (i = 0; i < CLIENTS; i++) {
		clients[i] = (struct client){ .space = space, .mailbox = mailbox,
					      .id = i };
		ck_assert_int_eq(pthread_create(&clients[i].thread, NULL,
						make_calls, &clients[i]), 0);
	}
	for (i = 0; i < CLIENTS; i++) {
		ck_assert_int_eq(pthread_join(clients[i].thread, NULL), 0);
		ck_assert_msg(clients[i].error == 0, "client %u call %u: %s", i,
			      clients[i].seq - 1, strerror(-clients[i].error));
	}
	for (i = 0; i < SERVERS; i++)
		ck_assert_int_eq(xipc_test_send(space, mailbox, STOP_TYPE, &stop,
						sizeof(stop), XIPC_TEST_LONG_NS), 0);
	for (i = 0; i < SERVERS; i++)
		ck_assert_int_eq(xipc_test_wait(servers[i]), 0);
	xipc_test_assert_empty(space, mailbox);
}
END_TEST

/*
 * RPC and REPLY, each field of a valid request set to a bad value (see
 * fixture.h): the errno, and nothing queued, answered or moved.
 */
static char table_payload[FX_MSG + 1];
static struct xipc_transfer table_transfers[XIPC_MAX_TRANSFERS + 1];
static char rpc_answer[16];
static __u32 rpc_answer_handles[2];

/* Each transfer valid on its own: a copy of a handle with GRANT. */
static void fill_transfers(struct fx *f)
{
	unsigned int i;

	for (i = 0; i <= XIPC_MAX_TRANSFERS; i++)
		table_transfers[i] = (struct xipc_transfer){ .handle = f->other };
}

/* A call of 4 bytes with a copy of the other mailbox, room for 2 handles. */
static void rpc_build(struct fx *f, void *req)
{
	struct xipc_rpc *call = req;

	fill_transfers(f);
	*call = rpc_args(f->mailbox, table_payload, 4, rpc_answer,
			 sizeof(rpc_answer), XIPC_TEST_LONG_NS);
	call->transfers = ipc_ptr(table_transfers);
	call->nr_transfers = 1;
	with_reply_handles(call, rpc_answer_handles, 2);
}

static pid_t rpc_server;

/* The valid call has a rpc_server that answers "ok". */
static void serve_ok(int space, struct xipc_recv *msg)
{
	CHILD_EXPECT(msg->nr_handles == 1 && msg->reply != 0, SERVER_REQUEST);
	CHILD_EXPECT(reply_with(space, msg->reply, "ok", 2) == 0, SERVER_REPLY);
}

static int rpc_valid(struct fx *f, void *req)
{
	rpc_server = fork_server(f->space, f->mailbox, 4, serve_ok, 0);
	return fx_ioctl(f, XIPC_IOC_RPC, req);
}

static void rpc_check(struct fx *f, void *req, int ret)
{
	struct xipc_rpc *call = req;

	(void)f;
	ck_assert_int_eq(ret, 2);
	ck_assert_mem_eq(rpc_answer, "ok", 2);
	ck_assert_uint_eq(call->reply_size, 2);
	ck_assert_uint_eq(call->nr_reply_handles, 0);
	ck_assert_int_eq(xipc_test_wait(rpc_server), 0);
}

#define RPC(field, value, error) FX_BAD(struct xipc_rpc, field, value, error)
static const struct fx_row rpc_rows[] = {
	FX_MESSAGE_ROWS(struct xipc_rpc),
	RPC(max_reply_handles, XIPC_MAX_TRANSFERS + 1, EINVAL),
	/* A call that may not wait could never get its reply. */
	RPC(timeout_ns, 0, EINVAL),
	FX_BAD_POINTER(0, EFAULT),
};

static const struct fx_out rpc_outs[] = {
	FX_OUT(struct xipc_rpc, nr_reply_handles),
};

FX_TABLE("errors", test_rpc_refuses, rpc_table, XIPC_IOC_RPC, struct xipc_rpc,
	 .build = rpc_build, .valid = rpc_valid, .check = rpc_check,
	 .rows = FX_ARRAY(rpc_rows), .outs = FX_ARRAY(rpc_outs))

static pid_t reply_caller;
static __u32 pending;

/* A caller waits for the reply to the request this space took. */
static void reply_setup(struct fx *f)
{
	struct xipc_recv msg;
	char buf[MSG_MAX];

	fx_space(f);
	reply_caller = fork_caller(f->space, f->mailbox, XIPC_TEST_LONG_NS, 2,
				   false, false, 0);
	ck_assert_int_eq(take_request(f->space, f->mailbox, buf, sizeof(buf),
				      &msg), 4);
	pending = msg.reply;
	ck_assert_uint_ne(pending, 0);
}

static void reply_build(struct fx *f, void *req)
{
	fill_transfers(f);
	*(struct xipc_reply *)req = (struct xipc_reply){ .reply = pending,
		.data = ipc_ptr(table_payload), .size = 2,
		.transfers = ipc_ptr(table_transfers) };
}

static void reply_check(struct fx *f, void *req, int ret)
{
	struct xipc_handle_info info;

	(void)req;
	ck_assert_int_eq(ret, 0);
	ck_assert_int_eq(xipc_test_wait(reply_caller), 0);
	/* Consumed. */
	ck_assert_int_eq(ipc_handle_info(f->space, pending, &info), -EBADF);
}

#define REPLY(field, value, error) FX_BAD(struct xipc_reply, field, value, error)
static const struct fx_row reply_rows[] = {
	FX_BAD_BITS(struct xipc_reply, flags, 0, EINVAL),
	FX_NO_HANDLE(struct xipc_reply, reply),
	REPLY(data, 0, EFAULT), REPLY(data, FX_UNMAPPED, EFAULT),
	/* Larger than the caller's buffer: the handle stays for a smaller one. */
	REPLY(size, MSG_MAX + 1, EMSGSIZE),
	REPLY(nr_transfers, XIPC_MAX_TRANSFERS + 1, EINVAL),
	REPLY(reserved, 1, EINVAL), REPLY(reserved, 1U << 31, EINVAL),
	REPLY(reserved, ~0U, EINVAL),
	FX_BAD_POINTER(0, EFAULT),
};

FX_TABLE("errors", test_reply_refuses, reply_table, XIPC_IOC_REPLY,
	 struct xipc_reply, .setup = reply_setup, .build = reply_build,
	 .check = reply_check, .rows = FX_ARRAY(reply_rows))

int main(void)
{
	return fx_main("rpc");
}
