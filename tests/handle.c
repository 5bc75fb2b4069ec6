// SPDX-License-Identifier: MIT
/*
 * Handles: what HANDLE_INFO reports, DUP with its rights and badges, the
 * right each operation needs, CLOSE, REVOKE (in this process and another),
 * and the flags and reserved fields of the handle and mailbox commands.
 */
#include "fixture.h"

#define ALL	XIPC_RIGHTS_ALL
#define SEND	XIPC_RIGHT_SEND
#define GRANT	XIPC_RIGHT_GRANT

/*
 * Every use of @handle but INFO and CLOSE fails with EKEYREVOKED: a send, a
 * receive, a dup (0 if so, else the number of the check that failed).
 * Works in children.
 */
static int revoked_uses(int space, __u32 handle)
{
	struct xipc_handle_info info;
	struct xipc_recv msg;
	char byte = 0;

	if (ipc_handle_info(space, handle, &info) || info.state != XIPC_STATE_REVOKED)
		return 1;
	if (xipc_test_send(space, handle, 1, &byte, 1, 0) != -EKEYREVOKED)
		return 2;
	if (xipc_test_recv(space, handle, 0, &byte, 1, 0, &msg) != -EKEYREVOKED)
		return 3;
	return ipc_handle_dup(space, handle, SEND, 0, 0) == -EKEYREVOKED ? 0 : 4;
}
#define assert_revoked(space, handle) \
	ck_assert_int_eq(revoked_uses((space), (handle)), 0)

/* Handle @handle of @space is whole: state 0, and it sends to itself. */
static void assert_whole(int space, __u32 handle)
{
	ck_assert_uint_eq(xipc_test_handle_info(space, handle).state, 0);
	fx_deliver(space, handle, handle);
}

/*
 * Each set of rights dup'd from a handle with every right (_i 0) or with
 * SEND and GRANT (_i 1): a new handle to the same mailbox with just those
 * rights (EINVAL if they are not a subset); the original keeps its own.
 */
FX_LOOP_TEST("dup", test_dup_each_subset_of_rights, 0, 2)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0), rights, d;
	__u32 held = _i ? SEND | GRANT : ALL;
	__u32 from = _i ? fx_dup(space, a, held, 0, 0) : a;
	__u64 object_id = fx_object_id(space, a);

	for (rights = 1; rights <= ALL; rights++) {
		if (rights & ~held) {
			ck_assert_int_eq(ipc_handle_dup(space, from, rights, 0,
							0), -EINVAL);
			continue;
		}
		d = fx_dup(space, from, rights, 0, 0);
		ck_assert_uint_ne(d, from);
		fx_expect_handle(space, d, XIPC_OBJECT_MAILBOX, object_id, rights,
				 0, 0);
		ck_assert_uint_eq(xipc_test_handle_info(space, from).rights,
				  held);
		/* It reaches the same mailbox. */
		if (rights & SEND)
			fx_deliver(space, d, a);
		ck_assert_int_eq(ipc_handle_close(space, d), 0);
	}
}
END_TEST

/* @handle has badge @badge, and a message through it arrives with it. */
static void assert_badge(int space, __u32 handle, __u32 receiver, __u64 badge)
{
	ck_assert_uint_eq(xipc_test_handle_info(space, handle).badge, badge);
	ck_assert_uint_eq(fx_deliver(space, handle, receiver), badge);
}

FX_TEST("dup", test_badge_inheritance)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 stamped = fx_dup(space, a, ALL, XIPC_DUP_BADGE, 0x1234);

	assert_badge(space, a, a, 0);
	assert_badge(space, stamped, a, 0x1234);
	/* Without XIPC_DUP_BADGE the badge argument is not looked at. */
	assert_badge(space, fx_dup(space, stamped, SEND | GRANT, 0, 0xdead), a,
		     0x1234);
	/* Every badge a 64-bit field holds, but 0, can be stamped. */
	assert_badge(space, fx_dup(space, a, SEND, XIPC_DUP_BADGE, ~0ULL), stamped,
		     ~0ULL);
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
	static const __u64 badges[] = { 7, 8, 1, ~0ULL };
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 stamped = fx_dup(space, a, ALL, XIPC_DUP_BADGE, 7);
	__u32 kept = fx_dup(space, stamped, SEND | GRANT, 0, 0);
	unsigned int handles = xipc_test_count_handles(space), i;

	for (i = 0; i < 2 * FX_NR(badges); i++)
		ck_assert_int_eq(ipc_handle_dup(space, i % 2 ? kept : stamped, SEND,
						XIPC_DUP_BADGE, badges[i / 2]),
				 -EPERM);
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
	ck_assert_uint_eq(fx_deliver(space, kept, a), 7);
	ck_assert_uint_eq(fx_deliver(space, fx_dup(space, a, SEND, XIPC_DUP_BADGE,
						   8), a), 8);
}
END_TEST

FX_TEST("close", test_object_outlives_closed_handle)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 d = fx_dup(space, a, SEND | XIPC_RIGHT_RECV, 0, 0);
	__u64 object_id = fx_object_id(space, a);
	struct xipc_recv msg;
	char byte = 7;

	/* A message queued before the close is still there after it. */
	ck_assert_int_eq(xipc_test_send(space, a, 3, &byte, 1, 0), 0);
	ck_assert_int_eq(ipc_handle_close(space, a), 0);
	fx_expect_handle(space, d, FX_ANY, object_id, FX_ANY, FX_ANY, 0);
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
	__u32 d = fx_dup(space, a, SEND, 0, 0);
	int i, again = 0;

	ck_assert_int_eq(ipc_handle_close(space, d), 0);
	/*
	 * The number is free again; like a descriptor it is handed out anew
	 * (the lowest free number, but all this asserts is that it returns).
	 */
	for (i = 0; i < XIPC_TEST_HANDLE_SCAN / 2 && again != (int)d; i++) {
		again = ipc_handle_dup(space, a, SEND, 0, 0);
		ck_assert_int_gt(again, 0);
	}
	ck_assert_int_eq(again, d);
	ck_assert_uint_eq(xipc_test_handle_info(space, d).rights, SEND);
}
END_TEST

FX_TEST("info", test_handles_belong_to_their_space)
{
	int one = xipc_test_open(), other = xipc_test_open();
	__u32 a = xipc_test_mailbox(one, 0, 0, 0);
	struct xipc_handle_info info;
	char byte = 0;

	/* The other space has no handle at all, so not one numbered @a. */
	ck_assert_int_eq(ipc_handle_info(other, a, &info), -EBADF);
	ck_assert_int_eq(xipc_test_send(other, a, 1, &byte, 1, 0), -EBADF);
	ck_assert_int_eq(ipc_handle_dup(other, a, SEND, 0, 0), -EBADF);
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
	*b = fx_dup(space, *a, ALL, 0, 0);
	*c = fx_dup(space, *b, ALL, 0, 0);
	return space;
}

/*
 * A = the mailbox, B = dup(A), C = dup(B): revoking A (_i 0) or B (1, with
 * a sibling S = dup(A)) reaches what was derived from it, and only that. The
 * revoked handles refuse every use but INFO and CLOSE; the handle revoked
 * itself, its ancestors, S and what the handle derives now are whole.
 */
FX_LOOP_TEST("revoke", test_revoke_reaches_descendants, 0, 2)
{
	__u32 chain[3];
	int i, space = revoke_chain(0, 0, &chain[0], &chain[1], &chain[2]);
	__u32 sibling = _i ? fx_dup(space, chain[0], ALL, 0, 0) : chain[0];

	ck_assert_int_eq(ipc_handle_revoke(space, chain[_i]), 0);
	for (i = _i + 1; i < 3; i++) {
		assert_revoked(space, chain[i]);
		ck_assert_int_eq(ipc_mailbox_destroy(space, chain[i]), -EKEYREVOKED);
		ck_assert_int_eq(ipc_handle_revoke(space, chain[i]), -EKEYREVOKED);
	}
	for (i = 0; i <= _i; i++)
		assert_whole(space, chain[i]);
	assert_whole(space, sibling);
	assert_whole(space, fx_dup(space, chain[_i], ALL, 0, 0));
	/* Revoked handles are closed like any other. */
	for (i = _i + 1; i < 3; i++)
		ck_assert_int_eq(ipc_handle_close(space, chain[i]), 0);
}
END_TEST

/*
 * A handle passed in a message into another process's own space is derived
 * from the one passed: a revoke of that one's ancestor reaches it there.
 */
FX_TEST("revoke", test_revoke_reaches_another_space)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 b = fx_dup(space, a, ALL, 0, 0);
	char name[XIPC_TEST_NAME_SIZE], byte = 0;
	__u32 bridge = fx_named(space, name, "revoke");
	struct xipc_recv got;
	int go[2];
	pid_t pid;

	ck_assert_int_eq(pipe(go), 0);
	pid = fx_fork_waiter();
	if (pid == 0) {
		int own, handle;
		__u32 door = fx_child_open(name, XIPC_RIGHT_RECV, &own, 1);

		/* In a space of its own, it takes a handle and uses it... */
		handle = fx_recv_handle(own, door, XIPC_TEST_LONG_NS);
		CHILD_EXPECT(handle > 0, 2);
		CHILD_EXPECT(xipc_test_send(own, handle, 2, &byte, 1, 0) == 0, 3);
		fx_waiter_ready();
		/* ...and once the parent revoked its ancestor finds it revoked. */
		CHILD_EXPECT(xipc_test_await(go[0]) == 0, 4);
		CHILD_EXPECT_RET(revoked_uses(own, handle), 0, 5);
		_exit(0);
	}
	ck_assert_int_eq(fx_send_handle(space, bridge, b, 0, 0, 0), 0);
	fx_await_asleep(pid);
	/* The child's message through its handle arrived. */
	ck_assert_int_eq(xipc_test_recv(space, a, 2, &byte, 1, 0, &got), 1);
	ck_assert_int_eq(got.pid, pid);

	ck_assert_int_eq(ipc_handle_revoke(space, a), 0);
	assert_revoked(space, b);
	ck_assert_int_eq(xipc_test_notify(go[1]), 0);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	assert_whole(space, a);
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

	fx_block_thread(&t, space, fx_dup(space, a, ALL, 0, 0));
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

/* HANDLE_INFO (and MAILBOX_FD) of the mailbox's handle. */
static void info_build(struct fx *f, void *req)
{
	struct xipc_handle_info *info = req;

	info->flags = info->reserved = 0;
	info->handle = f->mailbox;
}

static void info_check(struct fx *f, void *req, int ret)
{
	struct xipc_handle_info *info = req;

	ck_assert_int_eq(ret, 0);
	ck_assert_uint_eq(info->flags, 0);
	ck_assert_uint_eq(info->handle, f->mailbox);
	ck_assert_uint_eq(info->rights, ALL);
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
	dup->rights = SEND;
	dup->badge = 3;
}

static void dup_check(struct fx *f, void *req, int ret)
{
	struct xipc_handle_dup *dup = req;

	ck_assert_int_eq(ret, 0);
	ck_assert_uint_ne(dup->new_handle, f->mailbox);
	ck_assert_uint_eq(xipc_test_handle_info(f->space, dup->new_handle).rights,
			  SEND);
	assert_badge(f->space, dup->new_handle, f->mailbox, 3);
}

#define DUP(field, value, error) \
	FX_BAD(struct xipc_handle_dup, field, value, error)
static const struct fx_row dup_rows[] = {
	FX_BAD_BITS(struct xipc_handle_dup, flags, XIPC_DUP_BADGE, EINVAL),
	FX_NO_HANDLE(struct xipc_handle_dup, handle),
	DUP(handle, FX_REVOKED, EKEYREVOKED), DUP(handle, FX_DESTROYED, EIDRM),
	/* No GRANT, though SEND is a subset of its rights. */
	DUP(handle, FX_NO_GRANT, EPERM), DUP(handle, FX_SEND_ONLY, EPERM),
	/* A badge is stamped once. */
	DUP(handle, FX_BADGED, EPERM),
	/* SEND is not a subset of its rights. */
	DUP(handle, FX_NO_SEND, EINVAL), DUP(rights, 0, EINVAL),
	/* Bits that are no right at all are not in anyone's rights. */
	FX_BAD_BITS(struct xipc_handle_dup, rights, ALL, EINVAL),
	/* Badge 0 is no badge. */
	DUP(badge, 0, EINVAL),
	FX_BAD_POINTER(0, EFAULT),
};

static const struct fx_out dup_outs[] = { FX_OUT(struct xipc_handle_dup, new_handle) };

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

/* After a valid REVOKE (send_only revoked) or DESTROY (all destroyed). */
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

	ck_assert_int_eq(ret, 0);
	fx_expect_handle(f->space, create->handle, XIPC_OBJECT_MAILBOX, FX_ANY,
			 ALL, 0, FX_ANY);
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

static const struct fx_out create_outs[] = { FX_OUT(struct xipc_mailbox_create, handle) };

FX_TABLE("raw-ioctl", test_mailbox_create_refuses, create_table,
	 XIPC_IOC_MAILBOX_CREATE, struct xipc_mailbox_create,
	 .build = create_build, .check = create_check,
	 .rows = FX_ARRAY(create_rows), .outs = FX_ARRAY(create_outs))

static void fd_build(struct fx *f, void *req)
{
	struct xipc_mailbox_fd *fd = req;

	fd->flags = fd->reserved = 0;
	fd->handle = f->mailbox;
}

static void fd_check(struct fx *f, void *req, int ret)
{
	(void)f;
	ck_assert_int_gt(ret, 0);
	ck_assert_int_eq(((struct xipc_mailbox_fd *)req)->fd, ret);
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

static const struct fx_out fd_outs[] = { FX_OUT(struct xipc_mailbox_fd, fd) };

FX_TABLE("raw-ioctl", test_mailbox_fd_refuses, fd_table, XIPC_IOC_MAILBOX_FD,
	 struct xipc_mailbox_fd, .build = fd_build, .check = fd_check,
	 .rows = FX_ARRAY(fd_rows), .outs = FX_ARRAY(fd_outs))

int main(void)
{
	return fx_main("handle");
}
