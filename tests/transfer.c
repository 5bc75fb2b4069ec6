// SPDX-License-Identifier: MIT
/*
 * Handles passed in messages (struct xipc_transfer): rights, badges, MOVE,
 * all-or-nothing sends, receiving them (E2BIG, EFAULT), and what becomes of
 * them when their message is destroyed or their ancestor revoked.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libipc.h"
#include "fixture.h"

/* Room for the handles of one message in these tests. */
#define MAX_HANDLES 8

static bool handle_exists(int space, __u32 handle)
{
	struct xipc_handle_info info;
	int ret = ipc_handle_info(space, handle, &info);

	ck_assert_msg(ret == 0 || ret == -EBADF, "handle info %u: %s", handle,
		      strerror(-ret));
	return ret == 0;
}

/* Sends one byte on @carrier with @nr transfers, waiting at most @timeout_ns. */
static int send_handles(int space, __u32 carrier,
			const struct xipc_transfer *transfers, __u32 nr,
			__u64 timeout_ns)
{
	struct xipc_send msg = xipc_test_send_args(carrier, 1, "h", 1, timeout_ns);

	msg.transfers = ipc_ptr(transfers);
	msg.nr_transfers = nr;
	return ipc_send(space, &msg);
}

/*
 * Receives one message from @carrier with room for @max handles in
 * @handles, which is poisoned first; @msg gets what the kernel wrote back.
 */
static int recv_handles(int space, __u32 carrier, __u32 *handles, __u32 max,
			struct xipc_recv *msg)
{
	static char byte;

	memset(handles, POISON_BYTE, max * sizeof(*handles));
	*msg = xipc_test_recv_args(carrier, 0, &byte, 1, 0);
	msg->handles = ipc_ptr(handles);
	msg->max_handles = max;
	return ipc_recv(space, msg);
}

/* Takes a message carrying one handle from @carrier: the new handle. */
static __u32 pass_out(int space, __u32 carrier)
{
	__u32 handles[MAX_HANDLES];
	struct xipc_recv msg;

	ck_assert_int_eq(recv_handles(space, carrier, handles, MAX_HANDLES, &msg),
			 1);
	ck_assert_uint_eq(msg.nr_handles, 1);
	ck_assert_uint_gt(handles[0], 0);
	return handles[0];
}

/* Passes @transfer alone on @carrier and takes it out: the new handle. */
static __u32 pass(int space, __u32 carrier, struct xipc_transfer transfer)
{
	ck_assert_int_eq(send_handles(space, carrier, &transfer, 1, 0), 0);
	return pass_out(space, carrier);
}

/* A message through @sender arrives through @receiver: its badge. */
static __u64 deliver(int space, __u32 sender, __u32 receiver)
{
	struct xipc_recv msg;
	char byte = 0;

	ck_assert_int_eq(xipc_test_send(space, sender, 2, "d", 1, 0), 0);
	ck_assert_int_eq(xipc_test_recv(space, receiver, 0, &byte, 1, 0, &msg), 1);
	ck_assert_int_eq(byte, 'd');
	return msg.badge;
}

/*
 * A new space with a mailbox to carry handles in, @carrier, and (unless
 * @mailbox is NULL) another to pass, both of the default limits: the space.
 */
static int carrier_space(__u32 *carrier, __u32 *mailbox)
{
	int space = xipc_test_open();

	*carrier = xipc_test_mailbox(space, 0, 0, 0);
	if (mailbox)
		*mailbox = xipc_test_mailbox(space, 0, 0, 0);
	return space;
}

/* Asserts that a send of @transfers fails with @error and changed nothing. */
static void assert_transfer_fails(int space, __u32 carrier,
				  const struct xipc_transfer *transfers,
				  __u32 nr, int error)
{
	unsigned int handles = xipc_test_count_handles(space);
	int ret = send_handles(space, carrier, transfers, nr, 0);

	ck_assert_msg(ret == -error, "send returned %d, expected %d", ret, -error);
	xipc_test_assert_empty(space, carrier);
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
}

FX_TEST("passing", test_transfer_gives_a_new_handle)
{
	__u32 carrier, passed;
	int space = carrier_space(&carrier, &passed);
	struct xipc_transfer transfer = { .handle = passed };
	__u32 handles[MAX_HANDLES];
	struct xipc_handle_info info;
	struct xipc_recv msg;
	unsigned int i;
	__u32 got;

	ck_assert_int_eq(send_handles(space, carrier, &transfer, 1, 0), 0);
	ck_assert_int_eq(recv_handles(space, carrier, handles, MAX_HANDLES, &msg),
			 1);
	ck_assert_uint_eq(msg.nr_handles, 1);
	got = handles[0];
	ck_assert_uint_gt(got, 0);
	ck_assert_uint_ne(got, passed);
	ck_assert_uint_ne(got, carrier);
	/* Only as many entries as handles are written. */
	for (i = 1; i < MAX_HANDLES; i++)
		ck_assert_uint_eq(handles[i], 0xccccccccU);

	info = xipc_test_handle_info(space, got);
	ck_assert_uint_eq(info.type, XIPC_OBJECT_MAILBOX);
	ck_assert_uint_eq(info.object_id, xipc_test_handle_info(space, passed).object_id);
	ck_assert_uint_eq(info.rights, XIPC_RIGHTS_ALL);
	ck_assert_uint_eq(info.badge, 0);
	ck_assert_uint_eq(info.state, 0);
	/* Without MOVE the sender keeps its handle. */
	ck_assert_uint_eq(xipc_test_handle_info(space, passed).rights, XIPC_RIGHTS_ALL);
	deliver(space, got, passed);
	deliver(space, passed, got);
}
END_TEST

FX_TEST("passing", test_transfer_narrows_rights)
{
	__u32 carrier, passed;
	int space = carrier_space(&carrier, &passed);
	__u32 got = pass(space, carrier, (struct xipc_transfer){
		.handle = passed, .rights = XIPC_RIGHT_SEND });
	struct xipc_recv msg;
	char byte;

	ck_assert_uint_eq(xipc_test_handle_info(space, got).rights, XIPC_RIGHT_SEND);
	deliver(space, got, passed);
	ck_assert_int_eq(xipc_test_recv(space, got, 0, &byte, 1, 0, &msg), -EPERM);
	ck_assert_int_eq(ipc_handle_dup(space, got, XIPC_RIGHT_SEND, 0, 0), -EPERM);
}
END_TEST

FX_TEST("passing", test_transfer_rights_zero_are_the_senders)
{
	__u32 carrier, mailbox;
	int space = carrier_space(&carrier, &mailbox);
	__u32 narrow = fx_dup(space, mailbox,
				  XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT, 0, 0);
	__u32 got = pass(space, carrier, (struct xipc_transfer){ .handle = narrow });

	ck_assert_uint_eq(xipc_test_handle_info(space, got).rights,
			  XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT);
}
END_TEST

FX_TEST("passing", test_transfer_keeps_the_badge)
{
	__u32 carrier, mailbox;
	int space = carrier_space(&carrier, &mailbox);
	__u32 badged = fx_dup(space, mailbox,
				  XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT,
				  XIPC_DUP_BADGE, 77);
	__u32 got = pass(space, carrier, (struct xipc_transfer){
		.handle = badged, .rights = XIPC_RIGHT_SEND });

	ck_assert_uint_eq(xipc_test_handle_info(space, got).badge, 77);
	ck_assert_uint_eq(deliver(space, got, mailbox), 77);
}
END_TEST

/*
 * The forgery a badge must stop: a client given a badged handle with
 * XIPC_RIGHT_GRANT, so that it can pass the handle on, tries in a space of
 * its own to stamp another client's badge. It cannot; what it passes on,
 * and what it sends, carry the badge the server stamped.
 */
FX_TEST("passing", test_received_badge_cannot_be_restamped)
{
	int space = xipc_test_open();
	__u32 work = xipc_test_mailbox(space, 0, 0, 0);
	__u32 badged = fx_dup(space, work, XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT,
				  XIPC_DUP_BADGE, 1);
	char name[XIPC_TEST_NAME_SIZE];
	struct xipc_transfer transfer = { .handle = badged };
	__u32 intro;
	pid_t pid;

	intro = fx_named(space, name, "badge");
	pid = xipc_test_fork();
	if (pid == 0) {
		int own = ipc_open(0);
		int door = ipc_mailbox_open(own, name, 0, 0, 0);
		__u32 handles[MAX_HANDLES];
		struct xipc_handle_info info;
		struct xipc_recv msg;
		static char byte;
		int copy;

		CHILD_EXPECT(own >= 0 && door > 0, 1);
		msg = xipc_test_recv_args(door, 0, &byte, 1, XIPC_TEST_LONG_NS);
		msg.handles = ipc_ptr(handles);
		msg.max_handles = MAX_HANDLES;
		CHILD_EXPECT(ipc_recv(own, &msg) == 1 && msg.nr_handles == 1, 2);
		CHILD_EXPECT(ipc_handle_dup(own, handles[0], XIPC_RIGHT_SEND,
					    XIPC_DUP_BADGE, 2) == -EPERM, 3);
		copy = ipc_handle_dup(own, handles[0], XIPC_RIGHT_SEND, 0, 0);
		CHILD_EXPECT(copy > 0 && ipc_handle_info(own, copy, &info) == 0 &&
			     info.badge == 1, 4);
		CHILD_EXPECT(xipc_test_send(own, handles[0], 1, "a", 1, 0) == 0 &&
			     xipc_test_send(own, copy, 1, "b", 1, 0) == 0, 5);
		_exit(0);
	}
	ck_assert_int_eq(send_handles(space, intro, &transfer, 1, 0), 0);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	{
		struct xipc_recv msg;
		char byte = 0;

		ck_assert_int_eq(xipc_test_recv(space, work, 0, &byte, 1, 0, &msg), 1);
		ck_assert_int_eq(byte, 'a');
		ck_assert_uint_eq(msg.badge, 1);
		ck_assert_int_eq(xipc_test_recv(space, work, 0, &byte, 1, 0, &msg), 1);
		ck_assert_int_eq(byte, 'b');
		ck_assert_uint_eq(msg.badge, 1);
	}
	xipc_test_assert_empty(space, work);
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
}
END_TEST

FX_TEST("errors", test_transfer_bad_pointer)
{
	__u32 carrier, mailbox;
	int space = carrier_space(&carrier, &mailbox);
	long page = sysconf(_SC_PAGESIZE);
	struct xipc_transfer *map;
	char *base;

	assert_transfer_fails(space, carrier, NULL, 1, EFAULT);

	base = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(base, MAP_FAILED);
	ck_assert_int_eq(munmap(base + page, page), 0);
	assert_transfer_fails(space, carrier,
			      (struct xipc_transfer *)(base + page), 1, EFAULT);
	/* The first entry readable and valid, the second past the mapping. */
	map = (struct xipc_transfer *)(base + page) - 1;
	*map = (struct xipc_transfer){
		.handle = mailbox,
		.flags = XIPC_TRANSFER_MOVE,
	};
	assert_transfer_fails(space, carrier, map, 2, EFAULT);
	ck_assert_uint_eq(xipc_test_handle_info(space, mailbox).rights, XIPC_RIGHTS_ALL);
}
END_TEST

/*
 * Three transfers, the first two valid (moves, even), the third bad in one
 * way or another: the send fails and the first two handles stay.
 */
FX_TEST("errors", test_transfers_all_or_nothing)
{
	__u32 carrier, first;
	int space = carrier_space(&carrier, &first);
	__u32 second = xipc_test_mailbox(space, 0, 0, 0);
	__u32 third = xipc_test_mailbox(space, 0, 0, 0);
	__u32 no_grant = fx_dup(space, third, XIPC_RIGHT_SEND, 0, 0);
	__u32 revoked = fx_dup(space, third, XIPC_RIGHTS_ALL, 0, 0);
	__u32 revoked_child = fx_dup(space, revoked, XIPC_RIGHTS_ALL, 0, 0);
	struct xipc_transfer transfers[3] = {
		{ .handle = first, .flags = XIPC_TRANSFER_MOVE },
		{ .handle = second, .flags = XIPC_TRANSFER_MOVE },
		{ .handle = third },
	};
	__u32 unused;

	ck_assert_int_eq(ipc_handle_revoke(space, revoked), 0);
	for (unused = XIPC_TEST_HANDLE_SCAN; handle_exists(space, unused); unused--)
		;

	transfers[2].handle = unused;
	assert_transfer_fails(space, carrier, transfers, 3, EBADF);
	transfers[2].handle = no_grant;
	assert_transfer_fails(space, carrier, transfers, 3, EPERM);
	transfers[2].handle = revoked_child;
	assert_transfer_fails(space, carrier, transfers, 3, EKEYREVOKED);
	transfers[2].handle = third;
	transfers[2].rights = 1U << 4;
	assert_transfer_fails(space, carrier, transfers, 3, EINVAL);
	transfers[2].rights = 0;
	transfers[2].flags = 1U << 1;
	assert_transfer_fails(space, carrier, transfers, 3, EINVAL);
	transfers[2].flags = 0;
	transfers[2].reserved = 1;
	assert_transfer_fails(space, carrier, transfers, 3, EINVAL);

	ck_assert_uint_eq(xipc_test_handle_info(space, first).rights, XIPC_RIGHTS_ALL);
	ck_assert_uint_eq(xipc_test_handle_info(space, second).rights, XIPC_RIGHTS_ALL);
	deliver(space, first, first);
	deliver(space, second, second);

	/* Fixed, the same message goes, moves and all. */
	transfers[2].reserved = 0;
	ck_assert_int_eq(send_handles(space, carrier, transfers, 3, 0), 0);
	ck_assert(!handle_exists(space, first));
	ck_assert(!handle_exists(space, second));
	ck_assert(handle_exists(space, third));
}
END_TEST

FX_TEST("move", test_move_closes_the_senders_handle)
{
	__u32 carrier, moved;
	int space = carrier_space(&carrier, &moved);
	__u64 object_id = xipc_test_handle_info(space, moved).object_id;
	struct xipc_transfer transfer = {
		.handle = moved,
		.flags = XIPC_TRANSFER_MOVE,
	};
	struct xipc_handle_info info;
	__u32 handles[MAX_HANDLES];
	struct xipc_recv msg;

	ck_assert_int_eq(send_handles(space, carrier, &transfer, 1, 0), 0);
	ck_assert(!handle_exists(space, moved));
	ck_assert_int_eq(ipc_handle_close(space, moved), -EBADF);

	/* The mailbox lived on in the message, its only handle. */
	ck_assert_int_eq(recv_handles(space, carrier, handles, MAX_HANDLES, &msg),
			 1);
	ck_assert_uint_eq(msg.nr_handles, 1);
	info = xipc_test_handle_info(space, handles[0]);
	ck_assert_uint_eq(info.object_id, object_id);
	ck_assert_uint_eq(info.rights, XIPC_RIGHTS_ALL);
	ck_assert_uint_eq(info.state, 0);
	deliver(space, handles[0], handles[0]);
}
END_TEST

FX_TEST("move", test_move_only_when_the_send_succeeds)
{
	int space = xipc_test_open();
	__u32 carrier = xipc_test_mailbox(space, 64, 1, 0);
	__u32 moved = xipc_test_mailbox(space, 0, 0, 0);
	struct xipc_transfer transfer = {
		.handle = moved,
		.flags = XIPC_TRANSFER_MOVE,
	};
	struct xipc_send msg;
	static char big[65];
	__u32 handles[MAX_HANDLES];
	struct xipc_recv got;

	/* Too large a payload. */
	msg = xipc_test_send_args(carrier, 1, big, sizeof(big), 0);
	msg.transfers = ipc_ptr(&transfer);
	msg.nr_transfers = 1;
	ck_assert_int_eq(ipc_send(space, &msg), -EMSGSIZE);
	ck_assert(handle_exists(space, moved));

	/* A full carrier, without waiting and with. */
	ck_assert_int_eq(xipc_test_send(space, carrier, 1, "f", 1, 0), 0);
	ck_assert_int_eq(send_handles(space, carrier, &transfer, 1, 0), -EAGAIN);
	ck_assert(handle_exists(space, moved));
	ck_assert_int_eq(send_handles(space, carrier, &transfer, 1,
				      XIPC_TEST_SHORT_NS), -ETIMEDOUT);
	ck_assert(handle_exists(space, moved));

	/* Room again: now it moves. */
	ck_assert_int_eq(recv_handles(space, carrier, handles, MAX_HANDLES, &got),
			 1);
	ck_assert_uint_eq(got.nr_handles, 0);
	ck_assert_int_eq(send_handles(space, carrier, &transfer, 1, 0), 0);
	ck_assert(!handle_exists(space, moved));
	ck_assert_int_eq(recv_handles(space, carrier, handles, MAX_HANDLES, &got),
			 1);
	ck_assert_uint_eq(got.nr_handles, 1);
	ck_assert_uint_eq(xipc_test_handle_info(space, handles[0]).type, XIPC_OBJECT_MAILBOX);
}
END_TEST
/* A handle moves once per message, and is not also copied in it. */
FX_TEST("move", test_moved_handle_only_once_per_message)
{
	static const __u32 pairs[][2] = {
		{ XIPC_TRANSFER_MOVE, XIPC_TRANSFER_MOVE },
		{ XIPC_TRANSFER_MOVE, 0 },
		{ 0, XIPC_TRANSFER_MOVE },
	};
	__u32 carrier, moved;
	int space = carrier_space(&carrier, &moved);
	unsigned int i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		struct xipc_transfer transfers[2] = {
			{ .handle = moved, .flags = pairs[i][0] },
			{ .handle = moved, .flags = pairs[i][1] },
		};

		assert_transfer_fails(space, carrier, transfers, 2, EINVAL);
	}
	ck_assert_uint_eq(xipc_test_handle_info(space, moved).rights, XIPC_RIGHTS_ALL);
}
END_TEST

/*
 * A mailbox's receive right may travel through that same mailbox, as any
 * other right may: whoever receives there takes it out again. (If nobody
 * can, the cycle collector frees the mailbox: tests/cycles.c.)
 */
FX_TEST("errors", test_recv_right_through_its_own_mailbox)
{
	__u32 carrier;
	int space = carrier_space(&carrier, NULL);
	__u32 recv_grant = fx_dup(space, carrier,
				      XIPC_RIGHT_RECV | XIPC_RIGHT_GRANT, 0, 0);
	__u64 object_id = xipc_test_handle_info(space, carrier).object_id;
	struct xipc_transfer loops[] = {
		{ .handle = carrier },
		{ .handle = carrier, .rights = XIPC_RIGHT_RECV },
		{ .handle = recv_grant, .flags = XIPC_TRANSFER_MOVE },
	};
	const __u32 rights[] = {
		XIPC_RIGHTS_ALL,
		XIPC_RIGHT_RECV,
		XIPC_RIGHT_RECV | XIPC_RIGHT_GRANT,
	};
	unsigned int i;
	__u32 got;

	for (i = 0; i < sizeof(loops) / sizeof(loops[0]); i++) {
		got = pass(space, carrier, loops[i]);
		ck_assert_uint_eq(xipc_test_handle_info(space, got).rights, rights[i]);
		ck_assert_uint_eq(xipc_test_handle_info(space, got).object_id, object_id);
		/* It receives from the mailbox it came through. */
		deliver(space, carrier, got);
		ck_assert_int_eq(ipc_handle_close(space, got), 0);
	}
	ck_assert(!handle_exists(space, recv_grant));
	ck_assert_uint_eq(xipc_test_handle_info(space, carrier).rights, XIPC_RIGHTS_ALL);
}
END_TEST

/* A send right can travel through its own mailbox too. */
FX_TEST("errors", test_send_right_through_its_own_mailbox)
{
	__u32 carrier;
	int space = carrier_space(&carrier, NULL);
	struct xipc_transfer send_right = {
		.handle = carrier,
		.rights = XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT,
	};
	__u32 got = pass(space, carrier, send_right);

	ck_assert_uint_eq(xipc_test_handle_info(space, got).rights,
			  XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT);
	deliver(space, got, carrier);
}
END_TEST

FX_TEST("passing", test_copy_of_the_same_handle_twice)
{
	__u32 carrier, copied;
	int space = carrier_space(&carrier, &copied);
	struct xipc_transfer transfers[2] = {
		{ .handle = copied },
		{ .handle = copied, .rights = XIPC_RIGHT_SEND },
	};
	__u32 handles[MAX_HANDLES];
	struct xipc_recv msg;
	__u64 object_id = xipc_test_handle_info(space, copied).object_id;

	ck_assert_int_eq(send_handles(space, carrier, transfers, 2, 0), 0);
	ck_assert_int_eq(recv_handles(space, carrier, handles, MAX_HANDLES, &msg),
			 1);
	ck_assert_uint_eq(msg.nr_handles, 2);
	ck_assert_uint_ne(handles[0], handles[1]);
	/* In the order they were passed. */
	ck_assert_uint_eq(xipc_test_handle_info(space, handles[0]).rights, XIPC_RIGHTS_ALL);
	ck_assert_uint_eq(xipc_test_handle_info(space, handles[1]).rights, XIPC_RIGHT_SEND);
	ck_assert_uint_eq(xipc_test_handle_info(space, handles[0]).object_id, object_id);
	ck_assert_uint_eq(xipc_test_handle_info(space, handles[1]).object_id, object_id);
	deliver(space, handles[1], handles[0]);
}
END_TEST

FX_TEST("passing", test_max_transfers)
{
	static struct xipc_transfer transfers[XIPC_MAX_TRANSFERS];
	static __u32 handles[XIPC_MAX_TRANSFERS];
	__u32 carrier, copied;
	int space = carrier_space(&carrier, &copied);
	__u64 object_id = xipc_test_handle_info(space, copied).object_id;
	unsigned int handles_before = xipc_test_count_handles(space), i, j;
	struct xipc_recv msg;

	for (i = 0; i < XIPC_MAX_TRANSFERS; i++)
		transfers[i] = (struct xipc_transfer){
			.handle = copied,
			.rights = XIPC_RIGHT_SEND,
		};
	ck_assert_int_eq(send_handles(space, carrier, transfers,
				      XIPC_MAX_TRANSFERS, 0), 0);
	ck_assert_int_eq(recv_handles(space, carrier, handles, XIPC_MAX_TRANSFERS,
				      &msg), 1);
	ck_assert_uint_eq(msg.nr_handles, XIPC_MAX_TRANSFERS);
	for (i = 0; i < XIPC_MAX_TRANSFERS; i++) {
		ck_assert_uint_eq(xipc_test_handle_info(space, handles[i]).object_id,
				  object_id);
		for (j = 0; j < i; j++)
			ck_assert_uint_ne(handles[i], handles[j]);
	}
	ck_assert_uint_eq(xipc_test_count_handles(space),
			  handles_before + XIPC_MAX_TRANSFERS);
}
END_TEST

FX_TEST("receiving", test_recv_with_too_little_room_for_handles)
{
	__u32 carrier, mailbox;
	int space = carrier_space(&carrier, &mailbox);
	/* Three copies of one handle. */
	struct xipc_transfer transfers[3];
	__u32 handles[MAX_HANDLES];
	struct xipc_recv msg;
	unsigned int count, i;
	char byte;

	for (i = 0; i < 3; i++)
		transfers[i] = (struct xipc_transfer){ .handle = mailbox };
	ck_assert_int_eq(send_handles(space, carrier, transfers, 3, 0), 0);
	count = xipc_test_count_handles(space);

	ck_assert_int_eq(recv_handles(space, carrier, handles, 2, &msg), -E2BIG);
	ck_assert_uint_eq(msg.nr_handles, 3);
	ck_assert_uint_eq(msg.size, 1);
	for (i = 0; i < 2; i++)
		ck_assert_uint_eq(handles[i], 0xccccccccU);
	/* TRUNCATE is about the payload: too many handles is always E2BIG. */
	memset(handles, POISON_BYTE, sizeof(handles));
	msg = xipc_test_recv_args(carrier, 0, &byte, 1, 0);
	msg.handles = ipc_ptr(handles);
	msg.max_handles = 2;
	msg.flags = XIPC_RECV_TRUNCATE;
	ck_assert_int_eq(ipc_recv(space, &msg), -E2BIG);
	ck_assert_uint_eq(msg.nr_handles, 3);
	/* No room at all. */
	msg = xipc_test_recv_args(carrier, 0, &byte, 1, 0);
	ck_assert_int_eq(ipc_recv(space, &msg), -E2BIG);
	ck_assert_uint_eq(msg.nr_handles, 3);
	/* Nothing was installed on the way. */
	ck_assert_uint_eq(xipc_test_count_handles(space), count);

	ck_assert_int_eq(recv_handles(space, carrier, handles, 3, &msg), 1);
	ck_assert_uint_eq(msg.nr_handles, 3);
	ck_assert_uint_eq(xipc_test_count_handles(space), count + 3);
}
END_TEST

/*
 * A peek tells how many handles a message carries but installs none, so
 * the room for them does not matter.
 */
FX_TEST("receiving", test_peek_installs_no_handle)
{
	__u32 carrier, mailbox;
	int space = carrier_space(&carrier, &mailbox);
	__u32 moved = xipc_test_mailbox(space, 0, 0, 0);
	struct xipc_transfer transfers[3] = {
		{ .handle = mailbox },
		{ .handle = mailbox },
		{ .handle = moved, .flags = XIPC_TRANSFER_MOVE },
	};
	__u32 handles[MAX_HANDLES];
	struct xipc_recv msg;
	unsigned int count, i;
	char byte = 0;

	ck_assert_int_eq(send_handles(space, carrier, transfers, 3, 0), 0);
	count = xipc_test_count_handles(space);

	msg = xipc_test_recv_args(carrier, 0, &byte, 1, 0);
	msg.flags = XIPC_RECV_PEEK;
	ck_assert_int_eq(ipc_recv(space, &msg), 1);
	ck_assert_int_eq(byte, 'h');
	ck_assert_uint_eq(msg.nr_handles, 3);
	ck_assert_uint_eq(msg.reply, 0);

	memset(handles, POISON_BYTE, sizeof(handles));
	msg = xipc_test_recv_args(carrier, 0, &byte, 1, 0);
	msg.flags = XIPC_RECV_PEEK;
	msg.handles = ipc_ptr(handles);
	msg.max_handles = MAX_HANDLES;
	ck_assert_int_eq(ipc_recv(space, &msg), 1);
	ck_assert_uint_eq(msg.nr_handles, 3);
	for (i = 0; i < MAX_HANDLES; i++)
		ck_assert_uint_eq(handles[i], 0xccccccccU);
	ck_assert_uint_eq(xipc_test_count_handles(space), count);

	/* Still there, with every handle. */
	ck_assert_int_eq(recv_handles(space, carrier, handles, MAX_HANDLES, &msg),
			 1);
	ck_assert_uint_eq(msg.nr_handles, 3);
	ck_assert_uint_eq(xipc_test_count_handles(space), count + 3);
}
END_TEST

/*
 * The only handle able to receive from @target is moved into a message on
 * a carrier; when the carrier goes away (@destroy: destroyed, else its last
 * handle closed) the handle in the message is released with it, and
 * @target has no receiver left.
 */
static void check_carrier_releases_handles(bool destroy)
{
	__u32 carrier, target;
	int space = carrier_space(&carrier, &target);
	__u32 sender = fx_dup(space, target, XIPC_RIGHT_SEND, 0, 0);
	struct xipc_transfer transfer = {
		.handle = target,
		.flags = XIPC_TRANSFER_MOVE,
	};
	struct xipc_handle_info info;

	ck_assert_int_eq(send_handles(space, carrier, &transfer, 1, 0), 0);
	if (destroy)
		ck_assert_int_eq(ipc_mailbox_destroy(space, carrier), 0);
	else
		ck_assert_int_eq(ipc_handle_close(space, carrier), 0);

	ck_assert_int_eq(xipc_test_send(space, sender, 1, "x", 1, 0), -EPIPE);
	info = xipc_test_handle_info(space, sender);
	ck_assert_uint_eq(info.state & XIPC_STATE_NO_RECEIVER,
			  XIPC_STATE_NO_RECEIVER);
	ipc_close(space);
}

FX_TEST("lifetime", test_destroy_releases_carried_handles)
{
	check_carrier_releases_handles(true);
}
END_TEST

FX_TEST("lifetime", test_last_close_releases_carried_handles)
{
	check_carrier_releases_handles(false);
}
END_TEST

FX_TEST("lifetime", test_revoke_reaches_a_passed_handle)
{
	__u32 carrier, root;
	int space = carrier_space(&carrier, &root);
	__u32 child = fx_dup(space, root, XIPC_RIGHTS_ALL, 0, 0);
	__u32 got = pass(space, carrier, (struct xipc_transfer){ .handle = child });
	__u32 grandchild = fx_dup(space, got, XIPC_RIGHT_SEND, 0, 0);

	deliver(space, got, root);
	ck_assert_int_eq(ipc_handle_revoke(space, root), 0);
	ck_assert_int_eq(xipc_test_send(space, got, 1, "r", 1, 0), -EKEYREVOKED);
	ck_assert_int_eq(xipc_test_send(space, grandchild, 1, "r", 1, 0),
			 -EKEYREVOKED);
	ck_assert_uint_eq(xipc_test_handle_info(space, got).state, XIPC_STATE_REVOKED);
	ck_assert_uint_eq(xipc_test_handle_info(space, root).state, 0);
	deliver(space, root, root);
}
END_TEST

/*
 * A moved handle takes the sender's place in the derivation tree: what was
 * derived from the sender's handle is now derived from the receiver's, and
 * the receiver's is derived from the sender's parent.
 */
FX_TEST("move", test_move_takes_the_place_in_the_tree)
{
	__u32 carrier, root;
	int space = carrier_space(&carrier, &root);
	__u32 middle = fx_dup(space, root, XIPC_RIGHTS_ALL, 0, 0);
	__u32 leaf = fx_dup(space, middle, XIPC_RIGHTS_ALL, 0, 0);
	struct xipc_transfer transfer = {
		.handle = middle,
		.flags = XIPC_TRANSFER_MOVE,
	};
	__u32 handles[MAX_HANDLES], got;
	struct xipc_recv msg;

	ck_assert_int_eq(send_handles(space, carrier, &transfer, 1, 0), 0);
	ck_assert(!handle_exists(space, middle));
	/* (The receiver's handle may well get the number middle had.) */
	ck_assert_int_eq(recv_handles(space, carrier, handles, MAX_HANDLES, &msg),
			 1);
	got = handles[0];
	ck_assert_int_eq(ipc_handle_revoke(space, got), 0);
	ck_assert_uint_eq(xipc_test_handle_info(space, leaf).state, XIPC_STATE_REVOKED);
	ck_assert_int_eq(xipc_test_send(space, leaf, 1, "l", 1, 0), -EKEYREVOKED);
	ck_assert_uint_eq(xipc_test_handle_info(space, got).state, 0);

	ck_assert_int_eq(ipc_handle_revoke(space, root), 0);
	ck_assert_uint_eq(xipc_test_handle_info(space, got).state, XIPC_STATE_REVOKED);
	ck_assert_uint_eq(xipc_test_handle_info(space, root).state, 0);
}
END_TEST

/*
 * Received handles land in the space the receive is made in. Two spaces of
 * one process share a named mailbox; a handle passed over it from the first
 * arrives in the second, and only there.
 */
FX_TEST("receiving", test_handles_land_in_the_receiving_space)
{
	int one = xipc_test_open();
	int other = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(one, 0, 0, 0);
	struct xipc_transfer transfer = {
		.handle = mailbox,
		.rights = XIPC_RIGHT_SEND,
	};
	char name[XIPC_TEST_NAME_SIZE];
	__u32 handles[MAX_HANDLES], bridge_one, bridge_other, got;
	unsigned int count_one, count_other;
	struct xipc_recv msg;
	int ret;

	ret = fx_named(one, name, "land");
	bridge_one = ret;
	ret = ipc_mailbox_open(other, name, 0, 0, XIPC_RIGHT_RECV);
	ck_assert_int_gt(ret, 0);
	bridge_other = ret;

	ck_assert_int_eq(send_handles(one, bridge_one, &transfer, 1, 0), 0);
	count_one = xipc_test_count_handles(one);
	count_other = xipc_test_count_handles(other);
	ck_assert_int_eq(recv_handles(other, bridge_other, handles, MAX_HANDLES,
				      &msg), 1);
	ck_assert_uint_eq(msg.nr_handles, 1);
	got = handles[0];
	ck_assert_uint_eq(xipc_test_count_handles(one), count_one);
	ck_assert_uint_eq(xipc_test_count_handles(other), count_other + 1);
	ck_assert_uint_eq(xipc_test_handle_info(other, got).object_id,
			  xipc_test_handle_info(one, mailbox).object_id);
	ck_assert_uint_eq(xipc_test_handle_info(other, got).rights, XIPC_RIGHT_SEND);

	/* A message from the second space through it reaches the first. */
	ck_assert_int_eq(xipc_test_send(other, got, 2, "d", 1, 0), 0);
	{
		char byte = 0;

		ck_assert_int_eq(xipc_test_recv(one, mailbox, 0, &byte, 1, 0, &msg),
				 1);
		ck_assert_int_eq(byte, 'd');
	}
	ck_assert_int_eq(ipc_mailbox_unlink(one, name), 0);
}
END_TEST

/*
 * A child that shares the space receives a handle; the handle is in the
 * shared space, so the parent can use it under the number the child got.
 */
FX_TEST("passing", test_handle_received_by_a_child)
{
	__u32 carrier, mailbox;
	int space = carrier_space(&carrier, &mailbox);
	struct xipc_transfer transfer = {
		.handle = mailbox,
		.rights = XIPC_RIGHT_SEND | XIPC_RIGHT_RECV,
	};
	int report[2];
	__u32 got = 0;
	pid_t pid;

	ck_assert_int_eq(pipe(report), 0);
	pid = xipc_test_fork();
	if (pid == 0) {
		__u32 handles[MAX_HANDLES];
		struct xipc_recv msg;
		static char byte;

		close(report[0]);
		msg = xipc_test_recv_args(carrier, 0, &byte, 1, XIPC_TEST_LONG_NS);
		msg.handles = ipc_ptr(handles);
		msg.max_handles = MAX_HANDLES;
		CHILD_EXPECT(ipc_recv(space, &msg) == 1, 1);
		CHILD_EXPECT(msg.nr_handles == 1, 2);
		CHILD_EXPECT(xipc_test_send(space, handles[0], 3, "c", 1, 0) == 0, 3);
		CHILD_EXPECT(write(report[1], &handles[0], sizeof(handles[0])) ==
			     sizeof(handles[0]), 4);
		_exit(0);
	}
	close(report[1]);
	ck_assert_int_eq(send_handles(space, carrier, &transfer, 1, 0), 0);
	ck_assert_int_eq(read(report[0], &got, sizeof(got)), sizeof(got));
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	close(report[0]);

	ck_assert_uint_eq(xipc_test_handle_info(space, got).rights,
			  XIPC_RIGHT_SEND | XIPC_RIGHT_RECV);
	/* The child's message, taken through the child's handle. */
	{
		struct xipc_recv msg;
		char byte = 0;

		ck_assert_int_eq(xipc_test_recv(space, got, 3, &byte, 1, 0, &msg), 1);
		ck_assert_int_eq(byte, 'c');
		ck_assert_int_eq(msg.pid, pid);
	}
}
END_TEST

/*
 * One struct xipc_transfer of a valid send (a copy of the other mailbox on
 * the fixture's), each field set to a bad value (see fixture.h): the send
 * fails, nothing is queued and no handle moves.
 */
static void transfer_build(struct fx *f, void *req)
{
	*(struct xipc_transfer *)req = (struct xipc_transfer){
		.handle = f->other,
	};
}

static int transfer_call(struct fx *f, void *req)
{
	return send_handles(f->space, f->mailbox, req, 1, 0);
}

static void transfer_check(struct fx *f, void *req, int ret)
{
	(void)req;
	ck_assert_int_eq(ret, 0);
	ck_assert_uint_eq(fx_object_id(f->space, pass_out(f->space, f->mailbox)),
			  fx_object_id(f->space, f->other));
}

#define TRANSFER(field, value, error) \
	FX_BAD(struct xipc_transfer, field, value, error)
#define TRANSFER_WITH(field, value, with, with_value, error) \
	FX_BAD_WITH(struct xipc_transfer, field, value, with, with_value, error)
static const struct fx_row transfer_rows[] = {
	TRANSFER(handle, 0, EBADF), TRANSFER(handle, FX_UNUSED, EBADF),
	TRANSFER(handle, FX_CLOSED, EBADF), TRANSFER(handle, ~0U, EBADF),
	TRANSFER_WITH(handle, FX_CLOSED, flags, XIPC_TRANSFER_MOVE, EBADF),
	TRANSFER(handle, FX_REVOKED, EKEYREVOKED),
	/* No GRANT, to copy or to move. */
	TRANSFER(handle, FX_NO_GRANT, EPERM), TRANSFER(handle, FX_SEND_ONLY, EPERM),
	TRANSFER_WITH(handle, FX_NO_GRANT, flags, XIPC_TRANSFER_MOVE, EPERM),
	/* Rights not a subset of the handle's (SEND and GRANT). */
	TRANSFER_WITH(rights, XIPC_RIGHT_RECV, handle, FX_BADGED, EINVAL),
	TRANSFER_WITH(rights, XIPC_RIGHT_SEND | XIPC_RIGHT_RECV, handle,
		      FX_BADGED, EINVAL),
	TRANSFER_WITH(rights, XIPC_RIGHTS_ALL, handle, FX_BADGED, EINVAL),
	/* Bits that are no right at all. */
	FX_BAD_BITS(struct xipc_transfer, rights, XIPC_RIGHTS_ALL, EINVAL),
	/* A move takes the handle as it is: no rights. */
	TRANSFER_WITH(rights, XIPC_RIGHT_SEND, flags, XIPC_TRANSFER_MOVE, EINVAL),
	TRANSFER_WITH(rights, XIPC_RIGHTS_ALL, flags, XIPC_TRANSFER_MOVE, EINVAL),
	TRANSFER_WITH(rights, XIPC_RIGHT_SEND | 1U << 4, flags,
		      XIPC_TRANSFER_MOVE, EINVAL),
	FX_BAD_BITS(struct xipc_transfer, flags, XIPC_TRANSFER_MOVE, EINVAL),
	TRANSFER(reserved, 1, EINVAL), TRANSFER(reserved, 1U << 31, EINVAL),
	TRANSFER(reserved, ~0U, EINVAL),
	TRANSFER_WITH(reserved, 1, flags, XIPC_TRANSFER_MOVE, EINVAL),
};

static const struct fx_table transfer_table = {
	.name = "a transfer of SEND",
	.size = sizeof(struct xipc_transfer),
	.build = transfer_build,
	.call = transfer_call,
	.check = transfer_check,
	.rows = FX_ARRAY(transfer_rows),
};

FX_TABLE_TEST(test_transfer_refuses, transfer_table)
FX_TABLE_CASE("errors", test_transfer_refuses, transfer_table)

int main(void)
{
	return fx_main("transfer");
}
