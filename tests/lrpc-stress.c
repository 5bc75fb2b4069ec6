// SPDX-License-Identifier: MIT
/*
 * LRPC under load and at its edges: threads sharing a binding and client
 * processes with their own badges, the smallest and largest calls; nesting,
 * its depth limit and cycles; copy-in against a client rewriting its A-stack;
 * bind/unbind and service cycles (leaks: kmemleak in the debug run); the
 * mmap() rules and the slots; a forked child calling through its binding.
 */

#include "fixture.h"

enum {
	PROC_TRANSFORM = 1, PROC_ECHO, PROC_CHAIN, PROC_RECURSE, PROC_SELF_CALL,
	PROC_PEEK,
	PROC_REWRITTEN,	/* never registered: what a client rewrites proc to */
	PROC_RECURSE_REGS,
};

#define MAX_SERVER_THREADS	(XIPC_MAX_CALL_DEPTH + 2)
#define HEADER_SIZE		sizeof(struct xipc_astack)
#define PAGE			((size_t)sysconf(_SC_PAGESIZE))

/*
 * The first check that failed in a thread or a child (CHECK() is false then),
 * for the test's own thread to report.
 */
static const char *failure;

#define STR(x)	#x
#define XSTR(x)	STR(x)
#define CHECK(cond)	check((cond), "line " XSTR(__LINE__) ": " #cond)

static bool check(bool ok, const char *what)
{
	const char *none = NULL;

	if (!ok)
		__atomic_compare_exchange_n(&failure, &none, what, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return ok;
}

static void assert_no_failure(void)
{
	const char *what = __atomic_load_n(&failure, __ATOMIC_SEQ_CST);

	ck_assert_msg(!what, "%s", what);
}

/* A forked child's end: exit @code if a check failed, else 0. */
static void child_finish(int code)
{
	if (failure)
		fprintf(stderr, "child %d: %s\n", (int)getpid(), failure);
	_exit(failure ? code : 0);
}

/* Byte @i of the data that @seed makes. */
static unsigned char pattern_byte(__u64 seed, size_t i)
{
	__u64 x = (seed * 0x9e3779b97f4a7c15ULL) ^ ((i + 1) * 0xbf58476d1ce4e5b9ULL);

	x ^= x >> 31;
	x *= 0x94d049bb133111ebULL;
	return (unsigned char)(x >> 56);
}

static void fill_pattern(unsigned char *p, size_t size, __u64 seed)
{
	for (size_t i = 0; i < size; i++)
		p[i] = pattern_byte(seed, i);
}

/* The first byte of @p that is not what @seed makes (@size if none). */
static size_t pattern_mismatch(const unsigned char *p, size_t size, __u64 seed)
{
	size_t i;

	for (i = 0; i < size && p[i] == pattern_byte(seed, i); i++)
		;
	return i;
}

static bool pattern_matches(const unsigned char *p, size_t size, __u64 seed)
{
	return pattern_mismatch(p, size, seed) == size;
}

/* FNV-1a over @size bytes of @p, or (@p NULL) of what @seed makes. */
static __u64 checksum(const unsigned char *p, size_t size, __u64 seed)
{
	__u64 hash = FX_FNV_BASIS;

	for (size_t i = 0; i < size; i++)
		hash = (hash ^ (p ? p[i] : pattern_byte(seed, i))) *
		       0x100000001b3ULL;
	return hash;
}

static bool all_bytes(const void *p, size_t size, unsigned char byte)
{
	const unsigned char *c = p;

	while (size && c[size - 1] == byte)
		size--;
	return !size;
}

/*
 * A service served by threads in ipc_service_run(). One whose run ends before
 * server_stop() records a failure and destroys the service (no caller hangs).
 */
struct server {
	struct ipc_service *svc;
	pthread_t threads[MAX_SERVER_THREADS];
	unsigned int nr_threads;
	bool stopping;
};

static void *server_thread(void *arg)
{
	struct server *srv = arg;
	int ret = ipc_service_run(srv->svc);

	if (!__atomic_load_n(&srv->stopping, __ATOMIC_SEQ_CST)) {
		CHECK(!"ipc_service_run ended by itself");
		ipc_service_destroy(srv->svc);
	}
	return (void *)(intptr_t)ret;
}

/* Starts server threads until @srv has @threads. */
static void server_start(struct server *srv, unsigned int threads)
{
	ck_assert_uint_le(threads, MAX_SERVER_THREADS);
	for (; srv->nr_threads < threads; srv->nr_threads++)
		ck_assert_int_eq(pthread_create(&srv->threads[srv->nr_threads],
						NULL, server_thread, srv), 0);
}

/*
 * A service of this shape (@astack_size 0: the default), with @proc @fn
 * registered (if @fn) and @threads server threads started.
 */
static void server_create(struct server *srv, int space, __u32 flags,
			  __u32 astack_size, __u32 nr_astacks,
			  __u32 max_bindings, __u32 proc, ipc_proc_fn fn,
			  void *cookie, unsigned int threads)
{
	const struct ipc_service_attr attr = {
		.flags = flags, .astack_size = astack_size,
		.nr_astacks = nr_astacks, .max_bindings = max_bindings,
	};
	int ret;

	memset(srv, 0, sizeof(*srv));
	ret = ipc_service_create(space, &attr, &srv->svc);
	ck_assert_msg(ret == 0, "ipc_service_create: %s", strerror(-ret));
	if (fn)
		ck_assert_int_eq(ipc_service_register(srv->svc, proc, fn,
						      cookie), 0);
	server_start(srv, threads);
}

/* Destroys the service, joins its threads (each ended EIDRM), frees it. */
static void server_stop(struct server *srv)
{
	int results[MAX_SERVER_THREADS];
	unsigned int i;
	void *ret;

	__atomic_store_n(&srv->stopping, true, __ATOMIC_SEQ_CST);
	ipc_service_destroy(srv->svc);
	for (i = 0; i < srv->nr_threads; i++) {
		ck_assert_int_eq(pthread_join(srv->threads[i], &ret), 0);
		results[i] = (int)(intptr_t)ret;
	}
	assert_no_failure();
	for (i = 0; i < srv->nr_threads; i++)
		ck_assert_int_eq(results[i], -EIDRM);
	ipc_service_free(srv->svc);
}

/* A send-only handle of space @to to service @handle of @from, with @badge. */
static __u32 pass_service(int from, __u32 handle, __u64 badge, int to)
{
	/* Badge 0 is no badge: only another badge is stamped. */
	__u32 dup = fx_dup(from, handle, XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT,
			   badge ? XIPC_DUP_BADGE : 0, badge);
	__u32 got = fx_pass(from, dup, XIPC_RIGHT_SEND, to);

	ck_assert_int_eq(ipc_handle_close(from, dup), 0);
	return got;
}

/*
 * A binding of space @client to @srv's service in @space, with @badge; with
 * @client == @space, through the service's own handle (nested calls).
 */
static struct ipc_binding *bind_to(int space, struct server *srv, int client,
				   __u64 badge)
{
	__u32 handle = ipc_service_handle(srv->svc);
	struct ipc_binding *b;
	int ret;

	if (client != space)
		handle = pass_service(space, handle, badge, client);
	ret = ipc_bind(client, handle, &b);
	ck_assert_msg(ret == 0, "ipc_bind: %s", strerror(-ret));
	if (client != space)
		ck_assert_int_eq(ipc_handle_close(client, handle), 0);
	return b;
}

/*
 * A handler (or a child) and the test in step: the handler tells the test it
 * has its call (handler_has_call()), the test acts, then lets it go on.
 */
struct handshake {
	int to_test[2], to_handler[2];
};

static void handshake_init(struct handshake *h)
{
	ck_assert_int_eq(pipe(h->to_test), 0);
	ck_assert_int_eq(pipe(h->to_handler), 0);
}

/* In the handler: 0 once the test let it go on, or -EPIPE. */
static int handler_has_call(struct handshake *h)
{
	if (xipc_test_notify(h->to_test[1]) || xipc_test_await(h->to_handler[0]))
		return -EPIPE;
	return 0;
}

static void await_handler(struct handshake *h)
{
	ck_assert_int_eq(xipc_test_await(h->to_test[0]), 0);
}

static void let_handler_go(struct handshake *h)
{
	ck_assert_int_eq(xipc_test_notify(h->to_handler[1]), 0);
}

/*
 * Transform: in, regs[0] a value, regs[1] the seed of the data, regs[2] the
 * caller's pid or 0; out, the value + 1, the data's checksum, regs[3] the
 * badge, regs[4] the depth, the data inverted. Refuses data the seed does not
 * make (EBADMSG), another pid (ESRCH), with a struct badge_pids cookie a
 * badge not of the caller's pid (EACCES). regs[5] is left to the client.
 */
#define BADGE_BASE	0x1000
#define CLIENT_PROCS	4

struct badge_pids {
	pid_t pids[CLIENT_PROCS];	/* client i binds with BADGE_BASE + i */
};

static int proc_transform(struct ipc_request *req, void *cookie)
{
	const struct badge_pids *table = cookie;
	const struct xipc_astack *in = req->args;
	struct xipc_astack *out = req->astack;
	__u64 value = in->regs[0], seed = in->regs[1], pid = in->regs[2];
	__u32 size = in->size, i;

	if (size > req->room)
		return -EMSGSIZE;
	if (!pattern_matches(in->data, size, seed))
		return -EBADMSG;
	if (pid && pid != (__u64)req->pid)
		return -ESRCH;
	if (table && (req->badge < BADGE_BASE ||
		      req->badge >= BADGE_BASE + CLIENT_PROCS ||
		      table->pids[req->badge - BADGE_BASE] != req->pid))
		return -EACCES;
	out->regs[1] = checksum(in->data, size, 0);
	for (i = 0; i < size; i++)
		out->data[i] = (unsigned char)~in->data[i];
	out->regs[0] = value + 1;
	out->regs[3] = req->badge;
	out->regs[4] = req->depth;
	return 0;
}

static void transform_fill(struct xipc_astack *a, __u64 value, __u64 seed,
			   __u32 size, pid_t pid)
{
	memset(a->regs, 0, sizeof(a->regs));
	a->regs[0] = value;
	a->regs[1] = seed;
	a->regs[2] = (__u64)pid;
	a->size = size;
	a->status = -1;
	fill_pattern(a->data, size, seed);
}

/* Whether @a holds what a transform of the arguments above returns. */
static bool transform_ok(const struct xipc_astack *a, __u64 value, __u64 seed,
			 __u32 size, __u64 badge)
{
	size_t i;

	for (i = 0; i < size && a->data[i] == (unsigned char)~pattern_byte(seed, i);)
		i++;
	return CHECK(a->status == 0) && CHECK(a->size == size) &&
	       CHECK(a->regs[0] == value + 1) &&
	       CHECK(a->regs[1] == checksum(NULL, size, seed)) &&
	       CHECK(a->regs[3] == badge) && CHECK(a->regs[4] == 0) &&
	       CHECK(i == size);
}

/* A transform call through @b in @a, checked. */
static bool transform_call(struct ipc_binding *b, struct xipc_astack *a,
			   __u64 value, __u64 seed, __u32 size, pid_t pid,
			   __u64 badge)
{
	transform_fill(a, value, seed, size, pid);
	return CHECK(ipc_call(b, a, PROC_TRANSFORM, XIPC_TEST_LONG_NS) == 0) &&
	       transform_ok(a, value, seed, size, badge);
}

/* A call made by a thread of its own, so that the test can act meanwhile. */
struct pending_call {
	pthread_t thread;
	struct ipc_binding *b;
	struct xipc_astack *a;
	__u32 proc;
	int ret;
};

static void *pending_call_run(void *arg)
{
	struct pending_call *call = arg;

	call->ret = ipc_call(call->b, call->a, call->proc, XIPC_TEST_LONG_NS);
	return NULL;
}

static void call_start(struct pending_call *call, struct ipc_binding *b,
		       struct xipc_astack *a, __u32 proc)
{
	*call = (struct pending_call){ .b = b, .a = a, .proc = proc };
	ck_assert_int_eq(pthread_create(&call->thread, NULL, pending_call_run,
					call), 0);
}

static int call_finish(struct pending_call *call)
{
	ck_assert_int_eq(pthread_join(call->thread, NULL), 0);
	return call->ret;
}

/* Runs @n threads of @fn, each with its own of @n args of @size bytes. */
static void threads_run(unsigned int n, void *(*fn)(void *), void *args,
			size_t size)
{
	pthread_t threads[8];
	unsigned int i;

	ck_assert_uint_le(n, FX_NR(threads));
	for (i = 0; i < n; i++)
		ck_assert_int_eq(pthread_create(&threads[i], NULL, fn,
						(char *)args + i * size), 0);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(pthread_join(threads[i], NULL), 0);
}

/* Many threads, one binding with fewer A-stacks than threads. */
#define SHARED_ASTACKS		4
#define SERVER_THREADS		3

struct client_thread {
	struct ipc_binding *b;
	unsigned int id, calls, done;
};

static void *client_thread_run(void *arg)
{
	struct client_thread *ct = arg;
	size_t room = ipc_astack_room(ct->b);
	struct xipc_astack *a;
	unsigned int i;

	for (i = 0; i < ct->calls; i++) {
		__u64 value = (__u64)ct->id << 32 | i;
		__u32 size = (ct->id * 131 + i * 977) % (room + 1);

		ipc_astack_get(ct->b, &a);
		transform_fill(a, value, value ^ 0x5eed, size, 0);
		/* Nobody else may use the A-stack meanwhile. */
		a->regs[5] = ~value;
		if (CHECK(ipc_call(ct->b, a, PROC_TRANSFORM,
				   XIPC_TEST_LONG_NS) == 0) &&
		    transform_ok(a, value, value ^ 0x5eed, size, 7) &&
		    CHECK(a->regs[5] == ~value))
			ct->done++;
		ipc_astack_put(ct->b, a);
	}
	return NULL;
}

/* Client threads, calls of each, server threads; spinning so long. */
static const struct sharing {
	unsigned int clients, calls, servers;
	__u64 spin_ns;
} sharings[] = {
	{ 8, 50, SERVER_THREADS, 0 },
	/* Spin-then-block: spinning threads share 2 CPUs, so fewer of them. */
	{ 4, 25, 2, 1000ULL * 1000 },
};

/* @clients threads, @calls calls each, one binding, @servers server threads. */
FX_LOOP_TEST("load", test_threads_share_binding_and_servers, 0,
	     FX_NR(sharings))
{
	const struct sharing *how = &sharings[_i];
	int space = xipc_test_open(), client = xipc_test_open();
	unsigned int i, done = 0, clients = how->clients;
	struct client_thread ct[8];
	struct ipc_binding *b;
	struct server srv;

	server_create(&srv, space, 0, 0, SHARED_ASTACKS, 2, PROC_TRANSFORM,
		      proc_transform, NULL, 0);
	ipc_service_spin_ns(srv.svc, how->spin_ns);
	server_start(&srv, how->servers);
	b = bind_to(space, &srv, client, 7);
	ipc_binding_spin_ns(b, how->spin_ns);
	for (i = 0; i < clients; i++)
		ct[i] = (struct client_thread){ .b = b, .id = i,
						.calls = how->calls };
	threads_run(clients, client_thread_run, ct, sizeof(ct[0]));
	for (i = 0; i < clients; i++)
		done += ct[i].done;
	assert_no_failure();
	ck_assert_uint_eq(done, clients * how->calls);
	ck_assert_int_eq(ipc_unbind(b), 0);
	server_stop(&srv);
}
END_TEST

/* Client processes, each with its own space, binding and badge. */
#define CALLS_PER_PROC	40

static void client_process(int parent_space, int space, __u32 service,
			   unsigned int id)
{
	struct xipc_astack *a;
	struct ipc_binding *b;
	__u64 value, i;
	size_t room;

	ipc_close(parent_space);
	CHILD_EXPECT(ipc_bind(space, service, &b) == 0, 13);
	room = ipc_astack_room(b);
	ipc_astack_get(b, &a);
	for (i = 0; i < CALLS_PER_PROC; i++) {
		value = (__u64)id << 40 | (__u64)getpid() << 8 | i;
		transform_call(b, a, value, value * 3,
			       (id * 389 + i * 61) % (room + 1), getpid(),
			       BADGE_BASE + id);
	}
	ipc_astack_put(b, a);
	CHILD_EXPECT(ipc_unbind(b) == 0, 14);
	child_finish(15);
}

FX_TEST("load", test_processes_each_bind_with_own_badge)
{
	int space = xipc_test_open(), own;
	struct badge_pids table;
	struct server srv;
	unsigned int i;
	__u32 service;

	server_create(&srv, space, 0, 0, 1, CLIENT_PROCS, PROC_TRANSFORM,
		      proc_transform, &table, 0);
	for (i = 0; i < CLIENT_PROCS; i++) {
		own = xipc_test_open();
		service = pass_service(space, ipc_service_handle(srv.svc),
				       BADGE_BASE + i, own);
		table.pids[i] = xipc_test_fork();
		if (table.pids[i] == 0)
			client_process(space, own, service, i);
		ck_assert_int_eq(ipc_close(own), 0);
	}
	/* The table is complete before a server thread can read it. */
	server_start(&srv, SERVER_THREADS);
	for (i = 0; i < CLIENT_PROCS; i++)
		ck_assert_int_eq(xipc_test_wait(table.pids[i]), 0);
	server_stop(&srv);
}
END_TEST

/*
 * Echo: the data it sees in place is what seed regs[1] makes; it writes what
 * ~regs[1] makes, the checksum of what it saw in regs[0], the room in regs[2].
 */
static int proc_echo(struct ipc_request *req, void *cookie)
{
	struct xipc_astack *a = req->astack;
	__u64 seed = a->regs[1];

	(void)cookie;
	if (req->args != a)
		return -EPROTO;
	if (a->size > req->room)
		return -EMSGSIZE;
	if (!pattern_matches(a->data, a->size, seed))
		return -EBADMSG;
	a->regs[0] = checksum(a->data, a->size, 0);
	a->regs[2] = req->room;
	fill_pattern(a->data, a->size, ~seed);
	return 0;
}

/*
 * A null call (the handler touches none of the bytes past size) and one of
 * every byte of a four-page A-stack, there and back.
 */
FX_TEST("load", test_null_and_whole_astack_calls)
{
	int space = xipc_test_open(), pass;
	size_t room, size, mismatch;
	struct xipc_astack *a;
	struct ipc_binding *b;
	struct server srv;

	server_create(&srv, space, 0, 4 * PAGE, 2, 1, PROC_ECHO, proc_echo,
		      NULL, 2);
	b = bind_to(space, &srv, xipc_test_open(), 0);
	room = ipc_astack_room(b);
	ck_assert_uint_eq(room, 4 * PAGE - HEADER_SIZE);
	ipc_astack_get(b, &a);
	for (pass = 0; pass < 2; pass++) {
		size = pass ? room : 0;
		fill_pattern(a->data, room, 77 + pass);
		a->size = size;
		a->regs[1] = 77 + pass;
		ck_assert_int_eq(ipc_call(b, a, PROC_ECHO, XIPC_TEST_LONG_NS), 0);
		ck_assert_int_eq(a->status, 0);
		ck_assert_uint_eq(a->size, size);
		ck_assert_uint_eq(a->regs[0], checksum(NULL, size, 77 + pass));
		ck_assert_uint_eq(a->regs[2], room);
		/* Past size, untouched; up to it, what ~seed makes. */
		mismatch = pattern_mismatch(a->data + size, room - size, 77);
		ck_assert_uint_eq(mismatch, room - size);
		mismatch = pattern_mismatch(a->data, size, ~(77ULL + pass));
		ck_assert_msg(mismatch == size, "result byte %zu of %zu differs",
			      mismatch, size);
	}
	ipc_astack_put(b, a);
	ck_assert_int_eq(ipc_unbind(b), 0);
	server_stop(&srv);
}
END_TEST

/* Chain: regs[0] the depth, regs[1..5] the next service's regs[0..4]. */
static int proc_chain(struct ipc_request *req, void *cookie)
{
	struct ipc_binding *next = cookie;
	struct xipc_astack *out = req->astack, *n;
	int status = 0;

	if (next) {
		ipc_astack_get(next, &n);
		memset(n->regs, 0, sizeof(n->regs));
		n->size = 0;
		status = ipc_call(next, n, PROC_CHAIN, XIPC_TEST_LONG_NS);
		if (!status)
			status = n->status;
		if (!status)
			memcpy(&out->regs[1], &n->regs[0], 5 * sizeof(__u64));
		ipc_astack_put(next, n);
	}
	out->regs[0] = req->depth;
	return status;
}

/* A -> B -> C, then B -> C called first-hand: B is at depth 0 then. */
FX_TEST("nesting", test_nested_calls_carry_depth)
{
	int space = xipc_test_open(), client = xipc_test_open(), i, n;
	struct ipc_binding *to[2], *next[3] = { NULL };
	struct xipc_astack *s;
	struct server srv[3];

	/* Bindings made where A and B are served: their calls are nested. */
	for (i = 2; i >= 0; i--) {
		server_create(&srv[i], space, 0, 0, 2, 2, PROC_CHAIN,
			      proc_chain, next[i], 1);
		if (i)
			next[i - 1] = bind_to(space, &srv[i], space, 0);
	}
	for (n = 3; n >= 2; n--) {
		to[3 - n] = bind_to(space, &srv[3 - n], client, 0);
		ck_assert_int_eq(ipc_astack_get(to[3 - n], &s), 0);
		memset(s->regs, 0xff, sizeof(s->regs));
		ck_assert_int_eq(ipc_call(to[3 - n], s, PROC_CHAIN,
					  XIPC_TEST_LONG_NS), 0);
		ck_assert_int_eq(s->status, 0);
		for (i = 0; i < n; i++)
			ck_assert_uint_eq(s->regs[i], i);
		ipc_astack_put(to[3 - n], s);
		ck_assert_int_eq(ipc_unbind(to[3 - n]), 0);
	}
	for (i = 0; i < 3; i++)
		server_stop(&srv[i]);
	ck_assert_int_eq(ipc_unbind(next[0]), 0);
	ck_assert_int_eq(ipc_unbind(next[1]), 0);
}
END_TEST

/* Recurse: its depth is regs[0]; calls itself one deeper until ELOOP. */
static int proc_recurse(struct ipc_request *req, void *cookie)
{
	struct ipc_binding *self = cookie;
	struct xipc_astack *out = req->astack, *n;
	int ret;

	if (req->args->regs[0] != req->depth)
		return -EPROTO;
	ipc_astack_get(self, &n);
	n->regs[0] = req->depth + 1;
	n->size = 0;
	ret = ipc_call(self, n, PROC_RECURSE, XIPC_TEST_LONG_NS);
	if (ret == -ELOOP) {
		out->regs[0] = req->depth;
		ret = 0;
	} else if (ret == 0) {
		/* The deepest handler's depth, or its error, on the way up. */
		out->regs[0] = n->regs[0];
		ret = n->status;
	}
	ipc_astack_put(self, n);
	return ret;
}

/* A service whose @proc calls itself through @self; @to calls it. */
struct looped {
	struct server srv;
	struct ipc_binding *self, *to;
};

static void looped_start(struct looped *l, __u32 nr_astacks, __u32 proc,
			 ipc_proc_fn fn, unsigned int threads)
{
	int space = xipc_test_open();

	server_create(&l->srv, space, 0, 0, nr_astacks, 2, 0, NULL, NULL, 0);
	l->self = bind_to(space, &l->srv, space, 0);
	ck_assert_int_eq(ipc_service_register(l->srv.svc, proc, fn, l->self), 0);
	server_start(&l->srv, threads);
	l->to = bind_to(space, &l->srv, xipc_test_open(), 0);
}

static void looped_stop(struct looped *l)
{
	ck_assert_int_eq(ipc_unbind(l->to), 0);
	server_stop(&l->srv);
	ck_assert_int_eq(ipc_unbind(l->self), 0);
}

FX_TEST("nesting", test_recursion_stops_at_max_depth)
{
	struct xipc_astack *s;
	struct looped r;

	/* A server thread and an A-stack for every level of the chain. */
	looped_start(&r, XIPC_MAX_CALL_DEPTH + 4, PROC_RECURSE, proc_recurse,
		     XIPC_MAX_CALL_DEPTH + 2);
	ipc_astack_get(r.to, &s);
	s->regs[0] = 0;
	s->size = 0;
	ck_assert_int_eq(ipc_call(r.to, s, PROC_RECURSE, XIPC_TEST_LONG_NS), 0);
	ck_assert_msg(s->status == 0, "status %d (%s)", s->status,
		      strerror(-s->status));
	ck_assert_uint_eq(s->regs[0], XIPC_MAX_CALL_DEPTH);
	ipc_astack_put(r.to, s);
	looped_stop(&r);
}
END_TEST

/* Register calls nest like the others: the binding they call on by, if any. */
struct recurse_regs {
	struct ipc_binding *next;
	int native;		/* ipc_regs_native() */
	int spun;		/* a call at depth 0 was taken in shared memory */
};

/*
 * In: w0 the depth, w1..w7 depth * 8 + i; calls on one deeper until ELOOP;
 * out: w0 the deepest depth. Refuses words that came not in registers where
 * they should have (EPROTO).
 */
static int proc_recurse_regs(struct ipc_request *req, __u64 w[IPC_NR_WORDS],
			     void *cookie)
{
	struct recurse_regs *ctx = cookie;
	__u64 nw[IPC_NR_WORDS];
	struct xipc_astack *n;
	int status = 0, ret, i;

	for (i = 1; i < IPC_NR_WORDS; i++)
		if (w[i] != w[0] * 8 + i)
			return -EBADMSG;
	if (w[0] != req->depth || (req->token && req->regs != ctx->native))
		return -EPROTO;
	if (!req->token && !req->depth)
		__atomic_store_n(&ctx->spun, 1, __ATOMIC_SEQ_CST);
	if (!ctx->next)
		return 0;
	for (i = 0; i < IPC_NR_WORDS; i++)
		nw[i] = (w[0] + 1) * (i ? 8 : 1) + i;
	ipc_astack_get(ctx->next, &n);
	ret = ipc_call_regs(ctx->next, n, PROC_RECURSE_REGS, nw, &status,
			    XIPC_TEST_LONG_NS);
	ipc_astack_put(ctx->next, n);
	if (ret == -ELOOP)
		return 0;
	if (ret)
		return ret;
	w[0] = nw[0];
	return status;
}

/* A register call of the recursion at depth 0, through @b: its w0. */
static __u64 recurse_regs_call(struct ipc_binding *b)
{
	__u64 w[IPC_NR_WORDS] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	struct xipc_astack *a;
	int status = 1;

	ipc_astack_get(b, &a);
	ck_assert_int_eq(ipc_call_regs(b, a, PROC_RECURSE_REGS, w, &status,
				       XIPC_TEST_LONG_NS), 0);
	ck_assert_msg(status == 0, "status %d (%s)", status, strerror(-status));
	ipc_astack_put(b, a);
	return w[0];
}

/* A service of the register recursion with @nr_astacks, calling on by @ctx. */
static void recurse_service(struct server *srv, int space,
			    struct recurse_regs *ctx, __u32 nr_astacks)
{
	ctx->native = ipc_regs_native(space);
	server_create(srv, space, 0, 0, nr_astacks, 2, 0, NULL, NULL, 0);
	ck_assert_int_eq(ipc_service_register_regs(srv->svc, PROC_RECURSE_REGS,
						   proc_recurse_regs, ctx), 0);
}

FX_TEST("nesting", test_regs_recursion_stops_at_max_depth)
{
	int space = xipc_test_open();
	struct recurse_regs ctx = { 0 };
	struct ipc_binding *to_r;
	struct server r;

	recurse_service(&r, space, &ctx, XIPC_MAX_CALL_DEPTH + 4);
	ctx.next = bind_to(space, &r, space, 0);
	server_start(&r, XIPC_MAX_CALL_DEPTH + 2);
	to_r = bind_to(space, &r, xipc_test_open(), 0);
	ck_assert_uint_eq(recurse_regs_call(to_r), XIPC_MAX_CALL_DEPTH);
	ck_assert_int_eq(ipc_unbind(to_r), 0);
	server_stop(&r);
	ck_assert_int_eq(ipc_unbind(ctx.next), 0);
}
END_TEST

/* How long the spinning services of the next tests spin: all the test. */
#define SPIN_ALL_TEST_NS	(XIPC_TEST_LONG_NS / 6)

/*
 * Register recursions A and B, A calling B (with @cycle, B calling A, all
 * spinning; else only A's server): @rounds spinning calls of A from another
 * space must each reach @depth.
 */
static const struct spinning {
	__u32 nr_astacks;
	unsigned int threads;
	bool cycle;
	unsigned int depth, rounds;
} spinnings[] = {
	/* A spun call's handler calling on: its call is nested, at depth 1. */
	{ 2, 1, false, 1, 20 },
	/*
	 * Two spinning services calling each other: ELOOP at the depth limit,
	 * since a nested call never spins and a spun call's nested call names
	 * its parent.
	 */
	{ XIPC_MAX_CALL_DEPTH / 2 + 2, XIPC_MAX_CALL_DEPTH / 2 + 2, true,
	  XIPC_MAX_CALL_DEPTH, 1 },
};

FX_LOOP_TEST("nesting", test_spinning_recursion, 0, FX_NR(spinnings))
{
	const struct spinning *how = &spinnings[_i];
	int space = xipc_test_open(), i;
	struct recurse_regs ctx[2] = { { 0 } };
	struct ipc_binding *to_a;
	struct server srv[2];
	unsigned int round;

	for (i = 0; i < 2; i++)
		recurse_service(&srv[i], space, &ctx[i], how->nr_astacks);
	ctx[0].next = bind_to(space, &srv[1], space, 0);
	ipc_service_spin_ns(srv[0].svc, SPIN_ALL_TEST_NS);
	if (how->cycle) {
		ctx[1].next = bind_to(space, &srv[0], space, 0);
		ipc_binding_spin_ns(ctx[0].next, SPIN_ALL_TEST_NS);
		ipc_binding_spin_ns(ctx[1].next, SPIN_ALL_TEST_NS);
		ipc_service_spin_ns(srv[1].svc, SPIN_ALL_TEST_NS);
	}
	for (i = 0; i < 2; i++)
		server_start(&srv[i], how->threads);
	to_a = bind_to(space, &srv[0], xipc_test_open(), 0);
	ipc_binding_spin_ns(to_a, SPIN_ALL_TEST_NS);
	for (round = 0; round < how->rounds; round++)
		ck_assert_uint_eq(recurse_regs_call(to_a), how->depth);
	ck_assert_int_eq(ctx[0].spun, 1);
	ck_assert_int_eq(ipc_unbind(to_a), 0);
	for (i = 0; i < 2; i++)
		server_stop(&srv[i]);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(ctx[i].next ? ipc_unbind(ctx[i].next) : 0, 0);
}
END_TEST

/* Calls its own service, nobody free: with a timeout, and without. */
static int proc_self_call(struct ipc_request *req, void *cookie)
{
	struct ipc_binding *self = cookie;
	struct xipc_astack *out = req->astack, *n;

	if (req->depth)
		return -ELOOP;	/* only if a second thread served it */
	ipc_astack_get(self, &n);
	n->size = 0;
	out->regs[0] = (__u64)ipc_call(self, n, PROC_SELF_CALL,
				       XIPC_TEST_SHORT_NS);
	out->regs[1] = (__u64)ipc_call(self, n, PROC_SELF_CALL, 0);
	ipc_astack_put(self, n);
	return 0;
}

FX_TEST("nesting", test_call_cycle_without_free_server_times_out)
{
	struct xipc_astack *s;
	struct looped y;
	int round;

	looped_start(&y, 2, PROC_SELF_CALL, proc_self_call, 1);
	/* Twice: the nested calls withdrawn leave the service as it was. */
	for (round = 0; round < 2; round++) {
		ipc_astack_get(y.to, &s);
		memset(s->regs, 0, sizeof(s->regs));
		ck_assert_int_eq(ipc_call(y.to, s, PROC_SELF_CALL,
					  XIPC_TEST_LONG_NS), 0);
		ck_assert_int_eq(s->status, 0);
		ck_assert_int_eq((int)s->regs[0], -ETIMEDOUT);
		ck_assert_int_eq((int)s->regs[1], -EAGAIN);
		ipc_astack_put(y.to, s);
	}
	looped_stop(&y);
}
END_TEST

/* A handler whose caller gave up runs on to its end, nested calls included. */
struct late_nested {
	struct handshake h;
	struct ipc_binding *next;
	int ret;
	__u64 depth;
};

static int proc_late_nested(struct ipc_request *req, void *cookie)
{
	struct late_nested *ctx = cookie;
	struct xipc_astack *n;

	(void)req;
	if (handler_has_call(&ctx->h))
		return -EPIPE;
	ipc_astack_get(ctx->next, &n);
	memset(n->regs, 0xff, sizeof(n->regs));
	n->size = 0;
	ctx->ret = ipc_call(ctx->next, n, PROC_CHAIN, XIPC_TEST_LONG_NS);
	ctx->depth = n->regs[0];
	ipc_astack_put(ctx->next, n);
	return xipc_test_notify(ctx->h.to_test[1]);
}

FX_TEST("nesting", test_nested_call_after_caller_gave_up)
{
	int space = xipc_test_open();
	struct late_nested ctx = { .ret = 1 };
	struct pending_call call;
	struct ipc_binding *to_p;
	struct server p, q;
	struct xipc_astack *a;

	handshake_init(&ctx.h);
	/* SIGUSR1 interrupts the call (no SA_RESTART). */
	ck_assert_int_eq(fx_catch_sigusr1(), 0);
	server_create(&q, space, 0, 0, 1, 1, PROC_CHAIN, proc_chain, NULL, 1);
	ctx.next = bind_to(space, &q, space, 0);
	server_create(&p, space, 0, 0, 1, 1, PROC_PEEK, proc_late_nested,
		      &ctx, 1);
	to_p = bind_to(space, &p, xipc_test_open(), 0);

	ipc_astack_get(to_p, &a);
	a->size = 0;
	call_start(&call, to_p, a, PROC_PEEK);
	await_handler(&ctx.h);
	ck_assert_int_eq(pthread_kill(call.thread, SIGUSR1), 0);
	ck_assert_int_eq(call_finish(&call), -EINTR);
	let_handler_go(&ctx.h);
	await_handler(&ctx.h);
	ck_assert_msg(ctx.ret == 0, "nested call: %d (%s)", ctx.ret,
		      strerror(-ctx.ret));
	ck_assert_uint_eq(ctx.depth, 1);

	/* The abandoned call ended: the A-stack is free again. */
	ipc_astack_put(to_p, a);
	ck_assert_int_eq(ipc_unbind(to_p), 0);
	server_stop(&p);
	server_stop(&q);
	ck_assert_int_eq(ipc_unbind(ctx.next), 0);
}
END_TEST

/* A client rewrites its A-stack while the handler runs: what it sees where. */
#define OLD_SIZE	200
#define OLD_SEED	11
#define NEW_SIZE	300
#define NEW_SEED	12

enum {
	ARGS_PROC_OLD = 1 << 0, ARGS_SIZE_OLD = 1 << 1, ARGS_DATA_OLD = 1 << 2,
	ASTACK_PROC_NEW = 1 << 3, ASTACK_SIZE_NEW = 1 << 4,
	ASTACK_DATA_NEW = 1 << 5, REQ_PROC_OLD = 1 << 6,
};

static int proc_peek(struct ipc_request *req, void *cookie)
{
	const struct xipc_astack *in = req->args;
	struct xipc_astack *out = req->astack;

	if (handler_has_call(cookie))
		return -EPIPE;
	out->regs[0] = (in->proc == PROC_PEEK ? ARGS_PROC_OLD : 0) |
		(in->size == OLD_SIZE ? ARGS_SIZE_OLD : 0) |
		(pattern_matches(in->data, OLD_SIZE, OLD_SEED) ? ARGS_DATA_OLD : 0) |
		(out->proc == PROC_REWRITTEN ? ASTACK_PROC_NEW : 0) |
		(out->size == NEW_SIZE ? ASTACK_SIZE_NEW : 0) |
		(pattern_matches(out->data, NEW_SIZE, NEW_SEED) ?
		 ASTACK_DATA_NEW : 0) |
		(req->proc == PROC_PEEK ? REQ_PROC_OLD : 0);
	return 0;
}

/* The service's flags, what its peek handler must see of a rewrite. */
static const struct rewrite {
	__u32 flags;
	__u64 seen;
} rewrites[] = {
	/* Copy-in hides the rewrite from the handler. */
	{ XIPC_SERVICE_COPY_IN, ARGS_PROC_OLD | ARGS_SIZE_OLD | ARGS_DATA_OLD |
	  ASTACK_PROC_NEW | ASTACK_SIZE_NEW | ASTACK_DATA_NEW | REQ_PROC_OLD },
	/* The window copy-in closes: in place, it reads what is there now. */
	{ 0, ASTACK_PROC_NEW | ASTACK_SIZE_NEW | ASTACK_DATA_NEW | REQ_PROC_OLD },
};

FX_LOOP_TEST("copy-in", test_rewrite_during_call, 0, FX_NR(rewrites))
{
	const struct rewrite *how = &rewrites[_i];
	int space = xipc_test_open();
	struct pending_call call;
	struct handshake h;
	struct xipc_astack *a;
	struct ipc_binding *b;
	struct server srv;

	handshake_init(&h);
	server_create(&srv, space, how->flags, 0, 1, 1, PROC_PEEK,
		      proc_peek, &h, 1);
	b = bind_to(space, &srv, xipc_test_open(), 0);
	ipc_astack_get(b, &a);
	a->size = OLD_SIZE;
	fill_pattern(a->data, OLD_SIZE, OLD_SEED);

	call_start(&call, b, a, PROC_PEEK);
	await_handler(&h);
	a->proc = PROC_REWRITTEN;
	a->size = NEW_SIZE;
	fill_pattern(a->data, NEW_SIZE, NEW_SEED);
	let_handler_go(&h);
	ck_assert_int_eq(call_finish(&call), 0);
	ck_assert_int_eq(a->status, 0);
	ck_assert_uint_eq(a->regs[0], how->seen);
	ipc_astack_put(b, a);
	ck_assert_int_eq(ipc_unbind(b), 0);
	server_stop(&srv);
}
END_TEST

/* The kernel's copy holds the header and the first size bytes, nothing else. */
FX_TEST("copy-in", test_copy_in_copies_header_and_size_bytes)
{
	static const __u32 sizes[] = { 100, 0, 0xffffffffU, 4000 };
	const size_t page = PAGE, guard = 256;
	int space = xipc_test_open();
	unsigned char *buf = malloc(page + guard);
	const struct xipc_astack *head = (const void *)buf;
	struct xipc_lrpc_serve serve;
	struct pending_call call;
	struct xipc_astack *a;
	struct ipc_binding *b;
	struct server srv;
	size_t room, copied;
	unsigned int i;

	ck_assert_ptr_nonnull(buf);
	server_create(&srv, space, XIPC_SERVICE_COPY_IN, page, 1, 1, 0, NULL,
		      NULL, 0);
	b = bind_to(space, &srv, xipc_test_open(), 0);
	room = ipc_astack_room(b);
	ipc_astack_get(b, &a);
	for (i = 0; i < FX_NR(sizes); i++) {
		serve = (struct xipc_lrpc_serve){
			.flags = XIPC_SERVE_WAIT, .args = ipc_ptr(buf),
			.service = ipc_service_handle(srv.svc),
			.timeout_ns = XIPC_TEST_LONG_NS };
		memset(buf, POISON_BYTE, page + guard);
		fill_pattern(a->data, room, i + 100);
		memset(a->regs, 0, sizeof(a->regs));
		a->regs[0] = i;
		a->regs[5] = ~(__u64)i;
		a->status = 0;
		a->size = sizes[i];
		call_start(&call, b, a, PROC_PEEK + i);
		ck_assert_int_eq(ioctl(space, XIPC_IOC_LRPC_SERVE, &serve), 0);
		ck_assert_uint_eq(serve.proc, PROC_PEEK + i);

		copied = sizes[i] < room ? sizes[i] : room;
		/* The header as the client wrote it (libipc's state aside). */
		ck_assert_uint_eq(head->proc, PROC_PEEK + i);
		ck_assert_uint_eq(head->size, sizes[i]);
		ck_assert_int_eq(head->status, 0);
		ck_assert_mem_eq(head->regs, a->regs, sizeof(a->regs));
		ck_assert_uint_eq(pattern_mismatch(buf + HEADER_SIZE, copied,
						   i + 100), copied);
		ck_assert_msg(all_bytes(buf + HEADER_SIZE + copied,
					page + guard - HEADER_SIZE - copied,
					POISON_BYTE),
			      "size %u: bytes past the %zu copied were written",
			      sizes[i], copied);
		serve.flags = XIPC_SERVE_REPLY;
		ck_assert_int_eq(ioctl(space, XIPC_IOC_LRPC_SERVE, &serve), 0);
		ck_assert_int_eq(call_finish(&call), 0);
	}
	ipc_astack_put(b, a);
	ck_assert_int_eq(ipc_unbind(b), 0);
	server_stop(&srv);
	free(buf);
}
END_TEST

/* Bind/unbind cycles on a 2-slot service, with calls on the other slot. */
#define BIND_CYCLES		2000
#define CYCLE_ASTACKS		4
#define BACKGROUND_CALLS	300

struct background {
	struct ipc_binding *b;
	bool stop;
	unsigned int done;
};

static void *background_run(void *arg)
{
	struct background *bg = arg;
	struct xipc_astack *a;
	__u64 value;

	ipc_astack_get(bg->b, &a);
	while (!__atomic_load_n(&bg->stop, __ATOMIC_SEQ_CST) &&
	       bg->done < BACKGROUND_CALLS) {
		value = bg->done;
		if (!transform_call(bg->b, a, value, value, value % 64, 0, 0))
			break;
		bg->done++;
	}
	ipc_astack_put(bg->b, a);
	return NULL;
}

FX_TEST("cycles", test_bind_unbind_cycles_reuse_slots)
{
	int space = xipc_test_open(), client = xipc_test_open(), ret;
	struct xipc_astack *a[CYCLE_ASTACKS];
	struct background bg = { 0 };
	unsigned int before, cycle, i;
	struct ipc_binding *b;
	struct server srv;
	pthread_t thread;
	__u32 service;

	server_create(&srv, space, 0, PAGE, CYCLE_ASTACKS, 2, PROC_TRANSFORM,
		      proc_transform, NULL, 1);
	service = pass_service(space, ipc_service_handle(srv.svc), 0, client);
	before = xipc_test_count_handles(client);
	ck_assert_int_eq(ipc_bind(client, service, &bg.b), 0);
	ck_assert_int_eq(pthread_create(&thread, NULL, background_run, &bg), 0);

	for (cycle = 0; cycle < BIND_CYCLES; cycle++) {
		ret = ipc_bind(client, service, &b);
		ck_assert_msg(ret == 0, "cycle %u: ipc_bind: %s", cycle,
			      strerror(-ret));
		for (i = 0; i < CYCLE_ASTACKS; i++) {
			ipc_astack_get(b, &a[i]);
			/* What the last binding in this slot left is gone. */
			ck_assert_msg(!a[i]->proc && !a[i]->size && !a[i]->status &&
				      all_bytes(a[i]->regs, PAGE -
						offsetof(struct xipc_astack, regs), 0),
				      "cycle %u: A-stack %u not zeroed", cycle, i);
		}
		if (cycle % 250 == 0) {
			transform_call(b, a[0], cycle, cycle, 33, 0, 0);
			assert_no_failure();
		}
		for (i = 0; i < CYCLE_ASTACKS; i++) {
			memset(a[i], 0x5a, PAGE);
			ipc_astack_put(b, a[i]);
		}
		ck_assert_int_eq(ipc_unbind(b), 0);
	}
	__atomic_store_n(&bg.stop, true, __ATOMIC_SEQ_CST);
	ck_assert_int_eq(pthread_join(thread, NULL), 0);
	assert_no_failure();
	ck_assert_uint_gt(bg.done, 0);
	ck_assert_int_eq(ipc_unbind(bg.b), 0);
	ck_assert_uint_eq(xipc_test_count_handles(client), before);
	server_stop(&srv);
}
END_TEST

#define SERVICE_CYCLES	300

FX_TEST("cycles", test_service_cycles_free_everything)
{
	int space = xipc_test_open(), client = xipc_test_open();
	unsigned int before_server, before_client, cycle;
	struct xipc_astack *a;
	struct ipc_binding *b;
	struct server srv;
	__u32 service;
	bool serve;

	before_server = xipc_test_count_handles(space);
	before_client = xipc_test_count_handles(client);
	for (cycle = 0; cycle < SERVICE_CYCLES; cycle++) {
		serve = cycle % 30 == 0;
		server_create(&srv, space, cycle % 2 ? XIPC_SERVICE_COPY_IN : 0,
			      (1 + cycle % 3) * PAGE, 1 + cycle % 4,
			      1 + cycle % 3, PROC_TRANSFORM, proc_transform,
			      NULL, serve ? 1 : 0);
		service = pass_service(space, ipc_service_handle(srv.svc),
				       cycle, client);
		ck_assert_int_eq(ipc_bind(client, service, &b), 0);
		ck_assert_int_eq(ipc_handle_close(client, service), 0);
		ipc_astack_get(b, &a);
		if (serve) {
			transform_call(b, a, cycle, cycle, 100, 0, cycle);
			assert_no_failure();
		} else {
			memset(a->data, 0x5a, ipc_astack_room(b));
		}
		ipc_astack_put(b, a);
		/* Unbound before or after the service goes. */
		if (cycle % 3 == 0)
			ck_assert_int_eq(ipc_unbind(b), 0);
		if (serve) {
			server_stop(&srv);
		} else {
			if (cycle % 2)
				ck_assert_int_eq(ipc_service_destroy(srv.svc), 0);
			ipc_service_free(srv.svc);
		}
		if (cycle % 3 != 0)
			ck_assert_int_eq(ipc_unbind(b), 0);
	}
	ck_assert_uint_eq(xipc_test_count_handles(space), before_server);
	ck_assert_uint_eq(xipc_test_count_handles(client), before_client);
}
END_TEST

/* The errno of mapping @size bytes of @handle's at @offset, 0 if it worked. */
static int map_error(int space, size_t size, int flags, __u64 offset)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, space,
		       (off_t)offset);

	if (p == MAP_FAILED)
		return errno;
	munmap(p, size);
	return 0;
}

/* A raw service of this shape, in @space, and a send handle of @client to it. */
static __u32 raw_service(int space, size_t astack_size, __u32 nr_astacks,
			 __u32 max_bindings, int client,
			 struct xipc_service_create *svc)
{
	*svc = fx_service_create(space, 0, astack_size, nr_astacks,
				 max_bindings);
	return pass_service(space, svc->handle, 0, client);
}

/* One mapping and the errno it must get (0: it works). */
static const struct {
	const char *what;
	bool client, private;
	int size;		/* in pages, past the region or A-stacks */
	int error;
} mmap_rules[] = {
	{ "the region, private", false, true, 0, EINVAL },
	{ "the region and a page more", false, false, 1, EINVAL },
	{ "the region", false, false, 0, 0 },
	{ "the A-stacks and a page more", true, false, 1, EINVAL },
	{ "the A-stacks, private", true, true, 0, EINVAL },
	{ "the first A-stack", true, false, -1, 0 },
	{ "the A-stacks", true, false, 0, 0 },
};

FX_TEST("mappings", test_mmap_rules)
{
	const size_t page = PAGE;
	int space = xipc_test_open(), client = xipc_test_open();
	struct xipc_service_create svc;
	__u32 service = raw_service(space, page, 2, 2, client, &svc);
	__u32 mailbox = xipc_test_mailbox(space, 0, 0, 0), missing = 1000;
	struct xipc_handle_info info;
	struct xipc_bind bind;
	unsigned int i;
	size_t size;

	ck_assert_uint_eq(svc.region_offset, (__u64)svc.handle * page);
	ck_assert_int_eq(fx_bind(client, service, &bind), 0);
	ck_assert_uint_eq(bind.map_offset, (__u64)bind.handle * page);
	ck_assert_uint_eq(bind.map_size, 2 * page);
	for (i = 0; i < FX_NR(mmap_rules); i++) {
		size = (mmap_rules[i].client ? bind.map_size : svc.region_size) +
		       mmap_rules[i].size * (long)page;
		ck_assert_msg(map_error(mmap_rules[i].client ? client : space,
					size, mmap_rules[i].private ?
					MAP_PRIVATE : MAP_SHARED,
					mmap_rules[i].client ? bind.map_offset :
					svc.region_offset) == mmap_rules[i].error,
			      "%s", mmap_rules[i].what);
	}
	/* The client's handle to the service binds, but has no RECV to map. */
	ck_assert_int_eq(map_error(client, page, MAP_SHARED,
				   (__u64)service * page), EPERM);
	ck_assert_int_eq(map_error(space, page, MAP_SHARED,
				   (__u64)mailbox * page), ENODEV);
	ck_assert_int_eq(map_error(space, page, MAP_SHARED, (__u64)fx_dup(space,
			 svc.handle, XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT |
			 XIPC_RIGHT_MANAGE, 0, 0) * page), EPERM);
	ck_assert_int_eq(ipc_handle_info(space, missing, &info), -EBADF);
	ck_assert_int_eq(map_error(space, page, MAP_SHARED,
				   (__u64)missing * page), EBADF);
}
END_TEST

/*
 * Threads binding at once, more than slots: each gets a zeroed slot nobody
 * else holds (or EBUSY), where the server sees its bytes until it unbinds.
 */
#define BINDER_THREADS	4
#define BINDER_CYCLES	150
#define BINDER_SLOTS	3

struct binder {
	int space;
	__u32 service;
	unsigned char *region;
	unsigned int id, bound, busy;
};

static void *binder_run(void *arg)
{
	struct binder *bd = arg;
	struct xipc_bind bind;
	unsigned char *map;
	unsigned int i;
	__u64 seed;
	int ret;

	for (i = 0; i < BINDER_CYCLES; i++) {
		seed = (__u64)bd->id << 32 | i;
		ret = fx_bind(bd->space, bd->service, &bind);
		if (ret == -EBUSY) {
			bd->busy++;
			continue;
		}
		if (!CHECK(ret == 0) || !CHECK(bind.slot < BINDER_SLOTS))
			break;
		map = fx_map(bd->space, bind.map_size, bind.map_offset);
		if (!CHECK(map))
			break;
		/* Zeroed, ours alone, and what the server sees there. */
		CHECK(all_bytes(map, bind.map_size, 0));
		fill_pattern(map, bind.map_size, seed);
		sched_yield();
		CHECK(pattern_matches(map, bind.map_size, seed));
		CHECK(pattern_matches(bd->region + bind.slot * bind.map_size,
				      bind.map_size, seed));
		munmap(map, bind.map_size);
		CHECK(ipc_handle_close(bd->space, bind.handle) == 0);
		bd->bound++;
	}
	return NULL;
}

FX_TEST("slots", test_concurrent_binds_get_distinct_zeroed_slots)
{
	int space = xipc_test_open(), client = xipc_test_open();
	struct xipc_service_create svc;
	__u32 service = raw_service(space, PAGE, 2, BINDER_SLOTS, client, &svc);
	unsigned char *region = fx_must_map(space, svc.region_size,
					    svc.region_offset);
	struct binder binders[BINDER_THREADS];
	unsigned int i, bound = 0;

	for (i = 0; i < BINDER_THREADS; i++)
		binders[i] = (struct binder){ .space = client, .id = i,
					      .service = service,
					      .region = region };
	threads_run(BINDER_THREADS, binder_run, binders, sizeof(binders[0]));
	for (i = 0; i < BINDER_THREADS; i++) {
		bound += binders[i].bound;
		ck_assert_uint_eq(binders[i].bound + binders[i].busy,
				  BINDER_CYCLES);
	}
	assert_no_failure();
	ck_assert_uint_gt(bound, 0);
}
END_TEST

/* Unbound, but the A-stacks still mapped: the slot is not free. */
FX_TEST("mappings", test_mapping_keeps_closed_binding_slot)
{
	int space = xipc_test_open(), client = xipc_test_open();
	struct xipc_service_create svc;
	__u32 service = raw_service(space, PAGE, 1, 1, client, &svc);
	struct xipc_bind bind, again;
	void *map;

	ck_assert_int_eq(fx_bind(client, service, &bind), 0);
	ck_assert_uint_eq(bind.slot, 0);
	map = fx_must_map(client, bind.map_size, bind.map_offset);
	ck_assert_int_eq(ipc_handle_close(client, bind.handle), 0);
	ck_assert_int_eq(fx_bind(client, service, &again), -EBUSY);
	ck_assert_int_eq(munmap(map, bind.map_size), 0);
	ck_assert_int_eq(fx_bind(client, service, &again), 0);
	ck_assert_uint_eq(again.slot, 0);
}
END_TEST

/* The region holds each binding's A-stacks, both ways; a new slot is zeroed. */
FX_TEST("mappings", test_region_holds_each_binding_astacks)
{
	const size_t size = 2 * PAGE;
	const unsigned int nr = 3;	/* A-stacks a binding, and bindings */
	int space = xipc_test_open(), client = xipc_test_open();
	struct xipc_service_create svc;
	__u32 service = raw_service(space, size, nr, nr, client, &svc);
	unsigned char *region = fx_must_map(space, svc.region_size,
					    svc.region_offset), *map[3], *at;
	struct xipc_bind bind[3];
	unsigned int i, j, slot;

	for (i = 0; i < nr; i++) {
		ck_assert_int_eq(fx_bind(client, service, &bind[i]), 0);
		ck_assert_uint_lt(bind[i].slot, nr);
		ck_assert_uint_eq(bind[i].nr_astacks, nr);
		ck_assert_uint_eq(bind[i].astack_size, size);
		map[i] = fx_must_map(client, bind[i].map_size, bind[i].map_offset);
		for (j = 0; j < nr; j++)
			fill_pattern(map[i] + j * size, size, i * 16 + j);
	}
	for (i = 0; i < nr; i++) {
		for (j = 0; j < nr; j++) {
			at = region + (bind[i].slot * nr + j) * size;
			ck_assert_msg(pattern_matches(at, size, i * 16 + j),
				      "binding %u (slot %u) A-stack %u", i,
				      bind[i].slot, j);
			/* And the server's writes reach the client. */
			fill_pattern(at, size, 1000 + i * 16 + j);
			ck_assert(pattern_matches(map[i] + j * size, size,
						  1000 + i * 16 + j));
		}
	}

	/* The middle binding goes; its slot comes back zeroed. */
	slot = bind[1].slot;
	ck_assert_int_eq(munmap(map[1], bind[1].map_size), 0);
	ck_assert_int_eq(ipc_handle_close(client, bind[1].handle), 0);
	ck_assert_int_eq(fx_bind(client, service, &bind[1]), 0);
	ck_assert_uint_eq(bind[1].slot, slot);
	map[1] = fx_must_map(client, bind[1].map_size, bind[1].map_offset);
	at = region + bind[1].slot * nr * size;
	ck_assert(all_bytes(map[1], bind[1].map_size, 0));
	ck_assert(all_bytes(at, bind[1].map_size, 0));
	/* The others kept theirs. */
	for (i = 0; i < nr; i += 2)
		ck_assert(pattern_matches(map[i], size, 1000 + i * 16));
}
END_TEST

/* Tells the test it has the call (its token in @h), waits to be let go. */
struct blocked_call {
	struct handshake h;
	__u64 token;
};

static int proc_block(struct ipc_request *req, void *cookie)
{
	struct blocked_call *ctx = cookie;

	ctx->token = req->token;
	return handler_has_call(&ctx->h);
}

/*
 * A client killed while its call runs (taken through the kernel, or in shared
 * memory with a spinning server and client): its slot stays taken until the
 * server lets go.
 */
FX_LOOP_TEST("slots", test_killed_client_slot_stays_taken_while_served, 0, 2)
{
	const __u64 spin_ns = _i ? 10ULL * 1000 * 1000 * 1000 : 0;
	int space = xipc_test_open(), other = xipc_test_open(), ret;
	int client = xipc_test_open();
	struct blocked_call ctx = { .token = ~0ULL };
	struct ipc_request req = { 0 };
	struct xipc_bind bind;
	struct xipc_astack *a;
	struct ipc_binding *b;
	struct server srv;
	__u32 service, doomed;
	pid_t pid;

	handshake_init(&ctx.h);
	server_create(&srv, space, 0, 0, 1, 1, PROC_PEEK, proc_block, &ctx, 0);
	if (_i) {
		ipc_service_spin_ns(srv.svc, spin_ns);
		server_start(&srv, 1);
	}
	service = pass_service(space, ipc_service_handle(srv.svc), 0, other);
	doomed = pass_service(space, ipc_service_handle(srv.svc), 0, client);
	pid = xipc_test_fork();
	if (pid == 0) {
		/* A caller in a space only it holds, whose call never returns. */
		ipc_close(space);
		CHILD_EXPECT(ipc_bind(client, doomed, &b) == 0, 30);
		ipc_binding_spin_ns(b, spin_ns);
		ipc_astack_get(b, &a);
		a->size = 0;
		ipc_call(b, a, PROC_PEEK, XIPC_TEST_LONG_NS);
		_exit(31);
	}
	/* The child's death closes its space, and so its binding. */
	ipc_close(client);
	if (_i) {
		await_handler(&ctx.h);
		ck_assert_msg(ctx.token == 0, "the call went through the kernel");
	} else {
		/* This thread serves, so that it knows when the server lets go. */
		ck_assert_int_eq(ipc_service_next(srv.svc, &req, 0,
						  XIPC_TEST_LONG_NS), 0);
		ck_assert_int_eq(req.pid, pid);
	}
	fx_kill(pid);
	ret = fx_bind(other, service, &bind);
	if (_i)
		let_handler_go(&ctx.h);
	ck_assert_msg(ret == -EBUSY,
		      "bind while the server still runs a call in the slot: %d (%s)",
		      ret, strerror(-ret));
	if (!_i) {
		ck_assert_int_eq(ipc_service_next(srv.svc, &req, 1, 0), -ECANCELED);
		ck_assert_int_eq(fx_bind(other, service, &bind), 0);
		ck_assert_uint_eq(bind.slot, 0);
	}
	server_stop(&srv);
}
END_TEST

#define FORK_CALLS	20

/* Raw calls in A-stack @i: libipc's binding does not survive fork(). */
static void raw_transform_calls(int space, const struct xipc_bind *bind,
				unsigned char *map, unsigned int i)
{
	struct xipc_astack *a = (struct xipc_astack *)(map + i * bind->astack_size);
	struct xipc_lrpc_call call = { .binding = bind->handle, .astack = i,
				       .timeout_ns = XIPC_TEST_LONG_NS };
	unsigned int n;
	__u64 value;

	for (n = 0; n < FORK_CALLS; n++) {
		value = (__u64)i << 32 | n;
		transform_fill(a, value, value, 50 + n, getpid());
		a->proc = PROC_TRANSFORM;
		if (!CHECK(ioctl(space, XIPC_IOC_LRPC_CALL, &call) == 0) ||
		    !transform_ok(a, value, value, 50 + n, 0))
			break;
	}
}

FX_TEST("fork", test_forked_child_calls_through_inherited_binding)
{
	int space = xipc_test_open(), client = xipc_test_open();
	struct xipc_bind bind, again;
	struct handshake child_done;
	unsigned char *map;
	struct server srv;
	__u32 service;
	pid_t child;

	handshake_init(&child_done);
	server_create(&srv, space, 0, PAGE, 2, 1, PROC_TRANSFORM,
		      proc_transform, NULL, 0);
	service = pass_service(space, ipc_service_handle(srv.svc), 0, client);
	ck_assert_int_eq(fx_bind(client, service, &bind), 0);
	map = fx_must_map(client, bind.map_size, bind.map_offset);

	child = xipc_test_fork();
	if (child == 0) {
		/* The same space, through the inherited descriptor. */
		raw_transform_calls(client, &bind, map, 1);
		CHILD_EXPECT(handler_has_call(&child_done) == 0, 20);
		child_finish(22);
	}
	server_start(&srv, 2);
	raw_transform_calls(client, &bind, map, 0);
	assert_no_failure();
	await_handler(&child_done);

	/* Unbound and unmapped here, but still mapped in the child. */
	ck_assert_int_eq(ipc_handle_close(client, bind.handle), 0);
	ck_assert_int_eq(munmap(map, bind.map_size), 0);
	ck_assert_int_eq(fx_bind(client, service, &again), -EBUSY);
	let_handler_go(&child_done);
	ck_assert_int_eq(xipc_test_wait(child), 0);
	ck_assert_int_eq(fx_bind(client, service, &again), 0);
	server_stop(&srv);
}
END_TEST

int main(void)
{
	return fx_main("lrpc-stress");
}
