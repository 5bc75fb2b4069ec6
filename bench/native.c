// SPDX-License-Identifier: MIT
/*
 * The native Linux mechanisms xipc is compared with: a pipe, a Unix domain
 * socket, eventfd or futex wake-ups over shared memory, System V message
 * queues and POSIX message queues. Each is set up the way a careful program
 * would use it for request and reply.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <mqueue.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"

int read_full(int fd, void *buf, size_t size)
{
	unsigned char *p = buf;

	while (size) {
		ssize_t n = read(fd, p, size);

		if (n <= 0)
			return n ? -errno : -EPIPE;
		p += n;
		size -= (size_t)n;
	}
	return 0;
}

int write_full(int fd, const void *buf, size_t size)
{
	const unsigned char *p = buf;

	while (size) {
		ssize_t n = write(fd, p, size);

		if (n < 0)
			return -errno;
		p += n;
		size -= (size_t)n;
	}
	return 0;
}

/*
 * Byte streams: a pipe each way, or one Unix stream socket pair. As pipe2()
 * fills them: fds[0] is the server's end for requests, fds[1] the client's;
 * fds[2] the client's end for replies, fds[3] the server's.
 */
static int fds[4] = { -1, -1, -1, -1 };

static void close_fds(void)
{
	for (int i = 0; i < 4; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

static int pipe_setup(size_t size)
{
	int ret = 0;

	(void)size;
	if (pipe2(fds, O_CLOEXEC) || pipe2(fds + 2, O_CLOEXEC)) {
		ret = -errno;
		close_fds();
	}
	return ret;
}

/* The server's end of the pair is fds[0] and fds[3], the client's the rest. */
static int unix_setup(size_t size)
{
	(void)size;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds))
		return -errno;
	fds[2] = fds[1];
	fds[3] = fds[0];
	return 0;
}

static void stream_teardown(void)
{
	if (fds[2] == fds[1])
		fds[2] = fds[3] = -1;	/* one socket pair */
	close_fds();
}

static int stream_put(bool reply, size_t size)
{
	return write_full(fds[reply ? 3 : 1], bench_out, size);
}

static int stream_take(bool reply, size_t size)
{
	return read_full(fds[reply ? 2 : 0], bench_in, size);
}

const struct mechanism pipe_mechanism = {
	.name = "pipe",
	.what = "write() and read() on a pipe each way",
	.max_size = BENCH_MAX_SIZE,
	.min_size = 1,
	.setup = pipe_setup,
	.put = stream_put,
	.take = stream_take,
	.teardown = stream_teardown,
};

const struct mechanism unix_mechanism = {
	.name = "unix",
	.what = "write() and read() on a Unix stream socket pair",
	.max_size = BENCH_MAX_SIZE,
	.min_size = 1,
	.setup = unix_setup,
	.put = stream_put,
	.take = stream_take,
	.teardown = stream_teardown,
};

/*
 * Shared memory with a wake-up: the request and the reply are copied
 * through a shared buffer, and the other side is woken by an eventfd or a
 * futex. The futex words count the requests and replies so far.
 */
struct shared {
	_Atomic uint32_t requests;
	_Atomic uint32_t replies;
	unsigned char data[];
};

static struct shared *shared;
static int req_event = -1, rep_event = -1;

static int shared_map(void)
{
	shared = mmap(NULL, sizeof(*shared) + BENCH_MAX_SIZE,
		      PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		shared = NULL;
		return -errno;
	}
	return 0;
}

static void shared_unmap(void)
{
	munmap(shared, sizeof(*shared) + BENCH_MAX_SIZE);
	shared = NULL;
}

static int shared_setup(size_t size)
{
	(void)size;
	return shared_map();
}

static int eventfd_setup(size_t size)
{
	int ret = shared_map();

	(void)size;
	if (ret)
		return ret;
	req_event = eventfd(0, EFD_CLOEXEC);
	rep_event = eventfd(0, EFD_CLOEXEC);
	if (req_event < 0 || rep_event < 0) {
		ret = -errno;
		if (req_event >= 0)
			close(req_event);
		shared_unmap();
		return ret;
	}
	return 0;
}

static void eventfd_teardown(void)
{
	close(req_event);
	close(rep_event);
	shared_unmap();
}

static int event_signal(int fd)
{
	uint64_t one = 1;

	return write(fd, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}

static int event_wait(int fd)
{
	uint64_t count;

	return read(fd, &count, sizeof(count)) == sizeof(count) ? 0 : -errno;
}

static int eventfd_serve(size_t in_size, size_t out_size, unsigned long n)
{
	int ret = 0;

	for (unsigned long i = 0; i < n && !ret; i++) {
		ret = event_wait(req_event);
		memcpy(bench_in, shared->data, in_size);
		memcpy(shared->data, bench_out, out_size);
		if (!ret)
			ret = event_signal(rep_event);
	}
	return ret;
}

static int eventfd_call(size_t in_size, size_t out_size)
{
	int ret;

	memcpy(shared->data, bench_out, in_size);
	ret = event_signal(req_event);
	if (!ret)
		ret = event_wait(rep_event);
	memcpy(bench_in, shared->data, out_size);
	return ret;
}

const struct mechanism eventfd_mechanism = {
	.name = "eventfd",
	.what = "copy through shared memory, wake with an eventfd each way",
	.max_size = BENCH_MAX_SIZE,
	.setup = eventfd_setup,
	.serve = eventfd_serve,
	.call = eventfd_call,
	.teardown = eventfd_teardown,
};

/*
 * The floor of a handoff without the kernel: the two processes spin on the
 * request and reply counts, one cache line, and make no system call.
 */
static void spin_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static int spin_serve(size_t in_size, size_t out_size, unsigned long n)
{
	(void)in_size;
	(void)out_size;
	for (uint32_t i = 1; i <= n; i++) {
		while (atomic_load_explicit(&shared->requests,
					    memory_order_acquire) != i)
			spin_pause();
		atomic_store_explicit(&shared->replies, i, memory_order_release);
	}
	return 0;
}

static int spin_call(size_t in_size, size_t out_size)
{
	uint32_t i = atomic_load_explicit(&shared->requests,
					  memory_order_relaxed) + 1;

	(void)in_size;
	(void)out_size;
	atomic_store_explicit(&shared->requests, i, memory_order_release);
	while (atomic_load_explicit(&shared->replies, memory_order_acquire) != i)
		spin_pause();
	return 0;
}

const struct mechanism spin_mechanism = {
	.name = "spin",
	.what = "spin on one shared cache line each way, no kernel at all",
	.max_size = 0,
	.smp = true,
	.setup = shared_setup,
	.serve = spin_serve,
	.call = spin_call,
	.teardown = shared_unmap,
};

static long futex(_Atomic uint32_t *word, int op, uint32_t val)
{
	return syscall(SYS_futex, word, op, val, NULL, NULL, 0);
}

/* Waits until *@word passes @seen; a shared futex: the word is in shmem. */
static void futex_wait_past(_Atomic uint32_t *word, uint32_t seen)
{
	while (atomic_load(word) == seen)
		futex(word, FUTEX_WAIT, seen);
}

static void futex_bump(_Atomic uint32_t *word)
{
	atomic_fetch_add(word, 1);
	futex(word, FUTEX_WAKE, 1);
}


static int futex_serve(size_t in_size, size_t out_size, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		futex_wait_past(&shared->requests, (uint32_t)i);
		memcpy(bench_in, shared->data, in_size);
		memcpy(shared->data, bench_out, out_size);
		futex_bump(&shared->replies);
	}
	return 0;
}

static int futex_call(size_t in_size, size_t out_size)
{
	uint32_t seen = atomic_load(&shared->replies);

	memcpy(shared->data, bench_out, in_size);
	futex_bump(&shared->requests);
	futex_wait_past(&shared->replies, seen);
	memcpy(bench_in, shared->data, out_size);
	return 0;
}

const struct mechanism futex_mechanism = {
	.name = "futex",
	.what = "copy through shared memory, wake with a futex each way",
	.max_size = BENCH_MAX_SIZE,
	.setup = shared_setup,
	.serve = futex_serve,
	.call = futex_call,
	.teardown = shared_unmap,
};

/*
 * Raises a kernel limit in /proc/sys to at least @want, as root may; a
 * mechanism whose limit stays too low is skipped at that size.
 */
static void raise_limit(const char *path, unsigned long want)
{
	unsigned long have = 0;
	FILE *f = fopen(path, "r");

	if (f) {
		if (fscanf(f, "%lu", &have) != 1)
			have = 0;
		fclose(f);
	}
	if (have >= want)
		return;
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%lu\n", want);
		fclose(f);
	}
}

/*
 * System V: one queue, requests of type 1 and replies of type 2. The data
 * follows the type; it is made and used in place (not copied here).
 */
struct sysv_msg {
	long type;
};

static int sysv_queue = -1;
static struct sysv_msg *sysv_buf;

static int sysv_setup(size_t size)
{
	raise_limit("/proc/sys/kernel/msgmax", BENCH_MAX_SIZE);
	raise_limit("/proc/sys/kernel/msgmnb", 2 * BENCH_MAX_SIZE);
	sysv_queue = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	if (sysv_queue < 0)
		return -errno;
	sysv_buf = malloc(sizeof(*sysv_buf) + BENCH_MAX_SIZE);	/* and the data */
	if (!sysv_buf) {
		msgctl(sysv_queue, IPC_RMID, NULL);
		return -ENOMEM;
	}
	/* Too big for the queue's limits: skip, rather than fail later. */
	sysv_buf->type = 1;
	if (msgsnd(sysv_queue, sysv_buf, size, IPC_NOWAIT) ||
	    msgrcv(sysv_queue, sysv_buf, size, 1, IPC_NOWAIT) < 0) {
		int ret = -errno;

		msgctl(sysv_queue, IPC_RMID, NULL);
		free(sysv_buf);
		return ret;
	}
	return 0;
}

static void sysv_teardown(void)
{
	msgctl(sysv_queue, IPC_RMID, NULL);
	free(sysv_buf);
}

/*
 * A program builds its message in the struct msgsnd() takes: no copy.
 * Requests are of type 1, replies of type 2.
 */
static int sysv_put(bool reply, size_t size)
{
	sysv_buf->type = reply ? 2 : 1;
	return msgsnd(sysv_queue, sysv_buf, size, 0) ? -errno : 0;
}

static int sysv_take(bool reply, size_t size)
{
	return msgrcv(sysv_queue, sysv_buf, size, reply ? 2 : 1, 0) < 0 ?
	       -errno : 0;
}

const struct mechanism sysv_mechanism = {
	.name = "sysv",
	.what = "System V msgsnd() and msgrcv() on one queue, by type",
	.max_size = BENCH_MAX_SIZE,
	.setup = sysv_setup,
	.put = sysv_put,
	.take = sysv_take,
	.teardown = sysv_teardown,
};

/* POSIX: a queue each way, unlinked at once (the descriptors stay). */
static mqd_t mq_req = (mqd_t)-1, mq_rep = (mqd_t)-1;
/* Both queues' message size: mq_receive() wants room for that much. */
static size_t mq_size;

static mqd_t mq_make(const char *name)
{
	struct mq_attr attr = { .mq_maxmsg = 4, .mq_msgsize = (long)mq_size };
	mqd_t q = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600,
			  &attr);

	mq_unlink(name);
	return q;
}

static int mq_setup(size_t size)
{
	char name[64];

	raise_limit("/proc/sys/fs/mqueue/msgsize_max", BENCH_MAX_SIZE);
	/* Two queues of 4 messages of up to 1 MiB are over the default. */
	setrlimit(RLIMIT_MSGQUEUE, &(struct rlimit){ RLIM_INFINITY,
						     RLIM_INFINITY });
	mq_size = size ? size : 1;
	snprintf(name, sizeof(name), "/xipc-bench-req-%d", (int)getpid());
	mq_req = mq_make(name);
	snprintf(name, sizeof(name), "/xipc-bench-rep-%d", (int)getpid());
	mq_rep = mq_make(name);
	if (mq_req == (mqd_t)-1 || mq_rep == (mqd_t)-1) {
		int ret = -errno;

		if (mq_req != (mqd_t)-1)
			mq_close(mq_req);
		return ret;
	}
	return 0;
}

static void mq_teardown(void)
{
	mq_close(mq_req);
	mq_close(mq_rep);
}

static int mq_put(bool reply, size_t size)
{
	return mq_send(reply ? mq_rep : mq_req, (const char *)bench_out, size,
		       0) ? -errno : 0;
}

static int mq_take(bool reply, size_t size)
{
	ssize_t n = mq_receive(reply ? mq_rep : mq_req, (char *)bench_in,
			       mq_size, NULL);

	if (n < 0)
		return -errno;
	return (size_t)n == size ? 0 : -EPROTO;
}

const struct mechanism mq_mechanism = {
	.name = "mq",
	.what = "POSIX mq_send() and mq_receive(), a queue each way",
	.max_size = BENCH_MAX_SIZE,
	.setup = mq_setup,
	.put = mq_put,
	.take = mq_take,
	.teardown = mq_teardown,
};
