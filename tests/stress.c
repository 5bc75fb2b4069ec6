// SPDX-License-Identifier: MIT
/*
 * Many producers and consumers on one small mailbox: every message arrives
 * once, whole, and in order per producer; then the same while consumers are
 * killed at random moments and replaced, and while producers are killed in
 * the middle of their sends.
 */

#include "fixture.h"

#define PRODUCERS	4
#define CONSUMERS	3
#define PER_PRODUCER	500
/* Small, so that producers block on a full mailbox and consumers on empty. */
#define QUEUE_MSGS	8
#define MAX_FILLER	64
/* Above every producer's type (producer i sends type i + 1). */
#define STOP_TYPE	(PRODUCERS + 100)
/* How long the typed receives of consumers wait: meant to time out often. */
#define TYPED_WAIT_NS	(2ULL * 1000 * 1000)
#define MAX_KILLS	20
#define RANDOM_SEED	0x5eed1234U

struct stress_msg {
	__u32 producer, seq, filler_len, pad;
	__u64 checksum;
	unsigned char filler[MAX_FILLER];
};

#define HEADER_SIZE offsetof(struct stress_msg, filler)

/* What the processes of a test share, in a MAP_SHARED mapping. */
struct ledger {
	/* How often each message was received (any consumer, or the drain). */
	__u32 received[PRODUCERS][PER_PRODUCER];
	/* Whether ipc_send() reported success for it. */
	__u8 sent[PRODUCERS][PER_PRODUCER];
};

/* A test's processes and what they share. */
static int space;
static __u32 mailbox;
static struct ledger *ledger;
static pid_t producers[PRODUCERS], consumers[CONSUMERS];

/* Exit codes of producers and consumers. */
enum { STRESS_SEND = 1, STRESS_RECV, STRESS_CORRUPT, STRESS_ORDER, STRESS_DUPLICATE };

/* Over the header up to the checksum, and the filler. */
static __u64 checksum_of(const struct stress_msg *m)
{
	return fx_fnv1a(m->filler, m->filler_len,
			fx_fnv1a(m, offsetof(struct stress_msg, checksum),
				 FX_FNV_BASIS));
}

/* Message @seq of @producer: its size varies, its content is checkable. */
static size_t make_msg(struct stress_msg *m, __u32 producer, __u32 seq)
{
	__u32 i;

	*m = (struct stress_msg){ .producer = producer, .seq = seq,
		.filler_len = (producer * 7 + seq * 13) % (MAX_FILLER + 1) };
	for (i = 0; i < m->filler_len; i++)
		m->filler[i] = (unsigned char)(seq + i * 31 + producer);
	m->checksum = checksum_of(m);
	return HEADER_SIZE + m->filler_len;
}

/* Whether @m, received with @type and @size bytes, is a whole message. */
static bool msg_is_whole(const struct stress_msg *m, __s64 type, int size)
{
	struct stress_msg expected;

	if (size < (int)HEADER_SIZE || m->producer >= PRODUCERS ||
	    m->seq >= PER_PRODUCER || type != m->producer + 1)
		return false;
	if ((size_t)size != make_msg(&expected, m->producer, m->seq))
		return false;
	return memcmp(m, &expected, size) == 0 && checksum_of(m) == m->checksum;
}

static void produce(__u32 producer, bool may_time_out)
{
	__u32 seq;

	for (seq = 0; seq < PER_PRODUCER; seq++) {
		struct stress_msg m;
		size_t size = make_msg(&m, producer, seq);
		int ret = xipc_test_send(space, mailbox, producer + 1, &m, size,
					 XIPC_TEST_LONG_NS);

		if (ret == 0)
			ledger->sent[producer][seq] = 1;
		else
			CHILD_EXPECT(may_time_out && ret == -ETIMEDOUT,
				     STRESS_SEND);
	}
	_exit(0);
}

/*
 * Receives until a STOP_TYPE message, mixing the ways to select: any type
 * (which waits long), and a given type, the lowest type, or any but a given
 * type (which wait briefly and may time out).
 */
static void consume(unsigned int id)
{
	__s64 last_seq[PRODUCERS];
	unsigned int i, p;

	for (p = 0; p < PRODUCERS; p++)
		last_seq[p] = -1;
	for (i = 0;; i++) {
		/* Way 0: any; 1: a type; 2: the lowest up to one; 3: all but one. */
		unsigned int way = (i + id) % 4, round = i / 4;
		__s64 type = way == 0 ? 0 : way == 2 ?
			     -(__s64)(1 + round % PRODUCERS) :
			     1 + (round + id + (way == 3)) % PRODUCERS;
		__u64 timeout = way ? TYPED_WAIT_NS : XIPC_TEST_LONG_NS;
		struct stress_msg m;
		struct xipc_recv msg;
		int ret;

		msg = xipc_test_recv_args(mailbox, type, &m, sizeof(m), timeout);
		msg.flags = way == 3 ? XIPC_RECV_EXCEPT : 0;
		ret = ipc_recv(space, &msg);
		if (way && (ret == -ETIMEDOUT || ret == -EAGAIN))
			continue;
		CHILD_EXPECT(ret >= 0, STRESS_RECV);
		if (msg.type == STOP_TYPE)
			_exit(0);
		CHILD_EXPECT(msg_is_whole(&m, msg.type, ret) && msg.size == (__u64)ret,
			     STRESS_CORRUPT);
		/* One producer sends one type, so its messages come in order. */
		CHILD_EXPECT(m.seq > last_seq[m.producer], STRESS_ORDER);
		last_seq[m.producer] = m.seq;
		CHILD_EXPECT(__atomic_fetch_add(&ledger->received[m.producer][m.seq],
						1, __ATOMIC_SEQ_CST) == 0,
			     STRESS_DUPLICATE);
	}
}

/* A consumer (@consumer) or producer child number @id. */
static pid_t fork_child(bool consumer, unsigned int id, bool may_time_out)
{
	pid_t pid = xipc_test_fork();

	if (pid == 0 && consumer)
		consume(id);
	if (pid == 0)
		produce(id, may_time_out);
	return pid;
}

/*
 * A small mailbox, the ledger, and CONSUMERS consumers and PRODUCERS
 * producers (each told @may_time_out) on it.
 */
static void start_all(bool may_time_out)
{
	unsigned int i;

	space = xipc_test_open();
	mailbox = xipc_test_mailbox(space, sizeof(struct stress_msg), QUEUE_MSGS,
				    QUEUE_MSGS * sizeof(struct stress_msg));
	ledger = fx_shared(sizeof(*ledger));
	for (i = 0; i < CONSUMERS; i++)
		consumers[i] = fork_child(true, i, false);
	for (i = 0; i < PRODUCERS; i++)
		producers[i] = fork_child(false, i, may_time_out);
}

/* Fails unless message @seq of producer @i arrived at most once. */
static __u32 received(unsigned int i, unsigned int seq)
{
	__u32 times = ledger->received[i][seq];

	ck_assert_msg(times <= 1, "producer %u message %u received %u times",
		      i, seq, times);
	return times;
}

/*
 * Once the producers are done: stops the consumers, waits for them, and
 * takes what they left in the mailbox into the ledger.
 */
static void stop_and_drain(void)
{
	unsigned int i;

	for (i = 0; i < CONSUMERS; i++)
		ck_assert_int_eq(xipc_test_send(space, mailbox, STOP_TYPE, "", 0,
						XIPC_TEST_LONG_NS), 0);
	for (i = 0; i < CONSUMERS; i++)
		ck_assert_int_eq(xipc_test_wait(consumers[i]), 0);
	/*
	 * A consumer selecting "any type but T" may have taken its stop while
	 * messages of type T were left: they are counted here.
	 */
	for (;;) {
		struct stress_msg m;
		struct xipc_recv msg;
		int ret = xipc_test_recv(space, mailbox, 0, &m, sizeof(m), 0, &msg);

		if (ret == -EAGAIN)
			break;
		ck_assert_int_ge(ret, 0);
		ck_assert_int_ne(msg.type, STOP_TYPE);
		ck_assert(msg_is_whole(&m, msg.type, ret));
		ck_assert_uint_eq(ledger->received[m.producer][m.seq]++, 0);
	}
}

/* Nobody killed: every message arrives exactly once, whole, in order. */
FX_TEST("stress", test_no_loss_no_duplicate)
{
	unsigned int i, seq;

	start_all(false);
	for (i = 0; i < PRODUCERS; i++)
		ck_assert_int_eq(xipc_test_wait(producers[i]), 0);
	stop_and_drain();
	for (i = 0; i < PRODUCERS; i++)
		for (seq = 0; seq < PER_PRODUCER; seq++) {
			ck_assert_msg(ledger->sent[i][seq] == 1,
				      "producer %u message %u not sent", i, seq);
			ck_assert_uint_eq(received(i, seq), 1);
		}
}
END_TEST

static __u32 next_random(__u32 *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

/* Whether every producer exited (0), reaping those that did. */
static bool all_exited(void)
{
	bool all = true;
	unsigned int i;
	int status;
	pid_t ret;

	for (i = 0; i < PRODUCERS; i++) {
		if (!producers[i])
			continue;
		ret = waitpid(producers[i], &status, WNOHANG);
		ck_assert_int_ge(ret, 0);
		all &= ret != 0;
		if (!ret)
			continue;
		ck_assert_msg(WIFEXITED(status) && !WEXITSTATUS(status),
			      "producer status %#x", status);
		producers[i] = 0;
	}
	return all;
}

/*
 * Consumers are killed at random moments (from a fixed seed) and replaced.
 * A message a killed consumer had taken is lost, which is allowed; none may
 * arrive twice or damaged, none may arrive that was not sent, and nobody
 * may hang.
 */
FX_TEST("stress", test_consumers_killed)
{
	__u32 random = RANDOM_SEED;
	unsigned int i, seq, kills = 0, next_id = CONSUMERS;
	unsigned int got = 0, sent = 0;

	start_all(true);
	while (!all_exited()) {
		unsigned int pause_ms = 1 + next_random(&random) % 20;
		unsigned int victim = next_random(&random) % CONSUMERS;

		usleep(pause_ms * 1000);
		if (kills == MAX_KILLS)
			continue;
		/* Dead of the SIGKILL, not of anything else first. */
		fx_kill(consumers[victim]);
		consumers[victim] = fork_child(true, next_id++, false);
		kills++;
	}
	stop_and_drain();
	for (i = 0; i < PRODUCERS; i++)
		for (seq = 0; seq < PER_PRODUCER; seq++) {
			__u32 times = received(i, seq);

			ck_assert_msg(!times || ledger->sent[i][seq],
				      "producer %u message %u received, not sent",
				      i, seq);
			got += times;
			sent += ledger->sent[i][seq];
		}
	/*
	 * Only a receive takes a message out, and a consumer is in one
	 * receive at a time: each kill loses at most the message it took.
	 */
	ck_assert_msg(got + kills >= sent, "%u sent, %u received, %u kills",
		      sent, got, kills);
}
END_TEST

/*
 * Each producer is killed at a random moment, often while it sleeps in a
 * send on the full mailbox. What it sent before arrives once, whole and in
 * order; the send it was killed in is queued whole or not at all; nothing
 * after it arrives.
 */
FX_TEST("stress", test_producers_killed)
{
	__u32 random = RANDOM_SEED ^ 0x9e3779b9U;
	unsigned int i, seq;

	start_all(false);
	for (i = 0; i < PRODUCERS; i++) {
		int status;

		usleep((1 + next_random(&random) % 50) * 1000);
		/* A producer that already finished is a zombie: kill is a no-op. */
		ck_assert_int_eq(kill(producers[i], SIGKILL), 0);
		status = xipc_test_wait_status(producers[i]);
		ck_assert_msg((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) ||
			      (WIFEXITED(status) && WEXITSTATUS(status) == 0),
			      "producer status %#x", status);
	}
	stop_and_drain();
	for (i = 0; i < PRODUCERS; i++) {
		unsigned int nr_sent = 0;

		/* Sends that reported success are a prefix of the sequence. */
		while (nr_sent < PER_PRODUCER && ledger->sent[i][nr_sent])
			nr_sent++;
		/* Each once, the send it died in at most once, none after. */
		for (seq = 0; seq < PER_PRODUCER; seq++)
			if (seq <= nr_sent)
				ck_assert_uint_ge(received(i, seq),
						  seq < nr_sent);
			else
				ck_assert_msg(!ledger->sent[i][seq] &&
					      !ledger->received[i][seq],
					      "producer %u message %u after its death",
					      i, seq);
	}
}
END_TEST

int main(void)
{
	return fx_main("stress");
}
