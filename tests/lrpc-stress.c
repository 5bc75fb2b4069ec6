// SPDX-License-Identifier: MIT
/*
 * LRPC under load and at its edges: threads sharing a binding and client
 * processes with their own badges, the smallest and largest calls; nesting,
 * its depth limit and cycles; copy-in against a client rewriting its A-stack;
 * bind/unbind and service cycles (leaks: kmemleak in the debug run); the
 * mmap() rules and the slots; a forked child calling through its binding.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libipc.h"
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

/* Checks off the test's thread record the first failure here, for it. */
static pthread_mutex_t failure_lock = PTHREAD_MUTEX_INITIALIZER;
static char failure[512];

__attribute__((format(printf, 3, 4)))
static bool check_that(bool ok, int line, const char *fmt, ...)
{
	va_list ap;
	int len;

	if (ok)
		return true;
	pthread_mutex_lock(&failure_lock);
	if (!failure[0]) {
		len = snprintf(failure, sizeof(failure), "line %d: ", line);
		va_start(ap, fmt);
		vsnprintf(failure + len, sizeof(failure) - len, fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&failure_lock);
	return false;
}

#define CHECK(cond) check_that((cond), __LINE__, "%s", #cond)
#define CHECK_MSG(cond, ...) check_that((cond), __LINE__, __VA_ARGS__)

static void assert_no_failure(void)
{
	char copy[sizeof(failure)];

	pthread_mutex_lock(&failure_lock);
	memcpy(copy, failure, sizeof(copy));
	pthread_mutex_unlock(&failure_lock);
	ck_assert_msg(!copy[0], "%s", copy);
}

/* A forked child's end: exit @code if a check failed, else 0. */
static void child_finish(int code)
{
	if (failure[0]) {
		fprintf(stderr, "child %d: %s\n", (int)getpid(), failure);
		_exit(code);
	}
	_exit(0);
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
	size_t i;

	for (i = 0; i < size; i++)
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
	__u64 hash = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < size; i++)
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
		CHECK_MSG(false, "ipc_service_run ended by itself: %d", ret);
		ipc_service_destroy(srv->svc);
	}
	return (void *)(intptr_t)ret;
}

static void server_create(struct server *srv, int space, __u32 flags,
			  __u32 astack_size, __u32 nr_astacks,
			  __u32 max_bindings)
{
	const struct ipc_service_attr attr = {
		.flags = flags, .astack_size = astack_size,
		.nr_astacks = nr_astacks, .max_bindings = max_bindings,
	};
	int ret;

	memset(srv, 0, sizeof(*srv));
	ret = ipc_service_create(space, &attr, &srv->svc);
	ck_assert_msg(ret == 0, "ipc_service_create: %s", strerror(-ret));
}

static void server_register(struct server *srv, __u32 proc, ipc_proc_fn fn,
			    void *cookie)
{
	ck_assert_int_eq(ipc_service_register(srv->svc, proc, fn, cookie), 0);
}

static void server_start(struct server *srv, unsigned int threads)
{
	ck_assert_uint_le(threads, MAX_SERVER_THREADS);
	for (; srv->nr_threads < threads; srv->nr_threads++)
		ck_assert_int_eq(pthread_create(&srv->threads[srv->nr_threads],
						NULL, server_thread, srv), 0);
}

/* A server_create() of default A-stacks, its @proc @fn, @threads started. */
static void server_up(struct server *srv, int space, __u32 nr_astacks,
		      __u32 max_bindings, __u32 proc, ipc_proc_fn fn,
		      void *cookie, unsigned int threads)
{
	server_create(srv, space, 0, 0, nr_astacks, max_bindings);
	server_register(srv, proc, fn, cookie);
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

/* A handle of space @to to @handle of space @from, with @rights and @badge. */
static __u32 pass_handle(int from, __u32 handle, __u32 rights, __u64 badge,
			 int to)
{
	/* Badge 0 is no badge: only another badge is stamped. */
	__u32 dup = fx_dup(from, handle, rights | XIPC_RIGHT_GRANT,
			   badge ? XIPC_DUP_BADGE : 0, badge);
	__u32 got = fx_pass(from, dup, rights, to);

	ck_assert_int_eq(ipc_handle_close(from, dup), 0);
	return got;
}

/* A send-only handle of space @to to @srv's service in @space, no badge. */
static __u32 pass_service(int space, struct server *srv, int to)
{
	return pass_handle(space, ipc_service_handle(srv->svc), XIPC_RIGHT_SEND,
			   0, to);
}

/* A binding of space @client to @srv's service, with @badge. */
static struct ipc_binding *bind_client(int server_space, struct server *srv,
				       int client, __u64 badge)
{
	__u32 handle = pass_handle(server_space, ipc_service_handle(srv->svc),
				   XIPC_RIGHT_SEND, badge, client);
	struct ipc_binding *b;
	int ret = ipc_bind(client, handle, &b);

	ck_assert_msg(ret == 0, "ipc_bind: %s", strerror(-ret));
	ck_assert_int_eq(ipc_handle_close(client, handle), 0);
	return b;
}

/* A binding made in the space that holds (and serves) @srv. */
static struct ipc_binding *bind_here(int space, struct server *srv)
{
	struct ipc_binding *b;
	int ret = ipc_bind(space, ipc_service_handle(srv->svc), &b);

	ck_assert_msg(ret == 0, "ipc_bind: %s", strerror(-ret));
	return b;
}

/*
 * A handler (or a child) and the test in step: the handler tells the test it
 * has its call (handler_has_call()), the test acts, then lets it go on.
 */
struct handshake {
	int to_test[2];
	int to_handler[2];
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

	if (!CHECK_MSG(a->status == 0, "status %d (%s)", a->status,
		       strerror(-a->status)) ||
	    !CHECK(a->size == size) || !CHECK(a->regs[0] == value + 1) ||
	    !CHECK(a->regs[1] == checksum(NULL, size, seed)) ||
	    !CHECK_MSG(a->regs[3] == badge, "badge %llu, expected %llu",
		       (unsigned long long)a->regs[3],
		       (unsigned long long)badge) ||
	    !CHECK(a->regs[4] == 0))
		return false;
	for (i = 0; i < size; i++)
		if (a->data[i] != (unsigned char)~pattern_byte(seed, i))
			return CHECK_MSG(false, "result byte %zu of %u", i, size);
	return true;
}

/* A transform call through @b in @a, checked. */
static bool transform_call(struct ipc_binding *b, struct xipc_astack *a,
			   __u64 value, __u64 seed, __u32 size, pid_t pid,
			   __u64 badge)
{
	int ret;

	transform_fill(a, value, seed, size, pid);
	ret = ipc_call(b, a, PROC_TRANSFORM, XIPC_TEST_LONG_NS);
	return CHECK_MSG(ret == 0, "ipc_call: %d (%s)", ret, strerror(-ret)) &&
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

/* Starts @n threads of @fn, each with its own of @n args of @size bytes. */
static void threads_start(pthread_t *threads, unsigned int n,
			  void *(*fn)(void *), void *args, size_t size)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		ck_assert_int_eq(pthread_create(&threads[i], NULL, fn,
						(char *)args + i * size), 0);
}

static void threads_join(pthread_t *threads, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		ck_assert_int_eq(pthread_join(threads[i], NULL), 0);
}

/* Many threads, one binding with fewer A-stacks than threads. */
#define CLIENT_THREADS		8
#define CALLS_PER_THREAD	50
#define SHARED_ASTACKS		4
#define SERVER_THREADS		3
/* Spin-then-block: spinning threads share 2 CPUs, so fewer of them. */
#define SPIN_CLIENT_THREADS	4
#define SPIN_CALLS_PER_THREAD	25
#define SPIN_SERVER_THREADS	2
#define SPIN_NS			(1000ULL * 1000)

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

/* @clients threads, @calls calls each, one binding, @servers server threads. */
static void threads_share_binding(unsigned int clients, unsigned int calls,
				  unsigned int servers, __u64 spin_ns)
{
	int space = xipc_test_open(), client = xipc_test_open();
	struct client_thread ct[CLIENT_THREADS];
	pthread_t threads[CLIENT_THREADS];
	unsigned int i, done = 0;
	struct ipc_binding *b;
	struct server srv;

	server_create(&srv, space, 0, 0, SHARED_ASTACKS, 2);
	server_register(&srv, PROC_TRANSFORM, proc_transform, NULL);
	ipc_service_spin_ns(srv.svc, spin_ns);
	server_start(&srv, servers);
	b = bind_client(space, &srv, client, 7);
	ipc_binding_spin_ns(b, spin_ns);
	for (i = 0; i < clients; i++)
		ct[i] = (struct client_thread){ .b = b, .id = i, .calls = calls };
	threads_start(threads, clients, client_thread_run, ct, sizeof(ct[0]));
	threads_join(threads, clients);
	for (i = 0; i < clients; i++)
		done += ct[i].done;
	assert_no_failure();
	ck_assert_uint_eq(done, clients * calls);
	ck_assert_int_eq(ipc_unbind(b), 0);
	server_stop(&srv);
}

FX_TEST("load", test_threads_share_binding_and_servers)
{
	threads_share_binding(CLIENT_THREADS, CALLS_PER_THREAD, SERVER_THREADS, 0);
}
END_TEST

FX_TEST("load", test_spinning_threads_share_binding_and_servers)
{
	threads_share_binding(SPIN_CLIENT_THREADS, SPIN_CALLS_PER_THREAD,
			      SPIN_SERVER_THREADS, SPIN_NS);
}
END_TEST

/* Client processes, each with its own space, binding and badge. */
#define CALLS_PER_PROC	40

static void client_process(int parent_space, const char *name, unsigned int id)
{
	__u64 value, i;
	struct xipc_recv msg;
	struct xipc_astack *a;
	struct ipc_binding *b;
	__u32 service = 0;
	int space, mailbox;
	size_t room;

	ipc_close(parent_space);
	space = ipc_open(0);
	CHILD_EXPECT(space >= 0, 10);
	mailbox = ipc_mailbox_open(space, name, 0, 0, XIPC_RIGHT_RECV);
	CHILD_EXPECT(mailbox > 0, 11);
	msg = xipc_test_recv_args(mailbox, id + 1, NULL, 0, XIPC_TEST_LONG_NS);
	msg.handles = ipc_ptr(&service);
	msg.max_handles = 1;
	CHILD_EXPECT(ipc_recv(space, &msg) == 0 && msg.nr_handles == 1, 12);
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
	int space = xipc_test_open(), mailbox, badged;
	char name[XIPC_TEST_NAME_SIZE];
	struct xipc_transfer transfer;
	struct badge_pids table;
	struct xipc_send msg;
	struct server srv;
	unsigned int i;

	mailbox = fx_named(space, name, "clients");
	server_create(&srv, space, 0, 0, 1, CLIENT_PROCS);
	server_register(&srv, PROC_TRANSFORM, proc_transform, &table);
	for (i = 0; i < CLIENT_PROCS; i++) {
		table.pids[i] = xipc_test_fork();
		if (table.pids[i] == 0)
			client_process(space, name, i);
	}
	/* The table is complete before a server thread can read it. */
	server_start(&srv, SERVER_THREADS);
	for (i = 0; i < CLIENT_PROCS; i++) {
		badged = fx_dup(space, ipc_service_handle(srv.svc),
				XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT,
				XIPC_DUP_BADGE, BADGE_BASE + i);
		transfer = (struct xipc_transfer){ .handle = badged,
						   .rights = XIPC_RIGHT_SEND };
		msg = xipc_test_send_args(mailbox, i + 1, "", 0,
					  XIPC_TEST_LONG_NS);
		msg.transfers = ipc_ptr(&transfer);
		msg.nr_transfers = 1;
		ck_assert_int_eq(ipc_send(space, &msg), 0);
		ck_assert_int_eq(ipc_handle_close(space, badged), 0);
	}
	for (i = 0; i < CLIENT_PROCS; i++)
		ck_assert_int_eq(xipc_test_wait(table.pids[i]), 0);
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
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

/* An echo call of @size bytes made by @seed, checked. */
static void echo_call(struct ipc_binding *b, struct xipc_astack *a, __u32 size,
		      __u64 seed)
{
	size_t room = ipc_astack_room(b);

	a->size = size;
	a->regs[1] = seed;
	ck_assert_int_eq(ipc_call(b, a, PROC_ECHO, XIPC_TEST_LONG_NS), 0);
	ck_assert_int_eq(a->status, 0);
	ck_assert_uint_eq(a->size, size);
	ck_assert_uint_eq(a->regs[0], checksum(NULL, size, seed));
	ck_assert_uint_eq(a->regs[2], room);
}

FX_TEST("load", test_null_and_whole_astack_calls)
{
	const __u32 astack_size = 4 * PAGE;
	int space = xipc_test_open(), client = xipc_test_open();
	size_t room, mismatch;
	struct xipc_astack *a;
	struct ipc_binding *b;
	struct server srv;

	server_create(&srv, space, 0, astack_size, 2, 1);
	server_register(&srv, PROC_ECHO, proc_echo, NULL);
	server_start(&srv, 2);
	b = bind_client(space, &srv, client, 0);
	room = ipc_astack_room(b);
	ck_assert_uint_eq(room, astack_size - HEADER_SIZE);
	ipc_astack_get(b, &a);

	/* No data: the handler touches none of the bytes past size. */
	fill_pattern(a->data, room, 77);
	echo_call(b, a, 0, 1);
	ck_assert_uint_eq(pattern_mismatch(a->data, room, 77), room);

	/* Every byte of a four-page A-stack, there and back. */
	fill_pattern(a->data, room, 2);
	echo_call(b, a, room, 2);
	mismatch = pattern_mismatch(a->data, room, ~2ULL);
	ck_assert_msg(mismatch == room, "result byte %zu of %zu differs",
		      mismatch, room);
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

/* A chain through @n services: the depths 0 to @n - 1 in regs[0..]. */
static void assert_chain(struct ipc_binding *b, unsigned int n)
{
	struct xipc_astack *s;
	unsigned int i;

	ck_assert_int_eq(ipc_astack_get(b, &s), 0);
	memset(s->regs, 0xff, sizeof(s->regs));
	ck_assert_int_eq(ipc_call(b, s, PROC_CHAIN, XIPC_TEST_LONG_NS), 0);
	ck_assert_int_eq(s->status, 0);
	for (i = 0; i < n; i++)
		ck_assert_uint_eq(s->regs[i], i);
	ipc_astack_put(b, s);
}

FX_TEST("nesting", test_nested_calls_carry_depth)
{
	int space = xipc_test_open(), client = xipc_test_open();
	struct ipc_binding *a_to_b, *b_to_c, *to_a, *to_b;
	struct server a, b, c;

	server_create(&a, space, 0, 0, 2, 2);
	server_create(&b, space, 0, 0, 2, 2);
	/* Made where A and B are served: their calls are nested. */
	a_to_b = bind_here(space, &b);
	server_up(&c, space, 2, 2, PROC_CHAIN, proc_chain, NULL, 1);
	b_to_c = bind_here(space, &c);
	server_register(&a, PROC_CHAIN, proc_chain, a_to_b);
	server_register(&b, PROC_CHAIN, proc_chain, b_to_c);
	server_start(&a, 1);
	server_start(&b, 1);
	to_a = bind_client(space, &a, client, 0);
	to_b = bind_client(space, &b, client, 0);

	/* A -> B -> C */
	assert_chain(to_a, 3);
	/* B -> C, called first-hand: B is at depth 0 now. */
	assert_chain(to_b, 2);

	ck_assert_int_eq(ipc_unbind(to_a), 0);
	ck_assert_int_eq(ipc_unbind(to_b), 0);
	server_stop(&a);
	server_stop(&b);
	server_stop(&c);
	ck_assert_int_eq(ipc_unbind(a_to_b), 0);
	ck_assert_int_eq(ipc_unbind(b_to_c), 0);
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
	struct ipc_binding *self;
	struct ipc_binding *to;
};

static void looped_start(struct looped *l, __u32 nr_astacks, __u32 proc,
			 ipc_proc_fn fn, unsigned int threads)
{
	int space = xipc_test_open();

	server_create(&l->srv, space, 0, 0, nr_astacks, 2);
	l->self = bind_here(space, &l->srv);
	server_register(&l->srv, proc, fn, l->self);
	server_start(&l->srv, threads);
	l->to = bind_client(space, &l->srv, xipc_test_open(), 0);
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
	server_create(srv, space, 0, 0, nr_astacks, 2);
	ck_assert_int_eq(ipc_service_register_regs(srv->svc, PROC_RECURSE_REGS,
						   proc_recurse_regs, ctx), 0);
}

FX_TEST("nesting", test_regs_recursion_stops_at_max_depth)
{
	int space = xipc_test_open(), client = xipc_test_open();
	struct recurse_regs ctx = { 0 };
	struct ipc_binding *to_r;
	struct server r;

	recurse_service(&r, space, &ctx, XIPC_MAX_CALL_DEPTH + 4);
	ctx.next = bind_here(space, &r);
	server_start(&r, XIPC_MAX_CALL_DEPTH + 2);
	to_r = bind_client(space, &r, client, 0);
	ck_assert_uint_eq(recurse_regs_call(to_r), XIPC_MAX_CALL_DEPTH);
	ck_assert_int_eq(ipc_unbind(to_r), 0);
	server_stop(&r);
	ck_assert_int_eq(ipc_unbind(ctx.next), 0);
}
END_TEST

/* How long the spinning services of the next tests spin: all the test. */
#define SPIN_ALL_TEST_NS	(XIPC_TEST_LONG_NS / 6)

/*
 * Register recursions @a and @b, @a calling @b (with @cycle, @b calling @a,
 * all spinning; else only @a's server): @rounds spinning calls of @a from
 * another space must each reach @depth.
 */
static void spinning_recursion(__u32 nr_astacks, unsigned int threads,
			       bool cycle, unsigned int depth,
			       unsigned int rounds)
{
	int space = xipc_test_open(), client = xipc_test_open();
	struct recurse_regs ctx_a = { 0 }, ctx_b = { 0 };
	struct ipc_binding *to_a;
	struct server a, b;
	unsigned int round;

	recurse_service(&a, space, &ctx_a, nr_astacks);
	recurse_service(&b, space, &ctx_b, nr_astacks);
	ctx_a.next = bind_here(space, &b);
	ipc_service_spin_ns(a.svc, SPIN_ALL_TEST_NS);
	if (cycle) {
		ctx_b.next = bind_here(space, &a);
		ipc_binding_spin_ns(ctx_a.next, SPIN_ALL_TEST_NS);
		ipc_binding_spin_ns(ctx_b.next, SPIN_ALL_TEST_NS);
		ipc_service_spin_ns(b.svc, SPIN_ALL_TEST_NS);
	}
	server_start(&a, threads);
	server_start(&b, threads);
	to_a = bind_client(space, &a, client, 0);
	ipc_binding_spin_ns(to_a, SPIN_ALL_TEST_NS);
	for (round = 0; round < rounds; round++)
		ck_assert_uint_eq(recurse_regs_call(to_a), depth);
	ck_assert_int_eq(ctx_a.spun, 1);
	ck_assert_int_eq(ipc_unbind(to_a), 0);
	server_stop(&a);
	server_stop(&b);
	ck_assert_int_eq(ipc_unbind(ctx_a.next), 0);
	if (cycle)
		ck_assert_int_eq(ipc_unbind(ctx_b.next), 0);
}

/* A spun call's handler calling on: its call is nested, at depth 1. */
FX_TEST("nesting", test_spun_handler_nested_call_is_one_deeper)
{
	spinning_recursion(2, 1, false, 1, 20);
}
END_TEST

/*
 * Two spinning services calling each other: ELOOP at the depth limit, since a
 * nested call never spins and a spun call's nested call names its parent.
 */
FX_TEST("nesting", test_cycle_of_spinning_services_ends_in_eloop)
{
	spinning_recursion(XIPC_MAX_CALL_DEPTH / 2 + 2, XIPC_MAX_CALL_DEPTH / 2 + 2,
			   true, XIPC_MAX_CALL_DEPTH, 1);
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

static void ignore_signal(int signo)
{
	(void)signo;
}

FX_TEST("nesting", test_nested_call_after_caller_gave_up)
{
	int space = xipc_test_open(), client = xipc_test_open();
	struct sigaction action = { .sa_handler = ignore_signal };
	struct late_nested ctx = { .ret = 1 };
	struct pending_call call;
	struct ipc_binding *to_p;
	struct server p, q;
	struct xipc_astack *a;

	handshake_init(&ctx.h);
	sigemptyset(&action.sa_mask);
	ck_assert_int_eq(sigaction(SIGUSR1, &action, NULL), 0);
	server_up(&q, space, 1, 1, PROC_CHAIN, proc_chain, NULL, 1);
	ctx.next = bind_here(space, &q);
	server_up(&p, space, 1, 1, PROC_PEEK, proc_late_nested, &ctx, 1);
	to_p = bind_client(space, &p, client, 0);

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

/* What the peek handler of a service with @flags sees of a rewrite. */
static __u64 rewrite_during_call(__u32 flags)
{
	int space = xipc_test_open(), client = xipc_test_open();
	struct pending_call call;
	struct handshake h;
	struct xipc_astack *a;
	struct ipc_binding *b;
	struct server srv;
	__u64 seen;

	handshake_init(&h);
	server_create(&srv, space, flags, 0, 1, 1);
	server_register(&srv, PROC_PEEK, proc_peek, &h);
	server_start(&srv, 1);
	b = bind_client(space, &srv, client, 0);
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
	seen = a->regs[0];
	ipc_astack_put(b, a);
	ck_assert_int_eq(ipc_unbind(b), 0);
	server_stop(&srv);
	return seen;
}

FX_TEST("copy-in", test_copy_in_hides_rewrite_from_handler)
{
	ck_assert_uint_eq(rewrite_during_call(XIPC_SERVICE_COPY_IN),
			  ARGS_PROC_OLD | ARGS_SIZE_OLD | ARGS_DATA_OLD |
			  ASTACK_PROC_NEW | ASTACK_SIZE_NEW | ASTACK_DATA_NEW |
			  REQ_PROC_OLD);
}
END_TEST

/* The window copy-in closes: in place, the handler reads what is there now. */
FX_TEST("copy-in", test_without_copy_in_handler_sees_rewrite)
{
	ck_assert_uint_eq(rewrite_during_call(0),
			  ASTACK_PROC_NEW | ASTACK_SIZE_NEW | ASTACK_DATA_NEW |
			  REQ_PROC_OLD);
}
END_TEST

/* The kernel's copy holds the header and the first size bytes, nothing else. */
FX_TEST("copy-in", test_copy_in_copies_header_and_size_bytes)
{
	static const __u32 sizes[] = { 100, 0, 0xffffffffU, 4000 };
	const size_t page = PAGE, guard = 256;
	int space = xipc_test_open(), client = xipc_test_open();
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
	server_create(&srv, space, XIPC_SERVICE_COPY_IN, page, 1, 1);
	b = bind_client(space, &srv, client, 0);
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

	server_create(&srv, space, 0, PAGE, CYCLE_ASTACKS, 2);
	server_register(&srv, PROC_TRANSFORM, proc_transform, NULL);
	server_start(&srv, 1);
	service = pass_service(space, &srv, client);
	before = xipc_test_count_handles(client);
	ck_assert_int_eq(ipc_bind(client, service, &bg.b), 0);
	threads_start(&thread, 1, background_run, &bg, 0);

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
	threads_join(&thread, 1);
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
			      1 + cycle % 3);
		server_register(&srv, PROC_TRANSFORM, proc_transform, NULL);
		if (serve)
			server_start(&srv, 1);
		service = pass_handle(space, ipc_service_handle(srv.svc),
				      XIPC_RIGHT_SEND, cycle, client);
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

/* Raw ioctls and mappings, for the mmap() rules. */
static __u64 handle_offset(__u32 handle)
{
	return (__u64)handle * PAGE;
}

/* The errno of mapping @size bytes at @offset, 0 if it worked (undone). */
static int map_error(int space, size_t size, int flags, __u64 offset)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, space,
		       (off_t)offset);

	if (p == MAP_FAILED)
		return errno;
	munmap(p, size);
	return 0;
}

/* A send-only handle of space @client to the raw service @svc of @space. */
static __u32 raw_pass(int space, struct xipc_service_create *svc, int client)
{
	return pass_handle(space, svc->handle, XIPC_RIGHT_SEND, 0, client);
}

FX_TEST("mappings", test_mmap_rules)
{
	const size_t page = PAGE;
	int space = xipc_test_open(), client = xipc_test_open(), no_recv;
	struct xipc_service_create svc = fx_service_create(space, 0, page, 2, 2);
	__u32 service = raw_pass(space, &svc, client), missing = 1000;
	__u32 mailbox = xipc_test_mailbox(space, 0, 0, 0);
	struct xipc_handle_info info;
	struct xipc_bind bind;

	ck_assert_uint_eq(svc.region_offset, handle_offset(svc.handle));
	ck_assert_int_eq(map_error(space, svc.region_size, MAP_PRIVATE,
				   svc.region_offset), EINVAL);
	ck_assert_int_eq(map_error(space, svc.region_size + page, MAP_SHARED,
				   svc.region_offset), EINVAL);
	ck_assert_int_eq(map_error(space, svc.region_size, MAP_SHARED,
				   svc.region_offset), 0);

	ck_assert_int_eq(fx_bind(client, service, &bind), 0);
	ck_assert_uint_eq(bind.map_offset, handle_offset(bind.handle));
	ck_assert_uint_eq(bind.map_size, 2 * page);
	ck_assert_int_eq(map_error(client, bind.map_size + page, MAP_SHARED,
				   bind.map_offset), EINVAL);
	ck_assert_int_eq(map_error(client, bind.map_size, MAP_PRIVATE,
				   bind.map_offset), EINVAL);
	ck_assert_int_eq(map_error(client, page, MAP_SHARED, bind.map_offset), 0);
	ck_assert_int_eq(map_error(client, bind.map_size, MAP_SHARED,
				   bind.map_offset), 0);
	/* The client's handle to the service binds, but has no RECV to map. */
	ck_assert_int_eq(map_error(client, page, MAP_SHARED,
				   handle_offset(service)), EPERM);

	ck_assert_int_eq(map_error(space, page, MAP_SHARED,
				   handle_offset(mailbox)), ENODEV);
	no_recv = fx_dup(space, svc.handle, XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT |
			 XIPC_RIGHT_MANAGE, 0, 0);
	ck_assert_int_eq(map_error(space, page, MAP_SHARED,
				   handle_offset(no_recv)), EPERM);
	ck_assert_int_eq(ipc_handle_info(space, missing, &info), -EBADF);
	ck_assert_int_eq(map_error(space, page, MAP_SHARED,
				   handle_offset(missing)), EBADF);
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
		if (!CHECK_MSG(ret == 0, "bind: %d", ret) ||
		    !CHECK(bind.slot < BINDER_SLOTS))
			break;
		map = fx_map(bd->space, bind.map_size, bind.map_offset);
		if (!CHECK_MSG(map, "mmap: %s", strerror(errno)))
			break;
		CHECK_MSG(all_bytes(map, bind.map_size, 0),
			  "slot %u not zeroed", bind.slot);
		fill_pattern(map, bind.map_size, seed);
		sched_yield();
		CHECK_MSG(pattern_matches(map, bind.map_size, seed),
			  "slot %u changed under its binding", bind.slot);
		CHECK_MSG(pattern_matches(bd->region + bind.slot * bind.map_size,
					  bind.map_size, seed),
			  "the server's view of slot %u differs", bind.slot);
		munmap(map, bind.map_size);
		CHECK(ipc_handle_close(bd->space, bind.handle) == 0);
		bd->bound++;
	}
	return NULL;
}

FX_TEST("slots", test_concurrent_binds_get_distinct_zeroed_slots)
{
	int space = xipc_test_open(), client = xipc_test_open();
	struct xipc_service_create svc = fx_service_create(space, 0, PAGE, 2,
							   BINDER_SLOTS);
	__u32 service = raw_pass(space, &svc, client);
	unsigned char *region = fx_must_map(space, svc.region_size,
					 svc.region_offset);
	struct binder binders[BINDER_THREADS];
	pthread_t threads[BINDER_THREADS];
	unsigned int i, bound = 0;

	for (i = 0; i < BINDER_THREADS; i++)
		binders[i] = (struct binder){ .space = client, .id = i,
					      .service = service,
					      .region = region };
	threads_start(threads, BINDER_THREADS, binder_run, binders,
		      sizeof(binders[0]));
	threads_join(threads, BINDER_THREADS);
	for (i = 0; i < BINDER_THREADS; i++) {
		bound += binders[i].bound;
		ck_assert_uint_eq(binders[i].bound + binders[i].busy,
				  BINDER_CYCLES);
	}
	assert_no_failure();
	ck_assert_uint_gt(bound, 0);
}
END_TEST

FX_TEST("mappings", test_mapping_keeps_closed_binding_slot)
{
	int space = xipc_test_open(), client = xipc_test_open();
	struct xipc_service_create svc = fx_service_create(space, 0, PAGE, 1, 1);
	__u32 service = raw_pass(space, &svc, client);
	struct xipc_bind bind, again;
	void *map;

	ck_assert_int_eq(fx_bind(client, service, &bind), 0);
	ck_assert_uint_eq(bind.slot, 0);
	map = fx_must_map(client, bind.map_size, bind.map_offset);
	ck_assert_int_eq(ipc_handle_close(client, bind.handle), 0);
	/* Unbound, but the A-stacks are still mapped: the slot is not free. */
	ck_assert_int_eq(fx_bind(client, service, &again), -EBUSY);
	ck_assert_int_eq(munmap(map, bind.map_size), 0);
	ck_assert_int_eq(fx_bind(client, service, &again), 0);
	ck_assert_uint_eq(again.slot, 0);
}
END_TEST

/* The region holds each binding's A-stacks, both ways; a new slot is zeroed. */
FX_TEST("mappings", test_region_holds_each_binding_astacks)
{
	const size_t astack_size = 2 * PAGE;
	const unsigned int nr_astacks = 3, nr_bindings = 3;
	int space = xipc_test_open(), client = xipc_test_open();
	struct xipc_service_create svc = fx_service_create(space, 0, astack_size,
						     nr_astacks, nr_bindings);
	__u32 service = raw_pass(space, &svc, client);
	unsigned char *region = fx_must_map(space, svc.region_size,
					 svc.region_offset), *map[3], *at;
	struct xipc_bind bind[3];
	unsigned int i, j, slot;

	for (i = 0; i < nr_bindings; i++) {
		ck_assert_int_eq(fx_bind(client, service, &bind[i]), 0);
		ck_assert_uint_lt(bind[i].slot, nr_bindings);
		ck_assert_uint_eq(bind[i].nr_astacks, nr_astacks);
		ck_assert_uint_eq(bind[i].astack_size, astack_size);
		map[i] = fx_must_map(client, bind[i].map_size, bind[i].map_offset);
		for (j = 0; j < nr_astacks; j++)
			fill_pattern(map[i] + j * astack_size, astack_size,
				     i * 16 + j);
	}
	for (i = 0; i < nr_bindings; i++) {
		for (j = 0; j < nr_astacks; j++) {
			at = region + (bind[i].slot * nr_astacks + j) * astack_size;
			ck_assert_msg(pattern_matches(at, astack_size, i * 16 + j),
				      "binding %u (slot %u) A-stack %u", i,
				      bind[i].slot, j);
			/* And the server's writes reach the client. */
			fill_pattern(at, astack_size, 1000 + i * 16 + j);
			ck_assert(pattern_matches(map[i] + j * astack_size,
						  astack_size, 1000 + i * 16 + j));
		}
	}

	/* The middle binding goes; its slot comes back zeroed. */
	slot = bind[1].slot;
	ck_assert_int_eq(munmap(map[1], bind[1].map_size), 0);
	ck_assert_int_eq(ipc_handle_close(client, bind[1].handle), 0);
	ck_assert_int_eq(fx_bind(client, service, &bind[1]), 0);
	ck_assert_uint_eq(bind[1].slot, slot);
	map[1] = fx_must_map(client, bind[1].map_size, bind[1].map_offset);
	at = region + bind[1].slot * nr_astacks * astack_size;
	ck_assert(all_bytes(map[1], bind[1].map_size, 0));
	ck_assert(all_bytes(at, bind[1].map_size, 0));
	/* The others kept theirs. */
	for (i = 0; i < nr_bindings; i += 2)
		ck_assert(pattern_matches(map[i], astack_size, 1000 + i * 16));
}
END_TEST

/* A caller in space @client (only its own) whose call never returns. */
static pid_t fork_doomed_caller(int space, int client, struct server *srv,
				__u64 spin_ns)
{
	__u32 service = pass_service(space, srv, client);
	pid_t pid = xipc_test_fork();
	struct xipc_astack *a;
	struct ipc_binding *b;

	if (pid == 0) {
		ipc_close(space);
		CHILD_EXPECT(ipc_bind(client, service, &b) == 0, 30);
		ipc_binding_spin_ns(b, spin_ns);
		ipc_astack_get(b, &a);
		a->size = 0;
		ipc_call(b, a, PROC_PEEK, XIPC_TEST_LONG_NS);
		_exit(31);
	}
	/* The child's death closes its space, and so its binding. */
	ipc_close(client);
	return pid;
}

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
 * memory with @spin): its slot stays taken until the server lets go.
 */
static void killed_client_slot(bool spin)
{
	const __u64 spin_ns = spin ? 10ULL * 1000 * 1000 * 1000 : 0;
	int space = xipc_test_open(), other = xipc_test_open(), ret;
	struct blocked_call ctx = { .token = ~0ULL };
	struct ipc_request req = { 0 };
	struct xipc_bind bind;
	struct server srv;
	__u32 service;
	pid_t pid;

	server_create(&srv, space, 0, 0, 1, 1);
	if (spin) {
		handshake_init(&ctx.h);
		server_register(&srv, PROC_PEEK, proc_block, &ctx);
		ipc_service_spin_ns(srv.svc, spin_ns);
		server_start(&srv, 1);
	}
	service = pass_service(space, &srv, other);
	pid = fork_doomed_caller(space, xipc_test_open(), &srv, spin_ns);
	if (spin) {
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
	if (spin)
		let_handler_go(&ctx.h);
	ck_assert_msg(ret == -EBUSY,
		      "bind while the server still runs a call in the slot: %d (%s)",
		      ret, strerror(-ret));
	if (!spin) {
		ck_assert_int_eq(ipc_service_next(srv.svc, &req, 1, 0), -ECANCELED);
		ck_assert_int_eq(fx_bind(other, service, &bind), 0);
		ck_assert_uint_eq(bind.slot, 0);
	}
	server_stop(&srv);
}

FX_TEST("slots", test_killed_client_slot_stays_taken_while_served)
{
	killed_client_slot(false);
}
END_TEST

FX_TEST("slots", test_killed_spin_client_slot_stays_taken_while_served)
{
	killed_client_slot(true);
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
	int ret;

	for (n = 0; n < FORK_CALLS; n++) {
		value = (__u64)i << 32 | n;
		transform_fill(a, value, value, 50 + n, getpid());
		a->proc = PROC_TRANSFORM;
		ret = ioctl(space, XIPC_IOC_LRPC_CALL, &call) == 0 ? 0 : -errno;
		if (!CHECK_MSG(ret == 0, "call: %s", strerror(-ret)) ||
		    !transform_ok(a, value, value, 50 + n, 0))
			break;
	}
}

FX_TEST("fork", test_forked_child_calls_through_inherited_binding)
{
	int space = xipc_test_open(), client = xipc_test_open();
	struct xipc_bind bind, again;
	unsigned char *map;
	struct handshake child_done;
	struct server srv;
	__u32 service;
	pid_t child;

	handshake_init(&child_done);
	server_create(&srv, space, 0, PAGE, 2, 1);
	server_register(&srv, PROC_TRANSFORM, proc_transform, NULL);
	service = pass_service(space, &srv, client);
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
