// SPDX-License-Identifier: MIT
/*
 * Handles: what HANDLE_INFO reports, DUP with its rights and badges, the
 * right each operation needs, CLOSE, REVOKE (in this process and another),
 * and the flags and reserved fields of the handle and mailbox commands.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "libipc.h"
#include "fixture.h"

/* Every use of @handle but INFO and CLOSE fails with EKEYREVOKED. */
static void assert_revoked(int space, __u32 handle)
{
	struct xipc_handle_info info = xipc_test_handle_info(space, handle);
	struct xipc_recv msg;
	char byte = 0;

	ck_assert_uint_eq(info.state, XIPC_STATE_REVOKED);
	ck_assert_int_eq(xipc_test_send(space, handle, 1, &byte, 1, 0),
			 -EKEYREVOKED);
	ck_assert_int_eq(xipc_test_recv(space, handle, 0, &byte, 1, 0, &msg),
			 -EKEYREVOKED);
	ck_assert_int_eq(ipc_handle_dup(space, handle, XIPC_RIGHT_SEND, 0, 0),
			 -EKEYREVOKED);
}

FX_TEST("dup", test_dup_each_subset_of_rights)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u64 object_id = xipc_test_handle_info(space, a).object_id;
	__u32 rights;

	for (rights = 1; rights <= XIPC_RIGHTS_ALL; rights++) {
		__u32 d = fx_dup(space, a, rights, 0, 0);
		struct xipc_handle_info info = xipc_test_handle_info(space, d);

		ck_assert_uint_ne(d, a);
		ck_assert_uint_eq(info.rights, rights);
		ck_assert_uint_eq(info.type, XIPC_OBJECT_MAILBOX);
		ck_assert_uint_eq(info.object_id, object_id);
		ck_assert_uint_eq(info.badge, 0);
		ck_assert_uint_eq(info.state, 0);
		/* The original keeps its rights. */
		ck_assert_uint_eq(xipc_test_handle_info(space, a).rights, XIPC_RIGHTS_ALL);
		ck_assert_int_eq(ipc_handle_close(space, d), 0);
	}
}
END_TEST

FX_TEST("dup", test_dup_of_a_narrower_handle)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 narrow = fx_dup(space, a, XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT,
				  0, 0);
	__u32 send_only = fx_dup(space, narrow, XIPC_RIGHT_SEND, 0, 0);
	__u32 grant_only = fx_dup(space, narrow, XIPC_RIGHT_GRANT, 0, 0);

	ck_assert_uint_eq(xipc_test_handle_info(space, send_only).rights, XIPC_RIGHT_SEND);
	ck_assert_uint_eq(xipc_test_handle_info(space, grant_only).rights, XIPC_RIGHT_GRANT);
	/* The narrower handles reach the same mailbox. */
	fx_deliver(space, send_only, a);
}
END_TEST

FX_TEST("dup", test_badge_inheritance)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 stamped, kept, all_ones;

	ck_assert_uint_eq(fx_deliver(space, a, a), 0);

	stamped = fx_dup(space, a, XIPC_RIGHTS_ALL, XIPC_DUP_BADGE, 0x1234);
	ck_assert_uint_eq(xipc_test_handle_info(space, stamped).badge, 0x1234);
	ck_assert_uint_eq(fx_deliver(space, stamped, a), 0x1234);

	/* Without XIPC_DUP_BADGE the badge argument is not looked at. */
	kept = fx_dup(space, stamped, XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT, 0,
			  0xdead);
	ck_assert_uint_eq(xipc_test_handle_info(space, kept).badge, 0x1234);
	ck_assert_uint_eq(fx_deliver(space, kept, a), 0x1234);

	/* Every badge a 64-bit field holds, but 0, can be stamped. */
	all_ones = fx_dup(space, a, XIPC_RIGHT_SEND, XIPC_DUP_BADGE, ~0ULL);
	ck_assert_uint_eq(xipc_test_handle_info(space, all_ones).badge, ~0ULL);
	ck_assert_uint_eq(fx_deliver(space, all_ones, stamped), ~0ULL);

	/* Stamping a new badge changed nothing on the handles derived from. */
	ck_assert_uint_eq(xipc_test_handle_info(space, a).badge, 0);
	ck_assert_uint_eq(xipc_test_handle_info(space, stamped).badge, 0x1234);
}
END_TEST

/*
 * A badge is stamped once: neither the stamped handle nor anything derived
 * from it can be stamped again, with any badge, and a refused stamp installs
 * nothing. The unbadged handle it came from can still stamp others.
 */
FX_TEST("dup", test_badge_is_stamped_once)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 stamped = fx_dup(space, a, XIPC_RIGHTS_ALL, XIPC_DUP_BADGE, 7);
	__u32 kept = fx_dup(space, stamped, XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT,
				0, 0);
	static const __u64 badges[] = { 7, 8, 1, ~0ULL };
	unsigned int handles = xipc_test_count_handles(space), i;
	__u32 other;

	for (i = 0; i < sizeof(badges) / sizeof(badges[0]); i++) {
		ck_assert_int_eq(ipc_handle_dup(space, stamped, XIPC_RIGHT_SEND,
						XIPC_DUP_BADGE, badges[i]),
				 -EPERM);
		ck_assert_int_eq(ipc_handle_dup(space, kept, XIPC_RIGHT_SEND,
						XIPC_DUP_BADGE, badges[i]),
				 -EPERM);
	}
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
	ck_assert_uint_eq(fx_deliver(space, kept, a), 7);

	other = fx_dup(space, a, XIPC_RIGHT_SEND, XIPC_DUP_BADGE, 8);
	ck_assert_uint_eq(fx_deliver(space, other, a), 8);
}
END_TEST
FX_TEST("close", test_object_outlives_closed_handle)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 d = fx_dup(space, a, XIPC_RIGHT_SEND | XIPC_RIGHT_RECV, 0, 0);
	__u64 object_id = xipc_test_handle_info(space, a).object_id;
	struct xipc_recv msg;
	char byte = 7;

	/* A message queued before the close is still there after it. */
	ck_assert_int_eq(xipc_test_send(space, a, 3, &byte, 1, 0), 0);
	ck_assert_int_eq(ipc_handle_close(space, a), 0);
	ck_assert_uint_eq(xipc_test_handle_info(space, d).object_id, object_id);
	ck_assert_uint_eq(xipc_test_handle_info(space, d).state, 0);
	byte = 0;
	ck_assert_int_eq(xipc_test_recv(space, d, 0, &byte, 1, 0, &msg), 1);
	ck_assert_int_eq(msg.type, 3);
	ck_assert_int_eq(byte, 7);
	fx_deliver(space, d, d);
}
END_TEST

FX_TEST("close", test_closed_number_comes_back)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 d = fx_dup(space, a, XIPC_RIGHT_SEND, 0, 0);
	int i, again = 0;

	ck_assert_int_eq(ipc_handle_close(space, d), 0);
	/*
	 * The number is free again; like a descriptor it is handed out anew
	 * (the lowest free number, but all this asserts is that it returns).
	 */
	for (i = 0; i < XIPC_TEST_HANDLE_SCAN / 2 && again != (int)d; i++) {
		again = ipc_handle_dup(space, a, XIPC_RIGHT_SEND, 0, 0);
		ck_assert_int_gt(again, 0);
	}
	ck_assert_int_eq(again, d);
	ck_assert_uint_eq(xipc_test_handle_info(space, d).rights, XIPC_RIGHT_SEND);
}
END_TEST

FX_TEST("info", test_handles_belong_to_their_space)
{
	int one = xipc_test_open();
	int other = xipc_test_open();
	__u32 a = xipc_test_mailbox(one, 0, 0, 0);
	struct xipc_handle_info info;
	char byte = 0;

	/* The other space has no handle at all, so not one numbered @a. */
	ck_assert_int_eq(ipc_handle_info(other, a, &info), -EBADF);
	ck_assert_int_eq(xipc_test_send(other, a, 1, &byte, 1, 0), -EBADF);
	ck_assert_int_eq(ipc_handle_dup(other, a, XIPC_RIGHT_SEND, 0, 0), -EBADF);
	ck_assert_int_eq(ipc_handle_close(other, a), -EBADF);
	ck_assert_uint_eq(xipc_test_count_handles(other), 0);
	ck_assert_uint_eq(xipc_test_handle_info(one, a).state, 0);
}
END_TEST

/*
 * A new space with a mailbox of @max_msg_size and @max_msgs (0: the
 * defaults) at @a, and @b = dup(@a), @c = dup(@b), every right: the space.
 */
static int revoke_chain(__u32 max_msg_size, __u32 max_msgs, __u32 *a,
			__u32 *b, __u32 *c)
{
	int space = xipc_test_open();

	*a = xipc_test_mailbox(space, max_msg_size, max_msgs, 0);
	*b = fx_dup(space, *a, XIPC_RIGHTS_ALL, 0, 0);
	*c = fx_dup(space, *b, XIPC_RIGHTS_ALL, 0, 0);
	return space;
}

/*
 * A = the mailbox, B = dup(A), C = dup(B): revoking A reaches B and C, and
 * only them.
 */
FX_TEST("revoke", test_revoke_reaches_descendants)
{
	__u32 a, b, c;
	int space = revoke_chain(0, 0, &a, &b, &c);
	__u32 fresh;

	ck_assert_int_eq(ipc_handle_revoke(space, a), 0);
	assert_revoked(space, b);
	assert_revoked(space, c);
	ck_assert_int_eq(ipc_mailbox_destroy(space, b), -EKEYREVOKED);
	ck_assert_int_eq(ipc_handle_revoke(space, c), -EKEYREVOKED);

	/* A itself stays whole, and what it derives now is not revoked. */
	ck_assert_uint_eq(xipc_test_handle_info(space, a).state, 0);
	fx_deliver(space, a, a);
	fresh = fx_dup(space, a, XIPC_RIGHTS_ALL, 0, 0);
	ck_assert_uint_eq(xipc_test_handle_info(space, fresh).state, 0);
	fx_deliver(space, fresh, a);

	/* Revoked handles are closed like any other. */
	ck_assert_int_eq(ipc_handle_close(space, b), 0);
	ck_assert_int_eq(ipc_handle_close(space, c), 0);
}
END_TEST

FX_TEST("revoke", test_revoke_of_a_middle_handle)
{
	__u32 a, b, c;
	int space = revoke_chain(0, 0, &a, &b, &c);
	__u32 sibling = fx_dup(space, a, XIPC_RIGHTS_ALL, 0, 0);

	ck_assert_int_eq(ipc_handle_revoke(space, b), 0);
	assert_revoked(space, c);
	/* Not B itself, nor its ancestor, nor its sibling. */
	ck_assert_uint_eq(xipc_test_handle_info(space, b).state, 0);
	ck_assert_uint_eq(xipc_test_handle_info(space, a).state, 0);
	ck_assert_uint_eq(xipc_test_handle_info(space, sibling).state, 0);
	fx_deliver(space, b, b);
	fx_deliver(space, a, a);
	fx_deliver(space, sibling, sibling);
	ck_assert_int_gt(ipc_handle_dup(space, b, XIPC_RIGHT_SEND, 0, 0), 0);
}
END_TEST

/* Exit codes of the child of test_revoke_reaches_another_space. */
enum {
	REVOKE_CHILD_OPEN = 1,
	REVOKE_CHILD_RECV,
	REVOKE_CHILD_SEND_BEFORE,
	REVOKE_CHILD_SYNC,
	REVOKE_CHILD_SEND_AFTER,
	REVOKE_CHILD_RECV_AFTER,
	REVOKE_CHILD_DUP_AFTER,
	REVOKE_CHILD_INFO_AFTER,
};

/*
 * In a space of its own, the child takes a handle from the bridge named
 * @name, uses it, and once the parent revoked its ancestor finds it revoked.
 */
static void revoked_child(const char *name, int ready, int go)
{
	struct xipc_recv msg;
	struct xipc_handle_info info;
	int space, got;
	__u32 bridge = fx_child_open(name, XIPC_RIGHT_RECV, &space,
				     REVOKE_CHILD_OPEN);
	char byte = 0;

	got = fx_recv_handle(space, bridge, XIPC_TEST_LONG_NS);
	CHILD_EXPECT(got > 0, REVOKE_CHILD_RECV);
	CHILD_EXPECT(xipc_test_send(space, got, 2, &byte, 1, 0) == 0,
		     REVOKE_CHILD_SEND_BEFORE);
	CHILD_EXPECT(xipc_test_notify(ready) == 0 && xipc_test_await(go) == 0,
		     REVOKE_CHILD_SYNC);
	CHILD_EXPECT(xipc_test_send(space, got, 2, &byte, 1, 0) == -EKEYREVOKED,
		     REVOKE_CHILD_SEND_AFTER);
	CHILD_EXPECT(xipc_test_recv(space, got, 0, &byte, 1, 0, &msg) ==
		     -EKEYREVOKED, REVOKE_CHILD_RECV_AFTER);
	CHILD_EXPECT(ipc_handle_dup(space, got, XIPC_RIGHT_SEND, 0, 0) ==
		     -EKEYREVOKED, REVOKE_CHILD_DUP_AFTER);
	CHILD_EXPECT(ipc_handle_info(space, got, &info) == 0 &&
		     info.state == XIPC_STATE_REVOKED, REVOKE_CHILD_INFO_AFTER);
	_exit(0);
}

/*
 * A handle passed in a message into another process's own space is derived
 * from the one passed: a revoke of that one's ancestor reaches it there.
 */
FX_TEST("revoke", test_revoke_reaches_another_space)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 b = fx_dup(space, a, XIPC_RIGHTS_ALL, 0, 0);
	char name[XIPC_TEST_NAME_SIZE];
	__u32 bridge = fx_named(space, name, "revoke");
	struct xipc_recv got;
	int ready[2], go[2];
	char byte;
	pid_t pid;

	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(go), 0);
	pid = xipc_test_fork();
	if (pid == 0) {
		close(ready[0]);
		close(go[1]);
		revoked_child(name, ready[1], go[0]);
	}
	close(ready[1]);
	close(go[0]);

	ck_assert_int_eq(fx_send_handle(space, bridge, b, 0, 0, 0), 0);
	ck_assert_int_eq(xipc_test_await(ready[0]), 0);
	/* The child's message through its handle arrived. */
	ck_assert_int_eq(xipc_test_recv(space, a, 2, &byte, 1, 0, &got), 1);
	ck_assert_int_eq(got.pid, pid);

	ck_assert_int_eq(ipc_handle_revoke(space, a), 0);
	assert_revoked(space, b);
	ck_assert_int_eq(xipc_test_notify(go[1]), 0);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	ck_assert_uint_eq(xipc_test_handle_info(space, a).state, 0);
	fx_deliver(space, a, a);
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
}
END_TEST

/* A revoke reaches calls already blocked on a revoked handle, too. */
FX_TEST("revoke", test_revoke_wakes_blocked_calls)
{
	__u32 a, b, c;
	int space = revoke_chain(64, 1, &a, &b, &c);
	pid_t receiver, sender;
	struct xipc_recv msg;
	char byte = 0;

	/* Full, so that a send blocks; of type 1, so that a receive of 2 does. */
	ck_assert_int_eq(xipc_test_send(space, a, 1, &byte, 1, 0), 0);
	receiver = fx_fork_blocked(space, c, false, -EKEYREVOKED, false);
	sender = fx_fork_blocked(space, c, true, -EKEYREVOKED, false);
	ck_assert_int_eq(ipc_handle_revoke(space, a), 0);
	ck_assert_int_eq(xipc_test_wait(receiver), 0);
	ck_assert_int_eq(xipc_test_wait(sender), 0);
	/* The mailbox itself is fine, and holds what it held. */
	ck_assert_uint_eq(xipc_test_handle_info(space, a).state, 0);
	ck_assert_int_eq(xipc_test_recv(space, a, 0, &byte, 1, 0, &msg), 1);
	xipc_test_assert_empty(space, a);
}
END_TEST

/* Closing a handle that another thread is blocked on ends that call: EBADF. */
FX_TEST("close", test_close_wakes_a_blocked_thread)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	struct fx_blocked t;

	fx_block_thread(&t, space, fx_dup(space, a, XIPC_RIGHTS_ALL, 0, 0));
	ck_assert_int_eq(ipc_handle_close(space, t.handle), 0);
	ck_assert_int_eq(fx_join_thread(&t), -EBADF);
	/* The mailbox lives on through its other handle. */
	fx_deliver(space, a, a);
}
END_TEST
/*
 * The tables of the handle and mailbox commands: each row one field of a
 * valid request set to a bad value, with the errno it gets (see fixture.h).
 */
#define PATTERNS32(type, field) \
	FX_BAD(type, field, 1, EINVAL), FX_BAD(type, field, 1U << 31, EINVAL), \
	FX_BAD(type, field, ~0U, EINVAL)
#define PATTERNS64(type, field) \
	PATTERNS32(type, field), FX_BAD(type, field, 1ULL << 63, EINVAL)

static void info_build(struct fx *f, void *req)
{
	struct xipc_handle_info *info = req;

	info->flags = 0;
	info->handle = f->mailbox;
	info->reserved = 0;
}

static void info_check(struct fx *f, void *req, int ret)
{
	struct xipc_handle_info *info = req;

	ck_assert_int_eq(ret, 0);
	ck_assert_uint_eq(info->flags, 0);
	ck_assert_uint_eq(info->handle, f->mailbox);
	ck_assert_uint_eq(info->rights, XIPC_RIGHTS_ALL);
	ck_assert_uint_eq(info->type, XIPC_OBJECT_MAILBOX);
	ck_assert_uint_eq(info->badge, 0);
	ck_assert_uint_ne(info->object_id, 0);
	ck_assert_uint_eq(info->state, 0);
	ck_assert_uint_eq(info->reserved, 0);
	/* Two mailboxes are two objects. */
	ck_assert_uint_ne(fx_object_id(f->space, f->other), info->object_id);
}

static const struct fx_row info_rows[] = {
	FX_BAD_BITS(struct xipc_handle_info, flags, 0, EINVAL),
	PATTERNS32(struct xipc_handle_info, reserved),
	FX_NO_HANDLE(struct xipc_handle_info, handle),
	FX_BAD_POINTER(0, EFAULT),
};

static const struct fx_out info_outs[] = {
	FX_OUTS(struct xipc_handle_info, rights, type, badge, object_id, state),
};

FX_TABLE("info", test_info_refuses, info_table, XIPC_IOC_HANDLE_INFO,
	 struct xipc_handle_info, .build = info_build, .check = info_check,
	 .rows = FX_ARRAY(info_rows), .outs = FX_ARRAY(info_outs))

/* A valid DUP stamps a badge, the case with the most fields in use. */
static void dup_build(struct fx *f, void *req)
{
	struct xipc_handle_dup *dup = req;

	dup->flags = XIPC_DUP_BADGE;
	dup->handle = f->mailbox;
	dup->rights = XIPC_RIGHT_SEND;
	dup->badge = 3;
}

static void dup_check(struct fx *f, void *req, int ret)
{
	struct xipc_handle_dup *dup = req;
	struct xipc_handle_info info = xipc_test_handle_info(f->space, dup->new_handle);

	ck_assert_int_eq(ret, 0);
	ck_assert_uint_ne(dup->new_handle, f->mailbox);
	ck_assert_uint_eq(info.rights, XIPC_RIGHT_SEND);
	ck_assert_uint_eq(info.badge, 3);
	ck_assert_uint_eq(fx_deliver(f->space, dup->new_handle, f->mailbox), 3);
}

static const struct fx_row dup_rows[] = {
	FX_BAD_BITS(struct xipc_handle_dup, flags, XIPC_DUP_BADGE, EINVAL),
	FX_NO_HANDLE(struct xipc_handle_dup, handle),
	FX_BAD(struct xipc_handle_dup, handle, FX_REVOKED, EKEYREVOKED),
	FX_BAD(struct xipc_handle_dup, handle, FX_DESTROYED, EIDRM),
	/* No GRANT, though SEND is a subset of its rights. */
	FX_BAD(struct xipc_handle_dup, handle, FX_NO_GRANT, EPERM),
	FX_BAD(struct xipc_handle_dup, handle, FX_SEND_ONLY, EPERM),
	/* A badge is stamped once. */
	FX_BAD(struct xipc_handle_dup, handle, FX_BADGED, EPERM),
	/* SEND is not a subset of its rights. */
	FX_BAD(struct xipc_handle_dup, handle, FX_NO_SEND, EINVAL),
	FX_BAD(struct xipc_handle_dup, rights, 0, EINVAL),
	/* Bits that are no right at all are not in anyone's rights. */
	FX_BAD_BITS(struct xipc_handle_dup, rights, XIPC_RIGHTS_ALL, EINVAL),
	/* Badge 0 is no badge. */
	FX_BAD(struct xipc_handle_dup, badge, 0, EINVAL),
	FX_BAD_POINTER(0, EFAULT),
};

static const struct fx_out dup_outs[] = {
	FX_OUT(struct xipc_handle_dup, new_handle),
};

FX_TABLE("dup", test_dup_refuses, dup_table, XIPC_IOC_HANDLE_DUP,
	 struct xipc_handle_dup, .build = dup_build, .check = dup_check,
	 .rows = FX_ARRAY(dup_rows), .outs = FX_ARRAY(dup_outs))

/* CLOSE, REVOKE and MAILBOX_DESTROY take a struct xipc_handle_op. */
#define OP(field, value, error) FX_BAD(struct xipc_handle_op, field, value, error)
#define OP_COMMON \
	FX_BAD_BITS(struct xipc_handle_op, flags, 0, EINVAL), \
	FX_NO_HANDLE(struct xipc_handle_op, handle), FX_BAD_POINTER(0, EFAULT)

static void close_build(struct fx *f, void *req)
{
	*(struct xipc_handle_op *)req = (struct xipc_handle_op){
		.handle = f->no_manage,
	};
}

static void close_check(struct fx *f, void *req, int ret)
{
	struct xipc_handle_info info;

	(void)req;
	ck_assert_int_eq(ret, 0);
	ck_assert_int_eq(ipc_handle_info(f->space, f->no_manage, &info), -EBADF);
	/* Closing one handle left the others. */
	ck_assert_uint_eq(fx_deliver(f->space, f->send_only, f->mailbox), 0);
}

static const struct fx_row close_rows[] = { OP_COMMON };

FX_TABLE("close", test_close_refuses, close_table, XIPC_IOC_HANDLE_CLOSE,
	 struct xipc_handle_op, .build = close_build, .check = close_check,
	 .rows = FX_ARRAY(close_rows))

static void mailbox_op_build(struct fx *f, void *req)
{
	*(struct xipc_handle_op *)req = (struct xipc_handle_op){
		.handle = f->mailbox,
	};
}

static void revoke_check(struct fx *f, void *req, int ret)
{
	(void)req;
	ck_assert_int_eq(ret, 0);
	ck_assert_uint_eq(xipc_test_handle_info(f->space, f->send_only).state,
			  XIPC_STATE_REVOKED);
	ck_assert_uint_eq(xipc_test_handle_info(f->space, f->mailbox).state, 0);
}

static const struct fx_row revoke_rows[] = {
	OP_COMMON,
	OP(handle, FX_NO_MANAGE, EPERM),
	OP(handle, FX_REVOKED, EKEYREVOKED),
};

FX_TABLE("revoke", test_revoke_refuses, revoke_table, XIPC_IOC_HANDLE_REVOKE,
	 struct xipc_handle_op, .build = mailbox_op_build,
	 .check = revoke_check, .rows = FX_ARRAY(revoke_rows))

static void destroy_check(struct fx *f, void *req, int ret)
{
	(void)req;
	ck_assert_int_eq(ret, 0);
	ck_assert_uint_eq(xipc_test_handle_info(f->space, f->send_only).state,
			  XIPC_STATE_DESTROYED);
}

static const struct fx_row destroy_rows[] = {
	OP_COMMON,
	OP(handle, FX_NO_MANAGE, EPERM),
	OP(handle, FX_REVOKED, EKEYREVOKED),
	OP(handle, FX_DESTROYED, EIDRM),
};

FX_TABLE("raw-ioctl", test_mailbox_destroy_refuses, destroy_table,
	 XIPC_IOC_MAILBOX_DESTROY, struct xipc_handle_op,
	 .build = mailbox_op_build, .check = destroy_check,
	 .rows = FX_ARRAY(destroy_rows))

static void create_build(struct fx *f, void *req)
{
	struct xipc_mailbox_create *create = req;

	(void)f;
	create->flags = 0;
	create->max_msg_size = 64;
	create->max_msgs = 4;
	create->max_bytes = 256;
	memset(create->reserved, 0, sizeof(create->reserved));
}

static void create_check(struct fx *f, void *req, int ret)
{
	struct xipc_mailbox_create *create = req;
	struct xipc_handle_info info = xipc_test_handle_info(f->space, create->handle);

	ck_assert_int_eq(ret, 0);
	ck_assert_uint_eq(info.rights, XIPC_RIGHTS_ALL);
	ck_assert_uint_eq(info.type, XIPC_OBJECT_MAILBOX);
	ck_assert_uint_eq(info.badge, 0);
}

#define CREATE(field, value) \
	FX_BAD(struct xipc_mailbox_create, field, value, EINVAL)
static const struct fx_row create_rows[] = {
	FX_BAD_BITS(struct xipc_mailbox_create, flags, 0, EINVAL),
	PATTERNS64(struct xipc_mailbox_create, reserved[0]),
	PATTERNS64(struct xipc_mailbox_create, reserved[1]),
	/* Each limit above the module's maximum. */
	CREATE(max_msg_size, 0xffffffff), CREATE(max_msgs, 0xffffffff),
	CREATE(max_bytes, ~0ULL),
	/* Not cut to 32 bits on the way. */
	CREATE(max_bytes, (1ULL << 32) + 1),
	FX_BAD_POINTER(0, EFAULT),
};

static const struct fx_out create_outs[] = {
	FX_OUT(struct xipc_mailbox_create, handle),
};

FX_TABLE("raw-ioctl", test_mailbox_create_refuses, create_table,
	 XIPC_IOC_MAILBOX_CREATE, struct xipc_mailbox_create,
	 .build = create_build, .check = create_check,
	 .rows = FX_ARRAY(create_rows), .outs = FX_ARRAY(create_outs))

static void fd_build(struct fx *f, void *req)
{
	struct xipc_mailbox_fd *fd = req;

	fd->flags = 0;
	fd->handle = f->mailbox;
	fd->reserved = 0;
}

static void fd_check(struct fx *f, void *req, int ret)
{
	struct xipc_mailbox_fd *fd = req;

	(void)f;
	ck_assert_int_gt(ret, 0);
	ck_assert_int_eq(fd->fd, ret);
	ck_assert_int_eq(close(ret), 0);
}

static const struct fx_row fd_rows[] = {
	FX_BAD_BITS(struct xipc_mailbox_fd, flags, 0, EINVAL),
	PATTERNS32(struct xipc_mailbox_fd, reserved),
	FX_NO_HANDLE(struct xipc_mailbox_fd, handle),
	FX_BAD(struct xipc_mailbox_fd, handle, FX_REVOKED, EKEYREVOKED),
	/* Neither SEND nor RECV. */
	FX_BAD(struct xipc_mailbox_fd, handle, FX_NO_IO, EPERM),
	FX_BAD_POINTER(0, EFAULT),
};

static const struct fx_out fd_outs[] = {
	FX_OUT(struct xipc_mailbox_fd, fd),
};

FX_TABLE("raw-ioctl", test_mailbox_fd_refuses, fd_table, XIPC_IOC_MAILBOX_FD,
	 struct xipc_mailbox_fd, .build = fd_build, .check = fd_check,
	 .rows = FX_ARRAY(fd_rows), .outs = FX_ARRAY(fd_outs))

int main(void)
{
	return fx_main("handle");
}
