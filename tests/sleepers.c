// SPDX-License-Identifier: MIT
/*
 * Receives asleep: a message one of them selects is taken for it by whoever
 * queues the message (System V's pipelined receive), the oldest first, and
 * a payload of 16 KiB or more goes from the sender's memory straight into
 * its buffer. Each case, and each where the sender copies the payload in
 * first, delivers exactly what was sent; a message whose handles need the
 * receiver's table to grow is left for the receiver to take.
 */

#include "fixture.h"

#define SMALL		64
#define DIRECT_MIN	(16 * 1024)
#define DIRECT_MAX	(64 * 1024)
#define LARGEST		(DIRECT_MAX + 4096)
#define RW		(PROT_READ | PROT_WRITE)

/* The exit codes of a receiving child. */
enum { GOT_RESULT = 1, GOT_TYPE, GOT_PAYLOAD, GOT_SIZE, GOT_UNTOUCHED,
       GOT_HANDLE };

/* What a child asleep in a receive asks for, and must get. */
struct asleep {
	__s64 type;
	__u32 flags;
	size_t room;		/* its buffer's size */
	size_t offset;		/* the buffer's offset in its first page */
	int prot;		/* the buffer's protection */
	int result;		/* ipc_recv()'s: the bytes, or -errno */
	__s64 got_type;
	unsigned int seed;	/* the payload is fx_fill(result, seed) */
	bool killed;		/* the test kills it asleep, before sending */
};

static __u32 mailbox_for(int space, size_t largest)
{
	return xipc_test_mailbox(space, largest, 8, 8 * largest);
}

/* Whether @buf holds @size bytes of fx_fill(@seed). Works in children. */
static bool filled(const char *buf, size_t size, unsigned int seed)
{
	static char want[LARGEST];

	fx_fill(want, size, seed);
	return !memcmp(buf, want, size);
}

/*
 * Forks a child that receives as @a says, in a buffer of its own mapping,
 * and exits 0 if it gets what @a says: returns once the child sleeps in
 * the receive.
 */
static pid_t fork_asleep(int space, __u32 mailbox, const struct asleep *a)
{
	pid_t pid = fx_fork_waiter();

	if (pid == 0) {
		size_t len = a->offset + a->room + 1;
		char *map = mmap(NULL, len, RW, MAP_PRIVATE | MAP_ANONYMOUS,
				 -1, 0);
		struct xipc_recv msg;
		int ret;

		CHILD_EXPECT(map != MAP_FAILED, FX_EXIT_SYNC);
		memset(map, 0x5a, len);
		CHILD_EXPECT(mprotect(map, len, a->prot) == 0, FX_EXIT_SYNC);
		msg = xipc_test_recv_args(mailbox, a->type, map + a->offset,
					  a->room, XIPC_TEST_LONG_NS);
		msg.flags |= a->flags;
		fx_waiter_ready();
		ret = ipc_recv(space, &msg);
		CHILD_EXPECT_RET(ret, a->result, GOT_RESULT);
		if (ret >= 0) {
			CHILD_EXPECT_RET(msg.type, a->got_type, GOT_TYPE);
			CHILD_EXPECT(filled(map + a->offset, ret, a->seed),
				     GOT_PAYLOAD);
			/* Not a byte past what the message holds. */
			CHILD_EXPECT(map[a->offset + ret] == 0x5a,
				     GOT_UNTOUCHED);
		}
		_exit(0);
	}
	fx_await_asleep(pid);
	return pid;
}

/* Sends @size bytes of fx_fill(@seed) with @type. */
static void send_filled(int space, __u32 mailbox, __s64 type, size_t size,
			unsigned int seed)
{
	static char buf[LARGEST];

	fx_fill(buf, size, seed);
	fx_send(space, mailbox, type, buf, size);
}

/* Receives @size bytes of fx_fill(@seed) with @type now. */
static void assert_queued(int space, __u32 mailbox, __s64 type, size_t size,
			  unsigned int seed)
{
	static char buf[LARGEST];
	struct xipc_recv msg;

	ck_assert_int_eq(xipc_test_recv(space, mailbox, type, buf, size, 0,
					&msg), (int)size);
	ck_assert_msg(filled(buf, size, seed), "a payload mixed up");
}

/*
 * @size bytes of fx_fill(@seed) in a file's pages, mapped but never touched
 * through the mapping: not in memory yet, a sender copies them in first.
 */
static const void *in_file(size_t size, unsigned int seed)
{
	static char buf[LARGEST];
	int fd = memfd_create("xipc-sleepers", 0);
	void *map;

	ck_assert_int_ge(fd, 0);
	fx_fill(buf, size, seed);
	ck_assert_int_eq(write(fd, buf, size), (ssize_t)size);
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	ck_assert_ptr_ne(map, MAP_FAILED);
	return map;
}

/*
 * The payload sizes around the limits of a send straight into a buffer:
 * below 16 KiB copied in, 16 KiB to 64 KiB straight, beyond copied in; at
 * offsets that do and do not start a page; and a payload not in memory yet
 * (see in_file()).
 */
static const struct {
	size_t size;
	size_t offset;
	bool from_file;
} sizes[] = {
	{ 1, 0, false }, { DIRECT_MIN - 1, 17, false },
	{ DIRECT_MIN, 0, false }, { DIRECT_MIN + 1, 4095, false },
	{ 40000, 123, false }, { DIRECT_MAX, 0, false },
	{ DIRECT_MAX, 1, false }, { DIRECT_MAX + 1, 0, false },
	{ LARGEST, 64, false }, { DIRECT_MAX, 0, true },
};

/*
 * A receive asleep gets a message of every size, whole and alone: in a
 * buffer of the message's size (even _i), and in a larger one (odd _i),
 * where only the message's bytes are written.
 */
FX_LOOP_TEST("deliver", test_receive_asleep_gets_each_size, 0,
	     2 * FX_NR(sizes))
{
	int space = xipc_test_open(), seed = _i / 2;
	__u32 mailbox = mailbox_for(space, LARGEST);
	size_t size = _i % 2 ? sizes[seed].size / 2 + 1 : sizes[seed].size;
	struct asleep a = {
		.room = _i % 2 ? LARGEST : size, .offset = sizes[seed].offset,
		.prot = RW, .result = size, .got_type = 3, .seed = seed,
	};
	pid_t pid = fork_asleep(space, mailbox, &a);

	if (sizes[seed].from_file)
		fx_send(space, mailbox, 3, in_file(size, seed), size);
	else
		send_filled(space, mailbox, 3, size, seed);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	xipc_test_assert_empty(space, mailbox);
}
END_TEST

/*
 * Which receive asleep a message goes to: receives (each with a DIRECT_MAX
 * buffer) fall asleep in the order of @asleep, then the messages of types
 * @sent go in their order, each of size SMALL (even _i) or DIRECT_MAX, and
 * with a payload of its own. Each receive must get the message at position
 * @got of @sent (from 1), and the message at position @left stays queued
 * (0: none does).
 */
static const struct selection {
	const char *what;
	struct { __s64 type; __u32 flags; unsigned int got; } asleep[2];
	__s64 sent[3];
	unsigned int left;
} selections[] = {
	{ "two for type 7: the one asleep longer first",
	  { { 7, 0, 1 }, { 7, 0, 2 } }, { 7, 7 }, 0 },
	{ "types 1 and 2 each get theirs; a 5 neither selects stays",
	  { { 1, 0, 3 }, { 2, 0, 2 } }, { 5, 2, 1 }, 1 },
	{ "EXCEPT 9 passes a 9 over", { { 9, XIPC_RECV_EXCEPT, 2 } }, { 9, 4 }, 1 },
	{ "-4 passes a 5 over", { { -4, 0, 2 } }, { 5, 4 }, 1 },
};

FX_LOOP_TEST("order", test_receive_asleep_selects, 0, 2 * FX_NR(selections))
{
	const struct selection *sel = &selections[_i / 2];
	size_t size = _i % 2 ? DIRECT_MAX : SMALL;
	int space = xipc_test_open();
	__u32 mailbox = mailbox_for(space, DIRECT_MAX);
	pid_t pids[2] = { 0 };
	unsigned int i;

	for (i = 0; i < 2 && sel->asleep[i].type; i++) {
		unsigned int got = sel->asleep[i].got;
		struct asleep a = {
			.type = sel->asleep[i].type,
			.flags = sel->asleep[i].flags, .room = DIRECT_MAX,
			.prot = RW, .result = size,
			.got_type = sel->sent[got - 1], .seed = got,
		};

		pids[i] = fork_asleep(space, mailbox, &a);
	}
	for (i = 0; i < 3 && sel->sent[i]; i++)
		send_filled(space, mailbox, sel->sent[i], size, i + 1);
	for (i = 0; i < 2 && pids[i]; i++)
		ck_assert_msg(xipc_test_wait(pids[i]) == 0, "%s: receive %u",
			      sel->what, i);
	if (sel->left)
		assert_queued(space, mailbox, 0, size, sel->left);
	xipc_test_assert_empty(space, mailbox);
}
END_TEST

/*
 * Receives asleep that end without taking the message, which stays queued
 * for the next receive: too small a buffer (E2BIG), a peek, a buffer that
 * cannot be written (nothing is sent straight into it; the receive fails,
 * EFAULT, and the message goes back to its place), and one killed before
 * the send (it takes nothing). Each with a message copied in and one large
 * enough to be sent straight in.
 */
static const struct asleep leaving[] = {
	{ .room = 0, .prot = RW, .result = -E2BIG },
	{ .flags = XIPC_RECV_PEEK, .room = DIRECT_MAX, .prot = RW,
	  .result = 1, .got_type = 1 },
	{ .room = DIRECT_MAX, .prot = PROT_READ, .result = -EFAULT },
	{ .room = DIRECT_MAX, .prot = RW, .result = 1, .killed = true },
};

FX_LOOP_TEST("errors", test_receive_asleep_leaves_the_message, 0,
	     2 * FX_NR(leaving))
{
	size_t size = _i % 2 ? DIRECT_MAX : SMALL;
	int space = xipc_test_open();
	__u32 mailbox = mailbox_for(space, DIRECT_MAX);
	struct asleep a = leaving[_i / 2];
	pid_t pid;

	/* Room 0: one byte short; result 1: the whole message. */
	a.room = a.room ?: size - 1;
	a.result = a.result == 1 ? (int)size : a.result;
	a.seed = _i;
	pid = fork_asleep(space, mailbox, &a);
	if (a.killed)
		fx_kill(pid);
	send_filled(space, mailbox, 1, size, _i);
	if (!a.killed)
		ck_assert_int_eq(xipc_test_wait(pid), 0);
	assert_queued(space, mailbox, 1, size, _i);
	xipc_test_assert_empty(space, mailbox);
}
END_TEST

/*
 * A receive asleep whose own command cannot be written back (another thread
 * made it read-only meanwhile) fails, EFAULT. A message it was handed goes
 * back to the queue; one sent straight into its buffer was delivered there,
 * and is gone: put back, it would carry what the buffer holds by then.
 */
struct unwritable {
	int space;
	struct xipc_recv *msg;
	pid_t tid;
	int ret;
};

static void *recv_unwritable(void *arg)
{
	struct unwritable *u = arg;

	__atomic_store_n(&u->tid, (pid_t)syscall(SYS_gettid),
			 __ATOMIC_RELEASE);
	u->ret = ipc_recv(u->space, u->msg);
	return NULL;
}

FX_LOOP_TEST("errors", test_receive_asleep_unwritable_command, 0, 2)
{
	static char buf[DIRECT_MAX];
	size_t size = _i ? DIRECT_MAX : SMALL;
	struct unwritable u = { .space = xipc_test_open() };
	__u32 mailbox = mailbox_for(u.space, DIRECT_MAX);
	long page = sysconf(_SC_PAGESIZE);
	pthread_t thread;

	u.msg = mmap(NULL, page, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(u.msg, MAP_FAILED);
	*u.msg = xipc_test_recv_args(mailbox, 0, buf, DIRECT_MAX,
				     XIPC_TEST_LONG_NS);
	ck_assert_int_eq(pthread_create(&thread, NULL, recv_unwritable, &u),
			 0);
	while (!__atomic_load_n(&u.tid, __ATOMIC_ACQUIRE))
		sched_yield();
	xipc_test_wait_asleep(u.tid);
	ck_assert_int_eq(mprotect(u.msg, page, PROT_READ), 0);
	send_filled(u.space, mailbox, 1, size, 13);
	ck_assert_int_eq(pthread_join(thread, NULL), 0);
	ck_assert_int_eq(u.ret, -EFAULT);
	if (_i)
		ck_assert_msg(filled(buf, size, 13), "a payload mixed up");
	else
		assert_queued(u.space, mailbox, 1, size, 13);
	xipc_test_assert_empty(u.space, mailbox);
}
END_TEST

/*
 * Threads of senders and receivers on one mailbox, sizes on both sides of
 * the limits: every message arrives once, whole; the receives sleep and
 * wake the whole time.
 */
#define THREADS		4
#define PER_THREAD	60

/* The stream's space and mailbox, its errors, how often each message came. */
static int stream_space;
static __u32 stream_mailbox;
static int send_errors, recv_errors;
static unsigned int stream_got[THREADS * PER_THREAD];

static size_t stream_size(unsigned int seed)
{
	static const size_t pick[] = { 0, 1, DIRECT_MIN - 1, DIRECT_MIN,
				       30000, DIRECT_MAX };

	return pick[seed % FX_NR(pick)];
}

/* Sender @arg (from 0) sends its PER_THREAD messages. */
static void *stream_send(void *arg)
{
	char *buf = malloc(DIRECT_MAX);
	unsigned int i, seed;

	for (i = 0; buf && i < PER_THREAD; i++) {
		seed = (long)arg * PER_THREAD + i;
		fx_fill(buf, stream_size(seed), seed);
		/* The seed rides in the type, the first byte being fill. */
		if (xipc_test_send(stream_space, stream_mailbox, seed + 1, buf,
				   stream_size(seed), XIPC_TEST_LONG_NS) < 0)
			__atomic_add_fetch(&send_errors, 1, __ATOMIC_RELAXED);
	}
	free(buf);
	return NULL;
}

static void *stream_recv(void *arg)
{
	char *buf = malloc(DIRECT_MAX), *want = malloc(DIRECT_MAX);
	struct xipc_recv msg;
	unsigned int i, seed;
	int ret;

	(void)arg;
	for (i = 0; buf && want && i < PER_THREAD; i++) {
		ret = xipc_test_recv(stream_space, stream_mailbox, 0, buf,
				     DIRECT_MAX, XIPC_TEST_LONG_NS, &msg);
		seed = msg.type - 1;
		if (ret < 0 || seed >= THREADS * PER_THREAD ||
		    (size_t)ret != stream_size(seed)) {
			__atomic_add_fetch(&recv_errors, 1, __ATOMIC_RELAXED);
			continue;
		}
		fx_fill(want, ret, seed);
		if (memcmp(buf, want, ret))
			__atomic_add_fetch(&recv_errors, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&stream_got[seed], 1, __ATOMIC_RELAXED);
	}
	free(buf);
	free(want);
	return NULL;
}

FX_TEST("threads", test_senders_and_receives_asleep)
{
	pthread_t senders[THREADS], receivers[THREADS];
	long i;

	stream_space = xipc_test_open();
	stream_mailbox = mailbox_for(stream_space, DIRECT_MAX);
	for (i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&receivers[i], NULL,
						stream_recv, NULL), 0);
	for (i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&senders[i], NULL, stream_send,
						(void *)i), 0);
	for (i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_join(senders[i], NULL), 0);
	ck_assert_int_eq(send_errors, 0);
	for (i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_join(receivers[i], NULL), 0);
	ck_assert_int_eq(recv_errors, 0);
	for (i = 0; i < THREADS * PER_THREAD; i++)
		ck_assert_uint_eq(stream_got[i], 1);
	xipc_test_assert_empty(stream_space, stream_mailbox);
}
END_TEST

/* The slots of a space's first handle table (module/table.c). */
#define FIRST_TABLE	16

/*
 * A receive asleep whose message carries a handle its space's full table
 * has no slot for: the sender, which would pay for the table's growth, lets
 * the receiver take the message itself, and it gets the handle.
 */
FX_TEST("handles", test_receive_asleep_grows_its_own_table)
{
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, 0, 0, 0);
	pid_t child;

	while (xipc_test_count_handles(space) < FIRST_TABLE)
		fx_dup(space, mailbox, XIPC_RIGHT_SEND, 0, 0);
	child = xipc_test_fork();
	if (child == 0) {
		char byte;
		__u32 got = 0;
		struct xipc_recv msg = xipc_test_recv_args(mailbox, 0, &byte, 1,
							   XIPC_TEST_LONG_NS);

		msg.handles = ipc_ptr(&got);
		msg.max_handles = 1;
		CHILD_EXPECT(ipc_recv(space, &msg) == 1, GOT_RESULT);
		CHILD_EXPECT(msg.nr_handles == 1 && got > FIRST_TABLE,
			     GOT_HANDLE);
		_exit(0);
	}
	xipc_test_wait_asleep(child);
	ck_assert_int_eq(fx_send_handle(space, mailbox, mailbox,
					XIPC_RIGHT_SEND, 0, 0), 0);
	ck_assert_int_eq(xipc_test_wait(child), 0);
	ck_assert_uint_eq(xipc_test_count_handles(space), FIRST_TABLE + 1);
}
END_TEST

int main(void)
{
	return fx_main("sleepers");
}
