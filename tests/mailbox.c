// SPDX-License-Identifier: MIT
/*
 * Mailboxes: limits, Send and Recv with System V type selection and filters,
 * PEEK, E2BIG and TRUNCATE, full and empty queues, blocking, signals,
 * destroy (EIDRM), the loss of every receiver (EPIPE), and receives whose
 * buffer faults: they keep the order, and hold up nobody.
 */
#include <linux/userfaultfd.h>

#include "fixture.h"

/* Exit codes of the children. */
enum { CHILD_SYNC = 1, CHILD_RESULT, CHILD_PAYLOAD, CHILD_TYPE };

static __u32 big_mailbox(int space)
{
	return xipc_test_mailbox(space, FX_MSG, FX_MSGS, FX_BYTES);
}

/* Queues one byte, @index, with @type. */
static void send_index(int space, __u32 mailbox, __s64 type, unsigned char index)
{
	fx_send(space, mailbox, type, &index, 1);
}

/*
 * Takes, without waiting, the index (see send_index()) that @type, @flags,
 * @skip and @from (a badge or pid) select: it, or -errno; @msg as written.
 */
static int take_from(int space, __u32 mailbox, __s64 type, __u32 flags,
		     __u64 skip, __u64 from, struct xipc_recv *msg)
{
	unsigned char index = 0xff;
	int ret;

	*msg = xipc_test_recv_args(mailbox, type, &index, 1, 0);
	msg->flags = flags;
	msg->skip = skip;
	if (flags & XIPC_RECV_FROM_BADGE)
		msg->badge = from;
	if (flags & XIPC_RECV_FROM_PID)
		msg->pid = from;
	ret = ipc_recv(space, msg);
	if (ret < 0)
		return ret;
	ck_assert_int_eq(ret, 1);
	ck_assert_uint_eq(msg->size, 1);
	return index;
}

static int take_index(int space, __u32 mailbox, __s64 type, __u32 flags)
{
	struct xipc_recv msg;

	return take_from(space, mailbox, type, flags, 0, 0, &msg);
}

/* A mailbox of max_msgs 1, full: it holds index 0 of type 1. */
static __u32 full_mailbox(int space)
{
	__u32 mailbox = xipc_test_mailbox(space, 64, 1, 0);

	send_index(space, mailbox, 1, 0);
	return mailbox;
}

/* @msg came from this process, with @type, @size bytes and @nr_handles. */
static void expect_msg(const struct xipc_recv *msg, __s64 type, size_t size,
		       __u32 nr_handles)
{
	ck_assert_int_eq(msg->type, type);
	ck_assert_uint_eq(msg->size, size);
	ck_assert_uint_eq(msg->nr_handles, nr_handles);
	ck_assert_uint_eq(msg->badge, 0);
	ck_assert_int_eq(msg->pid, getpid());
	ck_assert_uint_eq(msg->uid, geteuid());
	ck_assert_uint_eq(msg->gid, getegid());
	ck_assert_uint_eq(msg->reply, 0);
}

/*
 * @args of @cmd, a send to a full mailbox or a receive from an empty one
 * (its @flags and @timeout_ns), is EAGAIN without a timeout, and times out
 * with a relative and an absolute one.
 */
static void assert_times_out(int space, unsigned long cmd, void *args,
			     __u32 *flags, __u64 *timeout_ns)
{
	*timeout_ns = 0;
	xipc_test_assert_ioctl_fails(space, cmd, args, EAGAIN);
	*timeout_ns = XIPC_TEST_SHORT_NS;
	xipc_test_assert_ioctl_fails(space, cmd, args, ETIMEDOUT);
	*flags |= XIPC_ABSTIME;
	*timeout_ns = xipc_test_deadline(XIPC_TEST_SHORT_NS);
	xipc_test_assert_ioctl_fails(space, cmd, args, ETIMEDOUT);
	*flags &= ~XIPC_ABSTIME;
}

/* A private mapping of @size bytes with @prot. */
static char *map_pages(long size, int prot)
{
	char *p = mmap(NULL, size, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert_ptr_ne(p, MAP_FAILED);
	return p;
}

FX_TEST("create", test_create_with_defaults)
{
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, 0, 0, 0);

	fx_expect_handle(space, mailbox, XIPC_OBJECT_MAILBOX, FX_ANY,
			 XIPC_RIGHTS_ALL, FX_ANY, FX_ANY);
	send_index(space, mailbox, 1, 42);
	ck_assert_int_eq(take_index(space, mailbox, 0, 0), 42);
}
END_TEST

FX_TEST("create", test_create_with_limits)
{
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, 64, 4, 256);
	char buf[65];
	int i;

	fx_fill(buf, sizeof(buf), 1);
	fx_send(space, mailbox, 1, buf, 64);
	ck_assert_int_eq(xipc_test_send(space, mailbox, 1, buf, 65, 0), -EMSGSIZE);
	for (i = 1; i < 4; i++)
		send_index(space, mailbox, 1, i);
	/* Four queued: max_msgs. */
	ck_assert_int_eq(xipc_test_send(space, mailbox, 1, buf, 1, 0), -EAGAIN);
}
END_TEST

FX_TEST("message", test_round_trip)
{
	static const size_t sizes[] = { 0, 1, 4096, FX_MSG };
	static unsigned char sent[FX_MSG], got[FX_MSG + 16];
	int space = xipc_test_open();
	__u32 mailbox = big_mailbox(space);
	struct xipc_recv msg;
	unsigned int i;

	for (i = 0; i < FX_NR(sizes); i++) {
		fx_fill(sent, sizes[i], i);
		memset(got, POISON_BYTE, sizeof(got));
		fx_send(space, mailbox, 7 + i, sent, sizes[i]);
		ck_assert_int_eq(xipc_test_recv(space, mailbox, 0, got, sizeof(got),
						0, &msg), sizes[i]);
		ck_assert_mem_eq(got, sent, sizes[i]);
		/* Not a byte more. */
		ck_assert_uint_eq(got[sizes[i]], POISON_BYTE);
		expect_msg(&msg, 7 + i, sizes[i], 0);
		xipc_test_assert_empty(space, mailbox);
	}
}
END_TEST

/*
 * Selection: messages queued with the types @types (message i carries the
 * index i), then receives of a type, flags and skip, each of which must take
 * the message @index, or fail with it (-errno). PEEK copies without taking.
 */
#define PEEK	XIPC_RECV_PEEK
#define EXCEPT	XIPC_RECV_EXCEPT
struct take {
	__s64 type;
	__u32 flags;
	__u64 skip;
	int index;
};

#define SYSV	{ 3, 1, 2, 1, 5 }
#define TAKES(...) \
	.takes = (const struct take[]){ __VA_ARGS__ }, \
	.nr_takes = sizeof((const struct take[]){ __VA_ARGS__ }) / \
		    sizeof(struct take)
static const struct {
	const char *name;
	__s64 types[5];		/* 0: no more */
	const struct take *takes;
	unsigned int nr_takes;
} selections[] = {
	{ "type 0 is FIFO", SYSV, TAKES({ 0, 0, 0, 0 }, { 0, 0, 0, 1 },
		{ 0, 0, 0, 2 }, { 0, 0, 0, 3 }, { 0, 0, 0, 4 },
		{ 0, 0, 0, -EAGAIN }) },
	/* The rest keep their order. */
	{ "a positive type takes the first of it", SYSV, TAKES({ 1, 0, 0, 1 },
		{ 1, 0, 0, 3 }, { 1, 0, 0, -EAGAIN }, { 5, 0, 0, 4 },
		{ 4, 0, 0, -EAGAIN }, { 0, 0, 0, 0 }, { 0, 0, 0, 2 },
		{ 0, 0, 0, -EAGAIN }) },
	{ "EXCEPT takes the first not of the type", SYSV,
	  TAKES({ 1, EXCEPT, 0, 0 }, { 1, EXCEPT, 0, 2 }, { 1, EXCEPT, 0, 4 },
		{ 1, EXCEPT, 0, -EAGAIN }, { 3, EXCEPT, 0, 1 }, { 0, 0, 0, 3 }) },
	/* Types <= 2 are 1, 2, 1: the 1s first, in order, then the 2. */
	{ "a negative type takes the lowest", SYSV, TAKES({ -2, 0, 0, 1 },
		{ -2, 0, 0, 3 }, { -2, 0, 0, 2 }, { -2, 0, 0, -EAGAIN },
		{ -4, 0, 0, 0 }, { -4, 0, 0, -EAGAIN }, { -5, 0, 0, 4 }) },
	/* -INT64_MIN does not fit an __s64: it still means "any type". */
	{ "negative extremes", SYSV, TAKES({ -1, 0, 0, 1 }, { -1000, 0, 0, 3 },
		{ INT64_MIN, 0, 0, 2 }, { INT64_MIN, 0, 0, 0 },
		{ INT64_MIN, 0, 0, 4 }) },
	/*
	 * skip = n copies the message n places further on; a peek leaves
	 * every message.
	 */
	{ "a peek leaves the message", { 1, 1, 1 }, TAKES({ 0, PEEK, 0, 0 },
		{ 0, PEEK, 0, 0 }, { 0, PEEK, 1, 1 }, { 0, PEEK, 2, 2 },
		{ 0, PEEK, 3, -EAGAIN }, { 0, PEEK, ~0ULL, -EAGAIN },
		{ 0, 0, 0, 0 }, { 0, 0, 0, 1 }, { 0, 0, 0, 2 },
		{ 0, 0, 0, -EAGAIN }) },
	/* Without PEEK the skipped messages stay and the chosen one goes. */
	{ "skip counts matching messages", { 1, 2, 1, 2 },
	  TAKES({ 2, PEEK, 1, 3 }, { 1, PEEK | EXCEPT, 0, 1 }, { 1, 0, 1, 2 },
		{ 0, 0, 2, 3 }, { 0, 0, 0, 0 }, { 0, 0, 0, 1 },
		{ 0, 0, 0, -EAGAIN }) },
};

FX_LOOP_TEST("select", test_selection, 0, FX_NR(selections))
{
	int space = xipc_test_open();
	__u32 mailbox = big_mailbox(space);
	struct xipc_recv msg;
	unsigned int i, n;

	for (n = 0; n < 5 && selections[_i].types[n]; n++)
		send_index(space, mailbox, selections[_i].types[n], n);
	for (i = 0; i < selections[_i].nr_takes; i++) {
		const struct take *t = &selections[_i].takes[i];
		int ret = take_from(space, mailbox, t->type, t->flags, t->skip,
				    0, &msg);

		if (ret >= 0) {
			ck_assert_uint_lt(ret, n);
			ck_assert_int_eq(msg.type, selections[_i].types[ret]);
		}
		ck_assert_msg(ret == t->index, "%s: take %u: %d, not %d",
			      selections[_i].name, i, ret, t->index);
	}
}
END_TEST

/*
 * Takes from @mailbox, by @flag, what each sender in @takes sent: the index
 * each take must get (or fail with), and the sender it came from.
 */
struct take_from { __u64 from; int index; };
static void take_each(int space, __u32 mailbox, __u32 flag,
		      const struct take_from *takes, unsigned int nr)
{
	struct xipc_recv msg;
	unsigned int i;
	int ret;

	for (i = 0; i < nr; i++) {
		ret = take_from(space, mailbox, 0, flag, 0, takes[i].from, &msg);
		ck_assert_int_eq(ret, takes[i].index);
		if (ret >= 0)
			ck_assert_uint_eq(flag == XIPC_RECV_FROM_PID ?
					  (__u64)msg.pid : msg.badge, takes[i].from);
	}
}

FX_TEST("select", test_from_badge)
{
	static const struct take_from takes[] = {
		{ 20, 1 }, { 0, 3 }, { 10, 0 }, { 10, 2 }, { 10, -EAGAIN },
	};
	int space = xipc_test_open();
	__u32 mailbox = big_mailbox(space);
	__u32 ten = fx_dup(space, mailbox, XIPC_RIGHT_SEND, XIPC_DUP_BADGE, 10);
	__u32 twenty = fx_dup(space, mailbox, XIPC_RIGHT_SEND, XIPC_DUP_BADGE, 20);

	send_index(space, ten, 1, 0);
	send_index(space, twenty, 1, 1);
	send_index(space, ten, 1, 2);
	send_index(space, mailbox, 1, 3);
	take_each(space, mailbox, XIPC_RECV_FROM_BADGE, FX_ARRAY(takes));
}
END_TEST

/* Index 1 comes from a child, 0 and 2 from this process; init sent nothing. */
FX_TEST("select", test_from_pid)
{
	int space = xipc_test_open();
	__u32 mailbox = big_mailbox(space);
	pid_t pid;

	send_index(space, mailbox, 1, 0);
	pid = xipc_test_fork();
	if (pid == 0) {
		CHILD_EXPECT(xipc_test_send(space, mailbox, 1, "\x01", 1, 0) == 0, 1);
		_exit(0);
	}
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	send_index(space, mailbox, 1, 2);
	const struct take_from takes[] = {
		{ pid, 1 }, { pid, -EAGAIN }, { 1, -EAGAIN }, { getpid(), 0 },
		{ getpid(), 2 },
	};
	take_each(space, mailbox, XIPC_RECV_FROM_PID, FX_ARRAY(takes));
}
END_TEST

/* Sends @size bytes at @data of @type and receives them into @buf: @size. */
static void round_trip(int space, __u32 mailbox, __s64 type, const void *data,
		       size_t size, void *buf, struct xipc_recv *msg)
{
	fx_send(space, mailbox, type, data, size);
	ck_assert_int_eq(xipc_test_recv(space, mailbox, 0, buf, FX_MSG, 0, msg),
			 size);
}

/*
 * A mailbox keeps a received message's memory for the next send: a small
 * message in a large one's memory shows its own size and bytes, nothing of
 * the old one's.
 */
FX_TEST("select", test_reused_memory_shows_nothing_old)
{
	int space = xipc_test_open();
	__u32 mailbox = big_mailbox(space);
	static unsigned char big[FX_MSG], buf[FX_MSG];
	struct xipc_recv msg;
	size_t i;

	/* Small, then big: the big one does not fit the small one's memory. */
	round_trip(space, mailbox, 1, "tiny", 4, buf, &msg);
	fx_fill(big, sizeof(big), 1);
	round_trip(space, mailbox, 1, big, sizeof(big), buf, &msg);
	ck_assert_mem_eq(buf, big, sizeof(big));

	/*
	 * Then 100 bytes, in the memory of a 300-byte one (reused: it is not
	 * more than about twice as large), and 5 in that of the 100.
	 */
	round_trip(space, mailbox, 2, big, 300, buf, &msg);
	fx_fill(big, 100, 2);
	memset(buf, 0xee, sizeof(buf));
	round_trip(space, mailbox, 2, big, 100, buf, &msg);
	ck_assert_uint_eq(msg.size, 100);
	ck_assert_mem_eq(buf, big, 100);
	for (i = 100; i < sizeof(buf); i++)
		ck_assert_uint_eq(buf[i], 0xee);
	round_trip(space, mailbox, 2, "small", 5, buf, &msg);
	ck_assert_mem_eq(buf, "small", 5);
	ck_assert_mem_eq(buf + 5, big + 5, 95);	/* what was there before */
}
END_TEST

/* A receive that faults leaves its message in its place in the queue. */
FX_TEST("select", test_faulting_recv_keeps_the_order)
{
	static const struct { __s64 type; __u32 flags; __u64 skip; } recvs[] = {
		{ 0, 0, 0 }, { 1, 0, 1 }, { 0, XIPC_RECV_PEEK, 0 },
	};
	int space = xipc_test_open();
	__u32 mailbox = big_mailbox(space);
	void *none = map_pages(sysconf(_SC_PAGESIZE), PROT_NONE);
	struct xipc_recv msg;
	int i;

	for (i = 0; i < 3; i++)
		send_index(space, mailbox, 1, i);
	for (i = 0; i < 3; i++) {
		msg = xipc_test_recv_args(mailbox, recvs[i].type, none, 1, 0);
		msg.flags = recvs[i].flags;
		msg.skip = recvs[i].skip;
		ck_assert_int_eq(ipc_recv(space, &msg), -EFAULT);
	}
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(take_index(space, mailbox, 0, 0), i);
	xipc_test_assert_empty(space, mailbox);
}
END_TEST

/*
 * A receive whose struct's last two words (which only go out) cannot be
 * read: one that a message could be sent straight into fails at once, not
 * after a sender put the payload in its buffer; one that takes a queued
 * message fails at the copy out and leaves it queued.
 */
FX_TEST("select", test_recv_struct_tail_unreadable)
{
	static unsigned char buf[1 << 16];
	long page = sysconf(_SC_PAGESIZE);
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, sizeof(buf), 4, 4 * sizeof(buf));
	char *map = map_pages(2 * page, PROT_READ | PROT_WRITE);
	struct xipc_recv args, *msg;

	ck_assert_int_eq(mprotect(map + page, page, PROT_NONE), 0);
	/* Words 0 to 9 on the first page, 10 and 11 on the second. */
	msg = (struct xipc_recv *)(map + page - offsetof(struct xipc_recv, gid));
	/* (It would time out, not fail, if it slept.) */
	args = xipc_test_recv_args(mailbox, 0, buf, sizeof(buf), 100 * 1000 * 1000);
	memcpy(msg, &args, offsetof(struct xipc_recv, gid));
	ck_assert_int_eq(ipc_recv(space, msg), -EFAULT);

	send_index(space, mailbox, 1, 7);
	args = xipc_test_recv_args(mailbox, 0, buf, 1, 0);
	memcpy(msg, &args, offsetof(struct xipc_recv, gid));
	ck_assert_int_eq(ipc_recv(space, msg), -EFAULT);
	ck_assert_int_eq(take_index(space, mailbox, 0, 0), 7);
	xipc_test_assert_empty(space, mailbox);
	ck_assert_int_eq(munmap(map, 2 * page), 0);
}
END_TEST

struct stalled_recv {
	int space;
	__u32 mailbox;
	char *buf;
	int ret;
};

static void *stalled_recv(void *arg)
{
	struct stalled_recv *r = arg;
	struct xipc_recv msg = xipc_test_recv_args(r->mailbox, 0, r->buf, 16,
						   XIPC_TEST_LONG_NS);

	r->ret = ipc_recv(r->space, &msg);
	return NULL;
}

/*
 * A receive whose buffer faults for as long as its owner likes (here a
 * userfaultfd page nobody fills yet) holds no lock that others need: the
 * mailbox takes sends and receives, and its handles can be made and closed,
 * while the receive is stuck copying out. Then it completes.
 */
FX_TEST("select", test_stalled_recv_blocks_nobody)
{
	int space = xipc_test_open();
	__u32 mailbox = big_mailbox(space), extra;
	long page = sysconf(_SC_PAGESIZE);
	/* The buffer (userfaultfd fills it), then what it is filled with. */
	char *pages = map_pages(2 * page, PROT_READ | PROT_WRITE);
	struct uffdio_api api = { .api = UFFD_API };
	struct stalled_recv r = { .space = space, .mailbox = mailbox,
				  .buf = pages };
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)pages, .len = (__u64)page },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	struct uffdio_copy fill_page = { .dst = (uintptr_t)pages,
		.src = (uintptr_t)(pages + page), .len = (__u64)page };
	struct uffd_msg event;
	pthread_t thread;
	int uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);

	ck_assert_msg(uffd >= 0, "userfaultfd: %s", strerror(errno));
	ck_assert_int_eq(ioctl(uffd, UFFDIO_API, &api), 0);
	ck_assert_int_eq(ioctl(uffd, UFFDIO_REGISTER, &reg), 0);

	fx_send(space, mailbox, 1, "stalled", 7);
	extra = fx_dup(space, mailbox, XIPC_RIGHT_SEND, 0, 0);
	ck_assert_int_eq(pthread_create(&thread, NULL, stalled_recv, &r), 0);
	/* The receive has taken the message and faults on its buffer. */
	ck_assert_int_eq(read(uffd, &event, sizeof(event)), sizeof(event));
	ck_assert_uint_eq(event.event, UFFD_EVENT_PAGEFAULT);

	ck_assert_int_eq(ipc_handle_close(space, extra), 0);
	extra = fx_dup(space, mailbox, XIPC_RIGHT_SEND, 0, 0);
	ck_assert_int_eq(ipc_handle_close(space, extra), 0);
	send_index(space, mailbox, 2, 9);
	ck_assert_int_eq(take_index(space, mailbox, 0, XIPC_RECV_PEEK), 9);
	ck_assert_int_eq(take_index(space, mailbox, 0, 0), 9);

	ck_assert_int_eq(ioctl(uffd, UFFDIO_COPY, &fill_page), 0);
	ck_assert_int_eq(pthread_join(thread, NULL), 0);
	ck_assert_int_eq(r.ret, 7);
	ck_assert_mem_eq(r.buf, "stalled", 7);
	xipc_test_assert_empty(space, mailbox);
}
END_TEST

/*
 * A receive of 100 bytes (of type 4) into a buffer of @size, with @flags:
 * what it returns, and whether the message stays (@stays) whole. E2BIG
 * writes the message's size and handle count and nothing else, not even
 * the buffer; TRUNCATE copies what fits and (without PEEK) takes the rest.
 */
static const struct too_small {
	size_t size;
	__u32 flags;
	int ret;
	bool stays;
} too_small[] = {
	{ 99, 0, -E2BIG, true },
	/* An empty buffer is too small for one byte. */
	{ 0, 0, -E2BIG, true },
	{ 10, XIPC_RECV_TRUNCATE | XIPC_RECV_PEEK, 10, true },
	{ 10, XIPC_RECV_TRUNCATE, 10, false },
	/* With room enough, TRUNCATE changes nothing. */
	{ 100, XIPC_RECV_TRUNCATE, 100, false },
};

FX_LOOP_TEST("message", test_buffer_too_small, 0, FX_NR(too_small))
{
	const struct too_small *row = &too_small[_i];
	int space = xipc_test_open(), ret = row->ret;
	__u32 mailbox = big_mailbox(space);
	unsigned char sent[100], buf[101];
	struct xipc_recv msg = xipc_test_recv_args(mailbox, 0, buf, row->size, 0);
	struct xipc_recv before;

	fx_fill(sent, sizeof(sent), 3);
	fx_send(space, mailbox, 4, sent, sizeof(sent));
	memset(buf, POISON_BYTE, sizeof(buf));
	msg.flags = row->flags;
	before = msg;
	ck_assert_int_eq(ipc_recv(space, &msg), ret);
	ck_assert_uint_eq(msg.size, sizeof(sent));
	ck_assert_uint_eq(msg.nr_handles, 0);
	if (ret < 0) {
		before.size = msg.size;
		before.nr_handles = msg.nr_handles;
		ck_assert_mem_eq(&msg, &before, sizeof(msg));
		fx_assert_poisoned(buf, sizeof(buf));
	} else {
		ck_assert_int_eq(msg.type, 4);
		ck_assert_mem_eq(buf, sent, ret);
		fx_assert_poisoned(buf + ret, sizeof(buf) - ret);
	}
	if (row->stays) {
		ck_assert_int_eq(xipc_test_recv(space, mailbox, 0, buf, sizeof(buf),
						0, &msg), sizeof(sent));
		ck_assert_mem_eq(buf, sent, sizeof(sent));
	}
	xipc_test_assert_empty(space, mailbox);
}
END_TEST

/*
 * A mailbox full by its count (_i 0: max_msgs 2) or its bytes (1: max_bytes
 * 128, the default max_msgs assumed to be > 2) refuses a third message, and
 * times out; taking the first makes room for it, in order.
 */
FX_LOOP_TEST("limits", test_full, 0, 2)
{
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, 64, _i ? 0 : 2, _i ? 128 : 0);
	size_t size = _i ? 64 : 1;
	unsigned char buf[64];
	struct xipc_send msg = xipc_test_send_args(mailbox, 3, buf, size, 0);
	struct xipc_recv got;
	int type;

	fx_fill(buf, sizeof(buf), 5);
	fx_send(space, mailbox, 1, buf, size);
	fx_send(space, mailbox, 2, buf, size);
	assert_times_out(space, XIPC_IOC_SEND, &msg, &msg.flags,
			 &msg.timeout_ns);
	for (type = 1; type <= 3; type++) {
		ck_assert_int_eq(xipc_test_recv(space, mailbox, 0, buf, sizeof(buf),
						0, &got), size);
		ck_assert_int_eq(got.type, type);
		if (type == 1)
			fx_send(space, mailbox, 3, buf, size);
	}
	xipc_test_assert_empty(space, mailbox);
}
END_TEST

FX_TEST("limits", test_empty_mailbox_timeouts)
{
	int space = xipc_test_open();
	__u32 mailbox = big_mailbox(space);
	char byte;
	struct xipc_recv msg = xipc_test_recv_args(mailbox, 0, &byte, 1, 0);

	assert_times_out(space, XIPC_IOC_RECV, &msg, &msg.flags,
			 &msg.timeout_ns);
	/* A message of another type does not end the wait. */
	send_index(space, mailbox, 2, 0);
	msg.type = 1;
	assert_times_out(space, XIPC_IOC_RECV, &msg, &msg.flags,
			 &msg.timeout_ns);
	ck_assert_int_eq(take_index(space, mailbox, 0, 0), 0);
}
END_TEST

/*
 * A child asleep in a receive of any type (_i 0, forever) or of type 2 (1)
 * gets the message sent later; a message of type 1 does not wake the
 * second, and stays for someone else.
 */
FX_LOOP_TEST("blocking", test_blocked_recv_gets_later_message, 0, 2)
{
	int space = xipc_test_open();
	__u32 mailbox = big_mailbox(space);
	pid_t pid = fx_fork_waiter();

	if (pid == 0) {
		struct xipc_recv msg;
		char buf[16] = "";

		fx_waiter_ready();
		CHILD_EXPECT(xipc_test_recv(space, mailbox, 2 * _i, buf, sizeof(buf),
					    _i ? XIPC_TEST_LONG_NS :
					    XIPC_TIMEOUT_INFINITE, &msg) == 5,
			     CHILD_RESULT);
		CHILD_EXPECT(memcmp(buf, "wake!", 5) == 0, CHILD_PAYLOAD);
		CHILD_EXPECT(msg.type == 2, CHILD_TYPE);
		_exit(0);
	}
	fx_await_asleep(pid);
	if (_i)
		send_index(space, mailbox, 1, 0);
	fx_send(space, mailbox, 2, "wake!", 5);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	if (_i)
		ck_assert_int_eq(take_index(space, mailbox, 0, 0), 0);
	xipc_test_assert_empty(space, mailbox);
}
END_TEST

/* The child's send of type 1 goes once the message of the full mailbox goes. */
FX_TEST("blocking", test_blocked_send_completes_on_room)
{
	int space = xipc_test_open();
	__u32 mailbox = full_mailbox(space);
	pid_t pid = fx_fork_blocked(space, mailbox, true, 0, false);

	ck_assert_int_eq(take_index(space, mailbox, 0, 0), 0);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	ck_assert_int_ge(take_index(space, mailbox, 1, 0), 0);
	xipc_test_assert_empty(space, mailbox);
}
END_TEST

/*
 * A child blocked on a handle of its own in a receive of type 2 or a send,
 * on a mailbox full with a message of type 1, and what ends the call.
 */
enum { SIGNAL, DESTROY, CLOSE_PEER };
static const struct { bool send; int what, error; } blocked_endings[] = {
	{ false, SIGNAL, -EINTR }, { true, SIGNAL, -EINTR },
	{ false, DESTROY, -EIDRM }, { true, DESTROY, -EIDRM },
	/* The last handle that could send (or receive) is closed. */
	{ false, CLOSE_PEER, -EPIPE }, { true, CLOSE_PEER, -EPIPE },
};

FX_LOOP_TEST("blocking", test_blocked_call_ends, 0, FX_NR(blocked_endings))
{
	bool send = blocked_endings[_i].send;
	int space = xipc_test_open(), what = blocked_endings[_i].what;
	__u32 mailbox = full_mailbox(space);
	__u32 own = fx_dup(space, mailbox, send ? XIPC_RIGHT_SEND :
			   XIPC_RIGHT_RECV, 0, 0);
	pid_t pid = fx_fork_blocked(space, own, send, blocked_endings[_i].error,
				    what == SIGNAL);

	if (what == SIGNAL)
		ck_assert_int_eq(kill(pid, SIGUSR1), 0);
	else if (what == DESTROY)
		ck_assert_int_eq(ipc_mailbox_destroy(space, mailbox), 0);
	else
		ck_assert_int_eq(ipc_handle_close(space, mailbox), 0);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	/* Interrupted, it took nothing and queued nothing. */
	if (what == SIGNAL) {
		ck_assert_int_eq(take_index(space, mailbox, 0, 0), 0);
		xipc_test_assert_empty(space, mailbox);
	}
}
END_TEST

FX_TEST("blocking", test_signal_interrupts_blocked_thread)
{
	int space = xipc_test_open();
	struct fx_blocked t;

	ck_assert_int_eq(fx_catch_sigusr1(), 0);
	fx_block_thread(&t, space, big_mailbox(space));
	ck_assert_int_eq(pthread_kill(t.thread, SIGUSR1), 0);
	ck_assert_int_eq(fx_join_thread(&t), -EINTR);
	ck_assert_int_eq(fx_signals, 1);
}
END_TEST

FX_TEST("teardown", test_destroyed_mailbox_refuses_everything)
{
	int space = xipc_test_open();
	__u32 mailbox = big_mailbox(space);
	__u32 handles[] = {
		mailbox, fx_dup(space, mailbox, XIPC_RIGHTS_ALL, 0, 0),
		fx_dup(space, mailbox, XIPC_RIGHT_SEND, 0, 0),
	};
	struct xipc_handle_info info;
	struct xipc_recv msg;
	unsigned char byte = 1;
	unsigned int i;

	send_index(space, mailbox, 1, 0);
	ck_assert_int_eq(ipc_mailbox_destroy(space, mailbox), 0);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(xipc_test_send(space, handles[i], 1, &byte, 1, 0),
				 -EIDRM);
		info = xipc_test_handle_info(space, handles[i]);
		ck_assert_uint_eq(info.state & XIPC_STATE_DESTROYED,
				  XIPC_STATE_DESTROYED);
		ck_assert_uint_eq(info.state & XIPC_STATE_REVOKED, 0);
	}
	/* Only handles with the right each call needs, so EIDRM is the cause. */
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(xipc_test_recv(space, handles[i], 0, &byte, 1, 0,
						&msg), -EIDRM);
		ck_assert_int_eq(xipc_test_recv(space, handles[i], 0, &byte, 1,
						XIPC_TEST_SHORT_NS, &msg), -EIDRM);
		ck_assert_int_eq(ipc_handle_dup(space, handles[i],
						XIPC_RIGHT_SEND, 0, 0), -EIDRM);
		ck_assert_int_eq(ipc_mailbox_destroy(space, handles[i]), -EIDRM);
	}
	/* Closing is still how the handles go away. */
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(ipc_handle_close(space, handles[i]), 0);
}
END_TEST

/* A new mailbox whose only handles are @sender (SEND) and @receiver (RECV). */
static void split_mailbox(int space, __u32 *sender, __u32 *receiver)
{
	__u32 mailbox = big_mailbox(space);

	*sender = fx_dup(space, mailbox, XIPC_RIGHT_SEND, 0, 0);
	*receiver = fx_dup(space, mailbox, XIPC_RIGHT_RECV, 0, 0);
	ck_assert_int_eq(ipc_handle_close(space, mailbox), 0);
}

/* Once no handle can receive, a send fails with EPIPE, with a timeout too. */
FX_TEST("teardown", test_no_receiver_is_epipe)
{
	int space = xipc_test_open();
	__u32 sender, receiver, state;

	/* A receive-only handle is enough of a receiver. */
	split_mailbox(space, &sender, &receiver);
	send_index(space, sender, 1, 0);
	ck_assert_int_eq(take_index(space, receiver, 0, 0), 0);
	ck_assert_uint_eq(xipc_test_handle_info(space, sender).state, 0);

	ck_assert_int_eq(ipc_handle_close(space, receiver), 0);
	ck_assert_int_eq(xipc_test_send(space, sender, 1, "x", 1, 0), -EPIPE);
	ck_assert_int_eq(xipc_test_send(space, sender, 1, "x", 1,
					XIPC_TEST_SHORT_NS), -EPIPE);
	state = xipc_test_handle_info(space, sender).state;
	ck_assert_uint_eq(state & XIPC_STATE_NO_RECEIVER, XIPC_STATE_NO_RECEIVER);
	ck_assert_uint_eq(state & XIPC_STATE_DESTROYED, 0);
}
END_TEST

/*
 * A sender blocked on a full mailbox wakes with EPIPE when the last handle
 * able to receive goes with the space that held it: a child's own space,
 * which dies with the child.
 */
FX_TEST("teardown", test_no_receiver_when_the_receivers_space_goes)
{
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, 64, 1, 0);
	__u32 recv_grant = fx_dup(space, mailbox,
				  XIPC_RIGHT_RECV | XIPC_RIGHT_GRANT, 0, 0);
	__u32 sender = fx_dup(space, mailbox, XIPC_RIGHT_SEND, 0, 0);
	char name[XIPC_TEST_NAME_SIZE];
	__u32 bridge = fx_named(space, name, "receiver");
	pid_t receiver, blocked;
	int go[2];

	ck_assert_int_eq(pipe(go), 0);
	receiver = fx_fork_waiter();
	if (receiver == 0) {
		int own;
		__u32 mine = fx_child_open(name, XIPC_RIGHT_RECV, &own,
					   CHILD_SYNC);

		close(go[1]);
		CHILD_EXPECT(fx_recv_handle(own, mine, XIPC_TEST_LONG_NS) > 0,
			     CHILD_RESULT);
		/* Holds the only receive right until told to go. */
		fx_waiter_ready();
		CHILD_EXPECT(xipc_test_await(go[0]) == 0, CHILD_SYNC);
		_exit(0);
	}
	close(go[0]);
	ck_assert_int_eq(fx_send_handle(space, bridge, recv_grant, 0,
					XIPC_TRANSFER_MOVE, 0), 0);
	fx_await_asleep(receiver);
	ck_assert_int_eq(ipc_handle_close(space, mailbox), 0);

	/* The receiver's space still can: fill the mailbox, and block on it. */
	send_index(space, sender, 1, 0);
	blocked = fx_fork_blocked(space, sender, true, -EPIPE, false);
	ck_assert_int_eq(xipc_test_notify(go[1]), 0);
	ck_assert_int_eq(xipc_test_wait(receiver), 0);
	ck_assert_int_eq(xipc_test_wait(blocked), 0);
	ck_assert_int_eq(xipc_test_send(space, sender, 1, "x", 1, 0), -EPIPE);
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
}
END_TEST

/*
 * Once no handle that could send is left and no matching message is
 * queued, a receive fails with EPIPE rather than wait for nothing.
 */
FX_TEST("teardown", test_no_sender_is_epipe)
{
	int space = xipc_test_open();
	__u32 sender, receiver;
	struct xipc_recv msg;
	char byte;

	split_mailbox(space, &sender, &receiver);
	send_index(space, sender, 1, 0);
	send_index(space, sender, 2, 1);
	ck_assert_int_eq(ipc_handle_close(space, sender), 0);

	/* What is queued still comes out; then nothing more can. */
	ck_assert_int_eq(take_index(space, receiver, 2, 0), 1);
	ck_assert_int_eq(take_index(space, receiver, 2, 0), -EPIPE);
	ck_assert_int_eq(xipc_test_recv(space, receiver, 2, &byte, 1,
					XIPC_TEST_SHORT_NS, &msg), -EPIPE);
	ck_assert_int_eq(take_index(space, receiver, 0, 0), 0);
	ck_assert_int_eq(take_index(space, receiver, 0, 0), -EPIPE);
}
END_TEST

#define ORDER_SENDERS	2
#define ORDER_MSGS	200

struct order_msg {
	__u32 sender;
	__u32 seq;
};

/*
 * Two processes each send ORDER_MSGS messages, alternating types 1 and 2,
 * through a small mailbox so that they block; each sender's messages of one
 * type arrive in the order sent.
 */
FX_TEST("message", test_order_per_sender_and_type)
{
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, sizeof(struct order_msg), 4, 0);
	__s64 next[ORDER_SENDERS][3] = { { 0 } };
	pid_t pids[ORDER_SENDERS];
	struct order_msg m;
	struct xipc_recv msg;
	unsigned int s, i;

	for (s = 0; s < ORDER_SENDERS; s++) {
		pids[s] = xipc_test_fork();
		if (pids[s] != 0)
			continue;
		for (i = 0; i < ORDER_MSGS; i++) {
			m = (struct order_msg){ .sender = s, .seq = i };
			CHILD_EXPECT(xipc_test_send(space, mailbox, 1 + i % 2, &m,
						    sizeof(m), XIPC_TEST_LONG_NS) == 0,
				     CHILD_RESULT);
		}
		_exit(0);
	}
	for (i = 0; i < ORDER_SENDERS * ORDER_MSGS; i++) {
		ck_assert_int_eq(xipc_test_recv(space, mailbox, 0, &m, sizeof(m),
						XIPC_TEST_LONG_NS, &msg), sizeof(m));
		ck_assert_uint_lt(m.sender, ORDER_SENDERS);
		ck_assert_int_eq(msg.pid, pids[m.sender]);
		ck_assert_int_eq(msg.type, 1 + m.seq % 2);
		/* Per type, each sender's sequence numbers go up by 2. */
		ck_assert_int_eq(m.seq, next[m.sender][msg.type] * 2 + msg.type - 1);
		next[m.sender][msg.type]++;
	}
	for (s = 0; s < ORDER_SENDERS; s++)
		ck_assert_int_eq(xipc_test_wait(pids[s]), 0);
	xipc_test_assert_empty(space, mailbox);
}
END_TEST

/*
 * A child gets a handle to a mailbox the parent created after the fork, in
 * a message: on a mailbox of the space they share (_i 0), or (1) on a named
 * one, the child in a space of its own that shares nothing else. It has
 * SEND alone, and the child's "hello" goes through it.
 */
FX_LOOP_TEST("message", test_handle_passed_to_child, 0, 2)
{
	int space = xipc_test_open();
	char name[XIPC_TEST_NAME_SIZE], buf[8] = "";
	__u32 carrier = _i ? fx_named(space, name, "own-space") : big_mailbox(space);
	struct xipc_recv got;
	pid_t pid = xipc_test_fork();
	__u32 late;

	if (pid == 0) {
		struct xipc_handle_info info;
		int handle;

		if (_i)
			carrier = fx_child_open(name, XIPC_RIGHT_RECV, &space,
						CHILD_SYNC);
		handle = fx_recv_handle(space, carrier, XIPC_TEST_LONG_NS);
		CHILD_EXPECT(handle > 0, CHILD_RESULT);
		CHILD_EXPECT(ipc_handle_info(space, handle, &info) == 0 &&
			     info.rights == XIPC_RIGHT_SEND, CHILD_PAYLOAD);
		CHILD_EXPECT(xipc_test_send(space, handle, 4, "hello", 5, 0) == 0,
			     CHILD_TYPE);
		_exit(0);
	}
	late = big_mailbox(space);
	ck_assert_int_eq(fx_send_handle(space, carrier, late, XIPC_RIGHT_SEND,
					0, 0), 0);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	ck_assert_int_eq(xipc_test_recv(space, late, 0, buf, sizeof(buf), 0,
					&got), 5);
	ck_assert_mem_eq(buf, "hello", 5);
	ck_assert_int_eq(got.pid, pid);
	ck_assert_int_eq(got.type, 4);
	if (_i)
		ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
}
END_TEST

/* An unprivileged user who makes the namespaces of the receiver below. */
#define NS_CREATOR	4242

/*
 * In a receiver's namespaces: receives a message of @type, sent by a
 * process that it sees with @uid and @pid (exits @code to @code + 1).
 */
static void expect_sender(int space, __u32 mailbox, __s64 type, uid_t uid,
			  pid_t pid, int code)
{
	struct xipc_recv msg;
	char byte;

	CHILD_EXPECT(xipc_test_recv(space, mailbox, type, &byte, 1, 0, &msg) == 1,
		     code);
	CHILD_EXPECT(msg.uid == uid && msg.gid == uid && msg.pid == pid,
		     code + 1);
}

/*
 * A receiver in a user and a pid namespace of its own sees senders as its
 * namespaces do: root of the initial namespace, not mapped in its own, as
 * the overflow ids, with pid 0 (not in its pid namespace); itself as its
 * namespace's root, pid 1.
 */
FX_TEST("message", test_sender_as_the_receivers_namespaces_see_it)
{
	int space = xipc_test_open(), status;
	__u32 mailbox = xipc_test_mailbox(space, 0, 0, 0);
	pid_t child, inner;

	fx_send(space, mailbox, 1, "a", 1);
	child = xipc_test_fork();
	if (child == 0) {
		xipc_test_become_in_userns(NS_CREATOR, 0);
		CHILD_EXPECT(unshare(CLONE_NEWPID) == 0, 10);
		inner = fork();
		if (inner == 0) {
			expect_sender(space, mailbox, 1, 65534, 0, 11);
			CHILD_EXPECT(xipc_test_send(space, mailbox, 2, "b", 1, 0) == 0,
				     13);
			expect_sender(space, mailbox, 2, 0, 1, 14);
			_exit(0);
		}
		CHILD_EXPECT(inner > 0 && waitpid(inner, &status, 0) == inner &&
			     WIFEXITED(status) && !WEXITSTATUS(status), 16);
		_exit(0);
	}
	ck_assert_int_eq(xipc_test_wait(child), 0);
}
END_TEST

/*
 * SEND and RECV, each field of a valid request set to a bad value (see
 * fixture.h): the errno, and nothing queued, taken or moved.
 */
static char payload[FX_MSG + 1];
static struct xipc_transfer transfers[XIPC_MAX_TRANSFERS + 1];

/* 16 bytes of type 1 on the mailbox, with a copy of the other one. */
static void send_build(struct fx *f, void *req)
{
	struct xipc_send *msg = req;
	unsigned int i;

	/* Each entry valid on its own: a copy of a handle with GRANT. */
	for (i = 0; i <= XIPC_MAX_TRANSFERS; i++)
		transfers[i] = (struct xipc_transfer){ .handle = f->other };
	fx_fill(payload, sizeof(payload), 1);
	*msg = xipc_test_send_args(f->mailbox, 1, payload, 16, 0);
	msg->transfers = ipc_ptr(transfers);
	msg->nr_transfers = 1;
}

static void send_check(struct fx *f, void *req, int ret)
{
	__u32 handles[2] = { 0 };
	char buf[32];
	struct xipc_recv got = xipc_test_recv_args(f->mailbox, 0, buf,
						   sizeof(buf), 0);

	(void)req;
	ck_assert_int_eq(ret, 0);
	got.handles = ipc_ptr(handles);
	got.max_handles = 2;
	ck_assert_int_eq(ipc_recv(f->space, &got), 16);
	ck_assert_mem_eq(buf, payload, 16);
	ck_assert_int_eq(got.type, 1);
	ck_assert_uint_eq(got.nr_handles, 1);
	ck_assert_uint_eq(fx_object_id(f->space, handles[0]),
			  fx_object_id(f->space, f->other));
}

#define SEND(field, value, error) FX_BAD(struct xipc_send, field, value, error)
static const struct fx_row send_rows[] = {
	FX_MESSAGE_ROWS(struct xipc_send),
	SEND(type, INT64_MIN, EINVAL),
	/* Straddling the end of the mapping. */
	SEND(data, FX_EDGE, EFAULT),
	/* Not cut to 32 bits on the way. */
	SEND(size, (1ULL << 32) + 1, EMSGSIZE), SEND(size, ~0ULL, EMSGSIZE),
	SEND(transfers, FX_UNMAPPED, EFAULT), SEND(nr_transfers, ~0U, EINVAL),
	SEND(reserved, ~0U, EINVAL),
	FX_BAD_POINTER(0, EFAULT),
};

FX_TABLE("errors", test_send_refuses, send_table, XIPC_IOC_SEND,
	 struct xipc_send, .build = send_build, .check = send_check,
	 .rows = FX_ARRAY(send_rows))

/* A message of one byte, 9, queued with type 3 and a copy of the other. */
static void recv_setup(struct fx *f)
{
	struct xipc_send msg;

	fx_space(f);
	send_build(f, &msg);
	msg.type = 3;
	msg.size = 1;
	payload[0] = 9;
	ck_assert_int_eq(ipc_send(f->space, &msg), 0);
}

static unsigned char recv_buf[64];
static __u32 recv_handles[4];

/* Only the input fields: the driver poisons the output ones. */
static void recv_build(struct fx *f, void *req)
{
	struct xipc_recv *msg = req;

	msg->flags = msg->type = msg->timeout_ns = msg->skip = 0;
	msg->handle = f->mailbox;
	msg->data = ipc_ptr(recv_buf);
	msg->size = sizeof(recv_buf);
	msg->handles = ipc_ptr(recv_handles);
	msg->max_handles = 4;
}

static void recv_check(struct fx *f, void *req, int ret)
{
	struct xipc_recv *msg = req;

	ck_assert_int_eq(ret, 1);
	ck_assert_uint_eq(recv_buf[0], 9);
	expect_msg(msg, 3, 1, 1);
	ck_assert_uint_eq(fx_object_id(f->space, recv_handles[0]),
			  fx_object_id(f->space, f->other));
	xipc_test_assert_empty(f->space, f->mailbox);
}

#define RECV(field, value, error) FX_BAD(struct xipc_recv, field, value, error)
static const struct fx_row recv_rows[] = {
	FX_BAD_BITS(struct xipc_recv, flags,
		    XIPC_RECV_EXCEPT | XIPC_RECV_PEEK | XIPC_RECV_TRUNCATE |
		    XIPC_RECV_FROM_BADGE | XIPC_RECV_FROM_PID | XIPC_ABSTIME,
		    EINVAL),
	FX_NO_HANDLE(struct xipc_recv, handle),
	FX_DEAD_HANDLE(struct xipc_recv, handle, FX_NO_RECV),
	/* With a negative type, skip has no meaning and must be 0. */
	FX_BAD_WITH(struct xipc_recv, skip, 1, type, -5, EINVAL),
	/* FROM_PID takes a pid > 0. */
	FX_BAD_WITH(struct xipc_recv, pid, 0, flags, XIPC_RECV_FROM_PID, EINVAL),
	FX_BAD_WITH(struct xipc_recv, pid, -1, flags, XIPC_RECV_FROM_PID, EINVAL),
	FX_BAD_WITH(struct xipc_recv, pid, INT32_MIN, flags, XIPC_RECV_FROM_PID,
		    EINVAL),
	/* Nowhere to write the handle: nothing installed, the message stays. */
	RECV(handles, 0, EFAULT), RECV(handles, FX_READONLY, EFAULT),
	RECV(handles, FX_UNMAPPED, EFAULT),
	FX_BAD_POINTER(0, EFAULT),
};

static const struct fx_out recv_outs[] = {
	FX_OUTS(struct xipc_recv, nr_handles, badge, pid, uid, gid, reply,
		quota_uid, reserved),
};

FX_TABLE("errors", test_recv_refuses, recv_table, XIPC_IOC_RECV,
	 struct xipc_recv, .setup = recv_setup, .build = recv_build,
	 .check = recv_check, .rows = FX_ARRAY(recv_rows),
	 .outs = FX_ARRAY(recv_outs))

int main(void)
{
	return fx_main("mailbox");
}
