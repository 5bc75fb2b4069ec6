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
#include "harness.h"

/* Values of reserved fields that must each be refused. */
static const __u64 reserved_patterns[] = { 1, 1ULL << 31, 1ULL << 63, ~0ULL };
#define NR_PATTERNS (sizeof(reserved_patterns) / sizeof(reserved_patterns[0]))


static __u32 dup_handle(int space, __u32 handle, __u32 rights, __u32 flags,
			__u64 badge)
{
	int ret = ipc_handle_dup(space, handle, rights, flags, badge);

	ck_assert_msg(ret > 0, "dup %u rights %#x: %d", handle, rights, ret);
	return ret;
}

/*
 * Sends a message through @sender and takes it through @receiver, which must
 * otherwise be empty: the badge it arrived with.
 */
static __u64 deliver(int space, __u32 sender, __u32 receiver)
{
	static const char payload[] = "through a handle";
	char buf[sizeof(payload)];
	struct xipc_recv msg;

	ck_assert_int_eq(xipc_test_send(space, sender, 1, payload,
					sizeof(payload), 0), 0);
	ck_assert_int_eq(xipc_test_recv(space, receiver, 0, buf, sizeof(buf), 0,
					&msg), sizeof(payload));
	ck_assert_mem_eq(buf, payload, sizeof(payload));
	return msg.badge;
}

/* A handle number that names nothing in @space. */
static __u32 unused_handle(int space)
{
	struct xipc_handle_info info;
	__u32 handle;

	for (handle = XIPC_TEST_HANDLE_SCAN; handle > 0; handle--)
		if (ipc_handle_info(space, handle, &info) == -EBADF)
			return handle;
	ck_abort_msg("every handle number up to %u is in use",
		     XIPC_TEST_HANDLE_SCAN);
	return 0;
}

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

START_TEST(test_info_of_new_mailbox)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 b = xipc_test_mailbox(space, 0, 0, 0);
	struct xipc_handle_info info;

	ck_assert_uint_gt(a, 0);
	ck_assert_uint_gt(b, 0);
	ck_assert_uint_ne(a, b);

	/* Poisoned outputs: every one of them must be written. */
	memset(&info, POISON_BYTE, sizeof(info));
	info.flags = 0;
	info.handle = a;
	info.reserved = 0;
	ck_assert_int_eq(ioctl(space, XIPC_IOC_HANDLE_INFO, &info), 0);
	ck_assert_uint_eq(info.flags, 0);
	ck_assert_uint_eq(info.handle, a);
	ck_assert_uint_eq(info.rights, XIPC_RIGHTS_ALL);
	ck_assert_uint_eq(info.type, XIPC_OBJECT_MAILBOX);
	ck_assert_uint_eq(info.badge, 0);
	ck_assert_uint_ne(info.object_id, 0);
	ck_assert_uint_eq(info.state, 0);
	ck_assert_uint_eq(info.reserved, 0);

	/* Two mailboxes are two objects. */
	ck_assert_uint_ne(xipc_test_handle_info(space, b).object_id, info.object_id);
	ipc_close(space);
}
END_TEST

START_TEST(test_dup_each_subset_of_rights)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u64 object_id = xipc_test_handle_info(space, a).object_id;
	__u32 rights;

	for (rights = 1; rights <= XIPC_RIGHTS_ALL; rights++) {
		__u32 d = dup_handle(space, a, rights, 0, 0);
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
	ipc_close(space);
}
END_TEST

START_TEST(test_dup_of_a_narrower_handle)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 narrow = dup_handle(space, a, XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT,
				  0, 0);
	__u32 send_only = dup_handle(space, narrow, XIPC_RIGHT_SEND, 0, 0);
	__u32 grant_only = dup_handle(space, narrow, XIPC_RIGHT_GRANT, 0, 0);

	ck_assert_uint_eq(xipc_test_handle_info(space, send_only).rights, XIPC_RIGHT_SEND);
	ck_assert_uint_eq(xipc_test_handle_info(space, grant_only).rights, XIPC_RIGHT_GRANT);
	/* The narrower handles reach the same mailbox. */
	deliver(space, send_only, a);
	ipc_close(space);
}
END_TEST

START_TEST(test_dup_raw_writes_new_handle)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	struct xipc_handle_dup dup = {
		.handle = a,
		.rights = XIPC_RIGHT_SEND,
	};

	/* new_handle is output only: garbage in it must not matter. */
	memset(&dup.new_handle, POISON_BYTE, sizeof(dup.new_handle));
	ck_assert_int_eq(ioctl(space, XIPC_IOC_HANDLE_DUP, &dup), 0);
	ck_assert_uint_gt(dup.new_handle, 0);
	ck_assert_uint_ne(dup.new_handle, a);
	ck_assert_uint_eq(xipc_test_handle_info(space, dup.new_handle).rights,
			  XIPC_RIGHT_SEND);
	ipc_close(space);
}
END_TEST

START_TEST(test_dup_rights_not_a_subset)
{
	static const __u32 wider[] = {
		XIPC_RIGHT_SEND | XIPC_RIGHT_RECV,
		XIPC_RIGHT_GRANT | XIPC_RIGHT_MANAGE,
		XIPC_RIGHT_RECV,
		XIPC_RIGHTS_ALL,
	};
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 narrow = dup_handle(space, a, XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT,
				  0, 0);
	unsigned int handles = xipc_test_count_handles(space), i, bit;

	for (i = 0; i < sizeof(wider) / sizeof(wider[0]); i++)
		ck_assert_int_eq(ipc_handle_dup(space, narrow, wider[i], 0, 0),
				 -EINVAL);
	/* Bits that are no right at all are not in anyone's rights. */
	for (bit = 4; bit < 32; bit++)
		ck_assert_int_eq(ipc_handle_dup(space, a,
						XIPC_RIGHT_SEND | 1U << bit, 0, 0),
				 -EINVAL);
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
	ck_assert_uint_eq(xipc_test_handle_info(space, narrow).rights,
			  XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT);
	ipc_close(space);
}
END_TEST

START_TEST(test_dup_rights_zero)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	unsigned int handles = xipc_test_count_handles(space);

	ck_assert_int_eq(ipc_handle_dup(space, a, 0, 0, 0), -EINVAL);
	ck_assert_int_eq(ipc_handle_dup(space, a, 0, XIPC_DUP_BADGE, 5), -EINVAL);
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
	ipc_close(space);
}
END_TEST

START_TEST(test_dup_rejects_each_unknown_flag)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	unsigned int handles = xipc_test_count_handles(space), bit;

	for (bit = 0; bit < 32; bit++) {
		if (1U << bit == XIPC_DUP_BADGE)
			continue;
		ck_assert_int_eq(ipc_handle_dup(space, a, XIPC_RIGHT_SEND,
						1U << bit, 0), -EINVAL);
	}
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
	ipc_close(space);
}
END_TEST

START_TEST(test_dup_bad_handles)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 closed = dup_handle(space, a, XIPC_RIGHTS_ALL, 0, 0);
	unsigned int handles;

	ck_assert_int_eq(ipc_handle_close(space, closed), 0);
	handles = xipc_test_count_handles(space);
	ck_assert_int_eq(ipc_handle_dup(space, 0, XIPC_RIGHT_SEND, 0, 0), -EBADF);
	ck_assert_int_eq(ipc_handle_dup(space, unused_handle(space),
					XIPC_RIGHT_SEND, 0, 0), -EBADF);
	ck_assert_int_eq(ipc_handle_dup(space, ~0U, XIPC_RIGHT_SEND, 0, 0),
			 -EBADF);
	ck_assert_int_eq(ipc_handle_dup(space, closed, XIPC_RIGHT_SEND, 0, 0),
			 -EBADF);
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
	ipc_close(space);
}
END_TEST

START_TEST(test_badge_inheritance)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 stamped, kept, all_ones;

	ck_assert_uint_eq(deliver(space, a, a), 0);

	stamped = dup_handle(space, a, XIPC_RIGHTS_ALL, XIPC_DUP_BADGE, 0x1234);
	ck_assert_uint_eq(xipc_test_handle_info(space, stamped).badge, 0x1234);
	ck_assert_uint_eq(deliver(space, stamped, a), 0x1234);

	/* Without XIPC_DUP_BADGE the badge argument is not looked at. */
	kept = dup_handle(space, stamped, XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT, 0,
			  0xdead);
	ck_assert_uint_eq(xipc_test_handle_info(space, kept).badge, 0x1234);
	ck_assert_uint_eq(deliver(space, kept, a), 0x1234);

	/* Every badge a 64-bit field holds, but 0, can be stamped. */
	all_ones = dup_handle(space, a, XIPC_RIGHT_SEND, XIPC_DUP_BADGE, ~0ULL);
	ck_assert_uint_eq(xipc_test_handle_info(space, all_ones).badge, ~0ULL);
	ck_assert_uint_eq(deliver(space, all_ones, stamped), ~0ULL);

	/* Stamping a new badge changed nothing on the handles derived from. */
	ck_assert_uint_eq(xipc_test_handle_info(space, a).badge, 0);
	ck_assert_uint_eq(xipc_test_handle_info(space, stamped).badge, 0x1234);
	ipc_close(space);
}
END_TEST

/*
 * A badge is stamped once: neither the stamped handle nor anything derived
 * from it can be stamped again, with any badge, and a refused stamp installs
 * nothing. The unbadged handle it came from can still stamp others.
 */
START_TEST(test_badge_is_stamped_once)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 stamped = dup_handle(space, a, XIPC_RIGHTS_ALL, XIPC_DUP_BADGE, 7);
	__u32 kept = dup_handle(space, stamped, XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT,
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
	ck_assert_uint_eq(deliver(space, kept, a), 7);

	other = dup_handle(space, a, XIPC_RIGHT_SEND, XIPC_DUP_BADGE, 8);
	ck_assert_uint_eq(deliver(space, other, a), 8);
	ipc_close(space);
}
END_TEST

/* Badge 0 is no badge: stamping it is refused, and changes nothing. */
START_TEST(test_badge_zero_is_no_badge)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	unsigned int handles = xipc_test_count_handles(space);
	__u32 later;

	ck_assert_int_eq(ipc_handle_dup(space, a, XIPC_RIGHT_SEND, XIPC_DUP_BADGE,
					0), -EINVAL);
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
	/* The handle is as unbadged as before: a real stamp still works. */
	later = dup_handle(space, a, XIPC_RIGHT_SEND, XIPC_DUP_BADGE, 3);
	ck_assert_uint_eq(deliver(space, later, a), 3);
	ipc_close(space);
}
END_TEST

START_TEST(test_send_needs_send_right)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 d = dup_handle(space, a, XIPC_RIGHTS_ALL & ~XIPC_RIGHT_SEND, 0, 0);
	char byte = 1;

	ck_assert_int_eq(xipc_test_send(space, d, 1, &byte, 1, 0), -EPERM);
	xipc_test_assert_empty(space, a);
	ipc_close(space);
}
END_TEST

START_TEST(test_recv_needs_recv_right)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 d = dup_handle(space, a, XIPC_RIGHTS_ALL & ~XIPC_RIGHT_RECV, 0, 0);
	struct xipc_recv msg;
	char byte = 1;

	ck_assert_int_eq(xipc_test_send(space, a, 1, &byte, 1, 0), 0);
	ck_assert_int_eq(xipc_test_recv(space, d, 0, &byte, 1, 0, &msg), -EPERM);
	/* The refused receive left the message where it was. */
	ck_assert_int_eq(xipc_test_recv(space, a, 0, &byte, 1, 0, &msg), 1);
	ipc_close(space);
}
END_TEST

START_TEST(test_destroy_needs_manage_right)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 d = dup_handle(space, a, XIPC_RIGHTS_ALL & ~XIPC_RIGHT_MANAGE, 0, 0);

	ck_assert_int_eq(ipc_mailbox_destroy(space, d), -EPERM);
	ck_assert_uint_eq(xipc_test_handle_info(space, a).state, 0);
	deliver(space, d, a);
	ipc_close(space);
}
END_TEST

START_TEST(test_revoke_needs_manage_right)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 d = dup_handle(space, a, XIPC_RIGHTS_ALL & ~XIPC_RIGHT_MANAGE, 0, 0);
	__u32 child = dup_handle(space, d, XIPC_RIGHT_SEND, 0, 0);

	ck_assert_int_eq(ipc_handle_revoke(space, d), -EPERM);
	ck_assert_uint_eq(xipc_test_handle_info(space, child).state, 0);
	deliver(space, child, a);
	ipc_close(space);
}
END_TEST

START_TEST(test_dup_needs_grant_right)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 d = dup_handle(space, a, XIPC_RIGHTS_ALL & ~XIPC_RIGHT_GRANT, 0, 0);
	unsigned int handles = xipc_test_count_handles(space);

	/* Asking for a subset, so that the missing right is the only fault. */
	ck_assert_int_eq(ipc_handle_dup(space, d, XIPC_RIGHT_SEND, 0, 0), -EPERM);
	ck_assert_int_eq(ipc_handle_dup(space, d, XIPC_RIGHT_SEND,
					XIPC_DUP_BADGE, 9), -EPERM);
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
	ipc_close(space);
}
END_TEST

START_TEST(test_transfer_needs_grant_right)
{
	int space = xipc_test_open();
	__u32 carrier = xipc_test_mailbox(space, 0, 0, 0);
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 d = dup_handle(space, a, XIPC_RIGHTS_ALL & ~XIPC_RIGHT_GRANT, 0, 0);
	struct xipc_transfer transfer = { .handle = d };
	struct xipc_send msg = xipc_test_send_args(carrier, 1, "x", 1, 0);
	unsigned int handles = xipc_test_count_handles(space);

	msg.transfers = ipc_ptr(&transfer);
	msg.nr_transfers = 1;
	ck_assert_int_eq(ipc_send(space, &msg), -EPERM);
	xipc_test_assert_empty(space, carrier);
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
	deliver(space, d, a);
	ipc_close(space);
}
END_TEST

START_TEST(test_close_twice)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 d = dup_handle(space, a, XIPC_RIGHTS_ALL, 0, 0);
	struct xipc_handle_info info;

	ck_assert_int_eq(ipc_handle_close(space, d), 0);
	ck_assert_int_eq(ipc_handle_info(space, d, &info), -EBADF);
	ck_assert_int_eq(ipc_handle_close(space, d), -EBADF);
	ck_assert_int_eq(ipc_handle_close(space, 0), -EBADF);
	ck_assert_int_eq(ipc_handle_close(space, unused_handle(space)), -EBADF);
	/* Closing one handle left the other. */
	ck_assert_uint_eq(xipc_test_handle_info(space, a).state, 0);
	ipc_close(space);
}
END_TEST

START_TEST(test_object_outlives_closed_handle)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 d = dup_handle(space, a, XIPC_RIGHT_SEND | XIPC_RIGHT_RECV, 0, 0);
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
	deliver(space, d, d);
	ipc_close(space);
}
END_TEST

START_TEST(test_closed_number_comes_back)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 d = dup_handle(space, a, XIPC_RIGHT_SEND, 0, 0);
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
	ipc_close(space);
}
END_TEST

START_TEST(test_bad_handle_numbers)
{
	int space = xipc_test_open();
	__u32 unused;
	struct xipc_handle_info info;
	struct xipc_recv msg;
	char byte = 0;

	xipc_test_mailbox(space, 0, 0, 0);
	unused = unused_handle(space);
	ck_assert_int_eq(ipc_handle_info(space, 0, &info), -EBADF);
	ck_assert_int_eq(xipc_test_send(space, 0, 1, &byte, 1, 0), -EBADF);
	ck_assert_int_eq(xipc_test_recv(space, 0, 0, &byte, 1, 0, &msg), -EBADF);
	ck_assert_int_eq(ipc_handle_revoke(space, 0), -EBADF);
	ck_assert_int_eq(ipc_mailbox_destroy(space, 0), -EBADF);
	ck_assert_int_eq(ipc_handle_info(space, unused, &info), -EBADF);
	ck_assert_int_eq(xipc_test_send(space, unused, 1, &byte, 1, 0), -EBADF);
	ck_assert_int_eq(xipc_test_recv(space, unused, 0, &byte, 1, 0, &msg),
			 -EBADF);
	ck_assert_int_eq(ipc_handle_revoke(space, unused), -EBADF);
	ck_assert_int_eq(ipc_mailbox_destroy(space, unused), -EBADF);
	ipc_close(space);
}
END_TEST

START_TEST(test_handles_belong_to_their_space)
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
	ipc_close(one);
	ipc_close(other);
}
END_TEST

/*
 * A = the mailbox, B = dup(A), C = dup(B): revoking A reaches B and C, and
 * only them.
 */
START_TEST(test_revoke_reaches_descendants)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 b = dup_handle(space, a, XIPC_RIGHTS_ALL, 0, 0);
	__u32 c = dup_handle(space, b, XIPC_RIGHTS_ALL, 0, 0);
	__u32 fresh;

	ck_assert_int_eq(ipc_handle_revoke(space, a), 0);
	assert_revoked(space, b);
	assert_revoked(space, c);
	ck_assert_int_eq(ipc_mailbox_destroy(space, b), -EKEYREVOKED);
	ck_assert_int_eq(ipc_handle_revoke(space, c), -EKEYREVOKED);

	/* A itself stays whole, and what it derives now is not revoked. */
	ck_assert_uint_eq(xipc_test_handle_info(space, a).state, 0);
	deliver(space, a, a);
	fresh = dup_handle(space, a, XIPC_RIGHTS_ALL, 0, 0);
	ck_assert_uint_eq(xipc_test_handle_info(space, fresh).state, 0);
	deliver(space, fresh, a);

	/* Revoked handles are closed like any other. */
	ck_assert_int_eq(ipc_handle_close(space, b), 0);
	ck_assert_int_eq(ipc_handle_close(space, c), 0);
	ipc_close(space);
}
END_TEST

START_TEST(test_revoke_of_a_middle_handle)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 b = dup_handle(space, a, XIPC_RIGHTS_ALL, 0, 0);
	__u32 c = dup_handle(space, b, XIPC_RIGHTS_ALL, 0, 0);
	__u32 sibling = dup_handle(space, a, XIPC_RIGHTS_ALL, 0, 0);

	ck_assert_int_eq(ipc_handle_revoke(space, b), 0);
	assert_revoked(space, c);
	/* Not B itself, nor its ancestor, nor its sibling. */
	ck_assert_uint_eq(xipc_test_handle_info(space, b).state, 0);
	ck_assert_uint_eq(xipc_test_handle_info(space, a).state, 0);
	ck_assert_uint_eq(xipc_test_handle_info(space, sibling).state, 0);
	deliver(space, b, b);
	deliver(space, a, a);
	deliver(space, sibling, sibling);
	ck_assert_int_gt(ipc_handle_dup(space, b, XIPC_RIGHT_SEND, 0, 0), 0);
	ipc_close(space);
}
END_TEST

/* Exit codes of the child of test_revoke_reaches_another_space. */
enum {
	REVOKE_CHILD_OPEN = 1,
	REVOKE_CHILD_RECV,
	REVOKE_CHILD_NO_HANDLE,
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
	__u32 handles[1] = { 0 }, got;
	int space = ipc_open(0), bridge;
	char byte = 0;

	CHILD_EXPECT(space >= 0, REVOKE_CHILD_OPEN);
	bridge = ipc_mailbox_open(space, name, 0, 0, XIPC_RIGHT_RECV);
	CHILD_EXPECT(bridge > 0, REVOKE_CHILD_OPEN);
	msg = xipc_test_recv_args(bridge, 0, &byte, 1, XIPC_TEST_LONG_NS);
	msg.handles = ipc_ptr(handles);
	msg.max_handles = 1;
	CHILD_EXPECT(ipc_recv(space, &msg) == 1, REVOKE_CHILD_RECV);
	CHILD_EXPECT(msg.nr_handles == 1 && handles[0] > 0,
		     REVOKE_CHILD_NO_HANDLE);
	got = handles[0];
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
START_TEST(test_revoke_reaches_another_space)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 b = dup_handle(space, a, XIPC_RIGHTS_ALL, 0, 0);
	struct xipc_transfer transfer = { .handle = b };
	char name[XIPC_TEST_NAME_SIZE];
	struct xipc_send msg;
	struct xipc_recv got;
	int ready[2], go[2], bridge;
	char byte;
	pid_t pid;

	xipc_test_name(name, "revoke");
	bridge = ipc_mailbox_open(space, name, XIPC_OPEN_CREATE | XIPC_OPEN_EXCL,
				  0600, 0);
	ck_assert_int_gt(bridge, 0);
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

	msg = xipc_test_send_args(bridge, 1, "h", 1, 0);
	msg.transfers = ipc_ptr(&transfer);
	msg.nr_transfers = 1;
	ck_assert_int_eq(ipc_send(space, &msg), 0);
	ck_assert_int_eq(xipc_test_await(ready[0]), 0);
	/* The child's message through its handle arrived. */
	ck_assert_int_eq(xipc_test_recv(space, a, 2, &byte, 1, 0, &got), 1);
	ck_assert_int_eq(got.pid, pid);

	ck_assert_int_eq(ipc_handle_revoke(space, a), 0);
	assert_revoked(space, b);
	ck_assert_int_eq(xipc_test_notify(go[1]), 0);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	ck_assert_uint_eq(xipc_test_handle_info(space, a).state, 0);
	deliver(space, a, a);
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
	close(ready[0]);
	close(go[1]);
	ipc_close(space);
}
END_TEST

/*
 * Forks a child (sharing the space) that blocks in a receive of type 2 on
 * @handle, or a send on it (@send), with an infinite timeout, and exits 0
 * if the call ends with @error. Returns once the child sleeps in the call.
 */
static pid_t fork_blocked(int space, __u32 handle, bool send, int error)
{
	int ready[2];
	pid_t pid;

	ck_assert_int_eq(pipe(ready), 0);
	pid = xipc_test_fork();
	if (pid == 0) {
		struct xipc_recv msg;
		char byte = 0;
		int ret;

		close(ready[0]);
		CHILD_EXPECT(xipc_test_notify(ready[1]) == 0, 1);
		if (send)
			ret = xipc_test_send(space, handle, 1, &byte, 1,
					     XIPC_TIMEOUT_INFINITE);
		else
			ret = xipc_test_recv(space, handle, 2, &byte, 1,
					     XIPC_TIMEOUT_INFINITE, &msg);
		if (ret != error)
			fprintf(stderr, "blocked call: %d, expected %d\n", ret,
				error);
		CHILD_EXPECT(ret == error, 2);
		_exit(0);
	}
	close(ready[1]);
	ck_assert_int_eq(xipc_test_await(ready[0]), 0);
	close(ready[0]);
	xipc_test_wait_asleep(pid);
	return pid;
}

/* A revoke reaches calls already blocked on a revoked handle, too. */
START_TEST(test_revoke_wakes_blocked_calls)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 64, 1, 0);
	__u32 b = dup_handle(space, a, XIPC_RIGHTS_ALL, 0, 0);
	__u32 c = dup_handle(space, b, XIPC_RIGHTS_ALL, 0, 0);
	pid_t receiver, sender;
	struct xipc_recv msg;
	char byte = 0;

	/* Full, so that a send blocks; of type 1, so that a receive of 2 does. */
	ck_assert_int_eq(xipc_test_send(space, a, 1, &byte, 1, 0), 0);
	receiver = fork_blocked(space, c, false, -EKEYREVOKED);
	sender = fork_blocked(space, c, true, -EKEYREVOKED);
	ck_assert_int_eq(ipc_handle_revoke(space, a), 0);
	ck_assert_int_eq(xipc_test_wait(receiver), 0);
	ck_assert_int_eq(xipc_test_wait(sender), 0);
	/* The mailbox itself is fine, and holds what it held. */
	ck_assert_uint_eq(xipc_test_handle_info(space, a).state, 0);
	ck_assert_int_eq(xipc_test_recv(space, a, 0, &byte, 1, 0, &msg), 1);
	xipc_test_assert_empty(space, a);
	ipc_close(space);
}
END_TEST

struct blocked_thread {
	int space;
	__u32 handle;
	int ready;
	pid_t tid;
	int result;
};

static void *recv_in_thread(void *arg)
{
	struct blocked_thread *t = arg;
	struct xipc_recv msg;
	char byte;

	t->tid = syscall(SYS_gettid);
	if (xipc_test_notify(t->ready) != 0)
		return NULL;
	t->result = xipc_test_recv(t->space, t->handle, 0, &byte, 1,
				   XIPC_TIMEOUT_INFINITE, &msg);
	return NULL;
}

/* Closing a handle that another thread is blocked on ends that call: EBADF. */
START_TEST(test_close_wakes_a_blocked_thread)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	struct blocked_thread t = {
		.space = space,
		.handle = dup_handle(space, a, XIPC_RIGHTS_ALL, 0, 0),
		.result = 1,
	};
	struct timespec deadline;
	pthread_t thread;
	int ready[2];

	ck_assert_int_eq(pipe(ready), 0);
	t.ready = ready[1];
	ck_assert_int_eq(pthread_create(&thread, NULL, recv_in_thread, &t), 0);
	ck_assert_int_eq(xipc_test_await(ready[0]), 0);
	xipc_test_wait_asleep(t.tid);
	ck_assert_int_eq(ipc_handle_close(space, t.handle), 0);
	ck_assert_int_eq(clock_gettime(CLOCK_REALTIME, &deadline), 0);
	deadline.tv_sec += XIPC_TEST_LONG_NS / 1000000000ULL;
	ck_assert_int_eq(pthread_timedjoin_np(thread, NULL, &deadline), 0);
	ck_assert_int_eq(t.result, -EBADF);
	/* The mailbox lives on through its other handle. */
	deliver(space, a, a);
	close(ready[0]);
	close(ready[1]);
	ipc_close(space);
}
END_TEST

/* CLOSE, REVOKE and MAILBOX_DESTROY refuse each flag, and do nothing. */
START_TEST(test_handle_op_rejects_each_flag)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	__u32 child = dup_handle(space, a, XIPC_RIGHTS_ALL, 0, 0);
	unsigned int handles = xipc_test_count_handles(space), bit;
	struct xipc_handle_op op;

	for (bit = 0; bit < 32; bit++) {
		op = (struct xipc_handle_op){ .flags = 1U << bit, .handle = a };
		xipc_test_assert_ioctl_fails(space, XIPC_IOC_HANDLE_CLOSE, &op,
					     EINVAL);
		xipc_test_assert_ioctl_fails(space, XIPC_IOC_HANDLE_REVOKE, &op,
					     EINVAL);
		xipc_test_assert_ioctl_fails(space, XIPC_IOC_MAILBOX_DESTROY, &op,
					     EINVAL);
	}
	/* Not closed, not revoked, not destroyed. */
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
	ck_assert_uint_eq(xipc_test_handle_info(space, a).state, 0);
	ck_assert_uint_eq(xipc_test_handle_info(space, child).state, 0);
	deliver(space, child, a);

	/* The same structs with flags 0 do work. */
	op = (struct xipc_handle_op){ .handle = a };
	ck_assert_int_eq(ioctl(space, XIPC_IOC_HANDLE_REVOKE, &op), 0);
	ck_assert_uint_eq(xipc_test_handle_info(space, child).state, XIPC_STATE_REVOKED);
	ck_assert_int_eq(ioctl(space, XIPC_IOC_MAILBOX_DESTROY, &op), 0);
	ck_assert_uint_eq(xipc_test_handle_info(space, a).state & XIPC_STATE_DESTROYED,
			  XIPC_STATE_DESTROYED);
	ck_assert_int_eq(ioctl(space, XIPC_IOC_HANDLE_CLOSE, &op), 0);
	ck_assert_uint_eq(xipc_test_count_handles(space), handles - 1);
	ipc_close(space);
}
END_TEST

START_TEST(test_dup_struct_rejects_each_flag)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	unsigned int handles = xipc_test_count_handles(space), bit;
	struct xipc_handle_dup dup, before;

	for (bit = 0; bit < 32; bit++) {
		if (1U << bit == XIPC_DUP_BADGE)
			continue;
		dup = (struct xipc_handle_dup){
			.flags = 1U << bit,
			.handle = a,
			.rights = XIPC_RIGHT_SEND,
			.badge = 3,
		};
		before = dup;
		xipc_test_assert_ioctl_fails(space, XIPC_IOC_HANDLE_DUP, &dup,
					     EINVAL);
		ck_assert_mem_eq(&dup, &before, sizeof(dup));
	}
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);

	dup.flags = XIPC_DUP_BADGE;
	ck_assert_int_eq(ioctl(space, XIPC_IOC_HANDLE_DUP, &dup), 0);
	ck_assert_uint_eq(xipc_test_handle_info(space, dup.new_handle).badge, 3);
	ipc_close(space);
}
END_TEST

START_TEST(test_info_struct_rejects_flags_and_reserved)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	struct xipc_handle_info info, before;
	unsigned int bit, p;

	for (bit = 0; bit < 32; bit++) {
		memset(&info, POISON_BYTE, sizeof(info));
		info.flags = 1U << bit;
		info.handle = a;
		info.reserved = 0;
		before = info;
		xipc_test_assert_ioctl_fails(space, XIPC_IOC_HANDLE_INFO, &info,
					     EINVAL);
		/* A rejected call writes nothing. */
		ck_assert_mem_eq(&info, &before, sizeof(info));
	}
	for (p = 0; p < NR_PATTERNS; p++) {
		memset(&info, POISON_BYTE, sizeof(info));
		info.flags = 0;
		info.handle = a;
		info.reserved = (__u32)reserved_patterns[p];
		if (!info.reserved)
			continue;
		before = info;
		xipc_test_assert_ioctl_fails(space, XIPC_IOC_HANDLE_INFO, &info,
					     EINVAL);
		ck_assert_mem_eq(&info, &before, sizeof(info));
	}
	info.reserved = 0;
	ck_assert_int_eq(ioctl(space, XIPC_IOC_HANDLE_INFO, &info), 0);
	ck_assert_uint_eq(info.rights, XIPC_RIGHTS_ALL);
	ipc_close(space);
}
END_TEST

START_TEST(test_create_struct_rejects_flags_and_reserved)
{
	int space = xipc_test_open();
	unsigned int handles = xipc_test_count_handles(space), bit, slot, p;
	struct xipc_mailbox_create create, before;

	for (bit = 0; bit < 32; bit++) {
		create = (struct xipc_mailbox_create){ .flags = 1U << bit };
		before = create;
		xipc_test_assert_ioctl_fails(space, XIPC_IOC_MAILBOX_CREATE,
					     &create, EINVAL);
		ck_assert_mem_eq(&create, &before, sizeof(create));
	}
	for (slot = 0; slot < 2; slot++) {
		for (p = 0; p < NR_PATTERNS; p++) {
			create = (struct xipc_mailbox_create){ 0 };
			create.reserved[slot] = reserved_patterns[p];
			before = create;
			xipc_test_assert_ioctl_fails(space, XIPC_IOC_MAILBOX_CREATE,
						     &create, EINVAL);
			ck_assert_mem_eq(&create, &before, sizeof(create));
		}
	}
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);

	/* handle is output only: garbage in it must not matter. */
	create = (struct xipc_mailbox_create){ .handle = 0xa5a5a5a5 };
	ck_assert_int_eq(ioctl(space, XIPC_IOC_MAILBOX_CREATE, &create), 0);
	ck_assert_uint_gt(create.handle, 0);
	ck_assert_uint_eq(xipc_test_handle_info(space, create.handle).rights,
			  XIPC_RIGHTS_ALL);
	ipc_close(space);
}
END_TEST

/* The descriptor the next open() would get. */
static int lowest_free_fd(void)
{
	int fd = dup(STDIN_FILENO);

	ck_assert_int_ge(fd, 0);
	close(fd);
	return fd;
}

START_TEST(test_mailbox_fd_struct_rejects_flags_and_reserved)
{
	int space = xipc_test_open();
	__u32 a = xipc_test_mailbox(space, 0, 0, 0);
	int next_fd = lowest_free_fd(), ret;
	struct xipc_mailbox_fd req, before;
	unsigned int bit, p;

	for (bit = 0; bit < 32; bit++) {
		req = (struct xipc_mailbox_fd){ .flags = 1U << bit, .handle = a };
		before = req;
		xipc_test_assert_ioctl_fails(space, XIPC_IOC_MAILBOX_FD, &req,
					     EINVAL);
		ck_assert_mem_eq(&req, &before, sizeof(req));
	}
	for (p = 0; p < NR_PATTERNS; p++) {
		req = (struct xipc_mailbox_fd){ .handle = a };
		req.reserved = (__u32)reserved_patterns[p];
		if (!req.reserved)
			continue;
		before = req;
		xipc_test_assert_ioctl_fails(space, XIPC_IOC_MAILBOX_FD, &req,
					     EINVAL);
		ck_assert_mem_eq(&req, &before, sizeof(req));
	}
	/* No descriptor was opened on the way. */
	ck_assert_int_eq(lowest_free_fd(), next_fd);

	req = (struct xipc_mailbox_fd){ .handle = a, .fd = -2 };
	ret = ioctl(space, XIPC_IOC_MAILBOX_FD, &req);
	ck_assert_int_eq(ret, next_fd);
	ck_assert_int_eq(req.fd, ret);
	close(ret);
	ipc_close(space);
}
END_TEST

int main(void)
{
	Suite *suite = suite_create("handle");
	TCase *info_case = xipc_tcase(suite, "info");
	TCase *dup_case = xipc_tcase(suite, "dup");
	TCase *rights_case = xipc_tcase(suite, "rights");
	TCase *close_case = xipc_tcase(suite, "close");
	TCase *revoke_case = xipc_tcase(suite, "revoke");
	TCase *raw_case = xipc_tcase(suite, "raw-ioctl");

	tcase_add_test(info_case, test_info_of_new_mailbox);
	tcase_add_test(info_case, test_bad_handle_numbers);
	tcase_add_test(info_case, test_handles_belong_to_their_space);

	tcase_add_test(dup_case, test_dup_each_subset_of_rights);
	tcase_add_test(dup_case, test_dup_of_a_narrower_handle);
	tcase_add_test(dup_case, test_dup_raw_writes_new_handle);
	tcase_add_test(dup_case, test_dup_rights_not_a_subset);
	tcase_add_test(dup_case, test_dup_rights_zero);
	tcase_add_test(dup_case, test_dup_rejects_each_unknown_flag);
	tcase_add_test(dup_case, test_dup_bad_handles);
	tcase_add_test(dup_case, test_badge_inheritance);
	tcase_add_test(dup_case, test_badge_is_stamped_once);
	tcase_add_test(dup_case, test_badge_zero_is_no_badge);

	tcase_add_test(rights_case, test_send_needs_send_right);
	tcase_add_test(rights_case, test_recv_needs_recv_right);
	tcase_add_test(rights_case, test_destroy_needs_manage_right);
	tcase_add_test(rights_case, test_revoke_needs_manage_right);
	tcase_add_test(rights_case, test_dup_needs_grant_right);
	tcase_add_test(rights_case, test_transfer_needs_grant_right);

	tcase_add_test(close_case, test_close_twice);
	tcase_add_test(close_case, test_object_outlives_closed_handle);
	tcase_add_test(close_case, test_closed_number_comes_back);

	tcase_add_test(revoke_case, test_revoke_reaches_descendants);
	tcase_add_test(revoke_case, test_revoke_of_a_middle_handle);
	tcase_add_test(revoke_case, test_revoke_reaches_another_space);
	tcase_add_test(revoke_case, test_revoke_wakes_blocked_calls);
	tcase_add_test(close_case, test_close_wakes_a_blocked_thread);

	tcase_add_test(raw_case, test_handle_op_rejects_each_flag);
	tcase_add_test(raw_case, test_dup_struct_rejects_each_flag);
	tcase_add_test(raw_case, test_info_struct_rejects_flags_and_reserved);
	tcase_add_test(raw_case, test_create_struct_rejects_flags_and_reserved);
	tcase_add_test(raw_case, test_mailbox_fd_struct_rejects_flags_and_reserved);
	return xipc_test_main(suite);
}
