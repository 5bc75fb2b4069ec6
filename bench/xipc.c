// SPDX-License-Identifier: MIT
/*
 * xipc's mechanisms: mailbox Send/Recv, mailbox RPC/Reply, and LRPC (the
 * kernel path, the kernel path with copy-in, spin-then-block, and with the
 * client copying its arguments and results as a marshalling stub would),
 * plus the floor: a null ioctl on /dev/xipc.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libipc.h"
#include "bench.h"

/* The space both peers use: the client inherits the descriptor. */
static int space = -1;

static int open_space(void)
{
	space = ipc_open(0);
	return space < 0 ? space : 0;
}

static void close_space(void)
{
	ipc_close(space);
	space = -1;
}

/* Mailboxes: requests one way, replies the other (or RPC on the first). */
static __u32 requests, replies;

static int mailbox_setup(size_t size)
{
	/* Room for one message of @size, at least one byte each. */
	__u32 max = size ? (__u32)size : 1;
	int ret = open_space();

	if (ret)
		return ret;
	ret = ipc_mailbox_create(space, max, 4, 4ULL * max);
	if (ret > 0) {
		requests = (__u32)ret;
		ret = ipc_mailbox_create(space, max, 4, 4ULL * max);
	}
	if (ret < 0) {
		close_space();
		return ret;
	}
	replies = (__u32)ret;
	return 0;
}

/* A send of @size bytes of bench_out to @mailbox, and a receive into bench_in. */
static struct xipc_send put_args(__u32 mailbox, size_t size)
{
	return (struct xipc_send){
		.handle = mailbox,
		.type = 1,
		.data = ipc_ptr(bench_out),
		.size = size,
		.timeout_ns = XIPC_TIMEOUT_INFINITE,
	};
}

static struct xipc_recv take_args(__u32 mailbox, size_t size)
{
	return (struct xipc_recv){
		.handle = mailbox,
		.data = ipc_ptr(bench_in),
		.size = size,
		.timeout_ns = XIPC_TIMEOUT_INFINITE,
	};
}

static int mailbox_put(bool reply, size_t size)
{
	struct xipc_send msg = put_args(reply ? replies : requests, size);

	return ipc_send(space, &msg);
}

/* A receive from @mailbox; an RPC's reply handle goes to *@reply. */
static int mailbox_recv(__u32 mailbox, size_t size, __u32 *reply)
{
	struct xipc_recv msg = take_args(mailbox, size);
	int ret = ipc_recv(space, &msg);

	if (reply)
		*reply = msg.reply;
	return ret < 0 ? ret : 0;
}

static int mailbox_take(bool reply, size_t size)
{
	return mailbox_recv(reply ? replies : requests, size, NULL);
}

const struct mechanism mailbox_mechanism = {
	.name = "mailbox",
	.what = "xipc Send and Recv, a mailbox each way",
	.max_size = BENCH_MAX_SIZE,
	.setup = mailbox_setup,
	.put = mailbox_put,
	.take = mailbox_take,
	.teardown = close_space,
};

static int rpc_serve(size_t in_size, size_t out_size, unsigned long n)
{
	int ret = 0;

	for (unsigned long i = 0; i < n && !ret; i++) {
		struct xipc_reply reply = {
			.data = ipc_ptr(bench_out),
			.size = out_size,
		};

		ret = mailbox_recv(requests, in_size, &reply.reply);
		if (!ret)
			ret = ipc_reply(space, &reply);
	}
	return ret;
}

static int rpc_call(size_t in_size, size_t out_size)
{
	struct xipc_rpc call = {
		.handle = requests,
		.type = 1,
		.data = ipc_ptr(bench_out),
		.size = in_size,
		.reply_data = ipc_ptr(bench_in),
		.reply_size = out_size,
		.timeout_ns = XIPC_TIMEOUT_INFINITE,
	};
	int ret = ipc_rpc(space, &call);

	return ret < 0 ? ret : 0;
}

const struct mechanism rpc_mechanism = {
	.name = "rpc",
	.what = "xipc RPC and Reply on one mailbox (a one-shot reply handle)",
	.max_size = BENCH_MAX_SIZE,
	.setup = mailbox_setup,
	.serve = rpc_serve,
	.call = rpc_call,
	.teardown = close_space,
};

/*
 * The same round trips with each side's two commands in one system call,
 * ipc_batch(): the client's Send and its Recv of the answer; the server's
 * Send (or Reply) of one answer and its Recv of the next request.
 */
static int batch2(__u32 cmd0, void *arg0, __u32 cmd1, void *arg1)
{
	struct xipc_batch_op ops[2] = {
		{ .cmd = cmd0, .arg = ipc_ptr(arg0) },
		{ .cmd = cmd1, .arg = ipc_ptr(arg1) },
	};
	int ret = ipc_batch(space, ops, 2, NULL);

	return ret < 0 ? ret : 0;
}

/* Answers @n requests, with XIPC_IOC_SEND or XIPC_IOC_REPLY (@cmd, @answer). */
static int batch_serve(size_t in_size, unsigned long n, __u32 cmd,
		       void *answer, __u32 *reply)
{
	struct xipc_recv req = take_args(requests, in_size);
	int ret = n ? ipc_recv(space, &req) : 0;

	for (unsigned long i = 1; i < n && ret >= 0; i++) {
		*reply = req.reply;
		req = take_args(requests, in_size);
		ret = batch2(cmd, answer, XIPC_IOC_RECV, &req);
	}
	if (n && ret >= 0) {
		*reply = req.reply;
		ret = cmd == XIPC_IOC_SEND ? ipc_send(space, answer) :
					     ipc_reply(space, answer);
	}
	return ret < 0 ? ret : 0;
}

static int mailbox_batch_serve(size_t in_size, size_t out_size,
			       unsigned long n)
{
	struct xipc_send answer = put_args(replies, out_size);
	__u32 unused;

	return batch_serve(in_size, n, XIPC_IOC_SEND, &answer, &unused);
}

static int mailbox_batch_call(size_t in_size, size_t out_size)
{
	struct xipc_send req = put_args(requests, in_size);
	struct xipc_recv answer = take_args(replies, out_size);

	return batch2(XIPC_IOC_SEND, &req, XIPC_IOC_RECV, &answer);
}

const struct mechanism mailbox_batch_mechanism = {
	.name = "mailbox-batch",
	.what = "xipc Send and Recv as mailbox does, each side's pair in one ipc_batch()",
	.max_size = BENCH_MAX_SIZE,
	.setup = mailbox_setup,
	.serve = mailbox_batch_serve,
	.call = mailbox_batch_call,
	.teardown = close_space,
};

static int rpc_batch_serve(size_t in_size, size_t out_size, unsigned long n)
{
	struct xipc_reply answer = {
		.data = ipc_ptr(bench_out),
		.size = out_size,
	};

	return batch_serve(in_size, n, XIPC_IOC_REPLY, &answer, &answer.reply);
}

const struct mechanism rpc_batch_mechanism = {
	.name = "rpc-batch",
	.what = "xipc RPC and Reply as rpc does, the server's Reply and next Recv in one ipc_batch()",
	.max_size = BENCH_MAX_SIZE,
	.setup = mailbox_setup,
	.serve = rpc_batch_serve,
	.call = rpc_call,
	.teardown = close_space,
};

/*
 * LRPC: serve() runs ipc_service_run() in the server's one thread, as the
 * other mechanisms' servers run in theirs (see measure_once()), and the
 * handler of the last call stops it. The client binds after the fork, in
 * its own address space. The procedure answers in place: its results are
 * the A-stack's size field, the data already there. The register procedure sends back the words it got: up to
 * 64 bytes each way, in registers where libipc has them.
 */
#define PROC_ECHO 1
#define PROC_WORDS 2

static struct ipc_service *service;
static __u64 lrpc_spin;
static struct ipc_binding *binding;
static struct xipc_astack *astack;

/* Calls served, and the count at which serve() returns. */
static unsigned long served, serve_until;

static void count_served(void)
{
	if (++served == serve_until)
		ipc_service_stop();
}

/* The reply's size travels in regs[0]; the data is left as it is. */
static int echo(struct ipc_request *req, void *cookie)
{
	(void)cookie;
	req->astack->size = (__u32)req->args->regs[0];
	count_served();
	return 0;
}

/* The words go back as they came: w[0] is the first 8 bytes of the data. */
static int echo_words(struct ipc_request *req, __u64 w[IPC_NR_WORDS],
		      void *cookie)
{
	(void)req;
	(void)cookie;
	(void)w;
	count_served();
	return 0;
}

static int lrpc_start(size_t size, __u32 flags, __u64 spin_ns)
{
	long page = sysconf(_SC_PAGESIZE);
	struct ipc_service_attr attr = {
		.flags = flags,
		/* The header, and @size bytes of data, in whole pages. */
		.astack_size = (__u32)((sizeof(struct xipc_astack) + size +
					(size_t)page - 1) / (size_t)page *
				       (size_t)page),
		.nr_astacks = 1,
		.max_bindings = 1,
	};
	int ret = open_space();

	if (ret)
		return ret;
	ret = ipc_service_create(space, &attr, &service);
	if (ret) {
		close_space();
		return ret;
	}
	ipc_service_register(service, PROC_ECHO, echo, NULL);
	ipc_service_register_regs(service, PROC_WORDS, echo_words, NULL);
	ipc_service_spin_ns(service, spin_ns);
	lrpc_spin = spin_ns;
	return 0;
}

/* Answers @n calls in this thread. */
static int lrpc_serve(size_t in_size, size_t out_size, unsigned long n)
{
	(void)in_size;
	(void)out_size;
	served = 0;
	serve_until = n;
	return ipc_service_run(service);
}

static int lrpc_setup(size_t size)
{
	return lrpc_start(size, 0, 0);
}

static int lrpc_copy_in_setup(size_t size)
{
	return lrpc_start(size, XIPC_SERVICE_COPY_IN, 0);
}

/* Long enough to cover a round trip on the other CPU, even under TCG. */
#define SPIN_NS (200 * 1000)

static int lrpc_spin_setup(size_t size)
{
	return lrpc_start(size, 0, SPIN_NS);
}

static void lrpc_teardown(void)
{
	ipc_service_free(service);
	close_space();
}

static int lrpc_attach(void)
{
	int ret = ipc_bind(space, ipc_service_handle(service), &binding);

	if (ret)
		return ret;
	ipc_binding_spin_ns(binding, lrpc_spin);
	return ipc_astack_get(binding, &astack);
}

static int lrpc_call(size_t in_size, size_t out_size)
{
	int ret;

	astack->size = (__u32)in_size;
	astack->regs[0] = out_size;
	ret = ipc_call(binding, astack, PROC_ECHO, IPC_NO_TIMEOUT);
	if (!ret && (astack->status || astack->size != out_size))
		ret = -EPROTO;
	return ret;
}

/* What a marshalling stub does: arguments in, results out, by copy. */
static int lrpc_copy_call(size_t in_size, size_t out_size)
{
	int ret;

	memcpy(astack->data, bench_out, in_size);
	ret = lrpc_call(in_size, out_size);
	memcpy(bench_in, astack->data, out_size);
	return ret;
}

/* Up to 64 bytes each way as the eight words, from and to the buffers. */
static int lrpc_regs_call(size_t in_size, size_t out_size)
{
	__u64 w[IPC_NR_WORDS];
	int status, ret;

	memcpy(w, bench_out, in_size);
	ret = ipc_call_regs(binding, astack, PROC_WORDS, w, &status,
			    IPC_NO_TIMEOUT);
	memcpy(bench_in, w, out_size);
	return ret ? ret : status ? -EPROTO : 0;
}

const struct mechanism lrpc_mechanism = {
	.name = "lrpc",
	.what = "xipc LRPC, data made and used in place in the A-stack",
	.max_size = BENCH_MAX_SIZE,
	.setup = lrpc_setup,
	.serve = lrpc_serve,
	.attach = lrpc_attach,
	.call = lrpc_call,
	.teardown = lrpc_teardown,
};

const struct mechanism lrpc_regs_mechanism = {
	.name = "lrpc-regs",
	.what = "xipc LRPC, eight words each way in registers (ipc_call_regs)",
	.max_size = IPC_NR_WORDS * sizeof(__u64),
	.setup = lrpc_setup,
	.serve = lrpc_serve,
	.attach = lrpc_attach,
	.call = lrpc_regs_call,
	.teardown = lrpc_teardown,
};

const struct mechanism lrpc_copy_mechanism = {
	.name = "lrpc-copy",
	.what = "xipc LRPC, the client copying arguments in and results out",
	.max_size = BENCH_MAX_SIZE,
	.setup = lrpc_setup,
	.serve = lrpc_serve,
	.attach = lrpc_attach,
	.call = lrpc_copy_call,
	.teardown = lrpc_teardown,
};

const struct mechanism lrpc_copy_in_mechanism = {
	.name = "lrpc-copy-in",
	.what = "xipc LRPC in copy-in mode: the kernel copies the arguments",
	.max_size = BENCH_MAX_SIZE,
	.setup = lrpc_copy_in_setup,
	.serve = lrpc_serve,
	.attach = lrpc_attach,
	.call = lrpc_call,
	.teardown = lrpc_teardown,
};

const struct mechanism lrpc_spin_mechanism = {
	.name = "lrpc-spin",
	.what = "xipc LRPC, spin-then-block: both sides spin on the other CPU",
	.max_size = BENCH_MAX_SIZE,
	.smp = true,
	.setup = lrpc_spin_setup,
	.serve = lrpc_serve,
	.attach = lrpc_attach,
	.call = lrpc_call,
	.teardown = lrpc_teardown,
};

/*
 * The floor of a sleeping handoff: a module built for the benchmark only
 * (XIPC_BENCH_HANDOFF=y, never the default build) has an ioctl that wakes
 * the other side with wake_up_process() and sleeps, with no checks at all
 * (module/hooks.c). Skipped where the module has none (ENOTTY).
 */
#define XIPC_IOC_BENCH_HANDOFF	_IO(XIPC_IOCTL_TYPE, 0x7f)
#define HANDOFF_SERVER		1U	/* which side: the client is 0 */
#define HANDOFF_GIVE		2U	/* let the other side run */
#define HANDOFF_WAIT		4U	/* then sleep until it lets this one */

static int handoff(unsigned long how)
{
	return ioctl(space, XIPC_IOC_BENCH_HANDOFF, how) ? -errno : 0;
}

static int handoff_setup(size_t size)
{
	int ret = open_space();

	(void)size;
	if (!ret && ioctl(space, XIPC_IOC_BENCH_HANDOFF, HANDOFF_SERVER)) {
		ret = -errno;
		close_space();
	}
	return ret == -ENOTTY ? -EOPNOTSUPP : ret;
}

static int handoff_serve(size_t in_size, size_t out_size, unsigned long n)
{
	int ret = handoff(HANDOFF_SERVER | HANDOFF_WAIT);

	(void)in_size;
	(void)out_size;
	for (unsigned long i = 1; i < n && !ret; i++)
		ret = handoff(HANDOFF_SERVER | HANDOFF_GIVE | HANDOFF_WAIT);
	return ret ? ret : handoff(HANDOFF_SERVER | HANDOFF_GIVE);
}

static int handoff_call(size_t in_size, size_t out_size)
{
	(void)in_size;
	(void)out_size;
	return handoff(HANDOFF_GIVE | HANDOFF_WAIT);
}

const struct mechanism handoff_mechanism = {
	.name = "handoff",
	.what = "the floor: a bare wake_up_process() and schedule() each way",
	.max_size = 0,
	.setup = handoff_setup,
	.serve = handoff_serve,
	.call = handoff_call,
	.teardown = close_space,
};

int xipc_null_ioctl_setup(void)
{
	return open_space();
}

/* The cheapest command there is: GET_INFO, 48 bytes out. */
int xipc_null_ioctl(void)
{
	struct xipc_info info = { 0 };

	return ipc_info(space, &info);
}

void xipc_null_ioctl_teardown(void)
{
	close_space();
}
