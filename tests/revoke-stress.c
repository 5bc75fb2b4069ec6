// SPDX-License-Identifier: MIT
/*
 * Revocation against calls in flight, with several processes: clients in
 * spaces of their own call through handles that the test revokes at varying
 * moments, while server processes take and answer the requests. Every call
 * ends; each request is withdrawn (its moved handle comes back, no server
 * ever sees it) or received (answered, or canceled if the revoke came
 * first), never both and never neither; once a revoke returned, no request
 * through the handle it reached is received and no reply to one works.
 * Then the same for LRPC calls: none runs twice, and none whose handler
 * ends after its binding's revoke returned is answered.
 */

#include "fixture.h"

#define CLIENTS		3
#define SERVERS		2
#define SERVER_THREADS	2
#define ROUNDS		12
#define MAX_CALLS	200
#define STOP_TYPE	1000
#define RANDOM_SEED	0x7e70c3U

/* What a client saw of one call, and what the servers did with its request. */
enum {
	NOT_MADE,
	ANSWERED,	/* the reply came */
	WITHDRAWN,	/* EKEYREVOKED, and the moved handle came back */
	CANCELED,	/* EKEYREVOKED, and the moved handle went with the request */
	FAILED,		/* anything else */
};

enum { NO_REPLY, REPLIED, REPLY_CANCELED, REPLY_FAILED };

struct request {
	__u32 round, client, seq, pad;
};

/* Shared by every process of a test, in a MAP_SHARED mapping. */
static struct ledger {
	__u8 outcome[ROUNDS][CLIENTS][MAX_CALLS];
	/* How often a server received the request, or the handler ran. */
	__u8 received[ROUNDS][CLIENTS][MAX_CALLS];
	__u8 replied[ROUNDS][CLIENTS][MAX_CALLS];
	/* The handler ended after its binding's revoke had returned. */
	__u8 late[ROUNDS][CLIENTS][MAX_CALLS];
	__u32 calls[CLIENTS];		/* calls made this round, so far */
	__u32 bad_requests;
	/* Set once the revoke of that round's client handle has returned. */
	__u8 revoked[ROUNDS][CLIENTS];
	/* Requests received though their revoke had returned before. */
	__u32 late_received;
	/* Replies that worked though their call's revoke had returned before. */
	__u32 late_answered;
} *l;

/*
 * The test's space, and per client: its intro mailbox (named in the RPC
 * test, whose clients have spaces of their own), and its done pipe.
 */
static int space;
static __u32 intro[CLIENTS];
static char names[CLIENTS][XIPC_TEST_NAME_SIZE];
static int done[CLIENTS][2];
static pid_t clients[CLIENTS];

/*
 * A new space and ledger, and the clients: client(k, its done pipe) each,
 * once intro[k] is made (@named or not).
 */
static void start(bool named, void (*client)(__u32 k, int done))
{
	char tag[16];
	__u32 k;

	space = xipc_test_open();
	l = fx_shared(sizeof(*l));
	for (k = 0; k < CLIENTS; k++) {
		snprintf(tag, sizeof(tag), "intro%u", k);
		intro[k] = named ? fx_named(space, names[k], tag) :
				   xipc_test_mailbox(space, 0, 0, 0);
		ck_assert_int_eq(pipe(done[k]), 0);
		clients[k] = xipc_test_fork();
		if (clients[k] == 0)
			client(k, done[k][1]);
		close(done[k][1]);
	}
}

static bool in_ledger(__u64 round, __u64 client, __u64 seq)
{
	return round < ROUNDS && client < CLIENTS && seq < MAX_CALLS;
}

/* Server processes: take requests from @mailbox and answer them, till STOP. */
static void run_server(__u32 mailbox, unsigned int seed)
{
	for (;;) {
		__u8 revoked_before[ROUNDS][CLIENTS];
		struct request req;
		struct xipc_recv msg;
		__u32 token = 0;
		bool late;
		int ret;

		/*
		 * A revoke withdraws every request queued through the handle
		 * it reaches: none of them can be received after it returned.
		 */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		memcpy(revoked_before, l->revoked, sizeof(revoked_before));
		msg = xipc_test_recv_args(mailbox, 0, &req, sizeof(req),
					  XIPC_TEST_LONG_NS);
		msg.handles = ipc_ptr(&token);
		msg.max_handles = 1;
		ret = ipc_recv(space, &msg);
		CHILD_EXPECT(ret >= 0, 1);
		if (msg.type == STOP_TYPE)
			_exit(0);
		if (ret != sizeof(req) || !in_ledger(req.round, req.client, req.seq)) {
			__atomic_add_fetch(&l->bad_requests, 1, __ATOMIC_SEQ_CST);
			continue;
		}
		__atomic_add_fetch(&l->received[req.round][req.client][req.seq], 1,
				   __ATOMIC_SEQ_CST);
		if (revoked_before[req.round][req.client])
			__atomic_add_fetch(&l->late_received, 1, __ATOMIC_SEQ_CST);
		if (msg.nr_handles == 1)
			ipc_handle_close(space, token);
		/* Now and then the revoke comes while the server has it. */
		if (rand_r(&seed) % 4 == 0)
			sched_yield();
		/* A call its revoke reached is canceled: no reply after it. */
		late = __atomic_load_n(&l->revoked[req.round][req.client],
				       __ATOMIC_SEQ_CST);
		ret = ipc_reply(space, &(struct xipc_reply){ .reply = msg.reply,
				.data = ipc_ptr(&req), .size = sizeof(req) });
		if (late && ret != -ECANCELED)
			__atomic_add_fetch(&l->late_answered, 1, __ATOMIC_SEQ_CST);
		l->replied[req.round][req.client][req.seq] =
			!ret ? REPLIED : ret == -ECANCELED ? REPLY_CANCELED :
			REPLY_FAILED;
	}
}

/*
 * In a client: takes the next introduction from @intro, carrying the handle
 * of a round (into @handle): the round, from 0. Exits 0 on STOP_TYPE, and
 * @code if the message is not as it should be.
 */
static __u32 next_round(int space, int intro, __u32 *handle, int code)
{
	struct xipc_recv msg;
	char byte;

	msg = xipc_test_recv_args(intro, 0, &byte, 1, XIPC_TEST_LONG_NS);
	msg.handles = ipc_ptr(handle);
	msg.max_handles = 1;
	CHILD_EXPECT(ipc_recv(space, &msg) == 1, code);
	if (msg.type == STOP_TYPE)
		_exit(0);
	CHILD_EXPECT(msg.nr_handles == 1 && msg.type >= 1 && msg.type <= ROUNDS,
		     code);
	return msg.type - 1;
}

/* A call's outcome; a call that failed otherwise is said on stderr. */
static __u8 failed(const char *what, __u32 k, __u32 seq, int ret)
{
	fprintf(stderr, "%s %u: call %u: %d\n", what, k, seq, ret);
	return FAILED;
}

/*
 * Client @k, in a space of its own: each round, a handle comes on its intro
 * mailbox; it calls through it, each request moving a handle of its own,
 * until a call ends with EKEYREVOKED (or MAX_CALLS), and says so on @done.
 */
static void run_client(__u32 k, int done)
{
	int own = ipc_open(0);
	int in = ipc_mailbox_open(own, names[k], 0, 0, XIPC_RIGHT_RECV);
	int tokens = ipc_mailbox_create(own, 0, 0, 0);
	struct xipc_handle_info info;

	CHILD_EXPECT(own >= 0 && in > 0 && tokens > 0, 10);
	CHILD_EXPECT(ipc_handle_info(own, tokens, &info) == 0, 10);
	for (;;) {
		__u32 handle = 0, seq, round = next_round(own, in, &handle, 11);

		for (seq = 0; seq < MAX_CALLS; seq++) {
			struct request req = { round, k, seq, 0 };
			struct request answer;
			int token = ipc_handle_dup(own, tokens,
						   XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT,
						   0, 0);
			struct xipc_transfer move = {
				.handle = token, .flags = XIPC_TRANSFER_MOVE,
			};
			struct xipc_handle_info back;
			struct xipc_rpc call = { .handle = handle, .type = 1,
				.data = ipc_ptr(&req), .size = sizeof(req),
				.transfers = ipc_ptr(&move), .nr_transfers = 1,
				.reply_data = ipc_ptr(&answer),
				.reply_size = sizeof(answer),
				.timeout_ns = XIPC_TEST_LONG_NS };
			__u8 *outcome = &l->outcome[req.round][k][seq];
			int ret;

			CHILD_EXPECT(token > 0, 13);
			__atomic_store_n(&l->calls[k], seq + 1, __ATOMIC_SEQ_CST);
			ret = ipc_rpc(own, &call);
			if (ret == sizeof(answer) &&
			    !memcmp(&answer, &req, sizeof(req))) {
				*outcome = ANSWERED;
				continue;
			}
			if (ret != -EKEYREVOKED) {
				*outcome = failed("client", k, seq, ret);
				break;
			}
			/* Back in its slot only if it was withdrawn. */
			if (ipc_handle_info(own, token, &back) == 0 &&
			    back.object_id == info.object_id) {
				*outcome = WITHDRAWN;
				ipc_handle_close(own, token);
			} else {
				*outcome = CANCELED;
			}
			break;
		}
		ipc_handle_close(own, handle);
		CHILD_EXPECT(xipc_test_notify(done) == 0, 14);
	}
}

/* Sends a message of @type on @mailbox, carrying @handle if not 0. */
static void send_with(__u32 mailbox, __s64 type, __u32 handle)
{
	struct xipc_transfer transfer = { .handle = handle,
					  .rights = XIPC_RIGHT_SEND };
	struct xipc_send msg = xipc_test_send_args(mailbox, type, "h", 1,
						   XIPC_TEST_LONG_NS);

	if (handle) {
		msg.transfers = ipc_ptr(&transfer);
		msg.nr_transfers = 1;
	}
	ck_assert_int_eq(ipc_send(space, &msg), 0);
}

/*
 * The rounds: in each, every client gets a handle to @object on its intro
 * mailbox (with SEND, GRANT and MANAGE), which is revoked after a varying
 * number of calls; once every client is done with it, the next. Then each
 * client is told to stop, and must exit 0.
 */
static void run_rounds(__u32 object)
{
	unsigned int seed = RANDOM_SEED;
	__u32 r, k;

	for (r = 0; r < ROUNDS; r++) {
		__u32 middle[CLIENTS];

		for (k = 0; k < CLIENTS; k++) {
			middle[k] = fx_dup(space, object, XIPC_RIGHT_SEND |
					   XIPC_RIGHT_GRANT | XIPC_RIGHT_MANAGE,
					   0, 0);
			__atomic_store_n(&l->calls[k], 0, __ATOMIC_SEQ_CST);
			send_with(intro[k], r + 1, middle[k]);
		}
		for (k = 0; k < CLIENTS; k++) {
			__u32 calls = 1 + rand_r(&seed) % 20;
			struct timespec pause = {
				.tv_nsec = (rand_r(&seed) % 2000) * 1000,
			};
			__u64 deadline = xipc_test_deadline(XIPC_TEST_LONG_NS);

			while (__atomic_load_n(&l->calls[k], __ATOMIC_SEQ_CST) <
			       calls) {
				ck_assert_msg(xipc_test_deadline(0) < deadline,
					      "a client made no calls");
				usleep(200);
			}
			nanosleep(&pause, NULL);
			ck_assert_int_eq(ipc_handle_revoke(space, middle[k]), 0);
			__atomic_store_n(&l->revoked[r][k], 1, __ATOMIC_SEQ_CST);
		}
		for (k = 0; k < CLIENTS; k++) {
			ck_assert_int_eq(xipc_test_await(done[k][0]), 0);
			ck_assert_int_eq(ipc_handle_close(space, middle[k]), 0);
		}
	}
	for (k = 0; k < CLIENTS; k++) {
		send_with(intro[k], STOP_TYPE, 0);
		ck_assert_int_eq(xipc_test_wait(clients[k]), 0);
	}
}

/* Each call of the ledger, with @check(round, client, call). */
static void for_each_call(void (*check)(__u32 r, __u32 k, __u32 seq))
{
	__u32 r, k, seq;

	for (r = 0; r < ROUNDS; r++)
		for (k = 0; k < CLIENTS; k++)
			for (seq = 0; seq < MAX_CALLS; seq++)
				check(r, k, seq);
}

static unsigned int counts[FAILED + 1];

/* Fails unless @cond holds of call @seq of client @k in round @r. */
#define CALL_ASSERT(cond, fmt, ...) \
	ck_assert_msg(cond, "round %u client %u call %u: " fmt, r, k, seq, \
		      ##__VA_ARGS__)

static void check_rpc(__u32 r, __u32 k, __u32 seq)
{
	__u8 outcome = l->outcome[r][k][seq];
	__u8 received = l->received[r][k][seq];
	__u8 replied = l->replied[r][k][seq];

	counts[outcome]++;
	CALL_ASSERT(outcome != FAILED, "failed");
	/* Never both, never neither. */
	CALL_ASSERT(received == (outcome == ANSWERED || outcome == CANCELED),
		    "outcome %u, received %u times", outcome, received);
	CALL_ASSERT(outcome != ANSWERED || replied == REPLIED,
		    "answered, reply %u", replied);
	CALL_ASSERT(outcome != CANCELED || replied == REPLY_CANCELED,
		    "canceled, reply %u", replied);
}

FX_TEST("revoke-stress", test_revoke_against_rpcs_in_flight)
{
	pid_t servers[SERVERS];
	__u32 mailbox, k, i;

	start(true, run_client);
	mailbox = xipc_test_mailbox(space, sizeof(struct request), 4, 0);
	for (i = 0; i < SERVERS; i++) {
		servers[i] = xipc_test_fork();
		if (servers[i] == 0)
			run_server(mailbox, RANDOM_SEED + i);
	}
	run_rounds(mailbox);
	for (k = 0; k < CLIENTS; k++)
		ck_assert_int_eq(ipc_mailbox_unlink(space, names[k]), 0);
	for (i = 0; i < SERVERS; i++)
		send_with(mailbox, STOP_TYPE, 0);
	for (i = 0; i < SERVERS; i++)
		ck_assert_int_eq(xipc_test_wait(servers[i]), 0);
	xipc_test_assert_empty(space, mailbox);
	ck_assert_uint_eq(l->bad_requests, 0);
	ck_assert_uint_eq(l->late_received, 0);
	ck_assert_uint_eq(l->late_answered, 0);
	for_each_call(check_rpc);
	printf("# %u answered, %u withdrawn, %u canceled\n", counts[ANSWERED],
	       counts[WITHDRAWN], counts[CANCELED]);
}
END_TEST

/* LRPC: clients' bindings made through handles revoked at varying moments. */

static int handle_count(struct ipc_request *req, void *cookie)
{
	__u64 r = req->args->regs[0], k = req->args->regs[1];
	__u64 seq = req->args->regs[2];

	(void)cookie;
	if (in_ledger(r, k, seq))
		__atomic_add_fetch(&l->received[r][k][seq], 1, __ATOMIC_SEQ_CST);
	if (seq % 3 == 0)
		sched_yield();
	/* Its reply comes after the revoke: the caller must have let go. */
	if (in_ledger(r, k, seq) &&
	    __atomic_load_n(&l->revoked[r][k], __ATOMIC_SEQ_CST))
		l->late[r][k][seq] = 1;
	req->astack->regs[0] = seq;
	req->astack->status = 0;
	return 0;
}

static void *serve_thread(void *arg)
{
	return (void *)(long)ipc_service_run(arg);
}

/* Client @k of the LRPC test, sharing the test's space. */
static void run_lrpc_client(__u32 k, int done)
{
	for (;;) {
		struct ipc_binding *b;
		struct xipc_astack *a;
		__u32 handle = 0, seq;
		__u32 round = next_round(space, intro[k], &handle, 20);

		CHILD_EXPECT(ipc_bind(space, handle, &b) == 0, 21);
		CHILD_EXPECT(ipc_astack_get(b, &a) == 0, 22);
		for (seq = 0; seq < MAX_CALLS; seq++) {
			__u8 *outcome = &l->outcome[round][k][seq];
			int ret;

			a->regs[0] = round;
			a->regs[1] = k;
			a->regs[2] = seq;
			__atomic_store_n(&l->calls[k], seq + 1, __ATOMIC_SEQ_CST);
			ret = ipc_call(b, a, 1, XIPC_TEST_LONG_NS);
			if (ret == 0 && a->regs[0] == seq) {
				*outcome = ANSWERED;
				continue;
			}
			*outcome = ret == -EKEYREVOKED ? CANCELED :
				   failed("lrpc client", k, seq, ret);
			break;
		}
		ipc_astack_put(b, a);
		ipc_unbind(b);
		ipc_handle_close(space, handle);
		CHILD_EXPECT(xipc_test_notify(done) == 0, 23);
	}
}

static void check_lrpc(__u32 r, __u32 k, __u32 seq)
{
	__u8 outcome = l->outcome[r][k][seq];
	__u8 ran = l->received[r][k][seq];

	CALL_ASSERT(outcome != FAILED, "failed");
	CALL_ASSERT(ran <= 1 && (outcome != ANSWERED || ran),
		    "outcome %u, ran %u times", outcome, ran);
	CALL_ASSERT(outcome != NOT_MADE || !ran, "never made, ran");
	CALL_ASSERT(!l->late[r][k][seq] || outcome == CANCELED,
		    "answered after its revoke");
}

FX_TEST("revoke-stress", test_revoke_against_lrpc_calls_in_flight)
{
	struct ipc_service_attr attr = { .nr_astacks = 1,
					 .max_bindings = 2 * CLIENTS };
	pthread_t threads[SERVER_THREADS];
	struct ipc_service *svc;
	unsigned int i;
	void *ret;

	start(false, run_lrpc_client);
	ck_assert_int_eq(ipc_service_create(space, &attr, &svc), 0);
	ck_assert_int_eq(ipc_service_register(svc, 1, handle_count, NULL), 0);
	for (i = 0; i < SERVER_THREADS; i++)
		ck_assert_int_eq(pthread_create(&threads[i], NULL, serve_thread,
						svc), 0);
	run_rounds(ipc_service_handle(svc));
	ck_assert_int_eq(ipc_service_destroy(svc), 0);
	for (i = 0; i < SERVER_THREADS; i++) {
		ck_assert_int_eq(pthread_join(threads[i], &ret), 0);
		ck_assert_int_eq((long)ret, -EIDRM);
	}
	ipc_service_free(svc);
	for_each_call(check_lrpc);
}
END_TEST

int main(void)
{
	return fx_main("revoke-stress");
}
