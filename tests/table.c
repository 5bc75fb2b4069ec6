// SPDX-License-Identifier: MIT
/*
 * A space's handle table (module/table.c): it grows while other threads and
 * a process sharing the space look its handles up, make and close others;
 * new numbers are the lowest free ones, those freed reused first, a
 * receive's several all at once or none; the max_handles parameter, lowered
 * or raised while spaces are full, bounds the numbers given from then on.
 * (The growth failing under fault injection is tests/faults.c's case
 * "ipc_handle_dup growing the table".)
 */
#include <stdatomic.h>

#include "fixture.h"

#define SEND		XIPC_RIGHT_SEND
/* Handles that stay while the table grows, looked up all along. */
#define NR_STEADY	8
#define STEADY_BADGE	1000
/* The grower's handles: the first array (16 slots) doubled ten times. */
#define NR_GROWN	16000
#define GROWN_BADGE(i)	(1ULL << 40 | (i))
#define NR_LOOKERS	2
#define NR_CHURNERS	3	/* threads, and one more process */
/*
 * The highest number the growth test can give out: the lowest free one is
 * at most one past those held (the mailbox, the steady handles, the
 * grower's and one per churner, the process's too).
 */
#define MAX_NUMBER	(1 + NR_STEADY + NR_GROWN + NR_CHURNERS + 1)
/* Each churner's turns at least, whether or not the growth is over. */
#define MIN_TURNS	200

/* What the growth test's threads and process share: MAP_SHARED. */
struct shared {
	atomic_int stop;
	/* The holder of each number, 0 for none: at most one at a time. */
	atomic_int owner[MAX_NUMBER + 1];
	/* The first failure seen, as a line number, and its value. */
	atomic_int failed_line;
	atomic_llong failed_value;
};

static struct shared *shared;
static int space;
static __u32 mailbox;
static __u32 steady[NR_STEADY];
/* The grower's handles, the first @grown_made of them made and checked. */
static int grown[NR_GROWN];
static atomic_uint grown_made;

#define FAIL_UNLESS(cond, value)					\
	do {								\
		if (!(cond))						\
			note_failure(__LINE__, (value));		\
	} while (0)

static void note_failure(int line, long long value)
{
	int none = 0;

	if (atomic_compare_exchange_strong(&shared->failed_line, &none, line))
		atomic_store(&shared->failed_value, value);
	atomic_store(&shared->stop, 1);
}

static void check_no_failure(void)
{
	ck_assert_msg(!atomic_load(&shared->failed_line),
		      "failed at table.c:%d (value %lld)",
		      atomic_load(&shared->failed_line),
		      atomic_load(&shared->failed_value));
}

static __u64 badge_of(int space_fd, __u32 handle)
{
	struct xipc_handle_info info;
	int ret = ipc_handle_info(space_fd, handle, &info);

	return ret ? (__u64)ret : info.badge;
}

/* Marks number @h as held by @who, which no one else may hold. */
static void take_number(int h, int who)
{
	int none = 0;

	FAIL_UNLESS(h > 0 && h <= MAX_NUMBER, h);
	if (h > 0 && h <= MAX_NUMBER)
		FAIL_UNLESS(atomic_compare_exchange_strong(&shared->owner[h],
							   &none, who), h);
}

/*
 * The steady handles and the grower's newest, over and over: each found,
 * with its own badge. The newest are in the last slots of the array, the
 * last a growth copies.
 */
static void *look(void *arg)
{
	unsigned int i, n;

	(void)arg;
	while (!atomic_load(&shared->stop)) {
		for (i = 0; i < NR_STEADY; i++)
			FAIL_UNLESS(badge_of(space, steady[i]) ==
				    STEADY_BADGE + i, steady[i]);
		n = atomic_load(&grown_made);
		for (i = n > NR_STEADY ? n - NR_STEADY : 0; i < n; i++)
			FAIL_UNLESS(badge_of(space, grown[i]) == GROWN_BADGE(i),
				    grown[i]);
	}
	return NULL;
}

/*
 * Churner @who: a handle with a badge of its own, found with that badge,
 * closed; over and over, at least MIN_TURNS times and until told to stop.
 */
static void churn(int who)
{
	unsigned int turn;
	__u64 badge;
	int h;

	for (turn = 0; turn < MIN_TURNS || !atomic_load(&shared->stop); turn++) {
		badge = ((__u64)who << 32) | (turn + 1);
		h = ipc_handle_dup(space, mailbox, SEND, XIPC_DUP_BADGE, badge);
		take_number(h, who);
		if (h <= 0)
			return;
		FAIL_UNLESS(badge_of(space, h) == badge, h);
		/* Given up before the close, which may hand it out at once. */
		atomic_store(&shared->owner[h], 0);
		FAIL_UNLESS(ipc_handle_close(space, h) == 0, h);
	}
}

static void *churn_thread(void *arg)
{
	churn((int)(long)arg);
	return NULL;
}

/*
 * The table grows from its first array to 16384 slots (NR_GROWN handles
 * made one by one) while threads and a process that share the space look
 * up handles made before, and make and close handles of their own: every
 * look-up finds its handle, every number is held by one at a time, and
 * afterwards every handle is there with its badge and the next number is
 * the lowest free one.
 */
FX_TEST("grow", test_growth_under_lookups_and_closes)
{
	pthread_t lookers[NR_LOOKERS], churners[NR_CHURNERS];
	unsigned int i;
	__u32 lowest;
	int h, status;
	pid_t child;

	shared = fx_shared(sizeof(*shared));
	space = xipc_test_open();
	mailbox = xipc_test_mailbox(space, 0, 0, 0);
	for (i = 0; i < NR_STEADY; i++)
		steady[i] = fx_dup(space, mailbox, SEND, XIPC_DUP_BADGE,
				   STEADY_BADGE + i);

	child = xipc_test_fork();
	if (child == 0) {
		churn(NR_CHURNERS + 1);
		_exit(atomic_load(&shared->failed_line) ? 1 : 0);
	}
	for (i = 0; i < NR_LOOKERS; i++)
		ck_assert_int_eq(pthread_create(&lookers[i], NULL, look, NULL), 0);
	for (i = 0; i < NR_CHURNERS; i++)
		ck_assert_int_eq(pthread_create(&churners[i], NULL, churn_thread,
						(void *)(long)(i + 1)), 0);

	for (i = 0; i < NR_GROWN && !atomic_load(&shared->stop); i++) {
		grown[i] = ipc_handle_dup(space, mailbox, SEND, XIPC_DUP_BADGE,
					  GROWN_BADGE(i));
		take_number(grown[i], -1);
		FAIL_UNLESS(badge_of(space, grown[i]) == GROWN_BADGE(i),
			    grown[i]);
		atomic_store(&grown_made, i + 1);
	}
	atomic_store(&shared->stop, 1);
	for (i = 0; i < NR_LOOKERS; i++)
		pthread_join(lookers[i], NULL);
	for (i = 0; i < NR_CHURNERS; i++)
		pthread_join(churners[i], NULL);
	status = xipc_test_wait(child);
	check_no_failure();
	ck_assert_int_eq(status, 0);

	for (i = 0; i < NR_STEADY; i++)
		ck_assert_uint_eq(badge_of(space, steady[i]), STEADY_BADGE + i);
	for (i = 0; i < NR_GROWN; i++)
		ck_assert_uint_eq(badge_of(space, grown[i]), GROWN_BADGE(i));
	/* The churners closed all theirs; the next number fills the first gap. */
	for (lowest = 1; badge_of(space, lowest) != (__u64)-EBADF; lowest++)
		;
	h = ipc_handle_dup(space, mailbox, SEND, 0, 0);
	ck_assert_int_eq(h, lowest);
}
END_TEST

/* A new space with handles 1 (a mailbox) to @nr (dups of it, SEND). */
static int space_of(unsigned int nr, __u32 *mb)
{
	int s = xipc_test_open();
	unsigned int i;

	*mb = xipc_test_mailbox(s, 0, 0, 0);
	ck_assert_uint_eq(*mb, 1);
	for (i = 2; i <= nr; i++)
		ck_assert_int_eq(ipc_handle_dup(s, *mb, SEND, 0, 0), i);
	return s;
}

/* Sends @mb a message carrying @nr copies of it (SEND). */
static void send_copies(int s, __u32 mb, unsigned int nr)
{
	struct xipc_transfer tr[4];
	char byte = 1;
	struct xipc_send msg = xipc_test_send_args(mb, 1, &byte, 1, 0);
	unsigned int i;

	for (i = 0; i < nr; i++)
		tr[i] = (struct xipc_transfer){ .handle = mb, .rights = SEND };
	msg.transfers = ipc_ptr(tr);
	msg.nr_transfers = nr;
	ck_assert_int_eq(ipc_send(s, &msg), 0);
}

/* Receives on @mb into @got (room for 4): the call's result. */
static int recv_handles(int s, __u32 mb, __u32 *got, struct xipc_recv *msg)
{
	char byte;

	*msg = xipc_test_recv_args(mb, 0, &byte, 1, 0);
	msg->handles = ipc_ptr(got);
	msg->max_handles = 4;
	return ipc_recv(s, msg);
}

/*
 * Numbers are given lowest first, past the first array too, and a number
 * closed is the next given; a receive's handles take the lowest free ones.
 */
FX_TEST("numbers", test_lowest_numbers_first)
{
	static const __u32 closed[] = { 33, 5, 17, 3 };
	static const __u32 again[] = { 3, 5, 17, 33, 41 };
	__u32 mb, got[4];
	struct xipc_recv msg;
	unsigned int i;
	int s = space_of(40, &mb);

	for (i = 0; i < FX_NR(closed); i++)
		ck_assert_int_eq(ipc_handle_close(s, closed[i]), 0);
	for (i = 0; i < FX_NR(again); i++)
		ck_assert_int_eq(ipc_handle_dup(s, mb, SEND, 0, 0), again[i]);

	ck_assert_int_eq(ipc_handle_close(s, 21), 0);
	ck_assert_int_eq(ipc_handle_close(s, 7), 0);
	send_copies(s, mb, 3);
	ck_assert_int_eq(recv_handles(s, mb, got, &msg), 1);
	ck_assert_uint_eq(msg.nr_handles, 3);
	ck_assert_uint_eq(got[0], 7);
	ck_assert_uint_eq(got[1], 21);
	ck_assert_uint_eq(got[2], 42);
	for (i = 0; i < 3; i++)
		ck_assert_uint_eq(xipc_test_handle_info(s, got[i]).rights, SEND);
}
END_TEST

/*
 * max_handles changed while spaces hold handles: lowered below what a
 * space holds, its handles stay and work but no number above the limit
 * is given (EMFILE), nor a receive's two numbers when one is free (the
 * message stays queued, the free number free); a space filled to a limit
 * that is no power of two holds exactly that many; raised again, both
 * spaces grow on. Nothing between the first change of the parameter and
 * its restoring can fail the test: the results are asserted after it.
 */
FX_TEST("limit", test_max_handles_changed_at_run_time)
{
	int a_over, a_10, a_30, a_recv, a_dup, b_last, b_over, b_more, a_more;
	int zero, a_recv_after, lowered, restored;
	struct xipc_handle_info a_40;
	unsigned long long saved;
	__u32 mb_a, mb_b, got[4];
	struct xipc_recv msg;
	int a = space_of(40, &mb_a), b = xipc_test_open(), c;
	unsigned int i;

	send_copies(a, mb_a, 2);
	ck_assert_int_eq(xipc_test_param_read("max_handles", &saved), 0);
	lowered = xipc_test_param_write("max_handles", 20);
	a_over = ipc_handle_dup(a, mb_a, SEND, 0, 0);
	a_40.rights = 0;
	ipc_handle_info(a, 40, &a_40);
	ipc_handle_close(a, 10);
	a_10 = ipc_handle_dup(a, mb_a, SEND, 0, 0);
	ipc_handle_close(a, 30);
	a_30 = ipc_handle_dup(a, mb_a, SEND, 0, 0);
	ipc_handle_close(a, 12);
	a_recv = recv_handles(a, mb_a, got, &msg);
	a_dup = ipc_handle_dup(a, mb_a, SEND, 0, 0);

	mb_b = ipc_mailbox_create(b, 0, 0, 0);
	for (i = 2, b_last = 0; i <= 20 && b_last >= 0; i++)
		b_last = ipc_handle_dup(b, mb_b, SEND, 0, 0);
	b_over = ipc_handle_dup(b, mb_b, SEND, 0, 0);

	xipc_test_param_write("max_handles", 0);
	c = ipc_open(0);
	zero = ipc_mailbox_create(c, 0, 0, 0);

	xipc_test_param_write("max_handles", 100);
	b_more = ipc_handle_dup(b, mb_b, SEND, 0, 0);
	a_more = ipc_handle_dup(a, mb_a, SEND, 0, 0);
	a_recv_after = recv_handles(a, mb_a, got, &msg);
	restored = xipc_test_param_write("max_handles", saved);

	ck_assert_int_eq(lowered, 0);
	ck_assert_int_eq(restored, 0);
	ck_assert_int_eq(a_over, -EMFILE);
	ck_assert_uint_eq(a_40.rights, SEND);
	ck_assert_int_eq(a_10, 10);
	ck_assert_int_eq(a_30, -EMFILE);
	ck_assert_int_eq(a_recv, -EMFILE);
	ck_assert_int_eq(a_dup, 12);
	ck_assert_uint_eq(mb_b, 1);
	ck_assert_int_eq(b_last, 20);
	ck_assert_int_eq(b_over, -EMFILE);
	ck_assert_int_eq(zero, -EMFILE);
	ck_assert_int_eq(b_more, 21);
	ck_assert_int_eq(a_more, 30);
	ck_assert_int_eq(a_recv_after, 1);
	ck_assert_uint_eq(msg.nr_handles, 2);
	ck_assert_uint_eq(got[0], 41);
	ck_assert_uint_eq(got[1], 42);
}
END_TEST

int main(void)
{
	return fx_main("table");
}
