// SPDX-License-Identifier: MIT
/*
 * Differential test against System V: random sequences of sends and typed
 * receives run on a msgget() queue and on an xipc mailbox side by side, and
 * every receive must give the same result on both.
 *
 * Covered: msgtyp 0, > 0, > 0 with MSG_EXCEPT, < 0; payloads of 0 to 64
 * bytes; a receive buffer too small (E2BIG, the message stays) and the same
 * with MSG_NOERROR (truncated, the message goes); an empty queue or no match
 * (ENOMSG with IPC_NOWAIT; EAGAIN with a zero timeout).
 */
#include <sys/ipc.h>
#include <sys/msg.h>

#include "fixture.h"

#define MAX_PAYLOAD	64
#define MAX_QUEUED	100	/* stays under the System V default of 16 KiB */
#define MAX_TYPE	5
#define STEPS		20000

struct sysv_msg {
	long type;
	char text[MAX_PAYLOAD];
};

/* A small deterministic generator, so that a failure can be replayed. */
static uint64_t rng_state;

static uint32_t rng(uint32_t bound)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(rng_state >> 33) % bound;
}

/* What one receive gave, on either side. */
struct outcome {
	int error;		/* 0, or ENOMSG / E2BIG */
	long type;
	size_t size;
	char text[MAX_PAYLOAD];
};

static struct outcome take_sysv(int queue, long type, int flags, size_t room)
{
	struct outcome out = { 0 };
	struct sysv_msg msg;
	ssize_t n;

	n = msgrcv(queue, &msg, room, type, flags | IPC_NOWAIT);
	if (n < 0) {
		out.error = errno;
		return out;
	}
	out.type = msg.type;
	out.size = n;
	memcpy(out.text, msg.text, n);
	return out;
}

static struct outcome take_xipc(int space, __u32 mailbox, long type, int flags,
				size_t room)
{
	struct outcome out = { 0 };
	char text[MAX_PAYLOAD];
	struct xipc_recv msg = { .handle = mailbox, .type = type,
				 .data = ipc_ptr(text), .size = room };
	int n;

	if (flags & MSG_EXCEPT)
		msg.flags |= XIPC_RECV_EXCEPT;
	if (flags & MSG_NOERROR)
		msg.flags |= XIPC_RECV_TRUNCATE;
	n = ipc_recv(space, &msg);
	if (n < 0) {
		/* Nothing to take without blocking: System V says ENOMSG. */
		out.error = n == -EAGAIN ? ENOMSG : -n;
		return out;
	}
	out.type = msg.type;
	out.size = n;
	memcpy(out.text, text, n);
	return out;
}

static void run_sequence(uint64_t seed)
{
	int queue = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	int space = xipc_test_open();
	__u32 mailbox = ipc_mailbox_create(space, MAX_PAYLOAD, MAX_QUEUED, 0);
	unsigned int queued = 0, step;

	ck_assert_int_ge(queue, 0);
	ck_assert_int_gt(mailbox, 0);
	rng_state = seed;
	for (step = 0; step < STEPS; step++) {
		if (queued < MAX_QUEUED && rng(2) == 0) {
			struct sysv_msg msg = { .type = 1 + rng(MAX_TYPE) };
			size_t size = rng(MAX_PAYLOAD + 1);
			struct xipc_send send = { .handle = mailbox,
				.type = msg.type, .data = ipc_ptr(msg.text),
				.size = size };
			unsigned int i;

			for (i = 0; i < size; i++)
				msg.text[i] = rng(256);
			ck_assert_int_eq(msgsnd(queue, &msg, size, IPC_NOWAIT), 0);
			ck_assert_int_eq(ipc_send(space, &send), 0);
			queued++;
		} else {
			long type = (long)rng(2 * MAX_TYPE + 3) - (MAX_TYPE + 1);
			int flags = 0;
			size_t room = MAX_PAYLOAD;
			struct outcome a, b;

			if (type > 0 && rng(4) == 0)
				flags |= MSG_EXCEPT;
			if (rng(8) == 0) {
				room = rng(MAX_PAYLOAD);
				if (rng(2))
					flags |= MSG_NOERROR;
			}
			a = take_sysv(queue, type, flags, room);
			b = take_xipc(space, mailbox, type, flags, room);
			ck_assert_msg(a.error == b.error && a.type == b.type &&
				      a.size == b.size && !memcmp(a.text, b.text, a.size),
				      "seed %llu step %u: msgrcv(type %ld, flags %#x, room %zu) "
				      "gave error %d type %ld size %zu; xipc gave error %d type %ld size %zu",
				      (unsigned long long)seed, step, type, flags, room,
				      a.error, a.type, a.size, b.error, b.type, b.size);
			if (!a.error)
				queued--;
		}
	}
	ck_assert_int_eq(msgctl(queue, IPC_RMID, NULL), 0);
	ipc_close(space);
}

FX_LOOP_TEST("differential", test_same_results_as_msgrcv, 0, 4)
{
	run_sequence(0x5eed0000ULL + _i);
}
END_TEST

int main(void)
{
	return fx_main("sysv");
}
