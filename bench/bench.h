/* SPDX-License-Identifier: MIT */
/*
 * xipc-bench: every mechanism is a pair of peers, a client (this process)
 * and a server (a child it forks), that pass a request of in_size bytes one
 * way and a reply of out_size bytes back. A mechanism says how to set the
 * pair up, how the server answers and how the client makes one call; the
 * runner (bench/main.c) times the calls and does the statistics.
 */
#ifndef XIPC_BENCH_H
#define XIPC_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest payload any benchmark moves. */
#define BENCH_MAX_SIZE (1U << 20)

/*
 * struct mechanism - one way to make a round trip between two processes
 * @name:	short name, in tables and the CSV
 * @what:	one line saying what a round trip does
 * @max_size:	the largest payload it carries
 * @min_size:	the smallest payload it carries (a pipe cannot wake its reader
 *		with 0 bytes: its 0-byte round trips move 1 byte)
 * @smp:	measured only with two CPUs (it spins on the other one)
 * @setup:	in the server, before the fork: make the channel for payloads
 *		up to @size; returns 0 or a negated errno value (then the
 *		mechanism is skipped at that size)
 * @serve:	in the server: answer @n calls, then return 0 or -errno; NULL
 *		for a mechanism whose setup started threads that serve
 * @attach:	in the client, after the fork (NULL: nothing to do)
 * @call:	in the client: one round trip; returns 0 or -errno
 * @put:	for a mechanism with a queue each way, in place of @serve and
 *		@call (the runner makes them of @put and @take), and what the
 *		one-way test needs (NULL: none): queue one message of @size
 *		bytes from bench_out, a request (@reply false: in the client) or
 *		a reply (in the server); returns 0 or -errno
 * @take:	with @put: take one message of @size bytes into bench_in, a
 *		request (@reply false: in the server) or a reply (in the client)
 * @teardown:	in the server, after the client exited
 *
 * The parent process is the server, a child it forks the client: the
 * client's handles and mappings are then its own, made after the fork. Each
 * side touches every byte it sends or receives, as a real program would: it
 * writes the request from a buffer of its own and reads the reply into one,
 * unless working in place is the mechanism's point.
 */
struct mechanism {
	const char *name;
	const char *what;
	size_t max_size;
	size_t min_size;
	bool smp;
	int (*setup)(size_t size);
	int (*serve)(size_t in_size, size_t out_size, unsigned long n);
	int (*attach)(void);
	int (*call)(size_t in_size, size_t out_size);
	int (*put)(bool reply, size_t size);
	int (*take)(bool reply, size_t size);
	void (*teardown)(void);
};

/* The mechanisms, in the order tables list them; bench/native.c, bench/xipc.c. */
extern const struct mechanism pipe_mechanism, unix_mechanism,
	eventfd_mechanism, futex_mechanism, sysv_mechanism, mq_mechanism,
	mailbox_mechanism, mailbox_batch_mechanism, rpc_mechanism,
	rpc_batch_mechanism, lrpc_mechanism, lrpc_regs_mechanism,
	lrpc_copy_mechanism, lrpc_copy_in_mechanism, lrpc_spin_mechanism,
	handoff_mechanism, spin_mechanism;

/* Buffers each side reads into and writes from, BENCH_MAX_SIZE bytes. */
extern unsigned char *bench_out, *bench_in;

/* Helpers for mechanisms: a whole read or write, or -errno. */
int read_full(int fd, void *buf, size_t size);
int write_full(int fd, const void *buf, size_t size);

/* The cost of one null ioctl on /dev/xipc, the floor (bench/xipc.c). */
int xipc_null_ioctl_setup(void);
int xipc_null_ioctl(void);
void xipc_null_ioctl_teardown(void);

/*
 * A no-op that marks the start and the end of a timed loop for the
 * instruction profiler (bench/plugin/insn-profile.c): nopl 0x7869706d(%rax).
 */
static inline void profile_mark(void)
{
#if defined(__x86_64__)
	__asm__ volatile(".byte 0x0f, 0x1f, 0x80, 0x6d, 0x70, 0x69, 0x78"
			 ::: "memory");
#endif
}

#endif /* XIPC_BENCH_H */
