// SPDX-License-Identifier: MIT
/*
 * Races made deterministic: a thread is held inside a command (the test
 * hooks of module/hooks.c, built only with XIPC_TEST_HOOKS=y, as make
 * test-debug builds the module) while the test changes what the command
 * looked up; then it goes on, and must notice. Skipped on a module without
 * the hooks. The windows: a derive between its lookup and its link; an RPC
 * between entering the call and queueing its request, and between a
 * server's taking the request and its copy-out; an LRPC call between a
 * server thread's taking it and the thread's learning of it; the cycle
 * collector between finding garbage and dropping it, and while a receive
 * has a message out of its queue; a reply between waking its caller and
 * destroying its reply handle.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "libipc.h"
#include "fixture.h"

#define PARAMS "/sys/module/xipc/parameters/"

/* The hold points of module/xipc.h (enum xipc_hold_point). */
enum {
	HOLD_DERIVE = 1,
	HOLD_RPC_QUEUE,
	HOLD_RECV_COPY,
	HOLD_LRPC_TAKEN,
	HOLD_GC_SCANNED,
	HOLD_RPC_REPLIED,
	HOLD_REVOKE_WITHDRAWN,
};

static void write_param(const char *name, int value)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	f = fopen(path, "w");
	ck_assert_msg(f != NULL, "open %s: %s", path, strerror(errno));
	ck_assert_int_gt(fprintf(f, "%d\n", value), 0);
	ck_assert_int_eq(fclose(f), 0);
}

static int read_param(const char *name)
{
	char path[128];
	int value = 0;
	FILE *f;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "open %s: %s", path, strerror(errno));
	ck_assert_int_eq(fscanf(f, "%d", &value), 1);
	fclose(f);
	return value;
}

/*
 * A child that shares the test's space and, once told to go, runs one
 * command held at a hook: the pipes that order it and carry its result.
 */
struct held {
	pid_t pid;
	int go[2];
	int result[2];
};

/* Tells @h's child to run its command, held at @point; returns once held. */
static void hold_and_go(struct held *h, int point)
{
	struct timespec pause = { .tv_nsec = 1000 * 1000 };
	__u64 deadline = xipc_test_deadline(XIPC_TEST_LONG_NS);
	struct timespec now;

	write_param("hold_point", point);
	write_param("hold_tid", h->pid);
	ck_assert_int_eq(xipc_test_notify(h->go[1]), 0);
	while (read_param("held") != h->pid) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		ck_assert_msg((__u64)now.tv_sec * 1000000000ULL + now.tv_nsec <
			      deadline, "the command never reached its hold");
		nanosleep(&pause, NULL);
	}
}

/* Lets @h's child go on; returns what its command returned. */
static int release(struct held *h)
{
	int ret = 0;

	write_param("hold_tid", 0);
	ck_assert_int_eq(read(h->result[0], &ret, sizeof(ret)), sizeof(ret));
	ck_assert_int_eq(xipc_test_wait(h->pid), 0);
	close(h->go[1]);
	close(h->result[0]);
	return ret;
}

/* In the child: waits for the go, runs @run, sends its result, exits. */
static pid_t fork_held(struct held *h, int (*run)(int space, __u32 handle),
		       int space, __u32 handle)
{
	ck_assert_int_eq(pipe(h->go), 0);
	ck_assert_int_eq(pipe(h->result), 0);
	h->pid = xipc_test_fork();
	if (h->pid == 0) {
		int ret;

		close(h->go[1]);
		close(h->result[0]);
		CHILD_EXPECT(xipc_test_await(h->go[0]) == 0, 1);
		ret = run(space, handle);
		CHILD_EXPECT(write(h->result[1], &ret, sizeof(ret)) == sizeof(ret),
			     2);
		_exit(0);
	}
	close(h->go[0]);
	close(h->result[1]);
	return h->pid;
}

/*
 * A child that runs @call on @space and @handle and exits 0 if it returned
 * @expect; back once the child sleeps in it.
 */
static pid_t fork_caller(int (*call)(int space, __u32 handle), int space,
			 __u32 handle, int expect)
{
	pid_t pid = xipc_test_fork();

	if (pid == 0) {
		CHILD_EXPECT(call(space, handle) == expect, 1);
		_exit(0);
	}
	xipc_test_wait_asleep(pid);
	return pid;
}

static int dup_send_recv(int space, __u32 handle)
{
	return ipc_handle_dup(space, handle, XIPC_RIGHT_SEND | XIPC_RIGHT_RECV,
			      0, 0);
}

static int bind_raw(int space, __u32 handle)
{
	struct xipc_bind req = { .service = handle };

	return ioctl(space, XIPC_IOC_BIND, &req) ? -errno : (int)req.handle;
}

/*
 * The attack: while a derive waits, the handle it derives from is
 * revoked and closed, and its slot re-created with a narrower handle to the
 * same object. The child would have rights its new parent lacks, beyond the
 * reach of the revoke; it is refused, and nothing is installed.
 */
FX_TEST("derive", test_derive_rechecks_rights_after_its_sleep)
{
	int space = xipc_test_open();
	__u32 root = xipc_test_mailbox(space, 0, 0, 0);
	int parent = ipc_handle_dup(space, root, XIPC_RIGHT_SEND | XIPC_RIGHT_RECV |
				    XIPC_RIGHT_GRANT, 0, 0);
	unsigned int handles;
	struct held h;
	int narrow;

	ck_assert_int_gt(parent, 0);
	fork_held(&h, dup_send_recv, space, parent);
	hold_and_go(&h, HOLD_DERIVE);
	ck_assert_int_eq(ipc_handle_revoke(space, root), 0);
	ck_assert_int_eq(ipc_handle_close(space, parent), 0);
	narrow = ipc_handle_dup(space, root, XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT,
				0, 0);
	ck_assert_int_eq(narrow, parent);
	handles = xipc_test_count_handles(space);
	ck_assert_int_eq(release(&h), -EINVAL);
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
	/* The receivers are counted right: the root still receives. */
	ck_assert_int_eq(xipc_test_send(space, narrow, 1, "n", 1, 0), 0);
	{
		struct xipc_recv msg;
		char byte;

		ck_assert_int_eq(xipc_test_recv(space, root, 0, &byte, 1, 0, &msg),
				 1);
	}
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

FX_LOOP_TEST("derive", test_derive_from_a_changed_handle, 0,
	     FX_NR(meanwhile))
{
	const struct change *change = &meanwhile[_i];
	int space = xipc_test_open();
	__u32 root = xipc_test_mailbox(space, 0, 0, 0);
	__u32 parent = fx_dup(space, root, XIPC_RIGHTS_ALL, 0, 0);
	unsigned int handles;
	struct held h;

	fork_held(&h, dup_send_recv, space, parent);
	hold_and_go(&h, HOLD_DERIVE);
	if (change->closed)
		ck_assert_int_eq(ipc_handle_close(space, parent), 0);
	else
		ck_assert_int_eq(ipc_handle_revoke(space, root), 0);
	handles = xipc_test_count_handles(space);
	ck_assert_msg(release(&h) == -change->error, "%s", change->name);
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
	if (!change->closed)
		ck_assert_uint_eq(xipc_test_handle_info(space, parent).state,
				  XIPC_STATE_REVOKED);
}
END_TEST

/*
 * Held, and nothing changed meanwhile: the derive succeeds, and its child
 * is under its parent, where a revoke of the parent reaches it.
 */
FX_TEST("derive", test_derive_held_without_a_change)
{
	int space = xipc_test_open();
	__u32 root = xipc_test_mailbox(space, 0, 0, 0);
	__u32 parent = fx_dup(space, root, XIPC_RIGHTS_ALL, 0, 0);
	struct held h;
	int child;

	fork_held(&h, dup_send_recv, space, parent);
	hold_and_go(&h, HOLD_DERIVE);
	child = release(&h);
	ck_assert_int_gt(child, 0);
	ck_assert_uint_eq(xipc_test_handle_info(space, child).rights,
			  XIPC_RIGHT_SEND | XIPC_RIGHT_RECV);
	ck_assert_int_eq(ipc_handle_revoke(space, parent), 0);
	ck_assert_uint_eq(xipc_test_handle_info(space, child).state, XIPC_STATE_REVOKED);
}
END_TEST

/*
 * XIPC_IOC_BIND derives through the same code: the service handle is
 * revoked, closed and its slot re-created without the send right while the
 * bind waits. The bind is refused (EPERM: the handle in the slot cannot
 * bind), and no binding is made.
 */
FX_TEST("derive", test_bind_rechecks_rights_after_its_sleep)
{
	int space = xipc_test_open();
	struct xipc_service_create svc = {
		.astack_size = 4096, .nr_astacks = 1, .max_bindings = 1,
	};
	unsigned int handles;
	int parent, narrow;
	struct held h;

	ck_assert_int_eq(ioctl(space, XIPC_IOC_SERVICE_CREATE, &svc), 0);
	parent = fx_dup(space, svc.handle, XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT,
			0, 0);
	fork_held(&h, bind_raw, space, parent);
	hold_and_go(&h, HOLD_DERIVE);
	ck_assert_int_eq(ipc_handle_revoke(space, svc.handle), 0);
	ck_assert_int_eq(ipc_handle_close(space, parent), 0);
	narrow = ipc_handle_dup(space, svc.handle, XIPC_RIGHT_GRANT, 0, 0);
	ck_assert_int_eq(narrow, parent);
	handles = xipc_test_count_handles(space);
	ck_assert_int_eq(release(&h), -EPERM);
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
	/* The one slot is free: a bind through the service's own handle gets it. */
	ck_assert_int_gt(bind_raw(space, svc.handle), 0);
}
END_TEST

/*
 * Revocation against the moments a call changes hands. What a held command
 * needs beyond its space and handle is set before its child is forked.
 */
static __u32 moved_handle;

static struct xipc_rpc call_args(__u32 handle, struct xipc_transfer *move,
				 char *reply, size_t room)
{
	struct xipc_rpc call = {
		.handle = handle,
		.type = 1,
		.data = ipc_ptr("call"),
		.size = 4,
		.reply_data = ipc_ptr(reply),
		.reply_size = room,
		.timeout_ns = XIPC_TEST_LONG_NS,
	};

	if (move) {
		call.transfers = ipc_ptr(move);
		call.nr_transfers = 1;
	}
	return call;
}

static int rpc_moving(int space, __u32 handle)
{
	struct xipc_transfer move = {
		.handle = moved_handle, .flags = XIPC_TRANSFER_MOVE,
	};
	char reply[16];
	struct xipc_rpc call = call_args(handle, &move, reply, sizeof(reply));

	return ipc_rpc(space, &call);
}

/*
 * Revoked while the caller enters the call: its request is built, the call
 * is on its handle's list, the request not yet queued. The request is never
 * queued, the caller fails with EKEYREVOKED, and the handle it moved is back.
 */
FX_TEST("revoke", test_revoke_while_the_caller_enters_the_call)
{
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, 0, 0, 0);
	__u32 client = fx_dup(space, mailbox, XIPC_RIGHT_SEND, 0, 0);
	struct xipc_handle_info before, after;
	struct held h;

	moved_handle = xipc_test_mailbox(space, 0, 0, 0);
	before = xipc_test_handle_info(space, moved_handle);
	fork_held(&h, rpc_moving, space, client);
	hold_and_go(&h, HOLD_RPC_QUEUE);
	ck_assert_int_eq(ipc_handle_revoke(space, mailbox), 0);
	ck_assert_int_eq(release(&h), -EKEYREVOKED);
	xipc_test_assert_empty(space, mailbox);
	after = xipc_test_handle_info(space, moved_handle);
	ck_assert_uint_eq(after.object_id, before.object_id);
}
END_TEST

/*
 * Revoked while a server receives the request: taken out of the queue, not
 * yet copied out. The request is received (never withdrawn as well): the
 * caller fails at once with EKEYREVOKED, and the server, let go, gets the
 * request with a reply handle whose state says CANCELED, and its reply
 * fails with ECANCELED.
 */
static int receive_and_answer(int space, __u32 mailbox)
{
	struct xipc_handle_info info;
	struct xipc_reply reply;
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
	reply = (struct xipc_reply){ .reply = msg.reply };
	return ipc_reply(space, &reply);
}

FX_TEST("revoke", test_revoke_while_the_server_receives_the_request)
{
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, 0, 0, 0);
	__u32 client = fx_dup(space, mailbox, XIPC_RIGHT_SEND, 0, 0);
	struct held server;
	pid_t caller;

	caller = xipc_test_fork();
	if (caller == 0) {
		char reply[16];
		struct xipc_rpc call = call_args(client, NULL, reply, sizeof(reply));

		CHILD_EXPECT(ipc_rpc(space, &call) == -EKEYREVOKED, 1);
		_exit(0);
	}
	fork_held(&server, receive_and_answer, space, mailbox);
	{
		char buf[16];
		struct xipc_recv peek = xipc_test_recv_args(mailbox, 0, buf,
							    sizeof(buf),
							    XIPC_TEST_LONG_NS);

		peek.flags = XIPC_RECV_PEEK;
		ck_assert_int_eq(ipc_recv(space, &peek), 4);
	}
	hold_and_go(&server, HOLD_RECV_COPY);
	ck_assert_int_eq(ipc_handle_revoke(space, mailbox), 0);
	ck_assert_int_eq(xipc_test_wait(caller), 0);
	ck_assert_int_eq(release(&server), -ECANCELED);
	xipc_test_assert_empty(space, mailbox);
}
END_TEST

/*
 * LRPC: revoked while the call moves to a server thread (taken, its token
 * not yet given to the thread). The caller fails at once with EKEYREVOKED;
 * the server thread, let go, has the call, and its reply is ECANCELED.
 */
static int serve_and_reply(int space, __u32 service)
{
	struct xipc_lrpc_serve serve = {
		.flags = XIPC_SERVE_WAIT,
		.service = service,
		.timeout_ns = XIPC_TEST_LONG_NS,
	};

	if (ioctl(space, XIPC_IOC_LRPC_SERVE, &serve))
		return -errno;
	serve.flags = XIPC_SERVE_REPLY;
	return ioctl(space, XIPC_IOC_LRPC_SERVE, &serve) ? -errno : 0;
}

FX_TEST("revoke", test_revoke_while_a_server_thread_takes_the_call)
{
	int space = xipc_test_open();
	struct xipc_service_create svc = {
		.astack_size = 4096, .nr_astacks = 1, .max_bindings = 2,
	};
	struct xipc_bind bind = { 0 };
	struct held server;
	pid_t caller;
	int granted;

	ck_assert_int_eq(ioctl(space, XIPC_IOC_SERVICE_CREATE, &svc), 0);
	granted = fx_dup(space, svc.handle, XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT |
			 XIPC_RIGHT_MANAGE, 0, 0);
	bind.service = granted;
	ck_assert_int_eq(ioctl(space, XIPC_IOC_BIND, &bind), 0);
	caller = xipc_test_fork();
	if (caller == 0) {
		struct xipc_lrpc_call call = {
			.binding = bind.handle,
			.timeout_ns = XIPC_TEST_LONG_NS,
		};

		CHILD_EXPECT(ioctl(space, XIPC_IOC_LRPC_CALL, &call) == -1 &&
			     errno == EKEYREVOKED, 1);
		_exit(0);
	}
	xipc_test_wait_asleep(caller);
	fork_held(&server, serve_and_reply, space, svc.handle);
	hold_and_go(&server, HOLD_LRPC_TAKEN);
	ck_assert_int_eq(ipc_handle_revoke(space, granted), 0);
	ck_assert_int_eq(xipc_test_wait(caller), 0);
	ck_assert_int_eq(release(&server), -ECANCELED);
}
END_TEST

static int revoke_it(int space, __u32 handle)
{
	return ipc_handle_revoke(space, handle);
}

static void on_signal(int sig)
{
	(void)sig;
}

/* An RPC that SIGUSR1 ends (no SA_RESTART): EINTR. */
static int rpc_interruptible(int space, __u32 handle)
{
	struct sigaction sa = { .sa_handler = on_signal };
	char answer[16];
	struct xipc_rpc call = call_args(handle, NULL, answer, sizeof(answer));

	if (sigaction(SIGUSR1, &sa, NULL))
		return -errno;
	return ipc_rpc(space, &call);
}

/*
 * Revoked while its caller gives up: the revoke took the queued request
 * back, and the caller was interrupted before the revoke could end the
 * call. The request goes back to its place, as a request whose caller gave
 * up stays queued: a server receives it, its reply handle says CANCELED,
 * and the reply fails with ECANCELED.
 */
FX_TEST("revoke", test_revoke_meets_a_caller_giving_up)
{
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, 0, 0, 0);
	__u32 client = fx_dup(space, mailbox, XIPC_RIGHT_SEND, 0, 0);
	pid_t caller = fork_caller(rpc_interruptible, space, client, -EINTR);
	struct held revoker;

	fork_held(&revoker, revoke_it, space, mailbox);
	hold_and_go(&revoker, HOLD_REVOKE_WITHDRAWN);
	ck_assert_int_eq(kill(caller, SIGUSR1), 0);
	ck_assert_int_eq(xipc_test_wait(caller), 0);
	ck_assert_int_eq(release(&revoker), 0);
	ck_assert_int_eq(receive_and_answer(space, mailbox), -ECANCELED);
	xipc_test_assert_empty(space, mailbox);
	ipc_close(space);
}
END_TEST

static int answer_it(int space, __u32 reply)
{
	struct xipc_reply req = {
		.reply = reply, .data = ipc_ptr("ok"), .size = 2,
	};

	return ipc_reply(space, &req);
}

/*
 * A reply is spent once answered: the server's reply handle is uncharged
 * before its caller wakes. The server is held after the answer, its reply
 * handle not destroyed yet, and the caller, back with the answer, finds its
 * user's handles and messages as they were before the call (as a client of
 * the name server, taking /proc/xipc/users right after a register, must).
 */
FX_TEST("reply", test_reply_handle_uncharged_before_the_caller_wakes)
{
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, 0, 0, 0);
	struct xipc_test_charges before, during, after;
	struct held server;
	struct xipc_recv msg;
	char buf[16];
	pid_t caller;

	ck_assert_int_eq(xipc_test_charges(geteuid(), &before), 0);
	caller = xipc_test_fork();
	if (caller == 0) {
		char reply[16];
		struct xipc_rpc call = call_args(mailbox, NULL, reply,
						 sizeof(reply));

		CHILD_EXPECT(ipc_rpc(space, &call) == 2, 1);
		_exit(0);
	}
	msg = xipc_test_recv_args(mailbox, 0, buf, sizeof(buf),
				  XIPC_TEST_LONG_NS);
	ck_assert_int_eq(ipc_recv(space, &msg), 4);
	ck_assert_uint_gt(msg.reply, 0);
	ck_assert_int_eq(xipc_test_charges(geteuid(), &during), 0);
	ck_assert_uint_eq(during.handles, before.handles + 1);
	fork_held(&server, answer_it, space, msg.reply);
	hold_and_go(&server, HOLD_RPC_REPLIED);
	ck_assert_int_eq(xipc_test_wait(caller), 0);
	ck_assert_int_eq(xipc_test_charges(geteuid(), &after), 0);
	ck_assert_uint_eq(after.handles, before.handles);
	ck_assert_uint_eq(after.msgs, before.msgs);
	ck_assert_int_eq(release(&server), 0);
	ck_assert_int_eq(ipc_handle_close(space, msg.reply), -EBADF);
	ck_assert_int_eq(xipc_test_charges(geteuid(), &after), 0);
	ck_assert_uint_eq(after.handles, before.handles);
	ipc_close(space);
}
END_TEST

/* Sends on @sender a message carrying @transfer. */
static void send_carrying(int space, __u32 sender, struct xipc_transfer transfer)
{
	struct xipc_send msg = xipc_test_send_args(sender, 1, "g", 1, 0);

	msg.transfers = ipc_ptr(&transfer);
	msg.nr_transfers = 1;
	ck_assert_int_eq(ipc_send(space, &msg), 0);
}

/* Sends on @sender a copy of @mailbox's receive right. */
static void send_recv_right(int space, __u32 sender, __u32 mailbox)
{
	send_carrying(space, sender, (struct xipc_transfer){
		.handle = mailbox, .rights = XIPC_RIGHT_RECV,
	});
}

/*
 * The cycle collector. A group of two mailboxes, each one's receive right
 * queued in the other, and a copy of the second's in @carrier's queue: the
 * group lives while @carrier is held. *@watch_a and *@watch_b are send
 * rights to them, whose state tells whether they have been collected.
 */
static void group_behind(int space, __u32 carrier, __u32 *watch_a,
			 __u32 *watch_b)
{
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 b = xipc_test_mailbox(space, 0, 0, 0);

	*watch_a = ipc_handle_dup(space, a, XIPC_RIGHT_SEND, 0, 0);
	*watch_b = ipc_handle_dup(space, b, XIPC_RIGHT_SEND, 0, 0);
	ck_assert_int_gt((int)*watch_a, 0);
	ck_assert_int_gt((int)*watch_b, 0);
	send_recv_right(space, a, b);
	send_recv_right(space, carrier, b);
	send_recv_right(space, b, a);
	ck_assert_int_eq(ipc_handle_close(space, a), 0);
	ck_assert_int_eq(ipc_handle_close(space, b), 0);
}

static bool collected(int space, __u32 watch)
{
	return xipc_test_handle_info(space, watch).state & XIPC_STATE_NO_RECEIVER;
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
static void run_the_collector(int space)
{
	__u32 mailbox = xipc_test_mailbox(space, 0, 0, 0);

	send_carrying(space, mailbox, (struct xipc_transfer){
		.handle = mailbox, .flags = XIPC_TRANSFER_MOVE,
	});
}

/*
 * The collector runs while a receive has the only message that reaches the
 * group out of its queue (taken, not copied out yet), and the queue's own
 * mailbox was closed meanwhile: the rights in that message are the
 * receiver's, so the group stays, and the receiver gets it.
 */
FX_TEST("cycles", test_collector_spares_a_message_being_received)
{
	static char byte;
	int space = xipc_test_open();
	__u32 carrier = xipc_test_mailbox(space, 0, 0, 0);
	__u32 watch_a, watch_b;
	struct held h;
	int b, a;

	group_behind(space, carrier, &watch_a, &watch_b);
	recv_buffer = &byte;
	fork_held(&h, recv_a_handle, space, carrier);
	hold_and_go(&h, HOLD_RECV_COPY);
	ck_assert_int_eq(ipc_handle_close(space, carrier), 0);
	run_the_collector(space);
	ck_assert(!collected(space, watch_a) && !collected(space, watch_b));
	b = release(&h);
	ck_assert_int_gt(b, 0);
	a = recv_a_handle(space, b);
	ck_assert_int_gt(a, 0);
	ck_assert_uint_eq(xipc_test_handle_info(space, a).object_id,
			  xipc_test_handle_info(space, watch_a).object_id);
	/* a's queue holds b's right, which a keeps while it is held. */
	ck_assert_int_eq(ipc_handle_close(space, b), 0);
	ck_assert(!collected(space, watch_b));
	ck_assert_int_eq(ipc_handle_close(space, a), 0);
	ck_assert(collected(space, watch_a) && collected(space, watch_b));
}
END_TEST

/*
 * The same receive faults on its buffer, and the message goes back: to a
 * mailbox still held, where it keeps the group; to one closed meanwhile,
 * which drops it, and the group it alone reached is gone when the receive
 * returns.
 */
FX_TEST("cycles", test_collector_after_a_faulting_receive)
{
	long page = sysconf(_SC_PAGESIZE);
	int space = xipc_test_open();
	__u32 carrier = xipc_test_mailbox(space, 0, 0, 0);
	__u32 watch_a, watch_b;
	struct held h;

	recv_buffer = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			   -1, 0);
	ck_assert(recv_buffer != MAP_FAILED);
	group_behind(space, carrier, &watch_a, &watch_b);
	fork_held(&h, recv_a_handle, space, carrier);
	hold_and_go(&h, HOLD_RECV_COPY);
	run_the_collector(space);
	ck_assert_int_eq(release(&h), -EFAULT);
	run_the_collector(space);
	ck_assert(!collected(space, watch_a) && !collected(space, watch_b));

	fork_held(&h, recv_a_handle, space, carrier);
	hold_and_go(&h, HOLD_RECV_COPY);
	ck_assert_int_eq(ipc_handle_close(space, carrier), 0);
	ck_assert(!collected(space, watch_a) && !collected(space, watch_b));
	ck_assert_int_eq(release(&h), -EFAULT);
	ck_assert(collected(space, watch_a) && collected(space, watch_b));
}
END_TEST

static int close_it(int space, __u32 handle)
{
	return ipc_handle_close(space, handle);
}

/*
 * A revoke reaches an RPC whose request is in a group the collector found
 * unreachable and has not dropped yet: the request is garbage, not
 * withdrawn, so the right it moved is not given back; the caller fails
 * with EKEYREVOKED at once all the same, and the group goes.
 */
FX_TEST("cycles", test_revoke_meets_a_collected_request)
{
	const __u32 manage_rights = XIPC_RIGHT_MANAGE | XIPC_RIGHT_SEND |
				    XIPC_RIGHT_GRANT;
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 b = xipc_test_mailbox(space, 0, 0, 0);
	int manage = ipc_handle_dup(space, a, manage_rights, 0, 0);
	int client = ipc_handle_dup(space, manage, XIPC_RIGHT_SEND, 0, 0);
	int b_too = ipc_handle_dup(space, b, XIPC_RIGHT_RECV, 0, 0);
	int watch_b = ipc_handle_dup(space, b, XIPC_RIGHT_SEND, 0, 0);
	struct xipc_transfer move = { .handle = a, .flags = XIPC_TRANSFER_MOVE };
	struct xipc_send msg = xipc_test_send_args(b, 1, "a", 1, 0);
	struct held collector;
	pid_t caller;

	ck_assert(manage > 0 && client > 0 && b_too > 0 && watch_b > 0);
	msg.transfers = ipc_ptr(&move);
	msg.nr_transfers = 1;
	ck_assert_int_eq(ipc_send(space, &msg), 0);
	moved_handle = b;
	caller = fork_caller(rpc_moving, space, client, -EKEYREVOKED);
	fork_held(&collector, close_it, space, b_too);
	hold_and_go(&collector, HOLD_GC_SCANNED);
	ck_assert_int_eq(ipc_handle_revoke(space, manage), 0);
	ck_assert_int_eq(xipc_test_wait(caller), 0);
	ck_assert_int_eq(ipc_handle_info(space, b, &(struct xipc_handle_info){ 0 }),
			 -EBADF);
	ck_assert(!collected(space, watch_b));
	ck_assert_int_eq(release(&collector), 0);
	ck_assert(collected(space, watch_b));
}
END_TEST

int main(void)
{
	if (access(PARAMS "hold_tid", W_OK)) {
		printf("1..0 # SKIP the module has no test hooks: build it with XIPC_TEST_HOOKS=y (make test-debug)\n");
		return KSFT_SKIP;
	}
	return fx_main("race");
}
