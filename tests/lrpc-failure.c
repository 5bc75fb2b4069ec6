// SPDX-License-Identifier: MIT
/*
 * LRPC failures: how a call ends when its caller gives up (timeout, signal,
 * death) or finds no idle server, through the kernel and spin-then-block;
 * when the server dies, the service is destroyed or loses its last receive
 * handle, the handle bound through is revoked, a handler leaves its thread;
 * then XIPC_IOC_LRPC_SERVE's errors and libipc's copy-in buffer. The test's
 * thread usually serves; clients are forked children sharing its space.
 */

#include "fixture.h"

/*
 * PROC_WORK: regs[0] + 1 into regs[0]; PROC_HOLD: the same, once the test
 * lets it; PROC_PROBE: no handler, it only tells the server that it came;
 * PROC_EXIT: its handler leaves its thread.
 */
enum { PROC_WORK = 1, PROC_HOLD, PROC_PROBE, PROC_EXIT };

#define MAGIC		0x5eedf00dULL	/* a client's regs[0] */
#define DEATH_ROUNDS	20	/* of the tests that kill a process */
#define DESTROY_ROUNDS	100	/* of two threads destroying one service */
#define THREAD_EXITED	1	/* join_server(): it left by pthread_exit() */
/*
 * Spin-then-block: a server thread spins all the test; a client spins long
 * enough for a spinning server to take its call, then sleeps in the kernel.
 */
#define SERVER_SPIN_NS	XIPC_TEST_LONG_NS
#define CLIENT_SPIN_NS	(XIPC_TEST_LONG_NS / 30)

/* Exit codes of client and server children. */
enum { CLIENT_BIND = 1, CLIENT_SYNC, CLIENT_CALL, CLIENT_RESULT,
       CLIENT_HANDLER, CLIENT_BUSY, CLIENT_RETRY };
enum { SERVER_OPEN = 20, SERVER_CREATE, SERVER_SEND, SERVER_TAKE,
       SERVER_SYNC, SERVER_NOT_KILLED };

/* An ioctl in libipc's convention: 0 or -errno. Works in children. */
static int xioctl(int space, unsigned long cmd, void *arg)
{
	return ioctl(space, cmd, arg) < 0 ? -errno : 0;
}

static __u32 handle_state(int space, __u32 handle)
{
	return xipc_test_handle_info(space, handle).state;
}

/* A test's service, and what its handlers share with the test. */
static struct fixture {
	int space;
	struct ipc_service *svc;
	__u32 service;		/* its handle, with every right */
	void *args;		/* for XIPC_SERVICE_COPY_IN: its replies' args */
	int entered[2];		/* a PROC_HOLD handler has its call */
	int release[2];		/* lets a PROC_HOLD handler return */
	int calls;		/* PROC_WORK and PROC_HOLD calls handled */
} f;

/* Word 0 of a call: in a register for a register call, else regs[0]. */
#define WORD0(req)	((req)->regs ? (req)->w : (req)->args->regs)[0]

static int handle_work(struct ipc_request *req, void *cookie)
{
	(void)cookie;
	__atomic_fetch_add(&f.calls, 1, __ATOMIC_SEQ_CST);
	(req->regs ? req->w : req->astack->regs)[0] = WORD0(req) + 1;
	return 0;
}

static int handle_hold(struct ipc_request *req, void *cookie)
{
	if (xipc_test_notify(f.entered[1]) != 0 ||
	    xipc_test_await(f.release[0]) != 0)
		return -EPROTO;
	return handle_work(req, cookie);
}

static int handle_exit(struct ipc_request *req, void *cookie)
{
	(void)req;
	(void)cookie;
	pthread_exit(NULL);
}

/* The args of every reply on a copy-in service: a reply writes none. */
static unsigned char reply_args[1 << 16];

/* A space with a service of this shape, its handlers registered. */
static void setup(__u32 flags, __u32 nr_astacks, __u32 max_bindings)
{
	struct ipc_service_attr attr = { .flags = flags,
					 .nr_astacks = nr_astacks,
					 .max_bindings = max_bindings };
	int ret;

	memset(&f, 0, sizeof(f));
	f.space = xipc_test_open();
	ret = ipc_service_create(f.space, &attr, &f.svc);
	ck_assert_msg(ret == 0, "ipc_service_create: %s", strerror(-ret));
	f.service = ipc_service_handle(f.svc);
	if (flags & XIPC_SERVICE_COPY_IN)
		f.args = reply_args;
	ck_assert(!pipe(f.entered) && !pipe(f.release));
	ck_assert_int_eq(ipc_service_register(f.svc, PROC_WORK, handle_work, NULL), 0);
	ck_assert_int_eq(ipc_service_register(f.svc, PROC_HOLD, handle_hold, NULL), 0);
	ck_assert_int_eq(ipc_service_register(f.svc, PROC_EXIT, handle_exit, NULL), 0);
}

/* A PROC_HOLD handler has its call; then let it return. */
static void await_entered(void)
{
	ck_assert_int_eq(xipc_test_await(f.entered[0]), 0);
}

static void release(void)
{
	ck_assert_int_eq(xipc_test_notify(f.release[1]), 0);
}

static int calls_handled(void)
{
	return __atomic_load_n(&f.calls, __ATOMIC_SEQ_CST);
}

/* A serve of @service of @f's space, args @f.args: 0 or -errno. */
static int serve(__u32 service, __u32 flags, __u64 call, __u64 timeout_ns)
{
	struct xipc_lrpc_serve req = { .flags = flags, .service = service,
				       .call = call, .timeout_ns = timeout_ns,
				       .args = ipc_ptr(f.args) };

	return xioctl(f.space, XIPC_IOC_LRPC_SERVE, &req);
}

/* A serve of XIPC_SERVE_REPLY alone to call @token of @f's service. */
static int reply_call(__u64 token)
{
	return serve(f.service, XIPC_SERVE_REPLY, token, 0);
}

/* Takes the next call, which must come in time and be a call of @proc. */
static void take_call(struct ipc_request *req, __u32 proc)
{
	int ret = ipc_service_next(f.svc, req, 0, XIPC_TEST_LONG_NS);

	ck_assert_msg(ret == 0, "ipc_service_next for procedure %#x: %d",
		      proc, ret);
	ck_assert_uint_eq(req->proc, proc);
	ck_assert_uint_eq(WORD0(req), MAGIC);
}

/* Answers @req as PROC_WORK does, without XIPC_SERVE_REGS. */
static void reply_work(struct ipc_request *req)
{
	req->astack->regs[0] = WORD0(req) + 1;
	req->astack->status = 0;
	ck_assert_int_eq(reply_call(req->token), 0);
}

/* Takes the PROC_WORK call of client @pid, answers it, reaps the client. */
static void serve_work(pid_t pid)
{
	struct ipc_request req = { 0 };

	take_call(&req, PROC_WORK);
	reply_work(&req);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
}

/* A server thread: in ipc_service_run() of @svc, or (no @svc) in @serve. */
struct server_thread {
	pthread_t thread;
	struct ipc_service *svc;
	struct xipc_lrpc_serve *serve;
	pid_t tid;
	int result;
};

static void *serve_in_thread(void *arg)
{
	struct server_thread *t = arg;

	__atomic_store_n(&t->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
	t->result = t->svc ? ipc_service_run(t->svc) :
		    xioctl(f.space, XIPC_IOC_LRPC_SERVE, t->serve);
	return t;
}

/* Starts @t: returns once it is on its way, or (@asleep) sleeps. */
static void start_thread(struct server_thread *t, bool asleep)
{
	ck_assert_int_eq(pthread_create(&t->thread, NULL, serve_in_thread, t), 0);
	while (!__atomic_load_n(&t->tid, __ATOMIC_SEQ_CST))
		sched_yield();
	if (asleep)
		xipc_test_wait_asleep(t->tid);
}

static void start_server(struct server_thread *t, bool asleep)
{
	*t = (struct server_thread){ .svc = f.svc };
	start_thread(t, asleep);
}

/* A thread in ipc_service_run(), spinning: @f's service spins from now on. */
static void start_spinning_server(struct server_thread *t)
{
	ipc_service_spin_ns(f.svc, SERVER_SPIN_NS);
	start_server(t, false);
}

/* What ipc_service_run() returned in @t, or THREAD_EXITED. */
static int join_server(struct server_thread *t)
{
	void *ret;

	ck_assert_int_eq(pthread_join(t->thread, &ret), 0);
	return ret ? t->result : THREAD_EXITED;
}

/* Destroys the service: its @n server threads @t end with EIDRM. */
static void teardown(struct server_thread *t, int n)
{
	ck_assert_int_eq(ipc_service_destroy(f.svc), 0);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(join_server(&t[i]), -EIDRM);
}

/* Bindings without libipc: the handle and the mapped A-stacks. */
struct raw_binding {
	__u32 handle;
	size_t map_size;
	struct xipc_astack *a;
};

/* Binds through @service, maps the A-stacks: 0 or -errno. In children too. */
static int raw_bind(int space, __u32 service, struct raw_binding *rb)
{
	struct xipc_bind req;
	int ret = fx_bind(space, service, &req);

	if (ret)
		return ret;
	rb->a = fx_map(space, req.map_size, req.map_offset);
	if (!rb->a) {
		ret = -errno;
		ipc_handle_close(space, req.handle);
		return ret;
	}
	rb->handle = req.handle;
	rb->map_size = req.map_size;
	return 0;
}

static void must_bind(int space, __u32 service, struct raw_binding *rb)
{
	int ret = raw_bind(space, service, rb);

	ck_assert_msg(ret == 0, "bind through %u: %s", service, strerror(-ret));
}

/* Calls @proc in A-stack 0 of @rb: 0 or -errno. In children too. */
static int raw_call(int space, const struct raw_binding *rb, __u32 proc,
		    __u32 flags, __u64 timeout_ns)
{
	struct xipc_lrpc_call call = { .flags = flags, .binding = rb->handle,
				       .timeout_ns = timeout_ns };

	rb->a->proc = proc;
	return xioctl(space, XIPC_IOC_LRPC_CALL, &call);
}

/* A PROC_WORK call in A-stack 0 of @rb: its result, checked if 0. */
static int call_work(int space, const struct raw_binding *rb)
{
	int ret;

	rb->a->regs[0] = MAGIC;
	ret = raw_call(space, rb, PROC_WORK, 0, XIPC_TEST_LONG_NS);
	if (ret == 0) {
		ck_assert_int_eq(rb->a->status, 0);
		ck_assert_uint_eq(rb->a->regs[0], MAGIC + 1);
	}
	return ret;
}

/* Client children. */
static volatile sig_atomic_t signals_caught;
/* In a child: where the SIGUSR1 handler writes a byte, or -1. */
static int signal_pipe = -1;

static void on_signal(int signo)
{
	char byte = 1;

	(void)signo;
	signals_caught++;
	if (signal_pipe >= 0 && write(signal_pipe, &byte, 1) != 1)
		signals_caught = 100;
}

/* What a client child does: one call, and how it must end. */
struct client {
	int space;
	__u32 service;		/* the handle it binds through */
	__u32 proc;
	__u32 flags;		/* XIPC_ABSTIME: the deadline is now + timeout */
	__u64 timeout_ns;
	int expected;		/* what the call returns */
	int status;		/* if it returns 0: the status the server
				 * wrote (0: and regs[0] is MAGIC + 1) */
	bool handler;		/* catch SIGUSR1 first, with @sa_flags */
	int sa_flags;
	int signal_pipe;	/* the handler writes a byte here, or -1 */
	bool busy_after;	/* then a call on the A-stack must be EBUSY */
	int ready;		/* notified just before the call, or -1 */
	int go;			/* then awaited, or -1 */
	bool lib;		/* call through libipc (else raw ioctls) */
	__u64 spin_ns;		/* libipc's spin-then-block, spinning so long */
	bool regs;		/* ipc_call_regs() (through libipc) */
};

static struct client client_args(int space, __u32 service, __u32 proc,
				 __u64 timeout_ns, int expected)
{
	return (struct client){ .space = space, .service = service,
				.proc = proc, .timeout_ns = timeout_ns,
				.expected = expected, .signal_pipe = -1,
				.ready = -1, .go = -1 };
}

/* A client's binding: raw, or libipc's (for spin-then-block). */
struct client_binding {
	struct raw_binding raw;
	struct ipc_binding *lib;
	struct xipc_astack *astack;	/* the one it calls in */
};

static void client_bind(const struct client *c, struct client_binding *cb)
{
	memset(cb, 0, sizeof(*cb));
	if (c->lib || c->spin_ns || c->regs) {
		CHILD_EXPECT(ipc_bind(c->space, c->service, &cb->lib) == 0,
			     CLIENT_BIND);
		ipc_binding_spin_ns(cb->lib, c->spin_ns);
		CHILD_EXPECT(ipc_astack_get(cb->lib, &cb->astack) == 0,
			     CLIENT_BIND);
	} else {
		CHILD_EXPECT(raw_bind(c->space, c->service, &cb->raw) == 0,
			     CLIENT_BIND);
		cb->astack = cb->raw.a;
	}
}

static void client_unbind(const struct client *c, struct client_binding *cb)
{
	if (cb->lib) {
		ipc_unbind(cb->lib);
		return;
	}
	munmap(cb->raw.a, cb->raw.map_size);
	ipc_handle_close(c->space, cb->raw.handle);
}

/*
 * A register call with regs[0] as w0, its results put back as a call through
 * the A-stack leaves them; one that fails must leave the words as they were.
 */
static int client_call_regs(const struct client_binding *cb, __u32 proc,
			    __u64 timeout_ns)
{
	__u64 w[IPC_NR_WORDS] = { cb->astack->regs[0], 1, 2, 3, 4, 5, 6, 7 };
	int status, ret, i;

	ret = ipc_call_regs(cb->lib, cb->astack, proc, w, &status, timeout_ns);
	if (ret == 0) {
		cb->astack->regs[0] = w[0];
		cb->astack->status = status;
	}
	for (i = 1; ret && i < IPC_NR_WORDS; i++)
		if (w[0] != cb->astack->regs[0] || w[i] != (__u64)i)
			return -ENOTRECOVERABLE;
	return ret;
}

/* A call of @proc with MAGIC in regs[0]: 0 or -errno. */
static int client_call(const struct client *c, const struct client_binding *cb,
		       __u32 proc, __u32 flags, __u64 timeout_ns)
{
	cb->astack->regs[0] = MAGIC;
	if (cb->lib && c->regs)
		return client_call_regs(cb, proc, timeout_ns);
	if (cb->lib)
		return ipc_call(cb->lib, cb->astack, proc, timeout_ns);
	return raw_call(c->space, &cb->raw, proc, flags, timeout_ns);
}

/* Whether the call in @cb came back from PROC_WORK, with status @status. */
static bool client_result(const struct client_binding *cb, int status)
{
	return cb->astack->status == status &&
	       (status || cb->astack->regs[0] == MAGIC + 1);
}

static void run_client(const struct client *c)
{
	struct sigaction action = { .sa_handler = on_signal,
				    .sa_flags = c->sa_flags };
	struct client_binding cb;
	__u64 timeout = c->timeout_ns;
	int ret;

	if (c->handler) {
		sigemptyset(&action.sa_mask);
		signal_pipe = c->signal_pipe;
		CHILD_EXPECT(sigaction(SIGUSR1, &action, NULL) == 0, CLIENT_SYNC);
	}
	client_bind(c, &cb);
	CHILD_EXPECT(c->ready < 0 || xipc_test_notify(c->ready) == 0, CLIENT_SYNC);
	CHILD_EXPECT(c->go < 0 || xipc_test_await(c->go) == 0, CLIENT_SYNC);
	if (c->flags & XIPC_ABSTIME)
		timeout = xipc_test_deadline(timeout);
	ret = client_call(c, &cb, c->proc, c->flags, timeout);
	CHILD_EXPECT_RET(ret, c->expected, CLIENT_CALL);
	CHILD_EXPECT(ret != 0 || client_result(&cb, c->status), CLIENT_RESULT);
	CHILD_EXPECT(!c->handler || signals_caught == 1, CLIENT_HANDLER);
	CHILD_EXPECT(!c->busy_after ||
		     client_call(c, &cb, PROC_WORK, 0, 0) == -EBUSY, CLIENT_BUSY);
	client_unbind(c, &cb);
	_exit(0);
}

/* Forks run_client(); with @sync, returns once it is about to call. */
static pid_t fork_client(struct client *c, bool sync)
{
	int ready[2];
	pid_t pid;

	ck_assert_int_eq(pipe(ready), 0);
	if (sync)
		c->ready = ready[1];
	pid = xipc_test_fork();
	if (pid == 0)
		run_client(c);
	c->ready = -1;
	close(ready[1]);
	ck_assert_int_eq(sync ? xipc_test_await(ready[0]) : 0, 0);
	close(ready[0]);
	return pid;
}

/* A client of @f's service making a @proc call (timeout @timeout_ns). */
static pid_t fork_caller(__u32 proc, __u64 timeout_ns, int expected, bool sync)
{
	struct client c = client_args(f.space, f.service, proc, timeout_ns,
				      expected);

	return fork_client(&c, sync);
}

/* A client of @f's service making a PROC_WORK call that must succeed. */
static pid_t fork_worker(bool sync)
{
	return fork_caller(PROC_WORK, XIPC_TEST_LONG_NS, 0, sync);
}

/*
 * A client whose PROC_HOLD call times out while the server holds it. Whether
 * a server takes a call before a short timeout is up to the scheduler, so
 * after each ETIMEDOUT the client probes its A-stack: EBUSY says the server
 * has the call; a probe that gets through says it was withdrawn first, and
 * the client tries again with a longer timeout. Then it tells @ready, and:
 */
enum after_timeout {
	THEN_UNBIND,	/* it unbinds first, then awaits @go */
	THEN_CALL,	/* it awaits @go, then a PROC_WORK call must succeed */
	THEN_CALL_FREE,	/* the same once its A-stack is free (no @go) */
	THEN_SPIN,	/* a spinning PROC_WORK call: its -errno is the exit code */
};

static void run_timed_out_client(struct client *c, int ready, int go,
				 enum after_timeout then)
{
	__u64 timeout, deadline = xipc_test_deadline(XIPC_TEST_LONG_NS);
	const struct timespec pause = { .tv_nsec = 1000 * 1000 };
	struct client_binding cb;
	int ret;

	client_bind(c, &cb);
	for (timeout = XIPC_TEST_SHORT_NS;; timeout *= 10) {
		ret = client_call(c, &cb, PROC_HOLD, 0, timeout);
		CHILD_EXPECT(ret == -ETIMEDOUT, CLIENT_CALL);
		ret = client_call(c, &cb, PROC_PROBE, 0, XIPC_TEST_LONG_NS);
		if (ret == -EBUSY)
			break;
		CHILD_EXPECT(ret == 0 && timeout < XIPC_TEST_LONG_NS / 10,
			     CLIENT_RETRY);
	}
	if (then == THEN_UNBIND)
		client_unbind(c, &cb);
	CHILD_EXPECT(xipc_test_notify(ready) == 0, CLIENT_SYNC);
	if (then == THEN_SPIN) {
		ipc_binding_spin_ns(cb.lib, CLIENT_SPIN_NS);
		_exit(-client_call(c, &cb, PROC_WORK, 0, XIPC_TEST_LONG_NS));
	}
	CHILD_EXPECT(go < 0 || xipc_test_await(go) == 0, CLIENT_SYNC);
	if (then == THEN_UNBIND)
		_exit(0);
	/* Its A-stack is busy until the server is done with the call. */
	while ((ret = client_call(c, &cb, PROC_WORK, 0, XIPC_TEST_LONG_NS)) ==
	       -EBUSY && then == THEN_CALL_FREE &&
	       xipc_test_deadline(0) < deadline)
		nanosleep(&pause, NULL);
	CHILD_EXPECT(ret == 0, CLIENT_CALL);
	CHILD_EXPECT(client_result(&cb, 0), CLIENT_RESULT);
	client_unbind(c, &cb);
	_exit(0);
}

/* Forks run_timed_out_client(): its pid; *@ready and *@go the test's ends. */
static pid_t fork_timed_out_client(bool lib, __u64 spin_ns,
				   enum after_timeout then, int *ready, int *go)
{
	struct client c = client_args(f.space, f.service, PROC_HOLD, 0, 0);
	int r[2], g[2];
	pid_t pid;

	c.lib = lib;
	c.spin_ns = spin_ns;
	ck_assert(!pipe(r) && !pipe(g));
	pid = xipc_test_fork();
	if (pid == 0)
		run_timed_out_client(&c, r[1], go ? g[0] : -1, then);
	close(r[1]);
	close(g[0]);
	*ready = r[0];
	if (go)
		*go = g[1];
	return pid;
}

/* Forks a raw timed-out client: @req holds its call, which it gave up. */
static pid_t hold_a_timed_out_call(struct ipc_request *req,
				   enum after_timeout then, int *go)
{
	int ready, ret;
	pid_t pid = fork_timed_out_client(false, 0, then, &ready, go);

	ret = ipc_service_next(f.svc, req, 0, XIPC_TEST_LONG_NS);
	/* Probes come after withdrawn calls: answer them, take the next. */
	while (ret == 0 && req->proc == PROC_PROBE) {
		req->astack->status = 0;
		ret = ipc_service_next(f.svc, req, 1, XIPC_TEST_LONG_NS);
	}
	ck_assert_msg(ret == 0, "ipc_service_next: %d", ret);
	ck_assert_uint_eq(req->proc, PROC_HOLD);
	ck_assert_uint_eq(req->args->regs[0], MAGIC);
	ck_assert_int_eq(xipc_test_await(ready), 0);
	return pid;
}

/*
 * The caller times out while the server has its call: the A-stack stays busy,
 * the reply is ECANCELED (through ipc_service_next(), SERVE_REPLY, or
 * SERVE_REPLY | SERVE_WAIT, not waiting); then the A-stack takes calls again.
 * A gone client's abandoned call (_i 3) keeps the slot until the server is
 * done.
 */
FX_LOOP_TEST("giving up", test_timeout_while_held_keeps_the_astack_busy, 0, 4)
{
	struct ipc_request req = { 0 };
	struct ipc_binding *b;
	pid_t pid;
	int go;

	setup(0, 1, 1);
	pid = hold_a_timed_out_call(&req, _i == 3 ? THEN_UNBIND : THEN_CALL, &go);
	if (_i == 0)
		ck_assert_int_eq(ipc_service_next(f.svc, &req, 1,
						  XIPC_TEST_LONG_NS), -ECANCELED);
	else if (_i == 2)
		ck_assert_int_eq(serve(f.service, XIPC_SERVE_REPLY |
				       XIPC_SERVE_WAIT, req.token,
				       XIPC_TEST_LONG_NS), -ECANCELED);
	else if (_i == 3)
		ck_assert_int_eq(ipc_bind(f.space, f.service, &b), -EBUSY);
	if (_i & 1)
		ck_assert_int_eq(reply_call(req.token), -ECANCELED);
	/* The call is over: its token names nothing any more. */
	ck_assert_int_eq(reply_call(req.token), -EINVAL);
	if (_i == 3)
		ck_assert_int_eq(ipc_bind(f.space, f.service, &b), 0);
	ck_assert_int_eq(xipc_test_notify(go), 0);
	if (_i < 3) {
		serve_work(pid);
		return;
	}
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	ck_assert_int_eq(ipc_unbind(b), 0);
}
END_TEST

/*
 * Calls that time out queued (relative, absolute, past deadlines) are
 * withdrawn: the A-stack is free at once, no server ever sees them.
 */
FX_TEST("giving up", test_timeout_while_queued_withdraws_the_call)
{
	struct ipc_request req = { 0 };
	struct server_thread t;
	struct ipc_binding *b;
	struct raw_binding rb;
	struct xipc_astack *a;

	setup(0, 1, 2);
	ck_assert_int_eq(ipc_bind(f.space, f.service, &b), 0);
	ck_assert_int_eq(ipc_astack_get(b, &a), 0);
	must_bind(f.space, f.service, &rb);

	a->regs[0] = rb.a->regs[0] = MAGIC;
	ck_assert_int_eq(ipc_call(b, a, PROC_WORK, XIPC_TEST_SHORT_NS), -ETIMEDOUT);
	ck_assert_int_eq(ipc_call(b, a, PROC_WORK, XIPC_TEST_SHORT_NS), -ETIMEDOUT);
	ck_assert_int_eq(ipc_call(b, a, PROC_WORK, 0), -EAGAIN);
	ck_assert_int_eq(raw_call(f.space, &rb, PROC_WORK, XIPC_ABSTIME,
				  xipc_test_deadline(XIPC_TEST_SHORT_NS)),
			 -ETIMEDOUT);
	ck_assert_int_eq(raw_call(f.space, &rb, PROC_WORK, XIPC_ABSTIME, 1),
			 -ETIMEDOUT);
	ck_assert_int_eq(raw_call(f.space, &rb, PROC_WORK, XIPC_ABSTIME, 0),
			 -EAGAIN);
	ck_assert_int_eq(ipc_service_next(f.svc, &req, 0, 0), -EAGAIN);

	/* The same A-stacks, served: only these two calls reach a handler. */
	start_server(&t, true);
	ck_assert_int_eq(ipc_call(b, a, PROC_WORK, XIPC_TEST_LONG_NS), 0);
	ck_assert_int_eq(a->status, 0);
	ck_assert_uint_eq(a->regs[0], MAGIC + 1);
	ck_assert_int_eq(raw_call(f.space, &rb, PROC_WORK, XIPC_ABSTIME,
				  xipc_test_deadline(XIPC_TEST_LONG_NS)), 0);
	ck_assert_uint_eq(rb.a->regs[0], MAGIC + 1);
	ck_assert_int_eq(calls_handled(), 2);
	teardown(&t, 1);
}
END_TEST

/* Timeout 0 does not wait for a server: EAGAIN unless one is idle. */
FX_TEST("giving up", test_nonblocking_call_needs_an_idle_server)
{
	const struct timespec pause = { .tv_nsec = 1000 * 1000 };
	__u64 deadline = xipc_test_deadline(XIPC_TEST_LONG_NS);
	struct server_thread t;
	struct ipc_binding *b;
	struct xipc_astack *a;
	pid_t client;
	int ret;

	setup(0, 1, 2);
	ck_assert_int_eq(ipc_bind(f.space, f.service, &b), 0);
	ck_assert_int_eq(ipc_astack_get(b, &a), 0);
	a->regs[0] = MAGIC;
	ck_assert_int_eq(ipc_call(b, a, PROC_WORK, 0), -EAGAIN);

	/* An idle server takes it (asleep a moment before idle: retried). */
	start_server(&t, true);
	do {
		a->regs[0] = MAGIC;
		ret = ipc_call(b, a, PROC_WORK, 0);
	} while (ret == -EAGAIN && xipc_test_deadline(0) < deadline &&
		 !nanosleep(&pause, NULL));
	ck_assert_int_eq(ret, 0);
	ck_assert_int_eq(a->status, 0);
	ck_assert_uint_eq(a->regs[0], MAGIC + 1);

	/* Its only server thread busy with another call: EAGAIN again. */
	client = fork_caller(PROC_HOLD, XIPC_TEST_LONG_NS, 0, false);
	await_entered();
	a->regs[0] = MAGIC;
	ck_assert_int_eq(ipc_call(b, a, PROC_WORK, 0), -EAGAIN);
	release();
	ck_assert_int_eq(xipc_test_wait(client), 0);
	teardown(&t, 1);
}
END_TEST

/*
 * A signal to a caller whose call the server holds: EINTR, never restarted
 * (SA_RESTART or not, relative timeout), the reply ECANCELED; the same with
 * a register call, and with a spinning client and server (_i 6 and 7).
 */
FX_LOOP_TEST("giving up", test_signal_while_held_is_eintr, 0, 8)
{
	bool spin = _i >= 6;
	struct ipc_request req = { 0 };
	struct server_thread t;
	struct client c;
	int caught[2];
	pid_t client;

	setup(0, 1, 1);
	ck_assert_int_eq(pipe(caught), 0);
	c = client_args(f.space, f.service, PROC_HOLD, _i % 3 == 2 && !spin ?
			XIPC_TEST_LONG_NS : IPC_NO_TIMEOUT, -EINTR);
	c.handler = true;
	c.sa_flags = _i % 3 == 1 ? SA_RESTART : 0;
	c.signal_pipe = caught[1];
	c.busy_after = !spin;
	c.regs = _i >= 3 && !spin;
	c.spin_ns = spin ? CLIENT_SPIN_NS : 0;
	if (spin)
		start_spinning_server(&t);
	client = fork_client(&c, false);
	if (spin)
		await_entered();
	else
		take_call(&req, PROC_HOLD);
	xipc_test_wait_asleep(client);
	ck_assert_int_eq(kill(client, SIGUSR1), 0);
	/* The call ended (or was restarted) before the handler ran. */
	ck_assert_int_eq(xipc_test_await(caught[0]), 0);
	if (spin)
		release();
	ck_assert_int_eq(xipc_test_wait(client), 0);
	if (spin)
		teardown(&t, 1);
	else
		ck_assert_int_eq(reply_call(req.token), -ECANCELED);
}
END_TEST

static const struct queued_signal_case {
	__u32 flags;
	__u64 timeout_ns;
	int sa_flags;
	int expected;
} queued_signal_cases[] = {
	/* Restartable: the call is made again, and served. */
	{ 0, IPC_NO_TIMEOUT, SA_RESTART, 0 },
	{ XIPC_ABSTIME, XIPC_TEST_LONG_NS, SA_RESTART, 0 },
	/* A relative timeout, or a handler without SA_RESTART: EINTR. */
	{ 0, XIPC_TEST_LONG_NS, SA_RESTART, -EINTR },
	{ 0, IPC_NO_TIMEOUT, 0, -EINTR },
};

/*
 * A signal to a caller whose call is queued: withdrawn, then restarted
 * (served once) or EINTR (never seen by the server).
 */
FX_LOOP_TEST("giving up", test_signal_while_queued_withdraws_or_restarts, 0,
	     2 * (int)FX_NR(queued_signal_cases))
{
	const struct queued_signal_case *how =
		&queued_signal_cases[_i % FX_NR(queued_signal_cases)];
	struct ipc_request req = { 0 };
	struct client c;
	int caught[2];
	pid_t client;

	setup(0, 1, 1);
	ck_assert_int_eq(pipe(caught), 0);
	c = client_args(f.space, f.service, PROC_WORK, how->timeout_ns,
			how->expected);
	c.flags = how->flags;
	c.handler = true;
	c.sa_flags = how->sa_flags;
	c.signal_pipe = caught[1];
	/* Register calls: libipc has no deadlines, so none. */
	c.regs = (size_t)_i >= FX_NR(queued_signal_cases);
	if (c.regs && c.flags & XIPC_ABSTIME) {
		c.flags = 0;
		c.timeout_ns = IPC_NO_TIMEOUT;
	}
	client = fork_client(&c, true);
	/* Asleep in the call, queued: no thread serves yet. */
	xipc_test_wait_asleep(client);
	ck_assert_int_eq(kill(client, SIGUSR1), 0);
	ck_assert_int_eq(xipc_test_await(caught[0]), 0);
	if (how->expected == 0) {
		take_call(&req, PROC_WORK);
		reply_work(&req);
	}
	ck_assert_int_eq(xipc_test_wait(client), 0);
	ck_assert_int_eq(ipc_service_next(f.svc, &req, 0, 0), -EAGAIN);
}
END_TEST

/*
 * A client gives up on a call a spinning server thread (of @servers) holds,
 * then calls again as @then says: its A-stack is busy till the handler ends.
 */
static const struct spin_timeout {
	int servers;
	__u64 spin_ns;
	enum after_timeout then;
} spin_timeouts[] = {
	/* A spinning client gives up on a held call: EBUSY till it ends. */
	{ 1, CLIENT_SPIN_NS, THEN_CALL_FREE },
	/*
	 * A call given up on through the kernel keeps its A-stack busy for a
	 * spinning call too: a second spinning server thread must not run it
	 * beside the first.
	 */
	{ 2, 0, THEN_SPIN },
};

FX_LOOP_TEST("giving up", test_spin_call_timeout_while_held_keeps_the_astack_busy,
	     0, FX_NR(spin_timeouts))
{
	const struct spin_timeout *how = &spin_timeouts[_i];
	enum after_timeout then = how->then;
	struct server_thread t[2];
	pid_t client;
	int ready, i;

	setup(0, 1, 1);
	for (i = 0; i < how->servers; i++)
		start_spinning_server(&t[i]);
	client = fork_timed_out_client(true, how->spin_ns, then, &ready, NULL);
	await_entered();
	ck_assert_int_eq(xipc_test_await(ready), 0);
	if (then == THEN_SPIN) {
		/* Its exit code is what the spinning call returned, negated. */
		ck_assert_int_eq(xipc_test_wait(client), EBUSY);
		ck_assert_int_eq(calls_handled(), 0);
	}
	release();
	if (then != THEN_SPIN)
		ck_assert_int_eq(xipc_test_wait(client), 0);
	teardown(t, how->servers);
}
END_TEST

/* Where the server process is killed, relative to the client's call. */
enum server_kill_point {
	KILL_BEFORE_CALL,	/* the client is bound, calls after the death */
	KILL_QUEUED,		/* the call waits; the server never serves */
	KILL_ANY_TIME,		/* the server waits for calls, or has this one */
	KILL_HELD,		/* the server has taken the call */
	KILL_HELD_ASLEEP,	/* ... and the client sleeps in it */
	SERVER_KILL_POINTS
};

/*
 * A server process of its own space: sends its service through mailbox @name,
 * then takes no call, one (@one), or serves spinning (@spin); it tells @took
 * when it has a call, and holds it until killed.
 */
static void run_server_process(const char *name, bool one, bool spin, int took,
			       int hold)
{
	struct ipc_service_attr attr = { 0 };
	struct ipc_request req = { 0 };
	struct ipc_service *svc;
	int own = ipc_open(0), mailbox;

	f.entered[1] = took;
	f.release[0] = hold;
	CHILD_EXPECT(own >= 0, SERVER_OPEN);
	CHILD_EXPECT(ipc_service_create(own, &attr, &svc) == 0, SERVER_CREATE);
	CHILD_EXPECT(ipc_service_register(svc, PROC_HOLD, handle_hold, NULL) == 0,
		     SERVER_CREATE);
	mailbox = ipc_mailbox_open(own, name, 0, 0, XIPC_RIGHT_SEND);
	CHILD_EXPECT(mailbox > 0, SERVER_SEND);
	CHILD_EXPECT(fx_send_handle(own, mailbox, ipc_service_handle(svc),
				    XIPC_RIGHT_SEND, 0, XIPC_TEST_LONG_NS) == 0,
		     SERVER_SEND);
	if (spin) {
		ipc_service_spin_ns(svc, SERVER_SPIN_NS);
		ipc_service_run(svc);
	} else if (one) {
		CHILD_EXPECT(ipc_service_next(svc, &req, 0, XIPC_TEST_LONG_NS) == 0,
			     SERVER_TAKE);
		CHILD_EXPECT(xipc_test_notify(took) == 0, SERVER_SYNC);
	}
	xipc_test_await(hold);
	_exit(SERVER_NOT_KILLED);
}

/* A server process, a client calling PROC_HOLD, the server killed at @point. */
static void server_death_round(int space, __u32 mailbox, const char *name,
			       enum server_kill_point point, bool spin,
			       bool regs)
{
	int took[2], hold[2], go[2], service;
	struct raw_binding rb;
	pid_t server, client;
	struct client c;

	ck_assert(!pipe(took) && !pipe(hold) && !pipe(go));
	server = xipc_test_fork();
	if (server == 0)
		run_server_process(name, point >= KILL_ANY_TIME, spin, took[1],
				   hold[0]);
	close(took[1]);
	close(hold[0]);
	service = fx_recv_handle(space, mailbox, XIPC_TEST_LONG_NS);
	ck_assert_int_gt(service, 0);

	c = client_args(space, service, PROC_HOLD, XIPC_TEST_LONG_NS, -EPIPE);
	c.spin_ns = spin ? CLIENT_SPIN_NS : 0;
	c.regs = regs;
	if (point == KILL_BEFORE_CALL)
		c.go = go[0];
	client = fork_client(&c, true);
	close(go[0]);
	if (point == KILL_QUEUED)
		xipc_test_wait_asleep(client);
	if (point >= KILL_HELD)
		ck_assert_int_eq(xipc_test_await(took[0]), 0);
	if (point == KILL_HELD_ASLEEP)
		xipc_test_wait_asleep(client);

	fx_kill(server);
	if (point == KILL_BEFORE_CALL)
		ck_assert_int_eq(xipc_test_notify(go[1]), 0);
	/* EPIPE, not its timeout: see the client's exit code. */
	ck_assert_int_eq(xipc_test_wait(client), 0);

	/* Dead for everyone. */
	ck_assert_int_eq(raw_bind(space, service, &rb), -EPIPE);
	ck_assert_uint_eq(handle_state(space, service), XIPC_STATE_NO_RECEIVER);
	ck_assert_int_eq(ipc_handle_close(space, service), 0);
	close(took[0]);
	close(hold[1]);
	close(go[1]);
}

/*
 * The server process killed before the call, with it queued or taken: EPIPE
 * at once, not at the timeout; half the rounds with register calls. Then
 * (_i 1) spin-then-block on both sides, the call held or at any time.
 */
FX_LOOP_TEST("deaths", test_server_death_fails_the_call_with_epipe, 0, 2)
{
	static const enum server_kill_point spin_points[] = {
		KILL_ANY_TIME, KILL_HELD, KILL_HELD_ASLEEP,
	};
	int space = xipc_test_open(), rounds = _i ? 6 : DEATH_ROUNDS;
	char name[XIPC_TEST_NAME_SIZE];
	int mailbox, round;

	mailbox = fx_named(space, name, _i ? "spinning-server" : "server");
	for (round = 0; round < rounds; round++)
		server_death_round(space, mailbox, name,
				   _i ? spin_points[round % 3] :
				   (enum server_kill_point)(round % SERVER_KILL_POINTS),
				   _i, round >= rounds / 2);
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
}
END_TEST

/*
 * The client killed with its call held, queued or at any time: the reply is
 * ECANCELED (a queued call is withdrawn), the client's slot free once reaped.
 */
FX_TEST("deaths", test_client_death_cancels_the_call_and_frees_the_slot)
{
	struct ipc_request req = { 0 };
	struct ipc_binding *b;
	struct client c;
	int other, round, point;
	pid_t client;

	setup(0, 1, 1);
	for (round = 0; round < DEATH_ROUNDS; round++) {
		point = round % 4;	/* held asleep, held, queued, any time */
		/* A space only the client holds: it goes when the client does. */
		other = xipc_test_open();
		c = client_args(other, fx_pass(f.space, f.service,
					       XIPC_RIGHT_SEND, other),
				PROC_HOLD, XIPC_TEST_LONG_NS, 0);
		client = fork_client(&c, true);
		ck_assert_int_eq(ipc_close(other), 0);
		if (point <= 1)
			take_call(&req, PROC_HOLD);
		if (point == 0 || point == 2)
			xipc_test_wait_asleep(client);
		fx_kill(client);
		if (point <= 1)
			ck_assert_int_eq(reply_call(req.token), -ECANCELED);
		else
			ck_assert_int_eq(ipc_service_next(f.svc, &req, 0, 0),
					 -EAGAIN);
		/* Its binding went with its space, its call is over. */
		ck_assert_int_eq(ipc_bind(f.space, f.service, &b), 0);
		ck_assert_int_eq(ipc_unbind(b), 0);
	}
}
END_TEST

/*
 * The service destroyed (EIDRM) or its last receive handle closed (EPIPE):
 * the held call, the queued call, later calls and binds fail at once and the
 * handles say so; destroyed, serves fail too, and the late reply ends the
 * server thread with EIDRM.
 */
FX_LOOP_TEST("endings", test_destroy_or_last_receive_handle_fails_every_call,
	     0, 2)
{
	bool destroy = !_i;
	int error = destroy ? -EIDRM : -EPIPE;
	__u32 state = destroy ? XIPC_STATE_DESTROYED : XIPC_STATE_NO_RECEIVER;
	struct raw_binding later, rb;
	struct ipc_request req = { 0 };
	struct server_thread t;
	struct ipc_binding *b;
	pid_t held, queued;
	struct client c;
	__u32 send;

	setup(0, 1, 4);
	send = destroy ? f.service : fx_dup(f.space, f.service, XIPC_RIGHT_SEND,
					    0, 0);
	must_bind(f.space, send, &later);
	if (destroy)
		start_server(&t, true);
	c = client_args(f.space, send, PROC_HOLD, XIPC_TEST_LONG_NS, error);
	held = fork_client(&c, false);
	if (destroy)
		await_entered();
	else
		take_call(&req, PROC_HOLD);
	c.proc = PROC_WORK;
	queued = fork_client(&c, true);
	/* The only server thread is busy: the call stays queued. */
	xipc_test_wait_asleep(queued);

	if (destroy)
		ck_assert_int_eq(ipc_service_destroy(f.svc), 0);
	else
		ck_assert_int_eq(ipc_handle_close(f.space, f.service), 0);
	ck_assert_int_eq(xipc_test_wait(held), 0);
	ck_assert_int_eq(xipc_test_wait(queued), 0);
	ck_assert_int_eq(call_work(f.space, &later), error);
	ck_assert_int_eq(raw_bind(f.space, send, &rb), error);
	ck_assert_int_eq(ipc_bind(f.space, send, &b), error);
	ck_assert_uint_eq(handle_state(f.space, send), state);
	ck_assert_uint_eq(handle_state(f.space, later.handle), state);
	if (!destroy)
		return;
	ck_assert_int_eq(serve(f.service, XIPC_SERVE_WAIT, 0,
			       XIPC_TEST_LONG_NS), -EIDRM);
	release();
	ck_assert_int_eq(join_server(&t), -EIDRM);
	/* The queued call never reached a handler. */
	ck_assert_int_eq(calls_handled(), 1);
}
END_TEST

/* Server threads waiting for calls wake when the service is destroyed. */
FX_TEST("endings", test_destroy_ends_idle_servers)
{
	struct server_thread t[2];

	setup(0, 1, 1);
	start_server(&t[0], true);
	start_server(&t[1], true);
	teardown(t, 2);
}
END_TEST

/* Once destroyed, a reply is EIDRM, to a waiting or an abandoned call. */
FX_TEST("endings", test_reply_after_destroy_fails_like_a_call)
{
	struct ipc_request waited = { 0 }, abandoned = { 0 };
	pid_t waiting, gone;
	struct client c;

	setup(0, 1, 2);
	waiting = fork_caller(PROC_HOLD, XIPC_TEST_LONG_NS, -EIDRM, false);
	take_call(&waited, PROC_HOLD);
	c = client_args(f.space, f.service, PROC_HOLD, IPC_NO_TIMEOUT, -EINTR);
	c.handler = true;
	gone = fork_client(&c, false);
	take_call(&abandoned, PROC_HOLD);
	xipc_test_wait_asleep(gone);
	ck_assert_int_eq(kill(gone, SIGUSR1), 0);
	ck_assert_int_eq(xipc_test_wait(gone), 0);

	ck_assert_int_eq(ipc_service_destroy(f.svc), 0);
	ck_assert_int_eq(xipc_test_wait(waiting), 0);
	ck_assert_int_eq(reply_call(waited.token), -EIDRM);
	ck_assert_int_eq(reply_call(abandoned.token), -EIDRM);
}
END_TEST

/*
 * Destroy needs XIPC_RIGHT_MANAGE (EPERM, and the service lives on) and a
 * service handle (EBADF); it succeeds once through a MANAGE handle, also
 * with no receive handle left (_i 1: EPIPE); then it is EIDRM, any handle.
 */
FX_LOOP_TEST("endings", test_destroy_once_and_only_with_manage, 0, 2)
{
	struct server_thread t;
	struct raw_binding rb;
	__u32 manage;

	setup(0, 1, 1);
	manage = fx_dup(f.space, f.service, XIPC_RIGHT_SEND | XIPC_RIGHT_MANAGE,
			0, 0);
	if (_i) {
		ck_assert_int_eq(ipc_handle_close(f.space, f.service), 0);
		ck_assert_int_eq(raw_bind(f.space, manage, &rb), -EPIPE);
	} else {
		must_bind(f.space, f.service, &rb);
		ck_assert_int_eq(fx_service_destroy(f.space, fx_dup(f.space,
				 f.service, XIPC_RIGHTS_ALL &
				 ~XIPC_RIGHT_MANAGE, 0, 0)), -EPERM);
		ck_assert_int_eq(fx_service_destroy(f.space,
				 xipc_test_mailbox(f.space, 0, 0, 0)), -EBADF);
		ck_assert_int_eq(fx_service_destroy(f.space, rb.handle), -EBADF);
		start_server(&t, true);
		ck_assert_int_eq(call_work(f.space, &rb), 0);
	}
	ck_assert_int_eq(fx_service_destroy(f.space, manage), 0);
	ck_assert_int_eq(fx_service_destroy(f.space, manage), -EIDRM);
	if (_i)
		return;
	ck_assert_int_eq(ipc_service_destroy(f.svc), -EIDRM);
	ck_assert_int_eq(join_server(&t), -EIDRM);
}
END_TEST

struct destroyer {
	pthread_t thread;
	pthread_barrier_t *barrier;
	int space;
	__u32 handle;
	int result;
};

static void *destroy_in_thread(void *arg)
{
	struct destroyer *d = arg;

	pthread_barrier_wait(d->barrier);
	d->result = fx_service_destroy(d->space, d->handle);
	return NULL;
}

/* Two threads destroy one service at once: one succeeds, the other is EIDRM. */
FX_TEST("endings", test_concurrent_destroys_succeed_once)
{
	struct ipc_service_attr attr = { .nr_astacks = 1, .max_bindings = 1 };
	int space = xipc_test_open(), round, i, done;
	struct ipc_service *svc;
	pthread_barrier_t barrier;
	struct destroyer d[2];

	ck_assert_int_eq(pthread_barrier_init(&barrier, NULL, 2), 0);
	for (round = 0; round < DESTROY_ROUNDS; round++) {
		ck_assert_int_eq(ipc_service_create(space, &attr, &svc), 0);
		for (i = 0; i < 2; i++) {
			d[i] = (struct destroyer){ .barrier = &barrier,
				.space = space, .handle = ipc_service_handle(svc) };
			ck_assert_int_eq(pthread_create(&d[i].thread, NULL,
							destroy_in_thread, &d[i]), 0);
		}
		for (done = 0, i = 0; i < 2; i++) {
			ck_assert_int_eq(pthread_join(d[i].thread, NULL), 0);
			ck_assert_msg(d[i].result == 0 || d[i].result == -EIDRM,
				      "destroy: %s", strerror(-d[i].result));
			done += d[i].result == 0;
		}
		ck_assert_msg(done == 1, "round %d: %d destroys succeeded",
			      round, done);
		ipc_service_free(svc);
	}
	pthread_barrier_destroy(&barrier);
}
END_TEST

/* Another receive handle serves and maps on; the service dies with the last. */
FX_TEST("endings", test_another_receive_handle_keeps_the_service)
{
	long page = sysconf(_SC_PAGESIZE);
	struct xipc_lrpc_serve req;
	struct xipc_astack *a;
	struct raw_binding rb;
	__u32 recv, send;
	void *region;
	pid_t client;

	setup(0, 1, 1);
	recv = fx_dup(f.space, f.service, XIPC_RIGHT_RECV, 0, 0);
	send = fx_dup(f.space, f.service, XIPC_RIGHT_SEND, 0, 0);
	ck_assert_int_eq(ipc_handle_close(f.space, f.service), 0);

	region = fx_must_map(f.space, page, (__u64)recv * page);
	f.service = send;
	client = fork_worker(false);
	req = (struct xipc_lrpc_serve){ .flags = XIPC_SERVE_WAIT, .service = recv,
					.timeout_ns = XIPC_TEST_LONG_NS };
	ck_assert_int_eq(xioctl(f.space, XIPC_IOC_LRPC_SERVE, &req), 0);
	ck_assert_uint_eq(req.proc, PROC_WORK);
	a = (struct xipc_astack *)((char *)region + req.astack);
	ck_assert_uint_eq(a->regs[0], MAGIC);
	a->regs[0] = MAGIC + 1;
	a->status = 0;
	ck_assert_int_eq(serve(recv, XIPC_SERVE_REPLY, req.call, 0), 0);
	ck_assert_int_eq(xipc_test_wait(client), 0);

	ck_assert_int_eq(ipc_handle_close(f.space, recv), 0);
	ck_assert_int_eq(raw_bind(f.space, send, &rb), -EPIPE);
}
END_TEST

/*
 * Revoking the handle bound through (used here, and passed to another space)
 * ends those bindings (EKEYREVOKED, XIPC_STATE_REVOKED); the handle itself
 * and bindings made through other handles work on.
 */
FX_TEST("endings", test_revoke_ends_the_bindings_made_through_the_handle)
{
	struct raw_binding here, away, unrelated, fresh, rb;
	struct server_thread t;
	__u32 granted, passed;
	int other;

	setup(0, 1, 4);
	other = xipc_test_open();
	granted = fx_dup(f.space, f.service, XIPC_RIGHT_SEND |
			 XIPC_RIGHT_GRANT | XIPC_RIGHT_MANAGE, 0, 0);
	passed = fx_pass(f.space, granted, XIPC_RIGHT_SEND, other);
	must_bind(f.space, granted, &here);
	must_bind(other, passed, &away);
	must_bind(f.space, fx_dup(f.space, f.service, XIPC_RIGHT_SEND, 0, 0),
		  &unrelated);
	start_server(&t, true);
	ck_assert_int_eq(call_work(f.space, &here), 0);
	ck_assert_int_eq(call_work(other, &away), 0);

	ck_assert_int_eq(ipc_handle_revoke(f.space, granted), 0);
	ck_assert_int_eq(call_work(f.space, &here), -EKEYREVOKED);
	ck_assert_int_eq(call_work(other, &away), -EKEYREVOKED);
	ck_assert_uint_eq(handle_state(f.space, here.handle), XIPC_STATE_REVOKED);
	ck_assert_uint_eq(handle_state(other, away.handle), XIPC_STATE_REVOKED);
	ck_assert_int_eq(raw_bind(other, passed, &rb), -EKEYREVOKED);

	ck_assert_uint_eq(handle_state(f.space, granted), 0);
	ck_assert_int_eq(call_work(f.space, &unrelated), 0);
	must_bind(f.space, granted, &fresh);
	ck_assert_int_eq(call_work(f.space, &fresh), 0);
	teardown(&t, 1);
}
END_TEST

/*
 * The handle bound through revoked during a call: EKEYREVOKED at once. A
 * queued call is withdrawn unseen (_i 0); a running one abandoned (reply
 * ECANCELED).
 */
FX_LOOP_TEST("endings", test_revoke_withdraws_or_abandons_the_call, 0, 2)
{
	struct ipc_request req = { 0 };
	struct raw_binding rb;
	struct client c;
	pid_t caller;

	setup(0, 1, 3);
	c = client_args(f.space, fx_dup(f.space, f.service, XIPC_RIGHT_SEND |
					XIPC_RIGHT_GRANT |
					(_i ? XIPC_RIGHT_MANAGE : 0), 0, 0),
			PROC_WORK, XIPC_TEST_LONG_NS, -EKEYREVOKED);
	must_bind(f.space, c.service, &rb);
	caller = fork_client(&c, true);
	if (_i) {
		take_call(&req, PROC_WORK);
		ck_assert_int_eq(ipc_handle_revoke(f.space, c.service), 0);
		ck_assert_int_eq(xipc_test_wait(caller), 0);
		ck_assert_int_eq(reply_call(req.token), -ECANCELED);
		return;
	}
	xipc_test_wait_asleep(caller);
	ck_assert_int_eq(ipc_handle_revoke(f.space, f.service), 0);
	ck_assert_int_eq(xipc_test_wait(caller), 0);
	ck_assert_int_eq(ipc_service_next(f.svc, &req, 0, 0), -EAGAIN);
	ck_assert_int_eq(call_work(f.space, &rb), -EKEYREVOKED);
	/* The service works on for a binding made through its own handle. */
	serve_work(fork_worker(true));
}
END_TEST

/* A handler that leaves its thread: its call returns, status ECANCELED. */
FX_LOOP_TEST("endings", test_handler_leaving_its_thread_cancels_the_call, 0, 2)
{
	struct server_thread t;
	struct client c;
	pid_t client;

	setup(_i ? XIPC_SERVICE_COPY_IN : 0, 1, 1);
	start_server(&t, true);
	c = client_args(f.space, f.service, PROC_EXIT, XIPC_TEST_LONG_NS, 0);
	c.status = -ECANCELED;
	client = fork_client(&c, false);
	ck_assert_int_eq(join_server(&t), THREAD_EXITED);
	ck_assert_int_eq(ipc_service_destroy(f.svc), 0);
	ck_assert_int_eq(xipc_test_wait(client), 0);
}
END_TEST

/* Any __u32 is a procedure number: the server takes each call and learns it. */
FX_LOOP_TEST("serve", test_every_procedure_number_reaches_the_server, 0, 2)
{
	static const __u32 procs[] = {
		0, 1023, 1024, 0x7fffffff, 0x80000000, (__u32)-EINTR, ~0U,
	};
	struct ipc_request req = { 0 };
	struct client_binding cb;
	struct client c;
	unsigned int i;
	pid_t client;

	setup(_i ? XIPC_SERVICE_COPY_IN : 0, 1, 1);
	c = client_args(f.space, f.service, 0, XIPC_TEST_LONG_NS, 0);
	client = xipc_test_fork();
	if (client == 0) {
		/* One call of each procedure, in order. */
		client_bind(&c, &cb);
		for (i = 0; i < FX_NR(procs); i++) {
			CHILD_EXPECT(client_call(&c, &cb, procs[i], 0,
						 XIPC_TEST_LONG_NS) == 0,
				     CLIENT_CALL);
			CHILD_EXPECT(client_result(&cb, 0), CLIENT_RESULT);
		}
		client_unbind(&c, &cb);
		_exit(0);
	}
	for (i = 0; i < FX_NR(procs); i++) {
		take_call(&req, procs[i]);
		reply_work(&req);
	}
	ck_assert_int_eq(xipc_test_wait(client), 0);
}
END_TEST

/*
 * A serve (valid: EAGAIN) with a bad flag, status or args: EINVAL, no call
 * taken or lost (the handle's rights, kind, state: rows of lrpc.c's table).
 */
#define SERVE(field, bad) FX_BAD(struct xipc_lrpc_serve, field, bad, EINVAL)
FX_TEST("serve", test_serve_rejects_bad_arguments)
{
	static const struct fx_row bad[] = {
		/* Neither REPLY nor WAIT (nor WAKE), WAKE with either. */
		SERVE(flags, 0), SERVE(flags, XIPC_ABSTIME),
		SERVE(flags, XIPC_SERVE_WAKE | XIPC_SERVE_WAIT),
		SERVE(flags, XIPC_SERVE_WAKE | XIPC_SERVE_REPLY),
		/* REGS never with WAKE. */
		SERVE(flags, XIPC_SERVE_WAKE | XIPC_SERVE_REGS),
		/* status: only for a reply with REGS. */
		SERVE(status, 1), SERVE(status, -1),
		FX_BAD_WITH(struct xipc_lrpc_serve, status, -1, flags,
			    XIPC_SERVE_WAIT | XIPC_SERVE_REGS, EINVAL),
	};
	static unsigned char args[1 << 16];
	struct ipc_service_attr attr = { .flags = XIPC_SERVICE_COPY_IN };
	struct xipc_lrpc_serve valid, req;
	struct ipc_service *copy_in;
	struct ipc_request taken = { 0 };
	__u32 bit, i;

	ck_assert_int_le(sysconf(_SC_PAGESIZE), (long)sizeof(args));
	setup(0, 1, 2);
	ck_assert_int_eq(ipc_service_create(f.space, &attr, &copy_in), 0);
	valid = (struct xipc_lrpc_serve){ .flags = XIPC_SERVE_WAIT,
					  .service = f.service };
	ck_assert_int_eq(serve(f.service, XIPC_SERVE_WAIT, 0, 0), -EAGAIN);
	for (i = 0; i < FX_NR(bad); i++) {
		req = valid;
		fx_break(&req, &bad[i]);
		ck_assert_msg(xioctl(f.space, XIPC_IOC_LRPC_SERVE, &req) == -EINVAL,
			      "%s %d", bad[i].field, (int)bad[i].value);
	}
	/* Unknown flags. */
	for (bit = 0; bit < 32; bit++)
		if (!(1U << bit & (XIPC_SERVE_REPLY | XIPC_SERVE_WAIT |
				   XIPC_SERVE_WAKE | XIPC_SERVE_REGS |
				   XIPC_ABSTIME)))
			ck_assert_int_eq(serve(f.service, XIPC_SERVE_WAIT |
					       1U << bit, 0, 0), -EINVAL);
	/* REGS: with REPLY and WAIT, only where supported. */
	ck_assert_int_eq(serve(f.service, XIPC_SERVE_WAIT | XIPC_SERVE_REGS, 0, 0),
			 ipc_regs_native(f.space) ? -EAGAIN : -EOPNOTSUPP);

	/* args: only, and always, for a service with XIPC_SERVICE_COPY_IN. */
	req = valid;
	req.args = ipc_ptr(args);
	ck_assert_int_eq(xioctl(f.space, XIPC_IOC_LRPC_SERVE, &req), -EINVAL);
	req.service = ipc_service_handle(copy_in);
	ck_assert_int_eq(xioctl(f.space, XIPC_IOC_LRPC_SERVE, &req), -EAGAIN);
	ck_assert_int_eq(serve(req.service, XIPC_SERVE_WAIT, 0, 0), -EINVAL);

	serve_work(fork_worker(false));
	ck_assert_int_eq(ipc_service_next(f.svc, &taken, 0, 0), -EAGAIN);
}
END_TEST

/* A token that names no call being served: EINVAL, and no wait either. */
FX_TEST("serve", test_serve_rejects_stale_tokens)
{
	struct ipc_request req = { 0 };
	pid_t client;
	__u64 first;

	setup(0, 1, 1);
	client = fork_worker(false);
	take_call(&req, PROC_WORK);
	first = req.token;
	ck_assert_int_eq(reply_call(first + (1ULL << 32)), -EINVAL);
	ck_assert_int_eq(reply_call(first ^ 1), -EINVAL);
	ck_assert_int_eq(reply_call(first | 0xffffffffULL), -EINVAL);
	ck_assert_int_eq(reply_call(~first), -EINVAL);
	reply_work(&req);
	ck_assert_int_eq(reply_call(first), -EINVAL);
	ck_assert_int_eq(serve(f.service, XIPC_SERVE_REPLY | XIPC_SERVE_WAIT,
			       first, XIPC_TEST_LONG_NS), -EINVAL);
	ck_assert_int_eq(xipc_test_wait(client), 0);

	/* The next call in the same (only) A-stack. */
	client = fork_worker(false);
	take_call(&req, PROC_WORK);
	ck_assert_uint_ne(req.token, first);
	ck_assert_int_eq(reply_call(first), -EINVAL);
	reply_work(&req);
	ck_assert_int_eq(xipc_test_wait(client), 0);
}
END_TEST

/*
 * Of two server threads asleep, a call goes to the one that went to sleep
 * last (its cache is the warmest); the other sleeps on and writes nothing.
 */
FX_TEST("serve", test_call_goes_to_the_server_idle_last)
{
	long page = sysconf(_SC_PAGESIZE);
	struct xipc_lrpc_serve req[2], untouched;
	struct server_thread t[2] = { { .serve = &req[0] },
				      { .serve = &req[1] } };
	struct xipc_astack *a;
	void *region;
	pid_t client;

	setup(0, 1, 1);
	region = fx_must_map(f.space, page, (__u64)f.service * page);
	for (int i = 0; i < 2; i++) {
		req[i] = (struct xipc_lrpc_serve){ .flags = XIPC_SERVE_WAIT,
						   .service = f.service,
						   .timeout_ns = XIPC_TEST_LONG_NS };
		start_thread(&t[i], true);
	}
	untouched = req[0];
	client = fork_worker(false);
	ck_assert_int_eq(join_server(&t[1]), 0);
	ck_assert_uint_eq(req[1].proc, PROC_WORK);
	a = (struct xipc_astack *)((char *)region + req[1].astack);
	a->regs[0] = MAGIC + 1;
	a->status = 0;
	ck_assert_int_eq(reply_call(req[1].call), 0);
	ck_assert_int_eq(xipc_test_wait(client), 0);
	xipc_test_wait_asleep(t[0].tid);
	ck_assert(!memcmp(&req[0], &untouched, sizeof(untouched)));
	teardown(&t[0], 1);
}
END_TEST

/*
 * A serve blocked on a receive handle revoked (EKEYREVOKED) or closed
 * (EBADF) meanwhile: it takes no call through the handle it lost.
 */
FX_LOOP_TEST("serve", test_serve_blocked_on_a_handle_that_goes_fails, 0, 2)
{
	struct xipc_lrpc_serve req = { .flags = XIPC_SERVE_WAIT,
				       .timeout_ns = XIPC_TEST_LONG_NS };
	struct server_thread b = { .serve = &req };
	__u32 parent;
	pid_t client;

	setup(0, 1, 1);
	parent = fx_dup(f.space, f.service, XIPC_RIGHT_RECV |
			XIPC_RIGHT_GRANT | XIPC_RIGHT_MANAGE, 0, 0);
	req.service = fx_dup(f.space, parent, XIPC_RIGHT_RECV, 0, 0);
	start_thread(&b, true);
	if (_i)
		ck_assert_int_eq(ipc_handle_close(f.space, req.service), 0);
	else
		ck_assert_int_eq(ipc_handle_revoke(f.space, parent), 0);
	client = fork_worker(false);
	ck_assert_int_eq(join_server(&b), _i ? -EBADF : -EKEYREVOKED);
	serve_work(client);
}
END_TEST

/* A serve that takes no call: its result; it must write none of its fields. */
static int serve_nothing(__u32 flags, __u64 timeout_ns)
{
	struct xipc_lrpc_serve req, before;
	int ret;

	memset(&req, POISON_BYTE, sizeof(req));
	req.flags = flags;
	req.service = f.service;
	req.timeout_ns = timeout_ns;
	req.args = req.status = 0;
	before = req;
	ret = xioctl(f.space, XIPC_IOC_LRPC_SERVE, &req);
	ck_assert_msg(!memcmp(&req, &before, sizeof(req)),
		      "a serve that failed (%d) wrote its out fields", ret);
	return ret;
}

/* With no call to take: ETIMEDOUT, relative or absolute; EAGAIN for 0. */
FX_TEST("serve", test_serve_timeouts)
{
	const __u32 wait = XIPC_SERVE_WAIT, abs = XIPC_SERVE_WAIT | XIPC_ABSTIME;
	struct ipc_request req = { 0 };

	setup(0, 1, 1);
	ck_assert_int_eq(serve_nothing(wait, XIPC_TEST_SHORT_NS), -ETIMEDOUT);
	ck_assert_int_eq(serve_nothing(abs,
				       xipc_test_deadline(XIPC_TEST_SHORT_NS)),
			 -ETIMEDOUT);
	ck_assert_int_eq(serve_nothing(abs, 1), -ETIMEDOUT);
	ck_assert_int_eq(serve_nothing(wait, 0), -EAGAIN);
	ck_assert_int_eq(serve_nothing(abs, 0), -EAGAIN);
	ck_assert_int_eq(ipc_service_next(f.svc, &req, 0, XIPC_TEST_SHORT_NS),
			 -ETIMEDOUT);
	ck_assert_int_eq(ipc_service_next(f.svc, &req, 0, 0), -EAGAIN);
}
END_TEST

/* A serve whose request (or copy-in args) is read-only: EFAULT, call kept. */
FX_LOOP_TEST("serve", test_serve_fault_gives_the_call_back, 0, 2)
{
	long page = sysconf(_SC_PAGESIZE);
	struct xipc_lrpc_serve *req;
	void *read_only;
	pid_t client;

	setup(_i ? XIPC_SERVICE_COPY_IN : 0, 1, 1);
	read_only = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(read_only, MAP_FAILED);
	req = (struct xipc_lrpc_serve *)((char *)read_only + page);
	*req = (struct xipc_lrpc_serve){ .flags = XIPC_SERVE_WAIT,
					 .service = f.service,
					 .timeout_ns = XIPC_TEST_LONG_NS };
	if (_i)
		req->args = ipc_ptr(read_only);
	ck_assert_int_eq(mprotect(read_only, _i ? page : 2 * page, PROT_READ), 0);
	client = fork_worker(true);
	xipc_test_wait_asleep(client);
	ck_assert_int_eq(xioctl(f.space, XIPC_IOC_LRPC_SERVE, req), -EFAULT);
	serve_work(client);
}
END_TEST

/* libipc. */
struct copy_in_server {
	struct ipc_service *svc[2];
	int result;
};

/* Serves one call of each service in turn, in this one thread. */
static void *serve_each_once(void *arg)
{
	struct copy_in_server *s = arg;
	int i, ret = 0;

	for (i = 0; i < 2 && !ret; i++) {
		struct ipc_request req = { 0 };

		ret = ipc_service_next(s->svc[i], &req, 0, XIPC_TEST_LONG_NS);
		if (ret)
			continue;
		/* The args hold what the client wrote: room bytes of poison. */
		req.astack->status = req.args->size == req.room &&
				     req.args->regs[0] == MAGIC &&
				     fx_poisoned(req.args->data, req.room) ?
				     0 : -EBADMSG;
		f.service = ipc_service_handle(s->svc[i]);
		ret = reply_call(req.token);
	}
	s->result = ret;
	return NULL;
}

/*
 * One thread serves copy-in services of one-page, then four-page A-stacks,
 * each call filling its A-stack: the thread's copy must hold each whole.
 */
FX_TEST("libipc", test_copy_in_buffer_fits_every_service)
{
	long page = sysconf(_SC_PAGESIZE);
	struct copy_in_server s = { 0 };
	struct ipc_binding *b;
	struct xipc_astack *a;
	pthread_t thread;
	int i;

	f = (struct fixture){ .space = xipc_test_open(), .args = reply_args };
	for (i = 0; i < 2; i++) {
		struct ipc_service_attr attr = {
			.flags = XIPC_SERVICE_COPY_IN, .nr_astacks = 1,
			.astack_size = (i ? 4 : 1) * page, .max_bindings = 1 };

		ck_assert_int_eq(ipc_service_create(f.space, &attr, &s.svc[i]), 0);
	}
	ck_assert_int_eq(pthread_create(&thread, NULL, serve_each_once, &s), 0);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(ipc_bind(f.space, ipc_service_handle(s.svc[i]),
					  &b), 0);
		ck_assert_int_eq(ipc_astack_get(b, &a), 0);
		a->regs[0] = MAGIC;
		a->size = ipc_astack_room(b);
		memset(a->data, POISON_BYTE, a->size);
		ck_assert_int_eq(ipc_call(b, a, PROC_WORK, XIPC_TEST_LONG_NS), 0);
		ck_assert_int_eq(a->status, 0);
		ipc_astack_put(b, a);
		ck_assert_int_eq(ipc_unbind(b), 0);
	}
	ck_assert_int_eq(pthread_join(thread, NULL), 0);
	ck_assert_int_eq(s.result, 0);
}
END_TEST

/*
 * A call that may not wait for a server, handed to the one idle server
 * thread, which cannot take it after all (its command cannot be written
 * back): it fails, EAGAIN, rather than wait for another thread. Its
 * handler never ran, and its A-stack takes the next call.
 */
FX_TEST("giving up", test_nonblocking_call_its_server_leaves)
{
	long page = sysconf(_SC_PAGESIZE);
	struct server_thread t = { 0 };
	struct raw_binding rb;
	pid_t client;

	setup(0, 1, 1);
	must_bind(f.space, f.service, &rb);
	t.serve = mmap(NULL, page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(t.serve, MAP_FAILED);
	*t.serve = (struct xipc_lrpc_serve){ .flags = XIPC_SERVE_WAIT,
					     .service = f.service,
					     .timeout_ns = XIPC_TEST_LONG_NS };
	start_thread(&t, true);
	ck_assert_int_eq(mprotect(t.serve, page, PROT_READ), 0);

	/* A child: were the call to wait, the test would fail, not hang. */
	client = xipc_test_fork();
	if (client == 0) {
		rb.a->regs[0] = MAGIC;
		CHILD_EXPECT_RET(raw_call(f.space, &rb, PROC_WORK, 0, 0),
				 -EAGAIN, CLIENT_CALL);
		_exit(0);
	}
	ck_assert_int_eq(xipc_test_wait(client), 0);
	ck_assert_int_eq(join_server(&t), -EFAULT);
	ck_assert_int_eq(calls_handled(), 0);

	start_server(&t, true);
	ck_assert_int_eq(call_work(f.space, &rb), 0);
	ck_assert_int_eq(calls_handled(), 1);
	teardown(&t, 1);
}
END_TEST

int main(void)
{
	return fx_main("lrpc-failure");
}
