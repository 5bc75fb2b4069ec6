// SPDX-License-Identifier: MIT
/*
 * Mailboxes: limits, Send and Recv with System V type selection and filters,
 * PEEK, E2BIG and TRUNCATE, full and empty queues, blocking, signals,
 * destroy (EIDRM), the loss of every receiver (EPIPE), and receives whose
 * buffer faults: they keep the order, and hold up nobody.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "libipc.h"
#include "fixture.h"

/* The mailbox most tests use: room for two of its largest messages. */
#define BIG_MSG		FX_MSG

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
 * Receives (without waiting) the first message @type and @flags select, a
 * one-byte index as send_index() queues: the index, or the negative error.
 * @msg gets what the kernel wrote back.
 */
static int take_index_msg(int space, __u32 mailbox, __s64 type, __u32 flags,
			  struct xipc_recv *msg)
{
	unsigned char index = 0xff;
	int ret;

	*msg = xipc_test_recv_args(mailbox, type, &index, 1, 0);
	msg->flags = flags;
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

	return take_index_msg(space, mailbox, type, flags, &msg);
}

/* The types of the System V selection tests; message i carries index i. */
static const __s64 sysv_types[] = { 3, 1, 2, 1, 5 };
#define NR_SYSV (sizeof(sysv_types) / sizeof(sysv_types[0]))

static __u32 sysv_mailbox(int space)
{
	__u32 mailbox = big_mailbox(space);
	unsigned int i;

	for (i = 0; i < NR_SYSV; i++)
		send_index(space, mailbox, sysv_types[i], i);
	return mailbox;
}

/* Takes the message @type and @flags select: its index, checking its type. */
static int take_sysv(int space, __u32 mailbox, __s64 type, __u32 flags)
{
	struct xipc_recv msg;
	int index = take_index_msg(space, mailbox, type, flags, &msg);

	if (index >= 0) {
		ck_assert_int_lt(index, NR_SYSV);
		ck_assert_int_eq(msg.type, sysv_types[index]);
	}
	return index;
}

FX_TEST("create", test_create_with_defaults)
{
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, 0, 0, 0);
	struct xipc_handle_info info;

	ck_assert_int_eq(ipc_handle_info(space, mailbox, &info), 0);
	ck_assert_uint_eq(info.rights, XIPC_RIGHTS_ALL);
	ck_assert_uint_eq(info.type, XIPC_OBJECT_MAILBOX);
	send_index(space, mailbox, 1, 42);
	ck_assert_int_eq(take_index(space, mailbox, 0, 0), 42);
	ipc_close(space);
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
	ipc_close(space);
}
END_TEST

FX_TEST("message", test_round_trip)
{
	static const size_t sizes[] = { 0, 1, 4096, BIG_MSG };
	static unsigned char sent[BIG_MSG], got[BIG_MSG + 16];
	int space = xipc_test_open();
	__u32 mailbox = big_mailbox(space);
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct xipc_recv msg;

		fx_fill(sent, sizes[i], i);
		memset(got, POISON_BYTE, sizeof(got));
		fx_send(space, mailbox, 7 + i, sent, sizes[i]);
		ck_assert_int_eq(xipc_test_recv(space, mailbox, 0, got, sizeof(got),
						0, &msg), sizes[i]);
		ck_assert_mem_eq(got, sent, sizes[i]);
		/* Not a byte more. */
		ck_assert_uint_eq(got[sizes[i]], POISON_BYTE);
		ck_assert_int_eq(msg.type, 7 + i);
		ck_assert_uint_eq(msg.size, sizes[i]);
		ck_assert_uint_eq(msg.badge, 0);
		ck_assert_int_eq(msg.pid, getpid());
		ck_assert_uint_eq(msg.uid, getuid());
		ck_assert_uint_eq(msg.gid, getgid());
		ck_assert_uint_eq(msg.nr_handles, 0);
		ck_assert_uint_eq(msg.reply, 0);
		xipc_test_assert_empty(space, mailbox);
	}
	ipc_close(space);
}
END_TEST

FX_TEST("select", test_type_zero_is_fifo)
{
	int space = xipc_test_open();
	__u32 mailbox = sysv_mailbox(space);
	unsigned int i;

	for (i = 0; i < NR_SYSV; i++)
		ck_assert_int_eq(take_sysv(space, mailbox, 0, 0), i);
	ck_assert_int_eq(take_sysv(space, mailbox, 0, 0), -EAGAIN);
	ipc_close(space);
}
END_TEST

FX_TEST("select", test_positive_type_takes_first_of_it)
{
	int space = xipc_test_open();
	__u32 mailbox = sysv_mailbox(space);

	ck_assert_int_eq(take_sysv(space, mailbox, 1, 0), 1);
	ck_assert_int_eq(take_sysv(space, mailbox, 1, 0), 3);
	ck_assert_int_eq(take_sysv(space, mailbox, 1, 0), -EAGAIN);
	ck_assert_int_eq(take_sysv(space, mailbox, 5, 0), 4);
	ck_assert_int_eq(take_sysv(space, mailbox, 4, 0), -EAGAIN);
	/* The rest kept their order. */
	ck_assert_int_eq(take_sysv(space, mailbox, 0, 0), 0);
	ck_assert_int_eq(take_sysv(space, mailbox, 0, 0), 2);
	ck_assert_int_eq(take_sysv(space, mailbox, 0, 0), -EAGAIN);
	ipc_close(space);
}
END_TEST

FX_TEST("select", test_except_takes_first_not_of_type)
{
	int space = xipc_test_open();
	__u32 mailbox = sysv_mailbox(space);

	ck_assert_int_eq(take_sysv(space, mailbox, 1, XIPC_RECV_EXCEPT), 0);
	ck_assert_int_eq(take_sysv(space, mailbox, 1, XIPC_RECV_EXCEPT), 2);
	ck_assert_int_eq(take_sysv(space, mailbox, 1, XIPC_RECV_EXCEPT), 4);
	ck_assert_int_eq(take_sysv(space, mailbox, 1, XIPC_RECV_EXCEPT), -EAGAIN);
	ck_assert_int_eq(take_sysv(space, mailbox, 3, XIPC_RECV_EXCEPT), 1);
	ck_assert_int_eq(take_sysv(space, mailbox, 0, 0), 3);
	ipc_close(space);
}
END_TEST

FX_TEST("select", test_negative_type_takes_lowest)
{
	int space = xipc_test_open();
	__u32 mailbox = sysv_mailbox(space);

	/* Types <= 2 are 1, 2, 1: the 1s first, in order, then the 2. */
	ck_assert_int_eq(take_sysv(space, mailbox, -2, 0), 1);
	ck_assert_int_eq(take_sysv(space, mailbox, -2, 0), 3);
	ck_assert_int_eq(take_sysv(space, mailbox, -2, 0), 2);
	ck_assert_int_eq(take_sysv(space, mailbox, -2, 0), -EAGAIN);
	/* Left: 3 (index 0) and 5 (index 4). */
	ck_assert_int_eq(take_sysv(space, mailbox, -4, 0), 0);
	ck_assert_int_eq(take_sysv(space, mailbox, -4, 0), -EAGAIN);
	ck_assert_int_eq(take_sysv(space, mailbox, -5, 0), 4);
	ipc_close(space);
}
END_TEST

FX_TEST("select", test_negative_type_extremes)
{
	int space = xipc_test_open();
	__u32 mailbox = sysv_mailbox(space);

	ck_assert_int_eq(take_sysv(space, mailbox, -1, 0), 1);
	ck_assert_int_eq(take_sysv(space, mailbox, -1000, 0), 3);
	/* -INT64_MIN does not fit an __s64: it still means "any type". */
	ck_assert_int_eq(take_sysv(space, mailbox, INT64_MIN, 0), 2);
	ck_assert_int_eq(take_sysv(space, mailbox, INT64_MIN, 0), 0);
	ck_assert_int_eq(take_sysv(space, mailbox, INT64_MIN, 0), 4);
	ipc_close(space);
}
END_TEST

FX_TEST("select", test_from_badge)
{
	int space = xipc_test_open();
	__u32 mailbox = big_mailbox(space);
	__u32 ten = fx_dup(space, mailbox, XIPC_RIGHT_SEND, XIPC_DUP_BADGE, 10);
	__u32 twenty = fx_dup(space, mailbox, XIPC_RIGHT_SEND, XIPC_DUP_BADGE,
				  20);
	struct xipc_recv msg;
	unsigned char index = 0;
	unsigned int i;

	send_index(space, ten, 1, 0);
	send_index(space, twenty, 1, 1);
	send_index(space, ten, 1, 2);
	send_index(space, mailbox, 1, 3);

	msg = xipc_test_recv_args(mailbox, 0, &index, 1, 0);
	msg.flags = XIPC_RECV_FROM_BADGE;
	msg.badge = 20;
	ck_assert_int_eq(ipc_recv(space, &msg), 1);
	ck_assert_uint_eq(index, 1);
	ck_assert_uint_eq(msg.badge, 20);

	msg = xipc_test_recv_args(mailbox, 0, &index, 1, 0);
	msg.flags = XIPC_RECV_FROM_BADGE;
	msg.badge = 0;
	ck_assert_int_eq(ipc_recv(space, &msg), 1);
	ck_assert_uint_eq(index, 3);

	for (i = 0; i < 2; i++) {
		msg = xipc_test_recv_args(mailbox, 0, &index, 1, 0);
		msg.flags = XIPC_RECV_FROM_BADGE;
		msg.badge = 10;
		ck_assert_int_eq(ipc_recv(space, &msg), 1);
		ck_assert_uint_eq(index, i * 2);
		ck_assert_uint_eq(msg.badge, 10);
	}
	msg = xipc_test_recv_args(mailbox, 0, &index, 1, 0);
	msg.flags = XIPC_RECV_FROM_BADGE;
	msg.badge = 10;
	ck_assert_int_eq(ipc_recv(space, &msg), -EAGAIN);
	ipc_close(space);
}
END_TEST

static int take_from_pid(int space, __u32 mailbox, pid_t pid, struct xipc_recv *msg)
{
	unsigned char index = 0xff;
	int ret;

	*msg = xipc_test_recv_args(mailbox, 0, &index, 1, 0);
	msg->flags = XIPC_RECV_FROM_PID;
	msg->pid = pid;
	ret = ipc_recv(space, msg);
	return ret < 0 ? ret : index;
}

FX_TEST("select", test_from_pid)
{
	int space = xipc_test_open();
	__u32 mailbox = big_mailbox(space);
	struct xipc_recv msg;
	pid_t pid;

	send_index(space, mailbox, 1, 0);
	pid = xipc_test_fork();
	if (pid == 0) {
		unsigned char index = 1;

		CHILD_EXPECT(xipc_test_send(space, mailbox, 1, &index, 1, 0) == 0,
			     1);
		_exit(0);
	}
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	send_index(space, mailbox, 1, 2);

	ck_assert_int_eq(take_from_pid(space, mailbox, pid, &msg), 1);
	ck_assert_int_eq(msg.pid, pid);
	ck_assert_int_eq(take_from_pid(space, mailbox, pid, &msg), -EAGAIN);
	/* init sent nothing. */
	ck_assert_int_eq(take_from_pid(space, mailbox, 1, &msg), -EAGAIN);
	ck_assert_int_eq(take_from_pid(space, mailbox, getpid(), &msg), 0);
	ck_assert_int_eq(msg.pid, getpid());
	ck_assert_int_eq(take_from_pid(space, mailbox, getpid(), &msg), 2);
	ipc_close(space);
}
END_TEST

/* A receive of @type with @flags and @skip: the index it copied, or -errno. */
static int take_skipping(int space, __u32 mailbox, __s64 type, __u32 flags,
			 __u64 skip)
{
	unsigned char index = 0xff;
	struct xipc_recv msg = xipc_test_recv_args(mailbox, type, &index, 1, 0);
	int ret;

	msg.flags = flags;
	msg.skip = skip;
	ret = ipc_recv(space, &msg);
	return ret < 0 ? ret : index;
}

FX_TEST("select", test_peek_leaves_the_message)
{
	int space = xipc_test_open();
	__u32 mailbox = big_mailbox(space);
	int i;

	for (i = 0; i < 3; i++)
		send_index(space, mailbox, 1, i);
	ck_assert_int_eq(take_skipping(space, mailbox, 0, XIPC_RECV_PEEK, 0), 0);
	ck_assert_int_eq(take_skipping(space, mailbox, 0, XIPC_RECV_PEEK, 0), 0);
	/* skip = n copies the message n places further on. */
	ck_assert_int_eq(take_skipping(space, mailbox, 0, XIPC_RECV_PEEK, 1), 1);
	ck_assert_int_eq(take_skipping(space, mailbox, 0, XIPC_RECV_PEEK, 2), 2);
	ck_assert_int_eq(take_skipping(space, mailbox, 0, XIPC_RECV_PEEK, 3),
			 -EAGAIN);
	ck_assert_int_eq(take_skipping(space, mailbox, 0, XIPC_RECV_PEEK, ~0ULL),
			 -EAGAIN);
	/* Every peek left every message. */
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(take_index(space, mailbox, 0, 0), i);
	xipc_test_assert_empty(space, mailbox);
	ipc_close(space);
}
END_TEST

/*
 * A mailbox keeps a received message's memory for the next send: a small
 * message in a large one's memory shows its own size and bytes, nothing of
 * the old one's.
 */
FX_TEST("select", test_reused_memory_shows_nothing_old)
{
	int space = xipc_test_open();
	__u32 mailbox = big_mailbox(space);
	static unsigned char big[BIG_MSG], buf[BIG_MSG];
	struct xipc_recv msg;
	size_t i;

	/* Small, then big: the big one does not fit the small one's memory. */
	fx_send(space, mailbox, 1, "tiny", 4);
	ck_assert_int_eq(xipc_test_recv(space, mailbox, 0, buf, sizeof(buf), 0,
					&msg), 4);
	fx_fill(big, sizeof(big), 1);
	fx_send(space, mailbox, 1, big, sizeof(big));
	ck_assert_int_eq(xipc_test_recv(space, mailbox, 0, buf, sizeof(buf), 0,
					&msg), sizeof(big));
	ck_assert_mem_eq(buf, big, sizeof(big));

	/*
	 * Then 100 bytes, in the memory of a 300-byte one (reused: it is not
	 * more than about twice as large), and 5 in that of the 100.
	 */
	fx_send(space, mailbox, 2, big, 300);
	ck_assert_int_eq(xipc_test_recv(space, mailbox, 0, buf, sizeof(buf), 0,
					&msg), 300);
	fx_fill(big, 100, 2);
	memset(buf, 0xee, sizeof(buf));
	fx_send(space, mailbox, 2, big, 100);
	ck_assert_int_eq(xipc_test_recv(space, mailbox, 0, buf, sizeof(buf), 0,
					&msg), 100);
	ck_assert_uint_eq(msg.size, 100);
	ck_assert_mem_eq(buf, big, 100);
	for (i = 100; i < sizeof(buf); i++)
		ck_assert_uint_eq(buf[i], 0xee);
	fx_send(space, mailbox, 2, "small", 5);
	ck_assert_int_eq(xipc_test_recv(space, mailbox, 0, buf, sizeof(buf), 0,
					&msg), 5);
	ck_assert_mem_eq(buf, "small", 5);
	ck_assert_mem_eq(buf + 5, big + 5, 95);	/* what was there before */
	ipc_close(space);
}
END_TEST

/* A receive that faults leaves its message in its place in the queue. */
FX_TEST("select", test_faulting_recv_keeps_the_order)
{
	int space = xipc_test_open();
	__u32 mailbox = big_mailbox(space);
	long page = sysconf(_SC_PAGESIZE);
	struct xipc_recv msg;
	void *none;
	int i;

	for (i = 0; i < 3; i++)
		send_index(space, mailbox, 1, i);
	none = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(none, MAP_FAILED);
	msg = xipc_test_recv_args(mailbox, 0, none, 1, 0);
	ck_assert_int_eq(ipc_recv(space, &msg), -EFAULT);
	msg = xipc_test_recv_args(mailbox, 1, none, 1, 0);
	msg.skip = 1;
	ck_assert_int_eq(ipc_recv(space, &msg), -EFAULT);
	msg = xipc_test_recv_args(mailbox, 0, none, 1, 0);
	msg.flags = XIPC_RECV_PEEK;
	ck_assert_int_eq(ipc_recv(space, &msg), -EFAULT);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(take_index(space, mailbox, 0, 0), i);
	xipc_test_assert_empty(space, mailbox);
	munmap(none, page);
	ipc_close(space);
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
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	struct uffdio_copy fill_page;
	struct stalled_recv r;
	struct uffd_msg event;
	pthread_t thread;
	char *filler;
	int uffd;

	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	ck_assert_msg(uffd >= 0, "userfaultfd: %s", strerror(errno));
	ck_assert_int_eq(ioctl(uffd, UFFDIO_API, &api), 0);
	r = (struct stalled_recv){ .space = space, .mailbox = mailbox };
	r.buf = mmap(NULL, page, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(r.buf, MAP_FAILED);
	reg = (struct uffdio_register){
		.range = { .start = (uintptr_t)r.buf, .len = (__u64)page },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
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

	filler = mmap(NULL, page, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(filler, MAP_FAILED);
	fill_page = (struct uffdio_copy){
		.dst = (uintptr_t)r.buf, .src = (uintptr_t)filler,
		.len = (__u64)page,
	};
	ck_assert_int_eq(ioctl(uffd, UFFDIO_COPY, &fill_page), 0);
	ck_assert_int_eq(pthread_join(thread, NULL), 0);
	ck_assert_int_eq(r.ret, 7);
	ck_assert_mem_eq(r.buf, "stalled", 7);
	xipc_test_assert_empty(space, mailbox);
	close(uffd);
	ipc_close(space);
}
END_TEST

FX_TEST("select", test_skip_counts_matching_messages)
{
	static const __s64 types[] = { 1, 2, 1, 2 };
	int space = xipc_test_open();
	__u32 mailbox = big_mailbox(space);
	unsigned int i;

	for (i = 0; i < 4; i++)
		send_index(space, mailbox, types[i], i);
	ck_assert_int_eq(take_skipping(space, mailbox, 2, XIPC_RECV_PEEK, 1), 3);
	ck_assert_int_eq(take_skipping(space, mailbox, 1,
				       XIPC_RECV_PEEK | XIPC_RECV_EXCEPT, 0), 1);
	/* Without PEEK the skipped messages stay and the chosen one goes. */
	ck_assert_int_eq(take_skipping(space, mailbox, 1, 0, 1), 2);
	ck_assert_int_eq(take_skipping(space, mailbox, 0, 0, 2), 3);
	ck_assert_int_eq(take_index(space, mailbox, 0, 0), 0);
	ck_assert_int_eq(take_index(space, mailbox, 0, 0), 1);
	xipc_test_assert_empty(space, mailbox);
	ipc_close(space);
}
END_TEST
FX_TEST("message", test_e2big_keeps_the_message)
{
	int space = xipc_test_open();
	__u32 mailbox = big_mailbox(space);
	unsigned char sent[100], buf[100], poison[100];
	struct xipc_recv msg, before;

	fx_fill(sent, sizeof(sent), 3);
	memset(poison, POISON_BYTE, sizeof(poison));
	fx_send(space, mailbox, 4, sent, sizeof(sent));

	memcpy(buf, poison, sizeof(buf));
	msg = xipc_test_recv_args(mailbox, 0, buf, 99, 0);
	before = msg;
	ck_assert_int_eq(ipc_recv(space, &msg), -E2BIG);
	ck_assert_uint_eq(msg.size, sizeof(sent));
	ck_assert_uint_eq(msg.nr_handles, 0);
	/* Nothing else was written: not the struct, not the buffer. */
	before.size = msg.size;
	before.nr_handles = msg.nr_handles;
	ck_assert_mem_eq(&msg, &before, sizeof(msg));
	ck_assert_mem_eq(buf, poison, sizeof(buf));

	/* An empty buffer is too small for one byte. */
	msg = xipc_test_recv_args(mailbox, 0, buf, 0, 0);
	ck_assert_int_eq(ipc_recv(space, &msg), -E2BIG);
	ck_assert_uint_eq(msg.size, sizeof(sent));

	/* Still queued, whole. */
	ck_assert_int_eq(xipc_test_recv(space, mailbox, 0, buf, sizeof(buf), 0,
					&msg), sizeof(sent));
	ck_assert_mem_eq(buf, sent, sizeof(sent));
	ck_assert_int_eq(msg.type, 4);
	ipc_close(space);
}
END_TEST

FX_TEST("message", test_truncate)
{
	int space = xipc_test_open();
	__u32 mailbox = big_mailbox(space);
	unsigned char sent[100], buf[100];
	struct xipc_recv msg;

	fx_fill(sent, sizeof(sent), 4);
	fx_send(space, mailbox, 4, sent, sizeof(sent));
	fx_send(space, mailbox, 5, sent, sizeof(sent));

	/* With PEEK a truncated copy leaves the message. */
	memset(buf, POISON_BYTE, sizeof(buf));
	msg = xipc_test_recv_args(mailbox, 0, buf, 10, 0);
	msg.flags = XIPC_RECV_TRUNCATE | XIPC_RECV_PEEK;
	ck_assert_int_eq(ipc_recv(space, &msg), 10);
	ck_assert_uint_eq(msg.size, sizeof(sent));
	ck_assert_mem_eq(buf, sent, 10);

	memset(buf, POISON_BYTE, sizeof(buf));
	msg = xipc_test_recv_args(mailbox, 0, buf, 10, 0);
	msg.flags = XIPC_RECV_TRUNCATE;
	ck_assert_int_eq(ipc_recv(space, &msg), 10);
	ck_assert_uint_eq(msg.size, sizeof(sent));
	ck_assert_int_eq(msg.type, 4);
	ck_assert_mem_eq(buf, sent, 10);
	ck_assert_uint_eq(buf[10], POISON_BYTE);

	/* That one is gone; TRUNCATE with room enough changes nothing. */
	msg = xipc_test_recv_args(mailbox, 0, buf, sizeof(buf), 0);
	msg.flags = XIPC_RECV_TRUNCATE;
	ck_assert_int_eq(ipc_recv(space, &msg), sizeof(sent));
	ck_assert_int_eq(msg.type, 5);
	ck_assert_uint_eq(msg.size, sizeof(sent));
	xipc_test_assert_empty(space, mailbox);
	ipc_close(space);
}
END_TEST

FX_TEST("limits", test_full_by_count)
{
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, 64, 2, 0);
	struct xipc_send msg;
	unsigned char third = 2;

	send_index(space, mailbox, 1, 0);
	send_index(space, mailbox, 1, 1);
	msg = xipc_test_send_args(mailbox, 1, &third, 1, 0);
	ck_assert_int_eq(ipc_send(space, &msg), -EAGAIN);
	msg.timeout_ns = XIPC_TEST_SHORT_NS;
	ck_assert_int_eq(ipc_send(space, &msg), -ETIMEDOUT);
	msg.flags = XIPC_ABSTIME;
	msg.timeout_ns = xipc_test_deadline(XIPC_TEST_SHORT_NS);
	ck_assert_int_eq(ipc_send(space, &msg), -ETIMEDOUT);

	ck_assert_int_eq(take_index(space, mailbox, 0, 0), 0);
	/* Room for one again. */
	msg = xipc_test_send_args(mailbox, 1, &third, 1, 0);
	ck_assert_int_eq(ipc_send(space, &msg), 0);
	ck_assert_int_eq(take_index(space, mailbox, 0, 0), 1);
	ck_assert_int_eq(take_index(space, mailbox, 0, 0), 2);
	xipc_test_assert_empty(space, mailbox);
	ipc_close(space);
}
END_TEST

/* The same with max_bytes (and the default max_msgs, assumed to be > 2). */
FX_TEST("limits", test_full_by_bytes)
{
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, 64, 0, 128);
	unsigned char buf[64];
	struct xipc_send msg;
	struct xipc_recv got;

	fx_fill(buf, sizeof(buf), 5);
	fx_send(space, mailbox, 1, buf, 64);
	fx_send(space, mailbox, 2, buf, 64);
	msg = xipc_test_send_args(mailbox, 3, buf, 1, 0);
	ck_assert_int_eq(ipc_send(space, &msg), -EAGAIN);
	msg.timeout_ns = XIPC_TEST_SHORT_NS;
	ck_assert_int_eq(ipc_send(space, &msg), -ETIMEDOUT);
	msg.flags = XIPC_ABSTIME;
	msg.timeout_ns = xipc_test_deadline(XIPC_TEST_SHORT_NS);
	ck_assert_int_eq(ipc_send(space, &msg), -ETIMEDOUT);

	ck_assert_int_eq(xipc_test_recv(space, mailbox, 0, buf, sizeof(buf), 0,
					&got), 64);
	ck_assert_int_eq(got.type, 1);
	fx_send(space, mailbox, 3, buf, 64);
	ck_assert_int_eq(xipc_test_recv(space, mailbox, 0, buf, sizeof(buf), 0,
					&got), 64);
	ck_assert_int_eq(got.type, 2);
	ck_assert_int_eq(xipc_test_recv(space, mailbox, 0, buf, sizeof(buf), 0,
					&got), 64);
	ck_assert_int_eq(got.type, 3);
	xipc_test_assert_empty(space, mailbox);
	ipc_close(space);
}
END_TEST

FX_TEST("limits", test_empty_mailbox_timeouts)
{
	int space = xipc_test_open();
	__u32 mailbox = big_mailbox(space);
	struct xipc_recv msg;
	char byte;

	ck_assert_int_eq(xipc_test_recv(space, mailbox, 0, &byte, 1, 0, &msg),
			 -EAGAIN);
	ck_assert_int_eq(xipc_test_recv(space, mailbox, 0, &byte, 1,
					XIPC_TEST_SHORT_NS, &msg), -ETIMEDOUT);
	msg = xipc_test_recv_args(mailbox, 0, &byte, 1,
				  xipc_test_deadline(XIPC_TEST_SHORT_NS));
	msg.flags = XIPC_ABSTIME;
	ck_assert_int_eq(ipc_recv(space, &msg), -ETIMEDOUT);
	/* A message of another type does not end the wait. */
	send_index(space, mailbox, 2, 0);
	ck_assert_int_eq(xipc_test_recv(space, mailbox, 1, &byte, 1,
					XIPC_TEST_SHORT_NS, &msg), -ETIMEDOUT);
	ipc_close(space);
}
END_TEST

/* Exit codes of the blocking children. */
enum {
	CHILD_SYNC = 1,
	CHILD_RESULT,
	CHILD_PAYLOAD,
	CHILD_TYPE,
	CHILD_HANDLER,
};

FX_TEST("blocking", test_blocked_recv_gets_later_message)
{
	int space = xipc_test_open();
	__u32 mailbox = big_mailbox(space);
	int ready[2];
	pid_t pid;

	ck_assert_int_eq(pipe(ready), 0);
	pid = xipc_test_fork();
	if (pid == 0) {
		struct xipc_recv msg;
		char buf[16] = "";

		CHILD_EXPECT(xipc_test_notify(ready[1]) == 0, CHILD_SYNC);
		CHILD_EXPECT(xipc_test_recv(space, mailbox, 0, buf, sizeof(buf),
					    XIPC_TIMEOUT_INFINITE, &msg) == 5,
			     CHILD_RESULT);
		CHILD_EXPECT(memcmp(buf, "wake!", 5) == 0, CHILD_PAYLOAD);
		CHILD_EXPECT(msg.type == 9, CHILD_TYPE);
		_exit(0);
	}
	ck_assert_int_eq(xipc_test_await(ready[0]), 0);
	xipc_test_wait_asleep(pid);
	fx_send(space, mailbox, 9, "wake!", 5);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	xipc_test_assert_empty(space, mailbox);
	close(ready[0]);
	close(ready[1]);
	ipc_close(space);
}
END_TEST

/* A receiver blocked for type 2 sleeps on through a message of type 1. */
FX_TEST("blocking", test_blocked_typed_recv_waits_for_its_type)
{
	int space = xipc_test_open();
	__u32 mailbox = big_mailbox(space);
	int ready[2];
	pid_t pid;

	ck_assert_int_eq(pipe(ready), 0);
	pid = xipc_test_fork();
	if (pid == 0) {
		struct xipc_recv msg;
		unsigned char index = 0;

		CHILD_EXPECT(xipc_test_notify(ready[1]) == 0, CHILD_SYNC);
		CHILD_EXPECT(xipc_test_recv(space, mailbox, 2, &index, 1,
					    XIPC_TEST_LONG_NS, &msg) == 1,
			     CHILD_RESULT);
		CHILD_EXPECT(index == 1, CHILD_PAYLOAD);
		CHILD_EXPECT(msg.type == 2, CHILD_TYPE);
		_exit(0);
	}
	ck_assert_int_eq(xipc_test_await(ready[0]), 0);
	xipc_test_wait_asleep(pid);
	send_index(space, mailbox, 1, 0);
	send_index(space, mailbox, 2, 1);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	/* The type 1 message is still there for someone else. */
	ck_assert_int_eq(take_index(space, mailbox, 0, 0), 0);
	xipc_test_assert_empty(space, mailbox);
	close(ready[0]);
	close(ready[1]);
	ipc_close(space);
}
END_TEST

FX_TEST("blocking", test_blocked_send_completes_on_room)
{
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, 64, 1, 0);
	int ready[2];
	pid_t pid;

	send_index(space, mailbox, 1, 0);
	ck_assert_int_eq(pipe(ready), 0);
	pid = xipc_test_fork();
	if (pid == 0) {
		unsigned char index = 1;

		CHILD_EXPECT(xipc_test_notify(ready[1]) == 0, CHILD_SYNC);
		CHILD_EXPECT(xipc_test_send(space, mailbox, 2, &index, 1,
					    XIPC_TIMEOUT_INFINITE) == 0,
			     CHILD_RESULT);
		_exit(0);
	}
	ck_assert_int_eq(xipc_test_await(ready[0]), 0);
	xipc_test_wait_asleep(pid);
	ck_assert_int_eq(take_index(space, mailbox, 0, 0), 0);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	ck_assert_int_eq(take_index(space, mailbox, 2, 0), 1);
	xipc_test_assert_empty(space, mailbox);
	close(ready[0]);
	close(ready[1]);
	ipc_close(space);
}
END_TEST

/*
 * Forks a child that blocks in a receive (@send == false) or a send on the
 * full @mailbox, with an infinite timeout, and expects @error from it.
 */
static pid_t fork_blocked(int space, __u32 mailbox, bool send, int error,
			  bool handler)
{
	int ready[2];
	pid_t pid;

	ck_assert_int_eq(pipe(ready), 0);
	pid = xipc_test_fork();
	if (pid == 0) {
		unsigned char index = 0x77;
		struct xipc_recv msg;
		int ret;

		close(ready[0]);
		CHILD_EXPECT(!handler || fx_catch_sigusr1() == 0, CHILD_SYNC);
		CHILD_EXPECT(xipc_test_notify(ready[1]) == 0, CHILD_SYNC);
		if (send)
			ret = xipc_test_send(space, mailbox, 1, &index, 1,
					     XIPC_TIMEOUT_INFINITE);
		else
			ret = xipc_test_recv(space, mailbox, 2, &index, 1,
					     XIPC_TIMEOUT_INFINITE, &msg);
		if (ret != error)
			fprintf(stderr, "blocked %s: %d, expected %d\n",
				send ? "send" : "recv", ret, error);
		CHILD_EXPECT(ret == error, CHILD_RESULT);
		CHILD_EXPECT(!handler || fx_signals == 1, CHILD_HANDLER);
		_exit(0);
	}
	close(ready[1]);
	ck_assert_int_eq(xipc_test_await(ready[0]), 0);
	close(ready[0]);
	xipc_test_wait_asleep(pid);
	return pid;
}

FX_TEST("blocking", test_signal_interrupts_blocked_recv)
{
	int space = xipc_test_open();
	__u32 mailbox = big_mailbox(space);
	pid_t pid = fork_blocked(space, mailbox, false, -EINTR, true);

	ck_assert_int_eq(kill(pid, SIGUSR1), 0);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	/* The mailbox is none the worse for it. */
	send_index(space, mailbox, 2, 3);
	ck_assert_int_eq(take_index(space, mailbox, 0, 0), 3);
	ipc_close(space);
}
END_TEST

FX_TEST("blocking", test_signal_interrupts_blocked_send)
{
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, 64, 1, 0);
	pid_t pid;

	send_index(space, mailbox, 1, 0);
	pid = fork_blocked(space, mailbox, true, -EINTR, true);
	ck_assert_int_eq(kill(pid, SIGUSR1), 0);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	/* The interrupted send queued nothing. */
	ck_assert_int_eq(take_index(space, mailbox, 0, 0), 0);
	xipc_test_assert_empty(space, mailbox);
	ipc_close(space);
}
END_TEST

struct blocked_thread {
	int space;
	__u32 mailbox;
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
	if (xipc_test_notify(t->ready) != 0) {
		t->result = 1;
		return NULL;
	}
	t->result = xipc_test_recv(t->space, t->mailbox, 0, &byte, 1,
				   XIPC_TIMEOUT_INFINITE, &msg);
	return NULL;
}

FX_TEST("blocking", test_signal_interrupts_blocked_thread)
{
	int space = xipc_test_open();
	struct blocked_thread t = { .space = space, .result = 1 };
	struct timespec deadline;
	pthread_t thread;
	int ready[2];

	t.mailbox = big_mailbox(space);
	ck_assert_int_eq(pipe(ready), 0);
	t.ready = ready[1];
	ck_assert_int_eq(fx_catch_sigusr1(), 0);
	ck_assert_int_eq(pthread_create(&thread, NULL, recv_in_thread, &t), 0);
	ck_assert_int_eq(xipc_test_await(ready[0]), 0);
	xipc_test_wait_asleep(t.tid);
	ck_assert_int_eq(pthread_kill(thread, SIGUSR1), 0);
	/* Bounded: a thread the signal failed to wake must not hang the test. */
	ck_assert_int_eq(clock_gettime(CLOCK_REALTIME, &deadline), 0);
	deadline.tv_sec += XIPC_TEST_LONG_NS / 1000000000ULL;
	ck_assert_int_eq(pthread_timedjoin_np(thread, NULL, &deadline), 0);
	ck_assert_int_eq(t.result, -EINTR);
	ck_assert_int_eq(fx_signals, 1);
	close(ready[0]);
	close(ready[1]);
	ipc_close(space);
}
END_TEST

/*
 * With one message of type 1 in a max_msgs = 1 mailbox, a receive of type 2
 * and a send both block; destroying the mailbox wakes both with EIDRM.
 */
FX_TEST("teardown", test_destroy_wakes_blocked_callers)
{
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, 64, 1, 0);
	pid_t receiver, sender;

	send_index(space, mailbox, 1, 0);
	receiver = fork_blocked(space, mailbox, false, -EIDRM, false);
	sender = fork_blocked(space, mailbox, true, -EIDRM, false);
	ck_assert_int_eq(ipc_mailbox_destroy(space, mailbox), 0);
	ck_assert_int_eq(xipc_test_wait(receiver), 0);
	ck_assert_int_eq(xipc_test_wait(sender), 0);
	ipc_close(space);
}
END_TEST

FX_TEST("teardown", test_destroyed_mailbox_refuses_everything)
{
	int space = xipc_test_open();
	__u32 mailbox = big_mailbox(space);
	__u32 all = fx_dup(space, mailbox, XIPC_RIGHTS_ALL, 0, 0);
	__u32 send_only = fx_dup(space, mailbox, XIPC_RIGHT_SEND, 0, 0);
	__u32 handles[] = { mailbox, all, send_only };
	struct xipc_handle_info info;
	struct xipc_recv msg;
	unsigned char byte = 1;
	unsigned int i;

	send_index(space, mailbox, 1, 0);
	ck_assert_int_eq(ipc_mailbox_destroy(space, mailbox), 0);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(xipc_test_send(space, handles[i], 1, &byte, 1, 0),
				 -EIDRM);
		ck_assert_int_eq(ipc_handle_info(space, handles[i], &info), 0);
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
	ipc_close(space);
}
END_TEST

FX_TEST("teardown", test_no_receiver_is_epipe)
{
	int space = xipc_test_open();
	__u32 mailbox = big_mailbox(space);
	__u32 sender = fx_dup(space, mailbox, XIPC_RIGHT_SEND, 0, 0);
	__u32 receiver = fx_dup(space, mailbox, XIPC_RIGHT_RECV, 0, 0);
	struct xipc_handle_info info;

	/* A receive-only handle is enough of a receiver. */
	ck_assert_int_eq(ipc_handle_close(space, mailbox), 0);
	send_index(space, sender, 1, 0);
	ck_assert_int_eq(take_index(space, receiver, 0, 0), 0);
	ck_assert_int_eq(ipc_handle_info(space, sender, &info), 0);
	ck_assert_uint_eq(info.state, 0);

	ck_assert_int_eq(ipc_handle_close(space, receiver), 0);
	ck_assert_int_eq(xipc_test_send(space, sender, 1, "x", 1, 0), -EPIPE);
	ck_assert_int_eq(xipc_test_send(space, sender, 1, "x", 1,
					XIPC_TEST_SHORT_NS), -EPIPE);
	ck_assert_int_eq(ipc_handle_info(space, sender, &info), 0);
	ck_assert_uint_eq(info.state & XIPC_STATE_NO_RECEIVER,
			  XIPC_STATE_NO_RECEIVER);
	ck_assert_uint_eq(info.state & XIPC_STATE_DESTROYED, 0);
	ipc_close(space);
}
END_TEST

/*
 * A sender blocked on a full mailbox wakes with EPIPE when the last handle
 * that could receive is closed.
 */
FX_TEST("teardown", test_no_receiver_wakes_blocked_sender)
{
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, 64, 1, 0);
	pid_t pid;

	send_index(space, mailbox, 1, 0);
	/* The child sends through its own send-only handle. */
	pid = fork_blocked(space, fx_dup(space, mailbox, XIPC_RIGHT_SEND, 0,
					     0), true, -EPIPE, false);
	ck_assert_int_eq(ipc_handle_close(space, mailbox), 0);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	ipc_close(space);
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
	struct xipc_transfer transfer = {
		.handle = recv_grant,
		.flags = XIPC_TRANSFER_MOVE,
	};
	char name[XIPC_TEST_NAME_SIZE];
	int ready[2], go[2], bridge;
	struct xipc_send msg;
	pid_t receiver, blocked;

	xipc_test_name(name, "receiver");
	bridge = ipc_mailbox_open(space, name, XIPC_OPEN_CREATE | XIPC_OPEN_EXCL,
				  0600, 0);
	ck_assert_int_gt(bridge, 0);
	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(go), 0);
	receiver = xipc_test_fork();
	if (receiver == 0) {
		int own = ipc_open(0), mine;
		__u32 handles[1] = { 0 };
		struct xipc_recv in;
		char byte;

		close(ready[0]);
		close(go[1]);
		CHILD_EXPECT(own >= 0, CHILD_SYNC);
		mine = ipc_mailbox_open(own, name, 0, 0, XIPC_RIGHT_RECV);
		CHILD_EXPECT(mine > 0, CHILD_SYNC);
		in = xipc_test_recv_args(mine, 0, &byte, 1, XIPC_TEST_LONG_NS);
		in.handles = ipc_ptr(handles);
		in.max_handles = 1;
		CHILD_EXPECT(ipc_recv(own, &in) == 1 && in.nr_handles == 1,
			     CHILD_RESULT);
		CHILD_EXPECT(xipc_test_notify(ready[1]) == 0, CHILD_SYNC);
		/* Holds the only receive right until told to go. */
		CHILD_EXPECT(xipc_test_await(go[0]) == 0, CHILD_SYNC);
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	msg = xipc_test_send_args(bridge, 1, "r", 1, 0);
	msg.transfers = ipc_ptr(&transfer);
	msg.nr_transfers = 1;
	ck_assert_int_eq(ipc_send(space, &msg), 0);
	ck_assert_int_eq(xipc_test_await(ready[0]), 0);
	ck_assert_int_eq(ipc_handle_close(space, mailbox), 0);

	/* The receiver's space still can: fill the mailbox, and block on it. */
	send_index(space, sender, 1, 0);
	blocked = fork_blocked(space, sender, true, -EPIPE, false);
	ck_assert_int_eq(xipc_test_notify(go[1]), 0);
	ck_assert_int_eq(xipc_test_wait(receiver), 0);
	ck_assert_int_eq(xipc_test_wait(blocked), 0);
	ck_assert_int_eq(xipc_test_send(space, sender, 1, "x", 1, 0), -EPIPE);
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
	close(ready[0]);
	close(go[1]);
	ipc_close(space);
}
END_TEST

/*
 * Once no handle that could send is left and no matching message is
 * queued, a receive fails with EPIPE rather than wait for nothing.
 */
FX_TEST("teardown", test_no_sender_is_epipe)
{
	int space = xipc_test_open();
	__u32 mailbox = big_mailbox(space);
	__u32 receiver = fx_dup(space, mailbox, XIPC_RIGHT_RECV, 0, 0);
	__u32 sender = fx_dup(space, mailbox, XIPC_RIGHT_SEND, 0, 0);
	struct xipc_recv msg;
	char byte;

	ck_assert_int_eq(ipc_handle_close(space, mailbox), 0);
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
	ipc_close(space);
}
END_TEST

/* A receiver blocked forever wakes with EPIPE when the last sender goes. */
FX_TEST("teardown", test_no_sender_wakes_blocked_receiver)
{
	int space = xipc_test_open();
	__u32 mailbox = big_mailbox(space);
	pid_t pid = fork_blocked(space, fx_dup(space, mailbox, XIPC_RIGHT_RECV,
						   0, 0), false, -EPIPE, false);

	ck_assert_int_eq(ipc_handle_close(space, mailbox), 0);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	ipc_close(space);
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
	unsigned int s, i;

	for (s = 0; s < ORDER_SENDERS; s++) {
		pids[s] = xipc_test_fork();
		if (pids[s] == 0) {
			for (i = 0; i < ORDER_MSGS; i++) {
				struct order_msg m = { .sender = s, .seq = i };

				CHILD_EXPECT(xipc_test_send(space, mailbox, 1 + i % 2,
							    &m, sizeof(m),
							    XIPC_TEST_LONG_NS) == 0,
					     CHILD_RESULT);
			}
			_exit(0);
		}
	}
	for (i = 0; i < ORDER_SENDERS * ORDER_MSGS; i++) {
		struct order_msg m;
		struct xipc_recv msg;

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
	ipc_close(space);
}
END_TEST

/*
 * A child gets a mailbox the parent created after the fork by a message
 * carrying a handle to it, and uses that handle.
 */
FX_TEST("message", test_handle_passed_to_child)
{
	int space = xipc_test_open();
	__u32 carrier = big_mailbox(space);
	struct xipc_transfer transfer = { .rights = XIPC_RIGHT_SEND };
	struct xipc_send msg;
	struct xipc_recv got;
	char buf[8] = "";
	__u32 late;
	pid_t pid;

	pid = xipc_test_fork();
	if (pid == 0) {
		__u32 handles[1] = { 0 };
		struct xipc_recv in = xipc_test_recv_args(carrier, 0, buf, 1,
							  XIPC_TEST_LONG_NS);

		in.handles = ipc_ptr(handles);
		in.max_handles = 1;
		CHILD_EXPECT(ipc_recv(space, &in) == 1, CHILD_RESULT);
		CHILD_EXPECT(in.nr_handles == 1, CHILD_PAYLOAD);
		CHILD_EXPECT(xipc_test_send(space, handles[0], 4, "hello", 5, 0) ==
			     0, CHILD_TYPE);
		_exit(0);
	}
	late = big_mailbox(space);
	transfer.handle = late;
	msg = xipc_test_send_args(carrier, 1, "m", 1, 0);
	msg.transfers = ipc_ptr(&transfer);
	msg.nr_transfers = 1;
	ck_assert_int_eq(ipc_send(space, &msg), 0);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	ck_assert_int_eq(xipc_test_recv(space, late, 0, buf, sizeof(buf), 0, &got),
			 5);
	ck_assert_mem_eq(buf, "hello", 5);
	ck_assert_int_eq(got.pid, pid);
	ck_assert_int_eq(got.type, 4);
	ipc_close(space);
}
END_TEST

/*
 * A child with a space of its own, which shares nothing with the parent's
 * but a named mailbox, gets a handle to the parent's anonymous mailbox in a
 * message on it, and sends through that handle.
 */
FX_TEST("message", test_mailbox_reached_from_a_childs_own_space)
{
	int space = xipc_test_open();
	__u32 mailbox = big_mailbox(space);
	struct xipc_transfer transfer = {
		.handle = mailbox,
		.rights = XIPC_RIGHT_SEND,
	};
	char name[XIPC_TEST_NAME_SIZE], buf[8] = "";
	struct xipc_send msg;
	struct xipc_recv got;
	int bridge;
	pid_t pid;

	xipc_test_name(name, "own-space");
	bridge = ipc_mailbox_open(space, name, XIPC_OPEN_CREATE | XIPC_OPEN_EXCL,
				  0600, 0);
	ck_assert_int_gt(bridge, 0);
	pid = xipc_test_fork();
	if (pid == 0) {
		int own = ipc_open(0), mine;
		__u32 handles[1] = { 0 };
		struct xipc_handle_info info;
		struct xipc_recv in;

		CHILD_EXPECT(own >= 0, CHILD_SYNC);
		mine = ipc_mailbox_open(own, name, 0, 0, XIPC_RIGHT_RECV);
		CHILD_EXPECT(mine > 0, CHILD_SYNC);
		in = xipc_test_recv_args(mine, 0, buf, 1, XIPC_TEST_LONG_NS);
		in.handles = ipc_ptr(handles);
		in.max_handles = 1;
		CHILD_EXPECT(ipc_recv(own, &in) == 1 && in.nr_handles == 1,
			     CHILD_RESULT);
		CHILD_EXPECT(ipc_handle_info(own, handles[0], &info) == 0 &&
			     info.rights == XIPC_RIGHT_SEND, CHILD_PAYLOAD);
		CHILD_EXPECT(xipc_test_send(own, handles[0], 4, "hello", 5, 0) ==
			     0, CHILD_TYPE);
		_exit(0);
	}
	msg = xipc_test_send_args(bridge, 1, "m", 1, 0);
	msg.transfers = ipc_ptr(&transfer);
	msg.nr_transfers = 1;
	ck_assert_int_eq(ipc_send(space, &msg), 0);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	ck_assert_int_eq(xipc_test_recv(space, mailbox, 0, buf, sizeof(buf), 0,
					&got), 5);
	ck_assert_mem_eq(buf, "hello", 5);
	ck_assert_int_eq(got.pid, pid);
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
	ipc_close(space);
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
	struct xipc_recv got;
	char buf[32];

	(void)req;
	ck_assert_int_eq(ret, 0);
	got = xipc_test_recv_args(f->mailbox, 0, buf, sizeof(buf), 0);
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
	FX_BAD_BITS(struct xipc_send, flags, XIPC_ABSTIME, EINVAL),
	SEND(handle, 0, EBADF), SEND(handle, FX_UNUSED, EBADF),
	SEND(handle, FX_CLOSED, EBADF), SEND(handle, ~0U, EBADF),
	SEND(handle, FX_REVOKED, EKEYREVOKED),
	SEND(handle, FX_NO_SEND, EPERM),
	SEND(handle, FX_DESTROYED, EIDRM), SEND(handle, FX_ORPHAN, EPIPE),
	SEND(type, 0, EINVAL), SEND(type, -1, EINVAL), SEND(type, INT64_MIN, EINVAL),
	SEND(data, 0, EFAULT), SEND(data, FX_UNMAPPED, EFAULT),
	/* Straddling the end of the mapping. */
	SEND(data, FX_EDGE, EFAULT),
	SEND(size, FX_MSG + 1, EMSGSIZE),
	/* Not cut to 32 bits on the way. */
	SEND(size, (1ULL << 32) + 1, EMSGSIZE), SEND(size, ~0ULL, EMSGSIZE),
	SEND(transfers, 0, EFAULT), SEND(transfers, FX_UNMAPPED, EFAULT),
	SEND(nr_transfers, XIPC_MAX_TRANSFERS + 1, EINVAL),
	SEND(nr_transfers, ~0U, EINVAL),
	SEND(reserved, 1, EINVAL), SEND(reserved, 1U << 31, EINVAL),
	SEND(reserved, ~0U, EINVAL),
	FX_BAD_POINTER(0, EFAULT),
};

FX_TABLE("errors", test_send_refuses, send_table, XIPC_IOC_SEND,
	 struct xipc_send, .build = send_build, .check = send_check,
	 .rows = FX_ARRAY(send_rows))

/* A message queued, carrying a copy of the other mailbox's handle. */
static void recv_setup(struct fx *f)
{
	struct xipc_transfer transfer;
	struct xipc_send msg;

	fx_space(f);
	transfer = (struct xipc_transfer){ .handle = f->other };
	payload[0] = 9;
	msg = xipc_test_send_args(f->mailbox, 3, payload, 1, 0);
	msg.transfers = ipc_ptr(&transfer);
	msg.nr_transfers = 1;
	ck_assert_int_eq(ipc_send(f->space, &msg), 0);
}

static unsigned char recv_buf[64];
static __u32 recv_handles[4];

static void recv_build(struct fx *f, void *req)
{
	struct xipc_recv *msg = req;

	msg->flags = 0;
	msg->handle = f->mailbox;
	msg->type = 0;
	msg->data = ipc_ptr(recv_buf);
	msg->size = sizeof(recv_buf);
	msg->handles = ipc_ptr(recv_handles);
	msg->max_handles = 4;
	msg->timeout_ns = 0;
	msg->skip = 0;
}

static void recv_check(struct fx *f, void *req, int ret)
{
	struct xipc_recv *msg = req;

	ck_assert_int_eq(ret, 1);
	ck_assert_uint_eq(recv_buf[0], 9);
	ck_assert_int_eq(msg->type, 3);
	ck_assert_uint_eq(msg->size, 1);
	ck_assert_uint_eq(msg->nr_handles, 1);
	ck_assert_uint_eq(fx_object_id(f->space, recv_handles[0]),
			  fx_object_id(f->space, f->other));
	ck_assert_uint_eq(msg->badge, 0);
	ck_assert_int_eq(msg->pid, getpid());
	ck_assert_uint_eq(msg->uid, geteuid());
	ck_assert_uint_eq(msg->gid, getegid());
	ck_assert_uint_eq(msg->reply, 0);
	xipc_test_assert_empty(f->space, f->mailbox);
}

#define RECV(field, value, error) FX_BAD(struct xipc_recv, field, value, error)
static const struct fx_row recv_rows[] = {
	FX_BAD_BITS(struct xipc_recv, flags,
		    XIPC_RECV_EXCEPT | XIPC_RECV_PEEK | XIPC_RECV_TRUNCATE |
		    XIPC_RECV_FROM_BADGE | XIPC_RECV_FROM_PID | XIPC_ABSTIME,
		    EINVAL),
	RECV(handle, 0, EBADF), RECV(handle, FX_UNUSED, EBADF),
	RECV(handle, FX_CLOSED, EBADF), RECV(handle, ~0U, EBADF),
	RECV(handle, FX_REVOKED, EKEYREVOKED),
	RECV(handle, FX_NO_RECV, EPERM),
	RECV(handle, FX_DESTROYED, EIDRM),
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
	FX_OUT(struct xipc_recv, nr_handles),
	FX_OUT(struct xipc_recv, badge),
	FX_OUT(struct xipc_recv, pid),
	FX_OUT(struct xipc_recv, uid),
	FX_OUT(struct xipc_recv, gid),
	FX_OUT(struct xipc_recv, reply),
	FX_OUT(struct xipc_recv, quota_uid),
	FX_OUT(struct xipc_recv, reserved),
};

FX_TABLE("errors", test_recv_refuses, recv_table, XIPC_IOC_RECV,
	 struct xipc_recv, .setup = recv_setup, .build = recv_build,
	 .check = recv_check, .rows = FX_ARRAY(recv_rows),
	 .outs = FX_ARRAY(recv_outs))

int main(void)
{
	return fx_main("mailbox");
}
