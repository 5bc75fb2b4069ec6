// SPDX-License-Identifier: MIT
/*
 * XIPC_IOC_BATCH (ipc_batch()): message commands in order in one system
 * call, up to the first that fails; a restart goes on where it stopped.
 */
#include "fixture.h"

#define ROUNDS		200
#define CLIENTS		4
#define MSG_SIZE	24

/* A request: which client, which round; the answer is the same, plus one. */
struct ping {
	__u32 client;
	__u32 round;
	unsigned char fill[MSG_SIZE - 8];
};

static struct xipc_batch_op op(__u32 cmd, void *arg)
{
	return (struct xipc_batch_op){ .cmd = cmd, .arg = ipc_ptr(arg) };
}

static int batch2(int space, __u32 cmd0, void *arg0, __u32 cmd1, void *arg1,
		  unsigned int *done)
{
	struct xipc_batch_op ops[2] = { op(cmd0, arg0), op(cmd1, arg1) };

	return ipc_batch(space, ops, 2, done);
}

/* A send of @msg's bytes to @mailbox, waiting as long as the tests may. */
static struct xipc_send put(__u32 mailbox, const void *msg, size_t size)
{
	return xipc_test_send_args(mailbox, 1, msg, size, XIPC_TEST_LONG_NS);
}

static struct xipc_recv take(__u32 mailbox, void *buf, size_t size,
			     __u64 timeout_ns)
{
	return xipc_test_recv_args(mailbox, 0, buf, size, timeout_ns);
}

/*
 * A batch of a send of @size bytes at @msg to @to, then a receive from
 * @from into @buf (as large) that waits at most @timeout_ns: its result.
 */
static int send_recv(int space, __u32 to, const void *msg, __u32 from,
		     void *buf, size_t size, __u64 timeout_ns,
		     unsigned int *done)
{
	struct xipc_send snd = put(to, msg, size);
	struct xipc_recv rcv = take(from, buf, size, timeout_ns);

	return batch2(space, XIPC_IOC_SEND, &snd, XIPC_IOC_RECV, &rcv, done);
}

/* How many messages @mailbox holds, taking them. */
static unsigned int drain(int space, __u32 mailbox)
{
	unsigned char buf[MSG_SIZE];
	struct xipc_recv msg;
	unsigned int n = 0;

	while (xipc_test_recv(space, mailbox, 0, buf, sizeof(buf), 0,
			      &msg) >= 0)
		n++;
	return n;
}

/* The validation table: a send to the mailbox, then its receive. */
static unsigned char sent[MSG_SIZE], got[MSG_SIZE];
static struct xipc_send table_send;
static struct xipc_recv table_recv;
static struct xipc_batch_op table_ops[2];

static void batch_build(struct fx *f, void *req)
{
	struct xipc_batch *batch = req;

	fx_fill(sent, sizeof(sent), 3);
	table_send = put(f->mailbox, sent, sizeof(sent));
	table_recv = take(f->mailbox, got, sizeof(got), 0);
	table_ops[0] = op(XIPC_IOC_SEND, &table_send);
	table_ops[1] = op(XIPC_IOC_RECV, &table_recv);
	*batch = (struct xipc_batch){ .ops = ipc_ptr(table_ops), .nr = 2 };
}

/* The valid batch: the message came back whole, and left nothing. */
static void ops_check(struct fx *f, void *req, int ret)
{
	(void)req;
	ck_assert_int_eq(ret, MSG_SIZE);
	ck_assert_mem_eq(got, sent, sizeof(sent));
	xipc_test_assert_empty(f->space, f->mailbox);
}

static void batch_check(struct fx *f, void *req, int ret)
{
	ck_assert_uint_eq(((struct xipc_batch *)req)->done, 2);
	ops_check(f, req, ret);
}

#define BATCH(field, value, error) FX_BAD(struct xipc_batch, field, value, error)
static const struct fx_row batch_rows[] = {
	BATCH(ops, 0, EFAULT), BATCH(ops, FX_UNMAPPED, EFAULT),
	/* The second op straddles the end of the mapping. */
	BATCH(ops, FX_EDGE, EFAULT),
	BATCH(nr, 0, EINVAL), BATCH(nr, XIPC_BATCH_MAX + 1, EINVAL),
	BATCH(nr, ~0U, EINVAL),
	BATCH(done, 2, EINVAL), BATCH(done, ~0U, EINVAL),
	FX_BAD_POINTER(0, EFAULT),
};

FX_TABLE("errors", test_batch_refuses, batch_table, XIPC_IOC_BATCH,
	 struct xipc_batch, .build = batch_build, .check = batch_check,
	 .rows = FX_ARRAY(batch_rows))

/*
 * The ops themselves, one bad field at a time: the request is the array of
 * two, and no op may run (the send would leave a message).
 */
static void ops_build(struct fx *f, void *req)
{
	struct xipc_batch batch;

	batch_build(f, &batch);
	memcpy(req, table_ops, sizeof(table_ops));
}

static int ops_call(struct fx *f, void *req)
{
	struct xipc_batch batch = { .ops = ipc_ptr(req), .nr = 2 };
	int ret = fx_ioctl(f, XIPC_IOC_BATCH, &batch);

	if (ret >= 0)
		ck_assert_uint_eq(batch.done, 2);
	return ret;
}

struct two_ops {
	struct xipc_batch_op op0, op1;
};

#define OP0(field, value) FX_BAD(struct two_ops, op0.field, value, EINVAL)
#define OP1(field, value) FX_BAD(struct two_ops, op1.field, value, EINVAL)
static const struct fx_row ops_rows[] = {
	OP0(cmd, 0), OP1(cmd, 0),
	OP1(cmd, XIPC_IOC_BATCH), OP1(cmd, XIPC_IOC_GET_INFO),
	OP1(cmd, XIPC_IOC_LRPC_CALL), OP1(cmd, XIPC_IOC_HANDLE_CLOSE),
	/* The right number with another size is another command. */
	OP1(cmd, _IOWR(XIPC_IOCTL_TYPE, 0x21, struct xipc_send)),
	OP0(cmd, XIPC_IOC_RECV | (1U << 29)),
	OP0(reserved, 1), OP1(reserved, 1U << 31),
};

FX_CALL_TABLE("errors", test_batch_ops_refused, ops_table, "ipc_batch ops",
	      table_ops, .build = ops_build, .call = ops_call,
	      .check = ops_check, .rows = FX_ARRAY(ops_rows))

/*
 * Batches of sends (S) through @to and receives (R) from @from that may not
 * wait, the send's message and the receive's struct shared by its ops, after
 * @queued messages were queued on the fixture's mailbox, from @done on entry
 * (@start): what the batch returns, @done after it and how many messages the
 * mailbox holds then. A receive that ran took the message that was sent.
 */
static const struct batch_run {
	const char *ops;
	__u64 to, from;
	unsigned int queued, start;
	int ret;
	unsigned int done, left;
	bool readonly;	/* the struct cannot take @done back */
} runs[] = {
	/* The first failure ends the batch: what ran stays, the rest does
	 * not run. The send runs; the receive finds nothing. */
	{ "SR", FX_MAILBOX, FX_OTHER, 0, 0, -EAGAIN, 1, 1, false },
	/* The receive fails first: the send after it never runs. */
	{ "RS", FX_MAILBOX, FX_OTHER, 0, 0, -EAGAIN, 0, 0, false },
	/* A send refused (no SEND right) stops the batch likewise. */
	{ "SR", FX_NO_SEND, FX_MAILBOX, 1, 0, -EPERM, 0, 1, false },
	/* @done on entry says where to start: the receive alone runs. */
	{ "SR", FX_MAILBOX, FX_MAILBOX, 1, 1, MSG_SIZE, 2, 0, false },
	/* One op, and XIPC_BATCH_MAX, are batches too: the last result counts. */
	{ "S", FX_MAILBOX, FX_MAILBOX, 0, 0, 0, 1, 1, false },
	{ "SSRR", FX_MAILBOX, FX_MAILBOX, 0, 0, MSG_SIZE, 4, 0, false },
	/*
	 * A batch whose struct cannot take @done back fails before any op
	 * runs: nothing is sent, although the struct itself could be read.
	 */
	{ "SS", FX_MAILBOX, FX_MAILBOX, 0, 0, -EFAULT, 0, 0, true },
};

/* The row of XIPC_BATCH_MAX ops above spells them out. */
_Static_assert(XIPC_BATCH_MAX == 4, "the SSRR row is XIPC_BATCH_MAX ops");

FX_LOOP_TEST("order", test_batch_runs_in_order, 0, FX_NR(runs))
{
	const struct batch_run *r = &runs[_i];
	unsigned char msg[MSG_SIZE], buf[MSG_SIZE] = { 0 };
	struct xipc_batch_op ops[XIPC_BATCH_MAX];
	struct xipc_batch *batch, on_stack = { 0 };
	struct xipc_send snd;
	struct xipc_recv rcv;
	unsigned int i;
	struct fx f;

	fx_space(&f);
	fx_fill(msg, sizeof(msg), _i);
	snd = put(fx_value(&f, r->to), msg, sizeof(msg));
	rcv = take(fx_value(&f, r->from), buf, sizeof(buf), 0);
	for (i = 0; r->ops[i]; i++)
		ops[i] = r->ops[i] == 'S' ? op(XIPC_IOC_SEND, &snd) :
					    op(XIPC_IOC_RECV, &rcv);
	for (i = 0; i < r->queued; i++)
		fx_send(f.space, f.mailbox, 1, msg, sizeof(msg));
	batch = r->readonly ? mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) :
			      &on_stack;
	ck_assert_ptr_ne(batch, MAP_FAILED);
	*batch = (struct xipc_batch){ .ops = ipc_ptr(ops),
				      .nr = strlen(r->ops), .done = r->start };
	if (r->readonly)
		ck_assert_int_eq(mprotect(batch, 4096, PROT_READ), 0);
	ck_assert_int_eq(fx_ioctl(&f, XIPC_IOC_BATCH, batch), r->ret);
	ck_assert_uint_eq(batch->done, r->done);
	if (r->ret > 0)
		ck_assert_mem_eq(buf, msg, sizeof(msg));
	ck_assert_uint_eq(drain(f.space, f.mailbox), r->left);
	xipc_test_assert_empty(f.space, f.mailbox);
}
END_TEST

/*
 * A server answering each request and taking the next in one batch, and
 * clients sending each request and taking its answer in one: every answer
 * comes to the client that asked, for the round it asked. Each exits 0
 * when done.
 */
static void serve_pings(int space, __u32 requests, const __u32 *answers,
			unsigned int nr)
{
	struct ping req, ans;
	struct xipc_recv rcv = take(requests, &req, sizeof(req),
				    XIPC_TEST_LONG_NS);
	unsigned int i;

	CHILD_EXPECT_RET(ipc_recv(space, &rcv), sizeof(req), 10);
	for (i = 1; i <= nr; i++) {
		CHILD_EXPECT(req.client < CLIENTS, 11);
		ans = req;
		ans.round++;
		if (i == nr)
			CHILD_EXPECT_RET(xipc_test_send(space,
				answers[req.client], 1, &ans, sizeof(ans),
				XIPC_TEST_LONG_NS), 0, 12);
		else
			CHILD_EXPECT_RET(send_recv(space, answers[req.client],
				&ans, requests, &req, sizeof(req),
				XIPC_TEST_LONG_NS, NULL), sizeof(req), 13);
	}
	_exit(0);
}

static void ask_pings(int space, __u32 requests, __u32 answers,
		      __u32 client)
{
	struct ping req = { .client = client }, ans;
	unsigned int done;

	for (req.round = 0; req.round < ROUNDS; req.round++) {
		fx_fill(req.fill, sizeof(req.fill), client * ROUNDS + req.round);
		CHILD_EXPECT_RET(send_recv(space, requests, &req, answers, &ans,
					   sizeof(ans), XIPC_TEST_LONG_NS,
					   &done), sizeof(ans), 20);
		CHILD_EXPECT(done == 2, 21);
		CHILD_EXPECT(ans.client == client, 22);
		CHILD_EXPECT(ans.round == req.round + 1, 23);
		CHILD_EXPECT(!memcmp(ans.fill, req.fill, sizeof(req.fill)), 24);
	}
	_exit(0);
}

FX_TEST("traffic", test_batch_clients_and_server)
{
	int space = xipc_test_open();
	__u32 requests = xipc_test_mailbox(space, 0, 0, 0);
	__u32 answers[CLIENTS];
	pid_t server, clients[CLIENTS];
	unsigned int i;

	for (i = 0; i < CLIENTS; i++)
		answers[i] = xipc_test_mailbox(space, 0, 0, 0);
	server = xipc_test_fork();
	if (server == 0)
		serve_pings(space, requests, answers, CLIENTS * ROUNDS);
	for (i = 0; i < CLIENTS; i++) {
		clients[i] = xipc_test_fork();
		if (clients[i] == 0)
			ask_pings(space, requests, answers[i], i);
	}
	for (i = 0; i < CLIENTS; i++)
		ck_assert_int_eq(xipc_test_wait(clients[i]), 0);
	ck_assert_int_eq(xipc_test_wait(server), 0);
	xipc_test_assert_empty(space, requests);
}
END_TEST

/*
 * An RPC server's Reply and its next Recv in one batch, an RPC in a batch
 * of its own: each caller gets its own answer.
 */
FX_TEST("traffic", test_batch_reply_then_recv)
{
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, 0, 0, 0);
	struct ping req = { 0 }, ans;
	unsigned int done;
	pid_t server = xipc_test_fork();

	if (server == 0) {
		struct xipc_recv rcv = take(mailbox, &req, sizeof(req),
					    XIPC_TEST_LONG_NS);
		struct xipc_reply reply = { .data = ipc_ptr(&ans),
					    .size = sizeof(ans) };
		unsigned int i;

		CHILD_EXPECT_RET(ipc_recv(space, &rcv), sizeof(req), 10);
		for (i = 1; ; i++) {
			ans = req;
			ans.round++;
			reply.reply = rcv.reply;
			if (i == ROUNDS)
				break;
			rcv = take(mailbox, &req, sizeof(req),
				   XIPC_TEST_LONG_NS);
			CHILD_EXPECT_RET(batch2(space, XIPC_IOC_REPLY, &reply,
						XIPC_IOC_RECV, &rcv, &done),
					 sizeof(req), 11);
			CHILD_EXPECT(rcv.reply != 0, 12);
		}
		CHILD_EXPECT_RET(ipc_reply(space, &reply), 0, 13);
		_exit(0);
	}
	for (req.round = 0; req.round < ROUNDS; req.round++) {
		struct xipc_rpc call = { .handle = mailbox, .type = 1,
			.data = ipc_ptr(&req), .size = sizeof(req),
			.reply_data = ipc_ptr(&ans), .reply_size = sizeof(ans),
			.timeout_ns = XIPC_TEST_LONG_NS };
		struct xipc_batch_op one = op(XIPC_IOC_RPC, &call);

		fx_fill(req.fill, sizeof(req.fill), req.round);
		ck_assert_int_eq(ipc_batch(space, &one, 1, &done), sizeof(ans));
		ck_assert_uint_eq(done, 1);
		ck_assert_uint_eq(ans.round, req.round + 1);
		ck_assert_mem_eq(ans.fill, req.fill, sizeof(req.fill));
	}
	ck_assert_int_eq(xipc_test_wait(server), 0);
}
END_TEST

/* The signal tests' handler: it tells the parent it ran. */
static int handled_pipe[2];
static volatile sig_atomic_t handled;

static void note_signal(int sig)
{
	char byte = 1;

	(void)sig;
	handled++;
	if (write(handled_pipe[1], &byte, 1) != 1)
		_exit(FX_EXIT_SYNC);
}

/*
 * A child asleep in a batch (a send, then a receive from an empty mailbox,
 * with @timeout) gets @sig, with a handler of @flags for SIGUSR1: the batch
 * ends with @error and @done (with an @error > 0, the answer the test then
 * sends was received).
 */
static const struct batch_signal {
	__u64 timeout;
	int flags, sig, error;
	unsigned int done;
} batch_signals[] = {
	/* Restarted, it goes on with its receive: the send does not run twice. */
	{ XIPC_TIMEOUT_INFINITE, SA_RESTART, SIGUSR1, MSG_SIZE, 2 },
	/* Without SA_RESTART (or with a relative timeout), EINTR: done says 1. */
	{ XIPC_TIMEOUT_INFINITE, 0, SIGUSR1, -EINTR, 1 },
	{ XIPC_TEST_LONG_NS, SA_RESTART, SIGUSR1, -EINTR, 1 },
	/* Killed in its receive, a batch's send stays done, once. */
	{ XIPC_TIMEOUT_INFINITE, 0, SIGKILL, 0, 0 },
};

FX_LOOP_TEST("signals", test_batch_signaled, 0, FX_NR(batch_signals))
{
	const struct batch_signal *s = &batch_signals[_i];
	struct sigaction action = { .sa_handler = note_signal,
				    .sa_flags = s->flags };
	unsigned char msg[MSG_SIZE] = { 5 }, buf[MSG_SIZE];
	unsigned char answer[MSG_SIZE] = { 6 };
	struct fx f;
	pid_t pid;

	fx_space(&f);
	ck_assert_int_eq(pipe(handled_pipe), 0);
	sigemptyset(&action.sa_mask);
	pid = fx_fork_waiter();
	if (pid == 0) {
		unsigned int done = 9;

		CHILD_EXPECT(sigaction(SIGUSR1, &action, NULL) == 0, 30);
		fx_waiter_ready();
		CHILD_EXPECT_RET(send_recv(f.space, f.mailbox, msg, f.other,
					   buf, MSG_SIZE, s->timeout, &done),
				 s->error, 31);
		CHILD_EXPECT_RET(done, s->done, 32);
		CHILD_EXPECT_RET(handled, 1, 33);
		_exit(0);
	}
	fx_await_asleep(pid);
	if (s->sig == SIGKILL) {
		fx_kill(pid);
	} else {
		ck_assert_int_eq(kill(pid, s->sig), 0);
		ck_assert_int_eq(xipc_test_await(handled_pipe[0]), 0);
		/* Back asleep in the receive, the message sent once. */
		if (s->error > 0) {
			xipc_test_wait_asleep(pid);
			fx_send(f.space, f.other, 1, answer, sizeof(answer));
		}
		ck_assert_int_eq(xipc_test_wait(pid), 0);
	}
	ck_assert_uint_eq(drain(f.space, f.mailbox), 1);
	xipc_test_assert_empty(f.space, f.other);
}
END_TEST

int main(void)
{
	return fx_main("batch");
}
