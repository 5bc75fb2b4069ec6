// SPDX-License-Identifier: MIT
/*
 * Races made deterministic: a child is held inside a command at a test
 * hook (module/hooks.c, built only with XIPC_TEST_HOOKS=y, as make
 * test-debug builds the module; skipped without it) while the test changes
 * what the command looked up; let go, the command must notice. The windows
 * are the hold points below.
 */

#include <poll.h>

#include "fixture.h"

/* The hold points of module/xipc.h (enum xipc_hold_point). */
enum {
	HOLD_DERIVE = 1,	/* a derive, between its lookup and its link */
	HOLD_RPC_QUEUE,		/* an RPC about to queue its request */
	HOLD_RECV_COPY,		/* a receive that took a message, not copied */
	HOLD_LRPC_TAKEN,	/* a server thread that took an LRPC call */
	HOLD_GC_SCANNED,	/* the collector: garbage found, not dropped */
	HOLD_RPC_REPLIED,	/* a reply delivered, its handle not yet gone */
	HOLD_REVOKE_WITHDRAWN,	/* a revoke took a request back, not ended */
	HOLD_LOOKUP_EMBEDDED,	/* a lockless reader of a handle's slot */
	HOLD_RECV_PINNED,	/* a receive that pinned its buffer, unlocked */
	HOLD_SERVE_LOOKUP,	/* a serve that looked its handle up */
	HOLD_SERVE_WOKEN,	/* a server thread woken, not yet looking */
	HOLD_GC_DONE,		/* the collector, done, its mutex still held */
};

/* The test's space (each test runs in a process of its own). */
static int space;

/* A new space for the test, and a mailbox in it with every right. */
static __u32 start(void)
{
	space = xipc_test_open();
	return xipc_test_mailbox(space, 0, 0, 0);
}

/* A new space for the test, and a service in it: one binding, one A-stack. */
static struct xipc_service_create start_service(void)
{
	start();
	return fx_service_create(space, 0, 4096, 1, 2);
}

static __u32 dup_of(__u32 handle, __u32 rights)
{
	return fx_dup(space, handle, rights, 0, 0);
}

/*
 * The test's held child: it shares the test's space and, once told to go,
 * runs one command, held at a hook; the pipes order it and carry its result.
 */
static struct {
	pid_t pid;
	int go[2];
	int result[2];
} held;

/*
 * Forks the held child, which waits for the go, runs @run on @handle,
 * sends its result and exits; lets it go, held at @point: back once held.
 */
static void fork_held(int (*run)(int space, __u32 handle), __u32 handle,
		      int point)
{
	const struct timespec pause = { .tv_nsec = 1000 * 1000 };
	unsigned long long holder = 0;
	__u64 deadline;
	int ret;

	ck_assert_int_eq(pipe(held.go), 0);
	ck_assert_int_eq(pipe(held.result), 0);
	held.pid = xipc_test_fork();
	if (held.pid == 0) {
		close(held.go[1]);
		close(held.result[0]);
		CHILD_EXPECT(xipc_test_await(held.go[0]) == 0, 1);
		ret = run(space, handle);
		CHILD_EXPECT(write(held.result[1], &ret, sizeof(ret)) ==
			     sizeof(ret), 2);
		_exit(0);
	}
	close(held.go[0]);
	close(held.result[1]);
	deadline = xipc_test_deadline(XIPC_TEST_LONG_NS);
	ck_assert_int_eq(xipc_test_param_write("hold_point", point), 0);
	ck_assert_int_eq(xipc_test_param_write("hold_tid", held.pid), 0);
	ck_assert_int_eq(xipc_test_notify(held.go[1]), 0);
	for (;;) {
		ck_assert_int_eq(xipc_test_param_read("held", &holder), 0);
		if (holder == (unsigned long long)held.pid)
			return;
		ck_assert_msg(xipc_test_deadline(0) < deadline,
			      "the command never reached its hold");
		nanosleep(&pause, NULL);
	}
}

/* Lets the held child go on; returns what its command returned. */
static int release(void)
{
	int ret = 0;

	ck_assert_int_eq(xipc_test_param_write("hold_tid", 0), 0);
	ck_assert_int_eq(read(held.result[0], &ret, sizeof(ret)), sizeof(ret));
	ck_assert_int_eq(xipc_test_wait(held.pid), 0);
	close(held.go[1]);
	close(held.result[0]);
	return ret;
}

/*
 * Lets the held child go on, as release() does, when its command must end
 * without waiting any more: fails the test if the child, out of its hold,
 * sleeps before its result comes.
 */
static int release_unless_it_waits(void)
{
	struct pollfd result = { .fd = held.result[0], .events = POLLIN };
	__u64 deadline = xipc_test_deadline(XIPC_TEST_LONG_NS);
	unsigned long long holder;

	ck_assert_int_eq(xipc_test_param_write("hold_tid", 0), 0);
	while (poll(&result, 1, 1) == 0) {
		ck_assert_int_eq(xipc_test_param_read("held", &holder), 0);
		ck_assert_msg(holder || xipc_test_thread_state(held.pid) != 'S',
			      "the command waits on");
		ck_assert_msg(xipc_test_deadline(0) < deadline,
			      "the command never ended");
	}
	return release();
}

/* Kills the held child where it is held; its command gets no further. */
static void kill_held(void)
{
	int status;

	ck_assert_int_eq(kill(held.pid, SIGKILL), 0);
	status = xipc_test_wait_status(held.pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert_int_eq(xipc_test_param_write("hold_tid", 0), 0);
	close(held.go[1]);
	close(held.result[0]);
}

/*
 * A child that runs @call on @handle and exits 0 if it returned @expect;
 * back once the child sleeps in it.
 */
static pid_t fork_caller(int (*call)(int space, __u32 handle), __u32 handle,
			 int expect)
{
	pid_t pid = xipc_test_fork();

	if (pid == 0) {
		CHILD_EXPECT(call(space, handle) == expect, 1);
		_exit(0);
	}
	xipc_test_wait_asleep(pid);
	return pid;
}

/* The commands a held child runs: each 0 (or a handle) or -errno. */
static int dup_send_recv(int space, __u32 handle)
{
	return ipc_handle_dup(space, handle, XIPC_RIGHT_SEND | XIPC_RIGHT_RECV,
			      0, 0);
}

static int bind_raw(int space, __u32 handle)
{
	struct xipc_bind req;

	return fx_bind(space, handle, &req) ?: (int)req.handle;
}

/*
 * While @run derives from a child of @root with @rights, held at the
 * derive, that child is revoked and closed and its slot re-made with the
 * @narrow rights (into *@slot), which lack one @run needs: what @run
 * returned. It must have installed nothing.
 */
static int derive_meets_a_swap(int (*run)(int space, __u32 handle),
			       __u32 root, __u32 rights, __u32 narrow,
			       __u32 *slot)
{
	__u32 parent = dup_of(root, rights);
	unsigned int handles;
	int ret;

	fork_held(run, parent, HOLD_DERIVE);
	ck_assert_int_eq(ipc_handle_revoke(space, root), 0);
	ck_assert_int_eq(ipc_handle_close(space, parent), 0);
	*slot = dup_of(root, narrow);
	ck_assert_uint_eq(*slot, parent);
	handles = xipc_test_count_handles(space);
	ret = release();
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
	return ret;
}

/*
 * The attack: while a derive waits, its parent is revoked, closed
 * and its slot re-made with a narrower handle to the same object. The child
 * would have rights its new parent lacks, beyond the revoke's reach: it is
 * refused, and nothing is installed.
 */
FX_TEST("derive", test_derive_rechecks_rights_after_its_sleep)
{
	__u32 root = start(), narrow;
	struct xipc_recv msg;
	char byte;

	ck_assert_int_eq(derive_meets_a_swap(dup_send_recv, root,
					     XIPC_RIGHT_SEND | XIPC_RIGHT_RECV |
					     XIPC_RIGHT_GRANT,
					     XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT,
					     &narrow), -EINVAL);
	/* The receivers are counted right: the root still receives. */
	ck_assert_int_eq(xipc_test_send(space, narrow, 1, "n", 1, 0), 0);
	ck_assert_int_eq(xipc_test_recv(space, root, 0, &byte, 1, 0, &msg), 1);
}
END_TEST

/*
 * The parent changes while the derive waits: revoked, still in its slot
 * (EKEYREVOKED), or closed, its slot empty (EBADF). No handle is made.
 */
static const struct change {
	const char *name;
	bool closed;
	int error;
} meanwhile[] = {
	{ "revoked", false, EKEYREVOKED },
	{ "closed", true, EBADF },
};

/* Changes @handle, a child of @root, as @change says. */
static void change_handle(const struct change *change, __u32 root,
			  __u32 handle)
{
	if (change->closed)
		ck_assert_int_eq(ipc_handle_close(space, handle), 0);
	else
		ck_assert_int_eq(ipc_handle_revoke(space, root), 0);
}

FX_LOOP_TEST("derive", test_derive_from_a_changed_handle, 0,
	     FX_NR(meanwhile))
{
	const struct change *change = &meanwhile[_i];
	__u32 root = start(), parent = dup_of(root, XIPC_RIGHTS_ALL);
	unsigned int handles;

	fork_held(dup_send_recv, parent, HOLD_DERIVE);
	change_handle(change, root, parent);
	handles = xipc_test_count_handles(space);
	ck_assert_msg(release() == -change->error, "%s", change->name);
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
	if (!change->closed)
		ck_assert_uint_eq(xipc_test_handle_info(space, parent).state,
				  XIPC_STATE_REVOKED);
}
END_TEST

/* Held, nothing changed: the child is made under its parent's revoke. */
FX_TEST("derive", test_derive_held_without_a_change)
{
	__u32 parent = dup_of(start(), XIPC_RIGHTS_ALL);
	int child;

	fork_held(dup_send_recv, parent, HOLD_DERIVE);
	child = release();
	ck_assert_int_gt(child, 0);
	ck_assert_uint_eq(xipc_test_handle_info(space, child).rights,
			  XIPC_RIGHT_SEND | XIPC_RIGHT_RECV);
	ck_assert_int_eq(ipc_handle_revoke(space, parent), 0);
	ck_assert_uint_eq(xipc_test_handle_info(space, child).state,
			  XIPC_STATE_REVOKED);
}
END_TEST

/*
 * XIPC_IOC_BIND derives through the same code: its service handle swapped
 * for one without SEND, the bind is refused (EPERM), no binding is made.
 */
FX_TEST("derive", test_bind_rechecks_rights_after_its_sleep)
{
	__u32 service, narrow;

	start();
	service = xipc_test_service(space);
	ck_assert_int_eq(derive_meets_a_swap(bind_raw, service,
					     XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT,
					     XIPC_RIGHT_GRANT, &narrow), -EPERM);
	/* The one slot is free: a bind through the service's own handle gets it. */
	ck_assert_int_gt(bind_raw(space, service), 0);
}
END_TEST

/* The second mailbox of a test, which the held send carries. */
static __u32 carried;

/* A send through @mailbox carrying a copy of @carried. */
static int send_a_handle(int space, __u32 mailbox)
{
	return fx_send_handle(space, mailbox, carried, XIPC_RIGHT_SEND, 0,
			      XIPC_TEST_LONG_NS);
}

/*
 * A send held after its look-up (in the derive of the handle it carries)
 * while its handle is revoked or closed: it queues nothing. A revoke that
 * returned stops every message through the handles it reached.
 */
FX_LOOP_TEST("changed", test_send_through_a_changed_handle, 0,
	     FX_NR(meanwhile))
{
	const struct change *change = &meanwhile[_i];
	__u32 root = start(), sender = dup_of(root, XIPC_RIGHT_SEND);

	carried = xipc_test_mailbox(space, 0, 0, 0);
	fork_held(send_a_handle, sender, HOLD_DERIVE);
	change_handle(change, root, sender);
	ck_assert_msg(release() == -change->error, "%s", change->name);
	xipc_test_assert_empty(space, root);
}
END_TEST

/* A receive into a buffer large enough to be pinned (XIPC_DIRECT_MIN). */
static int recv_pinned(int space, __u32 mailbox)
{
	static char buf[16 << 10];
	struct xipc_recv msg = xipc_test_recv_args(mailbox, 0, buf, sizeof(buf),
						   XIPC_TEST_LONG_NS);

	return ipc_recv(space, &msg);
}

/*
 * A receive drops the mailbox's lock to pin its buffer, which may fault
 * pages in. Its handle revoked or closed meanwhile, it takes no message
 * sent since, and does not go on to sleep on a handle that is gone (no
 * close or revoke would wake it again).
 */
FX_LOOP_TEST("changed", test_pinned_receive_through_a_changed_handle, 0,
	     FX_NR(meanwhile))
{
	const struct change *change = &meanwhile[_i];
	__u32 root, receiver;
	struct xipc_recv msg;
	char byte;

	space = xipc_test_open();
	root = xipc_test_mailbox(space, 16 << 10, 0, 0);
	receiver = dup_of(root, XIPC_RIGHT_RECV);
	fork_held(recv_pinned, receiver, HOLD_RECV_PINNED);
	change_handle(change, root, receiver);
	ck_assert_int_eq(xipc_test_send(space, root, 1, "m", 1, 0), 0);
	ck_assert_msg(release() == -change->error, "%s", change->name);
	/* The message is still there for the handle that may take it. */
	ck_assert_int_eq(xipc_test_recv(space, root, 0, &byte, 1, 0, &msg), 1);
}
END_TEST

/* A server thread's wait for a call on @service (the raw ioctl): 0 or -errno. */
static int serve_for(int space, __u32 service, __u64 timeout_ns)
{
	struct xipc_lrpc_serve serve = { .flags = XIPC_SERVE_WAIT,
		.service = service, .timeout_ns = timeout_ns };

	return ioctl(space, XIPC_IOC_LRPC_SERVE, &serve) ? -errno : 0;
}

/* An LRPC call through the binding @handle (the raw ioctl): 0 or -errno. */
static int call_within(int space, __u32 handle, __u64 timeout_ns)
{
	struct xipc_lrpc_call call = { .binding = handle,
				       .timeout_ns = timeout_ns };

	return ioctl(space, XIPC_IOC_LRPC_CALL, &call) ? -errno : 0;
}

static int serve_wait(int space, __u32 service)
{
	return serve_for(space, service, XIPC_TEST_LONG_NS);
}

/*
 * A server thread held after it looked up its service handle, before it
 * waits, while that handle is revoked or closed (the service lives on
 * through another): it fails at once, and does not wait for a call the
 * handle it lost could never take.
 */
FX_LOOP_TEST("changed", test_serve_through_a_changed_handle, 0,
	     FX_NR(meanwhile))
{
	const struct change *change = &meanwhile[_i];
	struct xipc_service_create svc;
	__u32 server;

	svc = start_service();
	server = dup_of(svc.handle, XIPC_RIGHT_RECV);
	fork_held(serve_wait, server, HOLD_SERVE_LOOKUP);
	change_handle(change, svc.handle, server);
	ck_assert_msg(release_unless_it_waits() == -change->error, "%s",
		      change->name);
}
END_TEST

/* Set before a held RPC's child is forked: a handle it moves (0: none). */
static __u32 moved_handle;

/*
 * An RPC on @handle, moving moved_handle if set: the reply's size, or
 * -errno; with @want, 0 if the reply is @want, else -EPROTO.
 */
static int rpc_for(int space, __u32 handle, const char *want)
{
	struct xipc_transfer move = { .handle = moved_handle,
				      .flags = XIPC_TRANSFER_MOVE };
	char reply[16];
	int ret;

	ret = ipc_rpc(space, &(struct xipc_rpc){ .handle = handle, .type = 1,
		.data = ipc_ptr("call"), .size = 4,
		.transfers = moved_handle ? ipc_ptr(&move) : 0,
		.nr_transfers = moved_handle ? 1 : 0,
		.reply_data = ipc_ptr(reply), .reply_size = sizeof(reply),
		.timeout_ns = XIPC_TEST_LONG_NS });
	if (ret < 0 || !want)
		return ret;
	return ret == (int)strlen(want) && !memcmp(reply, want, ret) ?
	       0 : -EPROTO;
}

static int rpc(int space, __u32 handle)
{
	return rpc_for(space, handle, NULL);
}

static int answer_with(int space, __u32 reply, const char *data)
{
	return ipc_reply(space, &(struct xipc_reply){ .reply = reply,
			 .data = ipc_ptr(data), .size = strlen(data) });
}

/*
 * Revoked while the caller enters the call (its request built, the call on
 * its handle's list, not yet queued): the request is never queued, the
 * caller fails with EKEYREVOKED, and the handle it moved is back.
 */
FX_TEST("revoke", test_revoke_while_the_caller_enters_the_call)
{
	__u32 mailbox = start(), client = dup_of(mailbox, XIPC_RIGHT_SEND);
	__u64 id;

	moved_handle = xipc_test_mailbox(space, 0, 0, 0);
	id = fx_object_id(space, moved_handle);
	fork_held(rpc, client, HOLD_RPC_QUEUE);
	ck_assert_int_eq(ipc_handle_revoke(space, mailbox), 0);
	ck_assert_int_eq(release(), -EKEYREVOKED);
	xipc_test_assert_empty(space, mailbox);
	ck_assert_uint_eq(fx_object_id(space, moved_handle), id);
}
END_TEST

/*
 * A server's side of a request whose caller is gone: it receives the
 * request, whose reply handle says CANCELED, and answers it (ECANCELED).
 */
static int receive_and_answer(int space, __u32 mailbox)
{
	struct xipc_handle_info info;
	struct xipc_recv msg;
	char buf[16];
	int ret;

	msg = xipc_test_recv_args(mailbox, 0, buf, sizeof(buf), XIPC_TEST_LONG_NS);
	ret = ipc_recv(space, &msg);
	if (ret != 4)
		return ret < 0 ? ret : -EPROTO;
	if (ipc_handle_info(space, msg.reply, &info) ||
	    info.state != XIPC_STATE_CANCELED)
		return -EPROTO;
	return ipc_reply(space, &(struct xipc_reply){ .reply = msg.reply });
}

/*
 * Revoked while a server receives the request (out of the queue, not yet
 * copied out): it is received, never withdrawn as well. The caller fails
 * at once with EKEYREVOKED; the server, let go, gets the request with a
 * CANCELED reply handle, and its reply fails with ECANCELED.
 */
FX_TEST("revoke", test_revoke_while_the_server_receives_the_request)
{
	__u32 mailbox = start();
	pid_t caller = fork_caller(rpc, dup_of(mailbox, XIPC_RIGHT_SEND),
				   -EKEYREVOKED);
	struct xipc_recv peek;
	char buf[16];

	peek = xipc_test_recv_args(mailbox, 0, buf, sizeof(buf),
				   XIPC_TEST_LONG_NS);
	peek.flags = XIPC_RECV_PEEK;
	ck_assert_int_eq(ipc_recv(space, &peek), 4);
	fork_held(receive_and_answer, mailbox, HOLD_RECV_COPY);
	ck_assert_int_eq(ipc_handle_revoke(space, mailbox), 0);
	ck_assert_int_eq(xipc_test_wait(caller), 0);
	ck_assert_int_eq(release(), -ECANCELED);
	xipc_test_assert_empty(space, mailbox);
}
END_TEST

static int lrpc_call(int space, __u32 handle)
{
	return call_within(space, handle, XIPC_TEST_LONG_NS);
}

/* A server thread's side: takes a call on @service, and replies. */
static int serve_and_reply(int space, __u32 service)
{
	struct xipc_lrpc_serve serve = { .flags = XIPC_SERVE_WAIT,
		.service = service, .timeout_ns = XIPC_TEST_LONG_NS };

	if (ioctl(space, XIPC_IOC_LRPC_SERVE, &serve))
		return -errno;
	serve.flags = XIPC_SERVE_REPLY;
	return ioctl(space, XIPC_IOC_LRPC_SERVE, &serve) ? -errno : 0;
}

/*
 * LRPC: revoked while a server thread takes the call (its token not yet
 * given to the thread): the caller fails at once with EKEYREVOKED, and the
 * thread is still held with the call. The service handle, and the binding.
 */
static __u32 abandon_a_taken_call(int *binding)
{
	struct xipc_service_create svc = start_service();
	__u32 granted = dup_of(svc.handle, XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT |
			       XIPC_RIGHT_MANAGE);
	pid_t caller;

	*binding = bind_raw(space, granted);
	ck_assert_int_gt(*binding, 0);
	caller = fork_caller(lrpc_call, *binding, -EKEYREVOKED);
	fork_held(serve_and_reply, svc.handle, HOLD_LRPC_TAKEN);
	ck_assert_int_eq(ipc_handle_revoke(space, granted), 0);
	ck_assert_int_eq(xipc_test_wait(caller), 0);
	return svc.handle;
}

/* The thread, let go, has the call, and its reply is ECANCELED. */
FX_TEST("revoke", test_revoke_while_a_server_thread_takes_the_call)
{
	int binding;

	abandon_a_taken_call(&binding);
	ck_assert_int_eq(release(), -ECANCELED);
}
END_TEST

/*
 * The thread killed before its serve returned: nobody can reply now, so its
 * give-back frees the A-stack, and the slot is free for a new binding once
 * the old is closed.
 */
FX_TEST("revoke", test_server_thread_killed_with_an_abandoned_call)
{
	int binding;
	__u32 service = abandon_a_taken_call(&binding);

	kill_held();
	ck_assert_int_eq(ipc_handle_close(space, binding), 0);
	/* Two slots: the one never used, and the one given back. */
	ck_assert_int_gt(bind_raw(space, service), 0);
	ck_assert_int_gt(bind_raw(space, service), 0);
	ck_assert_int_eq(bind_raw(space, service), -EBUSY);
}
END_TEST

/* XIPC_IOC_LRPC_SERVE in the test's space: 0 or -errno. */
static int serve_raw(struct xipc_lrpc_serve *serve)
{
	return ioctl(space, XIPC_IOC_LRPC_SERVE, serve) ? -errno : 0;
}

/* The call a held serve replies to, and how: REPLY, with WAIT or not. */
static __u64 reply_token;
static __u32 reply_flags;

static int reply_through(int space, __u32 service)
{
	struct xipc_lrpc_serve serve = { .flags = reply_flags,
		.service = service, .call = reply_token,
		.timeout_ns = XIPC_TEST_LONG_NS };

	return ioctl(space, XIPC_IOC_LRPC_SERVE, &serve) ? -errno : 0;
}

/*
 * A reply (alone, then with a wait) held after it looked up its service
 * handle, while that handle is revoked or closed: it fails at once and
 * answers nothing; the call is still running, for a thread that holds the
 * service to answer.
 */
FX_LOOP_TEST("changed", test_reply_through_a_changed_handle, 0,
	     2 * FX_NR(meanwhile))
{
	const struct change *change = &meanwhile[_i % FX_NR(meanwhile)];
	struct xipc_lrpc_serve serve = { .flags = XIPC_SERVE_WAIT,
		.timeout_ns = XIPC_TEST_LONG_NS };
	struct xipc_service_create svc;
	__u32 parent, server;
	pid_t caller;
	int binding;

	reply_flags = XIPC_SERVE_REPLY;
	if (_i >= (int)FX_NR(meanwhile))
		reply_flags |= XIPC_SERVE_WAIT;
	svc = start_service();
	parent = dup_of(svc.handle, XIPC_RIGHTS_ALL);
	server = dup_of(parent, XIPC_RIGHT_RECV);
	binding = bind_raw(space, svc.handle);
	ck_assert_int_gt(binding, 0);
	caller = fork_caller(lrpc_call, binding, 0);
	serve.service = server;
	ck_assert_int_eq(serve_raw(&serve), 0);
	reply_token = serve.call;
	fork_held(reply_through, server, HOLD_SERVE_LOOKUP);
	change_handle(change, parent, server);
	ck_assert_msg(release_unless_it_waits() == -change->error, "%s",
		      change->name);
	serve = (struct xipc_lrpc_serve){ .flags = XIPC_SERVE_REPLY,
		.service = svc.handle, .call = reply_token };
	ck_assert_int_eq(serve_raw(&serve), 0);
	ck_assert_int_eq(xipc_test_wait(caller), 0);
}
END_TEST

/* Two LRPC calls through the binding @handle, one after the other. */
static int lrpc_call_twice(int space, __u32 handle)
{
	return lrpc_call(space, handle) ?: lrpc_call(space, handle);
}

/*
 * LRPC: a server thread that took a call dies before its serve returns,
 * and another thread of the server replied to that call meanwhile: the
 * A-stack holds the client's next call by then, which a third thread
 * runs. The dying thread's give-back leaves that call alone (it is not
 * the call the thread took), so its server's reply reaches the client.
 */
FX_TEST("lrpc", test_dying_server_thread_gives_back_only_its_own_call)
{
	struct xipc_lrpc_serve serve = { .flags = XIPC_SERVE_REPLY,
		/* The first call in A-stack 0 (generation 1). */
		.call = 1ULL << 32 };
	struct xipc_service_create svc;
	pid_t caller;
	int binding;

	svc = start_service();
	binding = bind_raw(space, svc.handle);
	ck_assert_int_gt(binding, 0);
	caller = fork_caller(lrpc_call_twice, binding, 0);
	fork_held(serve_and_reply, svc.handle, HOLD_LRPC_TAKEN);
	serve.service = svc.handle;
	ck_assert_int_eq(serve_raw(&serve), 0);
	xipc_test_wait_asleep(caller);
	serve.flags = XIPC_SERVE_WAIT;
	serve.timeout_ns = XIPC_TEST_LONG_NS;
	ck_assert_int_eq(serve_raw(&serve), 0);
	ck_assert_uint_eq(serve.call, 2ULL << 32);

	/* Killed at its hold: it gives its call back as it dies. */
	kill_held();

	serve.flags = XIPC_SERVE_REPLY;
	ck_assert_int_eq(serve_raw(&serve), 0);
	ck_assert_int_eq(xipc_test_wait(caller), 0);
}
END_TEST

/* A wait of a moment; a call that does not wait for a server. */
static int serve_briefly(int space, __u32 service)
{
	return serve_for(space, service, 1);
}

static int lrpc_call_now(int space, __u32 handle)
{
	return call_within(space, handle, 0);
}

/*
 * LRPC: a server thread whose wait timed out is held before it looks for
 * a call, still idle, while its handle is revoked (the revoke's wake-up
 * finds it awake) and a call is handed to it. Let go, it does not take
 * the call through the handle it lost: it fails with EKEYREVOKED and gives
 * the call back, which, with no other server idle, fails with EAGAIN.
 */
FX_TEST("changed", test_woken_server_thread_sees_a_revoke_before_its_call)
{
	struct xipc_service_create svc = start_service();
	__u32 parent = dup_of(svc.handle, XIPC_RIGHT_RECV | XIPC_RIGHT_GRANT |
			      XIPC_RIGHT_MANAGE);
	__u32 server = dup_of(parent, XIPC_RIGHT_RECV);
	int binding = bind_raw(space, svc.handle);
	pid_t caller;

	ck_assert_int_gt(binding, 0);
	fork_held(serve_briefly, server, HOLD_SERVE_WOKEN);
	ck_assert_int_eq(ipc_handle_revoke(space, parent), 0);
	caller = fork_caller(lrpc_call_now, binding, -EAGAIN);
	ck_assert_int_eq(release(), -EKEYREVOKED);
	ck_assert_int_eq(xipc_test_wait(caller), 0);
}
END_TEST

/* An RPC that SIGUSR1 ends (no SA_RESTART): EINTR. */
static int rpc_interruptible(int space, __u32 handle)
{
	return fx_catch_sigusr1() ? -EINVAL : rpc(space, handle);
}

/*
 * Revoked while its caller gives up: the revoke took the queued request
 * back, and the caller was interrupted before the revoke could end the
 * call. The request goes back to its place, as one whose caller gave up
 * stays queued: a server receives it with a CANCELED reply handle, and the
 * reply fails with ECANCELED.
 */
FX_TEST("revoke", test_revoke_meets_a_caller_giving_up)
{
	__u32 mailbox = start();
	pid_t caller = fork_caller(rpc_interruptible,
				   dup_of(mailbox, XIPC_RIGHT_SEND), -EINTR);

	fork_held(ipc_handle_revoke, mailbox, HOLD_REVOKE_WITHDRAWN);
	ck_assert_int_eq(kill(caller, SIGUSR1), 0);
	ck_assert_int_eq(xipc_test_wait(caller), 0);
	ck_assert_int_eq(release(), 0);
	ck_assert_int_eq(receive_and_answer(space, mailbox), -ECANCELED);
	xipc_test_assert_empty(space, mailbox);
}
END_TEST

static int answer_ok(int space, __u32 reply)
{
	return answer_with(space, reply, "ok");
}

/* What this user is charged now. */
static struct xipc_test_charges charges(void)
{
	struct xipc_test_charges now;

	ck_assert_int_eq(xipc_test_charges(geteuid(), &now), 0);
	return now;
}

/*
 * A reply is spent once answered: its handle is uncharged before its
 * caller wakes. With the server held after the answer (its reply handle
 * not yet destroyed), the caller, back with the answer, finds its user's
 * handles and messages as before the call (as a name server's client
 * reading /proc/xipc/users right after a register must).
 */
FX_TEST("reply", test_reply_handle_uncharged_before_the_caller_wakes)
{
	__u32 mailbox = start();
	struct xipc_test_charges before = charges();
	pid_t caller = fork_caller(rpc, mailbox, 2);
	struct xipc_recv msg;
	char buf[16];

	ck_assert_int_eq(xipc_test_recv(space, mailbox, 0, buf, sizeof(buf),
					XIPC_TEST_LONG_NS, &msg), 4);
	ck_assert_uint_gt(msg.reply, 0);
	ck_assert_uint_eq(charges().handles, before.handles + 1);
	fork_held(answer_ok, msg.reply, HOLD_RPC_REPLIED);
	ck_assert_int_eq(xipc_test_wait(caller), 0);
	ck_assert_uint_eq(charges().handles, before.handles);
	ck_assert_uint_eq(charges().msgs, before.msgs);
	ck_assert_int_eq(release(), 0);
	ck_assert_int_eq(ipc_handle_close(space, msg.reply), -EBADF);
	ck_assert_uint_eq(charges().handles, before.handles);
}
END_TEST

/*
 * A call's memory is a new call's as soon as it ends (rpc.c: a cache with
 * SLAB_TYPESAFE_BY_RCU, and each CPU's spare, the call it freed last), and
 * its reply handle lives in it: a lockless reader of a reply handle's slot
 * may find, when it takes the object, another space's call. Such readers
 * are xipc_handle_lookup() (mmap() reaches it, as XIPC_IOC_WATCH does) and
 * xipc_handle_info(); XIPC_IOC_REPLY takes its handle out of the slot by
 * compare-and-exchange instead. Without their check of the slot, the mmap
 * would fail with ENODEV and the info describe the other space's call.
 */
static int map_handle(int space, __u32 handle)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p = fx_map(space, page, (__u64)handle * page);

	if (!p)
		return -errno;
	munmap(p, page);
	return 0;
}

static int handle_info(int space, __u32 handle)
{
	struct xipc_handle_info info;

	return ipc_handle_info(space, handle, &info);
}

static const struct reader {
	const char *name;
	int (*read)(int space, __u32 handle);
} readers[] = {
	{ "mmap", map_handle },
	{ "handle info", handle_info },
};

/* The CPU the test's calls run on, and the held reader's own. */
static int calls_cpu, reader_cpu;

/* The first two CPUs this process may run on: false if it has one. */
static bool two_cpus(void)
{
	int cpu, found = 0;
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return false;
	for (cpu = 0; cpu < CPU_SETSIZE && found < 2; cpu++) {
		if (!CPU_ISSET(cpu, &set))
			continue;
		if (found++)
			reader_cpu = cpu;
		else
			calls_cpu = cpu;
	}
	return found == 2;
}

/* Pins the calling process to @cpu: 0, or -errno. */
static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

/* The reader the held child runs. */
static const struct reader *reader;

/*
 * The held child's command: the reader, on a CPU of its own, since it
 * spins where it is held (inside rcu_read_lock(), where it may not sleep)
 * and would keep a CPU of a kernel without preemption from the test.
 */
static int read_on_its_cpu(int space, __u32 handle)
{
	return pin(reader_cpu) ?: reader->read(space, handle);
}

static int call_for_first(int space, __u32 handle)
{
	return rpc_for(space, handle, "first");
}

/*
 * The reader is held between reading reply handle N from its slot and
 * taking its object; meanwhile N is answered, its call ends, and a call to
 * another space's mailbox, made on the CPU where the first was freed, gets
 * its memory, and that space a reply handle at N's address. Let go, the
 * reader fails with EBADF, as for a handle closed under its feet, and both
 * callers get their own answer, once.
 */
FX_LOOP_TEST("reply", test_reader_meets_its_reply_handle_reused, 0,
	     FX_NR(readers))
{
	__u32 mailbox = start(), other_mailbox;
	struct xipc_recv request, other_request;
	pid_t first, second;
	int other, go[2], ret;
	char buf[16];

	if (!two_cpus())
		return;	/* main() said why */
	reader = &readers[_i];
	/* Every call here is made, and freed, on one CPU. */
	ck_assert_int_eq(pin(calls_cpu), 0);
	other = xipc_test_open();
	other_mailbox = xipc_test_mailbox(other, 0, 0, 0);
	/* The second caller, forked beforehand, waits for its turn. */
	ck_assert_int_eq(pipe(go), 0);
	second = xipc_test_fork();
	if (second == 0) {
		close(go[1]);
		CHILD_EXPECT(xipc_test_await(go[0]) == 0, 1);
		CHILD_EXPECT_RET(rpc_for(other, other_mailbox, "second"), 0, 2);
		_exit(0);
	}
	close(go[0]);

	first = fork_caller(call_for_first, dup_of(mailbox, XIPC_RIGHT_SEND),
			    0);
	ck_assert_int_eq(xipc_test_recv(space, mailbox, 0, buf, sizeof(buf),
					XIPC_TEST_LONG_NS, &request), 4);
	ck_assert_uint_gt(request.reply, 0);
	fork_held(read_on_its_cpu, request.reply, HOLD_LOOKUP_EMBEDDED);

	ck_assert_int_eq(answer_with(space, request.reply, "first"), 0);
	ck_assert_int_eq(xipc_test_wait(first), 0);
	ck_assert_int_eq(xipc_test_notify(go[1]), 0);
	ck_assert_int_eq(xipc_test_recv(other, other_mailbox, 0, buf,
					sizeof(buf), XIPC_TEST_LONG_NS,
					&other_request), 4);
	ck_assert_uint_gt(other_request.reply, 0);
	ret = release();
	/* A hold that gave up (the kernel log says so) ended it too early. */
	ck_assert_msg(ret == -EBADF, "%s of a reply handle reused: %d, not %d",
		      reader->name, ret, -EBADF);

	ck_assert_int_eq(answer_with(other, other_request.reply, "second"), 0);
	ck_assert_int_eq(xipc_test_wait(second), 0);
	xipc_test_assert_empty(space, mailbox);
	xipc_test_assert_empty(other, other_mailbox);
	ck_assert_int_eq(ipc_handle_close(space, request.reply), -EBADF);
	ck_assert_int_eq(ipc_handle_close(other, other_request.reply), -EBADF);
}
END_TEST

/* Sends on @sender a message carrying @handle with @rights (0: moved). */
static void send_carrying(__u32 sender, __u32 handle, __u32 rights)
{
	ck_assert_int_eq(fx_send_handle(space, sender, handle, rights,
					rights ? 0 : XIPC_TRANSFER_MOVE, 0), 0);
}

/*
 * The cycle collector. A group of two mailboxes, each one's receive right
 * queued in the other, and a copy of the second's in @carrier's queue: the
 * group lives while @carrier is held. *@watch_a and *@watch_b are send
 * rights to them, whose state tells whether they have been collected.
 */
static void group_behind(__u32 carrier, __u32 *watch_a, __u32 *watch_b)
{
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 b = xipc_test_mailbox(space, 0, 0, 0);

	*watch_a = dup_of(a, XIPC_RIGHT_SEND);
	*watch_b = dup_of(b, XIPC_RIGHT_SEND);
	send_carrying(a, b, XIPC_RIGHT_RECV);
	send_carrying(carrier, b, XIPC_RIGHT_RECV);
	send_carrying(b, a, XIPC_RIGHT_RECV);
	ck_assert_int_eq(ipc_handle_close(space, a), 0);
	ck_assert_int_eq(ipc_handle_close(space, b), 0);
}

static bool collected(__u32 watch)
{
	return xipc_test_handle_info(space, watch).state & XIPC_STATE_NO_RECEIVER;
}

/* Fails unless both of a group's watches say it was collected, or not. */
static void both_collected(__u32 watch_a, __u32 watch_b, bool yes)
{
	ck_assert_int_eq(collected(watch_a), yes);
	ck_assert_int_eq(collected(watch_b), yes);
}

/* Where a held receive copies its payload: a good buffer, or a bad one. */
static void *recv_buffer;

/* Receives one message carrying one handle: that handle, or -errno. */
static int recv_a_handle(int space, __u32 mailbox)
{
	struct xipc_recv msg;
	__u32 handle = 0;
	int ret;

	msg = xipc_test_recv_args(mailbox, 0, recv_buffer, 1, 0);
	msg.handles = ipc_ptr(&handle);
	msg.max_handles = 1;
	ret = ipc_recv(space, &msg);
	return ret < 0 ? ret : (int)handle;
}

/* Some garbage of its own, so that the collector runs now. */
static void run_the_collector(void)
{
	__u32 mailbox = xipc_test_mailbox(space, 0, 0, 0);

	send_carrying(mailbox, mailbox, 0);
}

/*
 * The collector runs while a receive has the only message that reaches the
 * group out of its queue, whose mailbox was closed meanwhile: the rights in
 * that message are the receiver's, so the group stays, and it gets them.
 */
FX_TEST("cycles", test_collector_spares_a_message_being_received)
{
	static char byte;
	__u32 carrier = start(), watch_a, watch_b;
	int b, a;

	group_behind(carrier, &watch_a, &watch_b);
	recv_buffer = &byte;
	fork_held(recv_a_handle, carrier, HOLD_RECV_COPY);
	ck_assert_int_eq(ipc_handle_close(space, carrier), 0);
	run_the_collector();
	both_collected(watch_a, watch_b, false);
	b = release();
	ck_assert_int_gt(b, 0);
	a = recv_a_handle(space, b);
	ck_assert_int_gt(a, 0);
	ck_assert_uint_eq(fx_object_id(space, a), fx_object_id(space, watch_a));
	/* a's queue holds b's right, which a keeps while it is held. */
	ck_assert_int_eq(ipc_handle_close(space, b), 0);
	ck_assert(!collected(watch_b));
	ck_assert_int_eq(ipc_handle_close(space, a), 0);
	both_collected(watch_a, watch_b, true);
}
END_TEST

/*
 * That receive faults on its buffer, and the message goes back: to a
 * mailbox still held, where it keeps the group; to one closed meanwhile,
 * which drops it, and the group is gone when the receive returns.
 */
FX_TEST("cycles", test_collector_after_a_faulting_receive)
{
	__u32 carrier = start(), watch_a, watch_b;

	recv_buffer = mmap(NULL, sysconf(_SC_PAGESIZE), PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(recv_buffer != MAP_FAILED);
	group_behind(carrier, &watch_a, &watch_b);
	fork_held(recv_a_handle, carrier, HOLD_RECV_COPY);
	run_the_collector();
	ck_assert_int_eq(release(), -EFAULT);
	run_the_collector();
	both_collected(watch_a, watch_b, false);

	fork_held(recv_a_handle, carrier, HOLD_RECV_COPY);
	ck_assert_int_eq(ipc_handle_close(space, carrier), 0);
	both_collected(watch_a, watch_b, false);
	ck_assert_int_eq(release(), -EFAULT);
	both_collected(watch_a, watch_b, true);
}
END_TEST

/* Moves @mailbox's handle into its own queue: garbage, collected at once. */
static int move_into_itself(int space, __u32 mailbox)
{
	return fx_send_handle(space, mailbox, mailbox, 0, XIPC_TRANSFER_MOVE, 0);
}

/*
 * A command that made garbage while another command collects waits for it,
 * killably; killed there, it leaves its scan to a worker, and the group goes
 * once the other collector is done, with no command after it. The group's
 * end is watched with poll() (EPOLLERR: no receiver), not with an ioctl,
 * which would run the collector itself.
 */
FX_TEST("cycles", test_collector_runs_for_a_killed_waiter)
{
	__u32 carrier = start(), own = xipc_test_mailbox(space, 0, 0, 0);
	struct pollfd group[2] = { { .events = POLLIN }, { .events = POLLIN } };
	__u32 watch[2];
	pid_t closer;
	int status, i;

	group_behind(carrier, &watch[0], &watch[1]);
	for (i = 0; i < 2; i++) {
		group[i].fd = ipc_mailbox_fd(space, watch[i]);
		ck_assert_int_ge(group[i].fd, 0);
	}
	fork_held(move_into_itself, own, HOLD_GC_DONE);
	closer = xipc_test_fork();
	if (closer == 0) {
		ipc_handle_close(space, carrier);
		_exit(0);
	}
	xipc_test_wait_state(closer, 'D');
	ck_assert_int_eq(kill(closer, SIGKILL), 0);
	status = xipc_test_wait_status(closer);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert_int_eq(poll(group, 2, 0), 0);
	ck_assert_int_eq(release(), 0);
	/* One after the other: the worker drops the queues in turn. */
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(poll(&group[i], 1, XIPC_TEST_LONG_NS / 1000000),
				 1);
		ck_assert(group[i].revents & POLLERR);
		ck_assert(collected(watch[i]));
		ck_assert_int_eq(close(group[i].fd), 0);
	}
}
END_TEST

/*
 * A revoke reaches an RPC whose request is in a group the collector found
 * unreachable and has not dropped yet: the request is garbage, not
 * withdrawn, so the right it moved is not given back; the caller fails
 * with EKEYREVOKED at once all the same, and the group goes.
 */
FX_TEST("cycles", test_revoke_meets_a_collected_request)
{
	__u32 a = start(), b = xipc_test_mailbox(space, 0, 0, 0);
	__u32 manage = dup_of(a, XIPC_RIGHT_MANAGE | XIPC_RIGHT_SEND |
			      XIPC_RIGHT_GRANT);
	__u32 client = dup_of(manage, XIPC_RIGHT_SEND);
	__u32 b_too = dup_of(b, XIPC_RIGHT_RECV);
	__u32 watch_b = dup_of(b, XIPC_RIGHT_SEND);
	struct xipc_handle_info info;
	pid_t caller;

	send_carrying(b, a, 0);
	moved_handle = b;
	caller = fork_caller(rpc, client, -EKEYREVOKED);
	fork_held(ipc_handle_close, b_too, HOLD_GC_SCANNED);
	ck_assert_int_eq(ipc_handle_revoke(space, manage), 0);
	ck_assert_int_eq(xipc_test_wait(caller), 0);
	ck_assert_int_eq(ipc_handle_info(space, b, &info), -EBADF);
	ck_assert(!collected(watch_b));
	ck_assert_int_eq(release(), 0);
	ck_assert(collected(watch_b));
}
END_TEST

int main(void)
{
	if (access("/sys/module/xipc/parameters/hold_tid", W_OK)) {
		printf("1..0 # SKIP the module has no test hooks: build it with XIPC_TEST_HOOKS=y (make test-debug)\n");
		return KSFT_SKIP;
	}
	if (!two_cpus())
		printf("# SKIP test_reader_meets_its_reply_handle_reused: needs two CPUs\n");
	return fx_main("race");
}
