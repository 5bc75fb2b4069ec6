// SPDX-License-Identifier: MIT
/*
 * Handles passed in messages (struct xipc_transfer): rights, badges, MOVE,
 * all-or-nothing sends, receiving them (E2BIG, EFAULT), and what becomes of
 * them when their message is destroyed or their ancestor revoked.
 */
#include "fixture.h"

/* Room for the handles of one message in these tests. */
#define MAX_HANDLES 8
#define ALL	XIPC_RIGHTS_ALL
#define SEND	XIPC_RIGHT_SEND
#define RECV	XIPC_RIGHT_RECV
#define GRANT	XIPC_RIGHT_GRANT
#define MOVE	XIPC_TRANSFER_MOVE

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
 * Receives from @carrier into @handles (poisoned first; room for @max) with
 * @flags, waiting at most @timeout_ns; @msg gets what the kernel wrote.
 */
static int recv_handles(int space, __u32 carrier, __u32 *handles, __u32 max,
			__u32 flags, __u64 timeout_ns, struct xipc_recv *msg)
{
	static char byte;

	if (max)
		memset(handles, POISON_BYTE, max * sizeof(*handles));
	*msg = xipc_test_recv_args(carrier, 0, &byte, 1, timeout_ns);
	msg->flags = flags;
	msg->handles = ipc_ptr(handles);
	msg->max_handles = max;
	return ipc_recv(space, msg);
}

/* Takes a message of @nr handles from @carrier: the entries past them kept. */
static void take_handles(int space, __u32 carrier, __u32 *handles, __u32 nr)
{
	struct xipc_recv msg;
	unsigned int i;

	ck_assert_int_eq(recv_handles(space, carrier, handles, MAX_HANDLES, 0, 0,
				      &msg), 1);
	ck_assert_uint_eq(msg.nr_handles, nr);
	for (i = 0; i < MAX_HANDLES; i++)
		ck_assert(i < nr ? handles[i] > 0 : handles[i] == 0xccccccccU);
}

/* Takes a message carrying one handle from @carrier: the new handle. */
static __u32 pass_out(int space, __u32 carrier)
{
	__u32 handles[MAX_HANDLES];

	take_handles(space, carrier, handles, 1);
	return handles[0];
}

/* A new space with a mailbox to carry handles in and one to pass. */
static int carrier_space(__u32 *carrier, __u32 *mailbox)
{
	int space = xipc_test_open();

	*carrier = xipc_test_mailbox(space, 0, 0, 0);
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

/*
 * One handle passed and taken out: the sender's handle is the mailbox's own
 * or (@from) a copy with those rights and @badge; it goes through the
 * carrier or (@own) through the mailbox it names; the transfer has @rights
 * and @flags. What arrives is a new handle to the same mailbox, with @want
 * rights and the badge; it can do what those allow and nothing else, and
 * the sender's handle is as it was, or gone if moved.
 */
static const struct {
	const char *name;
	bool own;
	__u32 from;
	__u64 badge;
	__u32 rights;
	__u32 flags;
	__u32 want;
} passes[] = {
	{ "a copy of every right", false, 0, 0, 0, 0, ALL },
	{ "narrowed to SEND", false, 0, 0, SEND, 0, SEND },
	{ "rights 0 are the sender's", false, SEND | GRANT, 0, 0, 0,
	  SEND | GRANT },
	{ "the badge travels", false, SEND | GRANT, 77, SEND, 0, SEND },
	/*
	 * A mailbox's rights may travel through that same mailbox, as any
	 * other right may: whoever receives there takes them out again. (If
	 * nobody can, the cycle collector frees the mailbox: tests/cycles.c.)
	 */
	{ "a send right through its own mailbox", true, 0, 0, SEND | GRANT, 0,
	  SEND | GRANT },
	{ "every right through its own mailbox", true, 0, 0, 0, 0, ALL },
	{ "a receive right through its own mailbox", true, 0, 0, RECV, 0, RECV },
	{ "a receive right moved through its own mailbox", true, RECV | GRANT,
	  0, 0, MOVE, RECV | GRANT },
};

FX_LOOP_TEST("passing", test_transfer_passes, 0, FX_NR(passes))
{
	__u32 carrier, mailbox;
	int space = carrier_space(&carrier, &mailbox);
	__u32 box = passes[_i].own ? carrier : mailbox, from = box, got, state;
	struct xipc_recv msg;
	char byte;

	if (passes[_i].from)
		from = fx_dup(space, box, passes[_i].from,
			      passes[_i].badge ? XIPC_DUP_BADGE : 0,
			      passes[_i].badge);
	state = xipc_test_handle_info(space, from).rights;
	ck_assert_int_eq(fx_send_handle(space, carrier, from, passes[_i].rights,
					passes[_i].flags, 0), 0);
	/* Moved: gone as the send returns (its number may come back below). */
	if (passes[_i].flags & MOVE)
		ck_assert(!handle_exists(space, from));
	got = pass_out(space, carrier);
	ck_assert_msg(got != carrier && got != box, "%s: got handle %u",
		      passes[_i].name, got);
	fx_expect_handle(space, got, XIPC_OBJECT_MAILBOX, fx_object_id(space, box),
			 passes[_i].want, passes[_i].badge, 0);
	if (!(passes[_i].flags & MOVE))
		ck_assert_uint_eq(xipc_test_handle_info(space, from).rights, state);
	ck_assert_uint_eq(xipc_test_handle_info(space, box).rights, ALL);
	if (passes[_i].want & SEND)
		ck_assert_uint_eq(fx_deliver(space, got, box), passes[_i].badge);
	if (passes[_i].want & RECV)
		fx_deliver(space, box, got);
	else
		ck_assert_int_eq(xipc_test_recv(space, got, 0, &byte, 1, 0, &msg),
				 -EPERM);
	if (!(passes[_i].want & GRANT))
		ck_assert_int_eq(ipc_handle_dup(space, got, passes[_i].want, 0, 0),
				 -EPERM);
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
	__u32 badged = fx_dup(space, work, SEND | GRANT, XIPC_DUP_BADGE, 1);
	char name[XIPC_TEST_NAME_SIZE], byte = 0;
	__u32 intro = fx_named(space, name, "badge");
	struct xipc_recv msg;
	pid_t pid = xipc_test_fork();

	if (pid == 0) {
		int own, copy;
		__u32 door = fx_child_open(name, 0, &own, 1);
		__u32 handles[MAX_HANDLES];
		struct xipc_handle_info info;

		CHILD_EXPECT(recv_handles(own, door, handles, MAX_HANDLES, 0,
					XIPC_TEST_LONG_NS, &msg) == 1 &&
			     msg.nr_handles == 1, 2);
		CHILD_EXPECT(ipc_handle_dup(own, handles[0], SEND, XIPC_DUP_BADGE,
					    2) == -EPERM, 3);
		copy = ipc_handle_dup(own, handles[0], SEND, 0, 0);
		CHILD_EXPECT(copy > 0 && ipc_handle_info(own, copy, &info) == 0 &&
			     info.badge == 1, 4);
		CHILD_EXPECT(xipc_test_send(own, handles[0], 1, "a", 1, 0) == 0 &&
			     xipc_test_send(own, copy, 1, "b", 1, 0) == 0, 5);
		_exit(0);
	}
	ck_assert_int_eq(fx_send_handle(space, intro, badged, 0, 0, 0), 0);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	for (char want = 'a'; want <= 'b'; want++) {
		ck_assert_int_eq(xipc_test_recv(space, work, 0, &byte, 1, 0, &msg), 1);
		ck_assert_int_eq(byte, want);
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
	char *base = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* The first entry readable and valid, the second past the mapping. */
	struct xipc_transfer *map = (struct xipc_transfer *)(base + page) - 1;

	assert_transfer_fails(space, carrier, NULL, 1, EFAULT);
	ck_assert_ptr_ne(base, MAP_FAILED);
	ck_assert_int_eq(munmap(base + page, page), 0);
	assert_transfer_fails(space, carrier, map + 1, 1, EFAULT);
	*map = (struct xipc_transfer){ .handle = mailbox, .flags = MOVE };
	assert_transfer_fails(space, carrier, map, 2, EFAULT);
	fx_expect_handle(space, mailbox, FX_ANY, FX_ANY, ALL, FX_ANY, 0);
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
	__u32 revoked = fx_dup(space, third, ALL, 0, 0);
	const struct {
		struct xipc_transfer bad;
		int error;
	} thirds[] = {
		{ { .handle = fx_unused_handle(space) }, EBADF },
		{ { .handle = fx_dup(space, third, SEND, 0, 0) }, EPERM },
		{ { .handle = fx_dup(space, revoked, ALL, 0, 0) }, EKEYREVOKED },
		{ { .handle = third, .rights = 1U << 4 }, EINVAL },
		{ { .handle = third, .flags = 1U << 1 }, EINVAL },
		{ { .handle = third, .reserved = 1 }, EINVAL },
	};
	struct xipc_transfer transfers[3] = {
		{ .handle = first, .flags = MOVE },
		{ .handle = second, .flags = MOVE },
	};
	unsigned int i;

	ck_assert_int_eq(ipc_handle_revoke(space, revoked), 0);
	for (i = 0; i < FX_NR(thirds); i++) {
		transfers[2] = thirds[i].bad;
		assert_transfer_fails(space, carrier, transfers, 3, thirds[i].error);
	}
	ck_assert_uint_eq(xipc_test_handle_info(space, first).rights, ALL);
	ck_assert_uint_eq(xipc_test_handle_info(space, second).rights, ALL);
	fx_deliver(space, first, first);
	fx_deliver(space, second, second);

	/* Fixed, the same message goes, moves and all. */
	transfers[2] = (struct xipc_transfer){ .handle = third };
	ck_assert_int_eq(send_handles(space, carrier, transfers, 3, 0), 0);
	ck_assert(!handle_exists(space, first));
	ck_assert(!handle_exists(space, second));
	ck_assert(handle_exists(space, third));
}
END_TEST

FX_TEST("move", test_move_closes_the_senders_handle)
{
	__u32 carrier, moved, got;
	int space = carrier_space(&carrier, &moved);
	__u64 object_id = fx_object_id(space, moved);

	ck_assert_int_eq(fx_send_handle(space, carrier, moved, 0, MOVE, 0), 0);
	ck_assert(!handle_exists(space, moved));
	ck_assert_int_eq(ipc_handle_close(space, moved), -EBADF);

	/* The mailbox lived on in the message, its only handle. */
	got = pass_out(space, carrier);
	fx_expect_handle(space, got, FX_ANY, object_id, ALL, FX_ANY, 0);
	fx_deliver(space, got, got);
}
END_TEST

FX_TEST("move", test_move_only_when_the_send_succeeds)
{
	int space = xipc_test_open();
	__u32 carrier = xipc_test_mailbox(space, 64, 1, 0);
	__u32 moved = xipc_test_mailbox(space, 0, 0, 0);
	struct xipc_transfer transfer = { .handle = moved, .flags = MOVE };
	static char big[65];
	struct xipc_send msg = xipc_test_send_args(carrier, 1, big, sizeof(big), 0);
	__u32 handles[MAX_HANDLES];

	/* Too large a payload. */
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
	take_handles(space, carrier, handles, 0);
	ck_assert_int_eq(send_handles(space, carrier, &transfer, 1, 0), 0);
	ck_assert(!handle_exists(space, moved));
	take_handles(space, carrier, handles, 1);
	ck_assert_uint_eq(xipc_test_handle_info(space, handles[0]).type,
			  XIPC_OBJECT_MAILBOX);
}
END_TEST

/*
 * A send may move the very handle it is sent through. One that waits for
 * room first still holds that handle when room comes: it sends, and the
 * handle leaves with the message.
 */
FX_TEST("move", test_move_of_the_handle_sent_through_after_a_wait)
{
	int space = xipc_test_open();
	__u32 carrier = xipc_test_mailbox(space, 0, 1, 0);
	__u32 sender = fx_dup(space, carrier, SEND | GRANT, 0, 0);
	struct xipc_transfer transfer = { .handle = sender, .flags = MOVE };
	__u32 handles[MAX_HANDLES];
	pid_t child;

	ck_assert_int_eq(xipc_test_send(space, carrier, 1, "f", 1, 0), 0);
	child = xipc_test_fork();
	if (child == 0) {
		CHILD_EXPECT(send_handles(space, sender, &transfer, 1,
					  XIPC_TEST_LONG_NS) == 0, 1);
		_exit(0);
	}
	xipc_test_wait_asleep(child);
	take_handles(space, carrier, handles, 0);
	ck_assert_int_eq(xipc_test_wait(child), 0);
	ck_assert(!handle_exists(space, sender));
	take_handles(space, carrier, handles, 1);
	ck_assert_uint_eq(xipc_test_handle_info(space, handles[0]).rights,
			  SEND | GRANT);
}
END_TEST

/* A handle moves once per message, and is not also copied in it. */
FX_TEST("move", test_moved_handle_only_once_per_message)
{
	static const __u32 pairs[][2] = { { MOVE, MOVE }, { MOVE, 0 }, { 0, MOVE } };
	__u32 carrier, moved;
	int space = carrier_space(&carrier, &moved);
	unsigned int i;

	for (i = 0; i < FX_NR(pairs); i++) {
		struct xipc_transfer transfers[2] = {
			{ .handle = moved, .flags = pairs[i][0] },
			{ .handle = moved, .flags = pairs[i][1] },
		};

		assert_transfer_fails(space, carrier, transfers, 2, EINVAL);
	}
	ck_assert_uint_eq(xipc_test_handle_info(space, moved).rights, ALL);
}
END_TEST

/*
 * One handle copied @nr times in a message (the first copy with every
 * right, the others SEND), taken with room for @room: @nr handles of their
 * own to its mailbox, in the order passed; the room past them untouched.
 */
static const struct { __u32 nr, room; } copies[] = {
	{ 2, MAX_HANDLES }, { XIPC_MAX_TRANSFERS, XIPC_MAX_TRANSFERS },
};

FX_LOOP_TEST("passing", test_copies_of_one_handle, 0, FX_NR(copies))
{
	static struct xipc_transfer transfers[XIPC_MAX_TRANSFERS];
	static __u32 handles[XIPC_MAX_TRANSFERS];
	__u32 carrier, copied, nr = copies[_i].nr, room = copies[_i].room, i, j;
	int space = carrier_space(&carrier, &copied);
	__u64 object_id = fx_object_id(space, copied);
	unsigned int count = xipc_test_count_handles(space);
	struct xipc_recv msg;

	for (i = 0; i < nr; i++)
		transfers[i] = (struct xipc_transfer){ .handle = copied,
						       .rights = i ? SEND : 0 };
	ck_assert_int_eq(send_handles(space, carrier, transfers, nr, 0), 0);
	ck_assert_int_eq(recv_handles(space, carrier, handles, room, 0, 0,
				      &msg), 1);
	ck_assert_uint_eq(msg.nr_handles, nr);
	fx_assert_poisoned(handles + nr, (room - nr) * sizeof(*handles));
	for (i = 0; i < nr; i++) {
		fx_expect_handle(space, handles[i], FX_ANY, object_id,
				 i ? SEND : ALL, FX_ANY, FX_ANY);
		for (j = 0; j < i; j++)
			ck_assert_uint_ne(handles[i], handles[j]);
	}
	ck_assert_uint_eq(xipc_test_count_handles(space), count + nr);
	fx_deliver(space, handles[nr - 1], handles[0]);
}
END_TEST

/*
 * Receives that install no handle, each of which reports the three the
 * message carries and leaves it, with every handle, for a receive with
 * room for three: with too little room for them (E2BIG; TRUNCATE is about
 * the payload, so E2BIG too), and a peek, whatever the room.
 */
static const struct no_install {
	__u32 max, flags;
	int ret;
} no_installs[] = {
	{ 2, 0, -E2BIG }, { 2, XIPC_RECV_TRUNCATE, -E2BIG }, { 0, 0, -E2BIG },
	{ 0, XIPC_RECV_PEEK, 1 }, { MAX_HANDLES, XIPC_RECV_PEEK, 1 },
};

FX_LOOP_TEST("receiving", test_recv_installs_no_handle, 0, FX_NR(no_installs))
{
	const struct no_install *row = &no_installs[_i];
	__u32 carrier, mailbox, max = row->max;
	int space = carrier_space(&carrier, &mailbox), ret = row->ret;
	__u32 moved = xipc_test_mailbox(space, 0, 0, 0);
	struct xipc_transfer transfers[3] = {
		{ .handle = mailbox }, { .handle = mailbox },
		{ .handle = moved, .flags = MOVE },
	};
	__u32 handles[MAX_HANDLES];
	struct xipc_recv msg;
	unsigned int count;

	ck_assert_int_eq(send_handles(space, carrier, transfers, 3, 0), 0);
	count = xipc_test_count_handles(space);
	memset(handles, POISON_BYTE, sizeof(handles));
	ck_assert_int_eq(recv_handles(space, carrier, max ? handles : NULL, max,
				      row->flags, 0, &msg), ret);
	ck_assert_uint_eq(msg.nr_handles, 3);
	ck_assert_uint_eq(msg.size, 1);
	if (ret > 0)
		ck_assert_uint_eq(msg.reply, 0);
	fx_assert_poisoned(handles, sizeof(handles));
	ck_assert_uint_eq(xipc_test_count_handles(space), count);

	ck_assert_int_eq(recv_handles(space, carrier, handles, 3, 0, 0, &msg), 1);
	ck_assert_int_eq(*(char *)(uintptr_t)msg.data, 'h');
	ck_assert_uint_eq(msg.nr_handles, 3);
	ck_assert_uint_eq(xipc_test_count_handles(space), count + 3);
}
END_TEST

/*
 * The only handle able to receive from @target is moved into a message on
 * a carrier; when the carrier goes away (_i 0: destroyed, 1: its last
 * handle closed) the handle in the message is released with it, and
 * @target has no receiver left.
 */
FX_LOOP_TEST("lifetime", test_gone_carrier_releases_carried_handles, 0, 2)
{
	__u32 carrier, target;
	int space = carrier_space(&carrier, &target);
	__u32 sender = fx_dup(space, target, SEND, 0, 0);

	ck_assert_int_eq(fx_send_handle(space, carrier, target, 0, MOVE, 0), 0);
	if (_i)
		ck_assert_int_eq(ipc_handle_close(space, carrier), 0);
	else
		ck_assert_int_eq(ipc_mailbox_destroy(space, carrier), 0);
	ck_assert_int_eq(xipc_test_send(space, sender, 1, "x", 1, 0), -EPIPE);
	ck_assert_uint_eq(xipc_test_handle_info(space, sender).state &
			  XIPC_STATE_NO_RECEIVER, XIPC_STATE_NO_RECEIVER);
	ipc_close(space);
}
END_TEST

FX_TEST("lifetime", test_revoke_reaches_a_passed_handle)
{
	__u32 carrier, root;
	int space = carrier_space(&carrier, &root);
	__u32 child = fx_dup(space, root, ALL, 0, 0), got, grandchild;

	ck_assert_int_eq(fx_send_handle(space, carrier, child, 0, 0, 0), 0);
	got = pass_out(space, carrier);
	grandchild = fx_dup(space, got, SEND, 0, 0);

	fx_deliver(space, got, root);
	ck_assert_int_eq(ipc_handle_revoke(space, root), 0);
	ck_assert_int_eq(xipc_test_send(space, got, 1, "r", 1, 0), -EKEYREVOKED);
	ck_assert_int_eq(xipc_test_send(space, grandchild, 1, "r", 1, 0),
			 -EKEYREVOKED);
	ck_assert_uint_eq(xipc_test_handle_info(space, got).state, XIPC_STATE_REVOKED);
	ck_assert_uint_eq(xipc_test_handle_info(space, root).state, 0);
	fx_deliver(space, root, root);
}
END_TEST

/* Moves tried, each refused, while another thread uses the handle. */
#define REFUSED_MOVES	20000

/* The handle a thread uses while another tries to move it, and its space. */
static int used_space;
static __u32 used_handle;
static int stop_using;

/* Looks used_handle up until told to stop: how often it was not there. */
static void *use_handle(void *arg)
{
	struct xipc_handle_info info;
	long gone = 0;

	(void)arg;
	while (!__atomic_load_n(&stop_using, __ATOMIC_RELAXED))
		gone += ipc_handle_info(used_space, used_handle, &info) == -EBADF;
	return (void *)gone;
}

/*
 * A move the handle itself does not allow (a service's receive right, and
 * a receive right death notices go to) is refused before the handle leaves
 * its slot: another thread of the space, using it meanwhile, never finds it
 * gone.
 */
FX_LOOP_TEST("move", test_refused_move_leaves_the_handle_in_place, 0, 2)
{
	__u32 carrier, watched;
	void *gone;
	pthread_t user;
	int i, error;

	used_space = xipc_test_open();
	stop_using = 0;
	carrier = xipc_test_mailbox(used_space, 0, 0, 0);
	if (_i == 0) {
		used_handle = fx_service_create(used_space, 0, 4096, 1, 1).handle;
		error = -EPERM;
	} else {
		used_handle = xipc_test_mailbox(used_space, 0, 0, 0);
		watched = xipc_test_mailbox(used_space, 0, 0, 0);
		ck_assert_int_eq(ipc_watch(used_space, watched, used_handle, 1, 0),
				 0);
		error = -EBUSY;
	}
	ck_assert_int_eq(pthread_create(&user, NULL, use_handle, NULL), 0);
	for (i = 0; i < REFUSED_MOVES; i++)
		if (fx_send_handle(used_space, carrier, used_handle, 0, MOVE,
				   0) != error)
			break;
	__atomic_store_n(&stop_using, 1, __ATOMIC_RELAXED);
	ck_assert_int_eq(pthread_join(user, &gone), 0);
	ck_assert_int_eq(i, REFUSED_MOVES);
	ck_assert_int_eq((long)gone, 0);
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
	__u32 middle = fx_dup(space, root, ALL, 0, 0);
	__u32 leaf = fx_dup(space, middle, ALL, 0, 0), got;

	ck_assert_int_eq(fx_send_handle(space, carrier, middle, 0, MOVE, 0), 0);
	ck_assert(!handle_exists(space, middle));
	/* (The receiver's handle may well get the number middle had.) */
	got = pass_out(space, carrier);
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
	int one = xipc_test_open(), other = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(one, 0, 0, 0);
	char name[XIPC_TEST_NAME_SIZE], byte = 0;
	__u32 bridge_one = fx_named(one, name, "land"), got;
	int bridge_other = ipc_mailbox_open(other, name, 0, 0, RECV);
	unsigned int count_one, count_other;
	struct xipc_recv msg;

	ck_assert_int_gt(bridge_other, 0);
	ck_assert_int_eq(fx_send_handle(one, bridge_one, mailbox, SEND, 0, 0),
			 0);
	count_one = xipc_test_count_handles(one);
	count_other = xipc_test_count_handles(other);
	got = pass_out(other, bridge_other);
	ck_assert_uint_eq(xipc_test_count_handles(one), count_one);
	ck_assert_uint_eq(xipc_test_count_handles(other), count_other + 1);
	fx_expect_handle(other, got, FX_ANY, fx_object_id(one, mailbox), SEND,
			 FX_ANY, FX_ANY);

	/* A message from the second space through it reaches the first. */
	ck_assert_int_eq(xipc_test_send(other, got, 2, "d", 1, 0), 0);
	ck_assert_int_eq(xipc_test_recv(one, mailbox, 0, &byte, 1, 0, &msg), 1);
	ck_assert_int_eq(byte, 'd');
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
	struct xipc_recv msg;
	__u64 got = 0;
	char byte = 0;
	int report[2];
	pid_t pid;

	ck_assert_int_eq(pipe(report), 0);
	pid = xipc_test_fork();
	if (pid == 0) {
		__u32 handles[MAX_HANDLES];

		CHILD_EXPECT(recv_handles(space, carrier, handles, MAX_HANDLES, 0,
					XIPC_TEST_LONG_NS, &msg) == 1, 1);
		CHILD_EXPECT(msg.nr_handles == 1, 2);
		CHILD_EXPECT(xipc_test_send(space, handles[0], 3, "c", 1, 0) == 0, 3);
		CHILD_EXPECT(fx_write_u64(report[1], handles[0]), 4);
		_exit(0);
	}
	ck_assert_int_eq(fx_send_handle(space, carrier, mailbox, SEND | RECV, 0,
					0), 0);
	ck_assert_int_eq(fx_read_u64(report[0], &got), 0);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	ck_assert_uint_eq(xipc_test_handle_info(space, got).rights, SEND | RECV);
	/* The child's message, taken through the child's handle. */
	ck_assert_int_eq(xipc_test_recv(space, got, 3, &byte, 1, 0, &msg), 1);
	ck_assert_int_eq(byte, 'c');
	ck_assert_int_eq(msg.pid, pid);
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
	TRANSFER_WITH(handle, FX_CLOSED, flags, MOVE, EBADF),
	TRANSFER(handle, FX_REVOKED, EKEYREVOKED),
	/* No GRANT, to copy or to move. */
	TRANSFER(handle, FX_NO_GRANT, EPERM), TRANSFER(handle, FX_SEND_ONLY, EPERM),
	TRANSFER_WITH(handle, FX_NO_GRANT, flags, MOVE, EPERM),
	/* Rights not a subset of the handle's (SEND and GRANT). */
	TRANSFER_WITH(rights, RECV, handle, FX_BADGED, EINVAL),
	TRANSFER_WITH(rights, SEND | RECV, handle, FX_BADGED, EINVAL),
	TRANSFER_WITH(rights, ALL, handle, FX_BADGED, EINVAL),
	/* Bits that are no right at all. */
	FX_BAD_BITS(struct xipc_transfer, rights, ALL, EINVAL),
	/* A move takes the handle as it is: no rights. */
	TRANSFER_WITH(rights, SEND, flags, MOVE, EINVAL),
	TRANSFER_WITH(rights, ALL, flags, MOVE, EINVAL),
	TRANSFER_WITH(rights, SEND | 1U << 4, flags, MOVE, EINVAL),
	FX_BAD_BITS(struct xipc_transfer, flags, MOVE, EINVAL),
	TRANSFER(reserved, 1, EINVAL), TRANSFER(reserved, 1U << 31, EINVAL),
	TRANSFER(reserved, ~0U, EINVAL),
	TRANSFER_WITH(reserved, 1, flags, MOVE, EINVAL),
};

FX_CALL_TABLE("errors", test_transfer_refuses, transfer_table,
	      "a transfer of SEND", struct xipc_transfer, .build = transfer_build,
	      .call = transfer_call, .check = transfer_check,
	      .rows = FX_ARRAY(transfer_rows))

int main(void)
{
	return fx_main("transfer");
}
