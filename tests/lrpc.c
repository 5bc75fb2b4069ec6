// SPDX-License-Identifier: MIT
/*
 * LRPC basics: creating a service and binding to it (what each returns, each
 * bad field refused alone), the rights of a binding, a call's round trip and
 * what the server learns of its caller, spinning calls, register calls.
 * Failures are in lrpc-failure.c; load, nesting and mappings in lrpc-stress.c.
 */
#include <sys/uio.h>

#include "fixture.h"

#define PAGE		((__u32)sysconf(_SC_PAGESIZE))
#define PROC_ECHO	3
#define SPIN_10S	(10ULL * 1000 * 1000 * 1000)

/* A service of 3 A-stacks of 2 pages a binding, 5 bindings. */
static struct xipc_service_create create_service(int space, __u32 flags)
{
	return fx_service_create(space, flags, 2 * PAGE, 3, 5);
}

/* A raw binding through @service, that must work. */
static struct xipc_bind bind_raw(int space, __u32 service)
{
	struct xipc_bind req;
	int ret = fx_bind(space, service, &req);

	ck_assert_msg(ret == 0, "BIND %u: %s", service, strerror(-ret));
	return req;
}

/* A send-only handle to @service, with @badge (0: none). */
static __u32 send_right(int space, __u32 service, __u64 badge)
{
	return fx_dup(space, service, XIPC_RIGHT_SEND,
		      badge ? XIPC_DUP_BADGE : 0, badge);
}

FX_TEST("lrpc", test_info_reports_lrpc)
{
	struct xipc_info info;

	ck_assert_int_eq(ipc_info(xipc_test_open(), &info), 0);
	ck_assert(info.features & XIPC_FEATURE_LRPC);
}
END_TEST

/* Every slot taken: the next bind is EBUSY. */
FX_TEST("lrpc", test_bind_refused_with_every_slot_taken)
{
	int space = xipc_test_open();
	__u32 service = fx_service_create(space, 0, 2 * PAGE, 3, 2).handle;
	struct xipc_bind b;

	bind_raw(space, service);
	bind_raw(space, service);
	ck_assert_int_eq(fx_bind(space, service, &b), -EBUSY);
}
END_TEST

/* A bind to a destroyed service (EIDRM) or (_i 1) one nobody serves (EPIPE). */
FX_LOOP_TEST("lrpc", test_bind_to_dead_service_fails, 0, 2)
{
	int space = xipc_test_open();
	__u32 service = create_service(space, 0).handle;
	__u32 send_only = send_right(space, service, 0);
	struct xipc_bind b;

	ck_assert_int_eq(_i ? ipc_handle_close(space, service) :
			 fx_service_destroy(space, service), 0);
	ck_assert_int_eq(fx_bind(space, send_only, &b), _i ? -EPIPE : -EIDRM);
	ck_assert_uint_eq(xipc_test_handle_info(space, send_only).state,
			  _i ? XIPC_STATE_NO_RECEIVER : XIPC_STATE_DESTROYED);
}
END_TEST

FX_TEST("lrpc", test_binding_and_receive_right_stay_in_their_space)
{
	int space = xipc_test_open();
	__u32 service = create_service(space, 0).handle;
	struct xipc_bind b = bind_raw(space, service);
	__u32 mailbox = xipc_test_mailbox(space, 0, 0, 0);

	/* A binding has no grant right: no dup, no transfer. */
	ck_assert_int_eq(ipc_handle_dup(space, b.handle, XIPC_RIGHT_SEND, 0, 0),
			 -EPERM);
	ck_assert_int_eq(fx_send_handle(space, mailbox, b.handle, 0, 0, 0),
			 -EPERM);
	/* The service's receive right never leaves; its send right may. */
	ck_assert_int_eq(fx_send_handle(space, mailbox, service, 0, 0, 0), -EPERM);
	ck_assert_int_eq(fx_send_handle(space, mailbox, service, 0,
					XIPC_TRANSFER_MOVE, 0), -EPERM);
	ck_assert_int_eq(fx_send_handle(space, mailbox, service, XIPC_RIGHT_SEND,
					0, 0), 0);
	ck_assert_uint_eq(xipc_test_handle_info(space, service).rights,
			  XIPC_RIGHTS_ALL);
}
END_TEST

/* What the echo handler saw, for the test to check. */
struct seen {
	struct ipc_request req;
	struct xipc_astack args;
};

/* Copies regs[0..1] back swapped, data reversed, and returns status 7. */
static int echo(struct ipc_request *req, void *cookie)
{
	struct seen *seen = cookie;
	__u32 size = req->args->size, i;
	__u64 r0 = req->args->regs[0];
	unsigned char *d = req->astack->data, c;

	seen->req = *req;
	seen->args = *req->args;
	if (size > req->room)
		return -EINVAL;
	req->astack->regs[0] = req->args->regs[1];
	req->astack->regs[1] = r0;
	for (i = 0; i < size / 2; i++) {
		c = d[i];
		d[i] = d[size - 1 - i];
		d[size - 1 - i] = c;
	}
	return 7;
}

static void *run_service(void *svc)
{
	return (void *)(long)ipc_service_run(svc);
}

/*
 * A service of 2 A-stacks a binding with echo (@seen) and register procedure
 * @proc @fn (if any), served by a thread of this process spinning @spin_ns.
 */
static struct ipc_service *start_service(int space, __u32 flags,
					 __u32 max_bindings, struct seen *seen,
					 __u32 proc, ipc_regs_fn fn,
					 void *cookie, __u64 spin_ns,
					 pthread_t *server)
{
	struct ipc_service_attr attr = { .flags = flags, .nr_astacks = 2,
					 .max_bindings = max_bindings };
	struct ipc_service *svc;

	ck_assert_int_eq(ipc_service_create(space, &attr, &svc), 0);
	ck_assert_int_eq(ipc_service_register(svc, PROC_ECHO, echo, seen), 0);
	if (fn)
		ck_assert_int_eq(ipc_service_register_regs(svc, proc, fn,
							   cookie), 0);
	ipc_service_spin_ns(svc, spin_ns);
	ck_assert_int_eq(pthread_create(server, NULL, run_service, svc), 0);
	return svc;
}

/* Destroys @svc: its server thread ends with EIDRM. */
static void stop_service(struct ipc_service *svc, pthread_t server)
{
	void *result;

	ck_assert_int_eq(ipc_service_destroy(svc), 0);
	ck_assert_int_eq(pthread_join(server, &result), 0);
	ck_assert_int_eq((long)result, -EIDRM);
	ipc_service_free(svc);
}

/* Whether the echo handler saw a call of this process, at depth 0. */
static void assert_caller(const struct seen *seen, __u64 badge)
{
	ck_assert_uint_eq(seen->req.badge, badge);
	ck_assert_int_eq(seen->req.pid, getpid());
	ck_assert_uint_eq(seen->req.uid, geteuid());
	ck_assert_uint_eq(seen->req.gid, getegid());
	ck_assert_uint_eq(seen->req.depth, 0);
}

/*
 * An echo service whose server thread spins @spin_ns between calls, bound
 * through a send right with @badge (0: its own handle), and an A-stack of
 * that binding.
 */
struct echo {
	struct seen seen;
	struct ipc_service *svc;
	pthread_t server;
	struct ipc_binding *b;
	struct xipc_astack *a;
};

static void start_echo(struct echo *s, __u64 badge, __u64 spin_ns)
{
	int space = xipc_test_open();
	__u32 via;

	memset(&s->seen, 0, sizeof(s->seen));
	s->svc = start_service(space, 0, 2, &s->seen, 0, NULL, NULL, spin_ns,
			       &s->server);
	via = ipc_service_handle(s->svc);
	if (badge)
		via = send_right(space, via, badge);
	ck_assert_int_eq(ipc_bind(space, via, &s->b), 0);
	ck_assert_int_eq(ipc_astack_get(s->b, &s->a), 0);
}

static void end_echo(struct echo *s)
{
	ipc_astack_put(s->b, s->a);
	ck_assert_int_eq(ipc_unbind(s->b), 0);
	stop_service(s->svc, s->server);
}

FX_TEST("lrpc", test_call_round_trip)
{
	struct xipc_astack *a;
	struct ipc_binding *b;
	struct seen *seen;
	struct echo s;
	__u32 i;

	start_echo(&s, 99, 0);
	a = s.a;
	b = s.b;
	seen = &s.seen;
	ck_assert_uint_eq(ipc_astack_room(b), PAGE - sizeof(struct xipc_astack));

	/* A null call: no data, only the registers. */
	a->size = 0;
	a->regs[0] = 1;
	a->regs[1] = 2;
	ck_assert_int_eq(ipc_call(b, a, PROC_ECHO, XIPC_TEST_LONG_NS), 0);
	ck_assert_int_eq(a->status, 7);
	ck_assert_uint_eq(a->regs[0], 2);
	ck_assert_uint_eq(a->regs[1], 1);
	ck_assert_uint_eq(seen->req.proc, PROC_ECHO);
	ck_assert_uint_eq(seen->args.proc, PROC_ECHO);
	assert_caller(seen, 99);
	/* The server worked in place, on the client's own A-stack. */
	ck_assert_ptr_eq(seen->req.args, seen->req.astack);

	/* The whole A-stack, in place both ways. */
	a->size = ipc_astack_room(b);
	for (i = 0; i < a->size; i++)
		a->data[i] = i % 251;
	ck_assert_int_eq(ipc_call(b, a, PROC_ECHO, XIPC_TEST_LONG_NS), 0);
	ck_assert_int_eq(a->status, 7);
	for (i = 0; i < a->size; i++)
		ck_assert_uint_eq(a->data[a->size - 1 - i], i % 251);

	/* A procedure with no handler. */
	ck_assert_int_eq(ipc_call(b, a, PROC_ECHO + 1, XIPC_TEST_LONG_NS), 0);
	ck_assert_int_eq(a->status, -ENOSYS);
	end_echo(&s);
}
END_TEST

struct caller {
	struct ipc_binding *b;
	struct xipc_astack *a;
	int ret;
};

static void *call_once(void *arg)
{
	struct caller *c = arg;

	c->ret = ipc_call(c->b, c->a, PROC_ECHO, XIPC_TEST_LONG_NS);
	return NULL;
}

/* A serve of a reply alone (no WAIT) to call @token: 0 or -errno. */
static int reply_alone(int space, struct ipc_service *svc, __u64 token)
{
	struct xipc_lrpc_serve serve = { .flags = XIPC_SERVE_REPLY,
					 .service = ipc_service_handle(svc),
					 .call = token };

	return ioctl(space, XIPC_IOC_LRPC_SERVE, &serve) ? -errno : 0;
}

FX_TEST("lrpc", test_call_on_busy_astack_fails)
{
	struct ipc_service_attr attr = { .nr_astacks = 2 };
	struct ipc_request req = { 0 };
	int space = xipc_test_open();
	struct caller c = { 0 };
	struct ipc_service *svc;
	struct xipc_astack *other;
	pthread_t thread;

	ck_assert_int_eq(ipc_service_create(space, &attr, &svc), 0);
	ck_assert_int_eq(ipc_bind(space, ipc_service_handle(svc), &c.b), 0);
	ipc_astack_get(c.b, &c.a);
	ipc_astack_get(c.b, &other);
	c.a->regs[0] = 5;
	ck_assert_int_eq(pthread_create(&thread, NULL, call_once, &c), 0);
	/* This thread serves: it holds the call without replying. */
	ck_assert_int_eq(ipc_service_next(svc, &req, 0, XIPC_TEST_LONG_NS), 0);
	/* The server's view of the A-stack is the client's memory. */
	ck_assert_uint_eq(req.args->regs[0], 5);
	req.astack->regs[2] = 77;
	ck_assert_uint_eq(c.a->regs[2], 77);
	ck_assert_int_eq(ipc_call(c.b, c.a, PROC_ECHO, 0), -EBUSY);
	/* Another A-stack of the binding is free; no server is idle, though. */
	ck_assert_int_eq(ipc_call(c.b, other, PROC_ECHO, 0), -EAGAIN);
	/* The reply (alone: REPLY without WAIT) ends the first call. */
	req.astack->regs[0] = 6;
	ck_assert_int_eq(reply_alone(space, svc, req.token), 0);
	ck_assert_int_eq(pthread_join(thread, NULL), 0);
	ck_assert_int_eq(c.ret, 0);
	ck_assert_uint_eq(c.a->regs[0], 6);
	/* A second reply to the same call names no call any more. */
	ck_assert_int_eq(reply_alone(space, svc, req.token), -EINVAL);
	ck_assert_int_eq(ipc_unbind(c.b), 0);
	ipc_service_free(svc);
}
END_TEST

/* A raw service with its region mapped, and one binding with its A-stacks. */
struct raw {
	int space;
	struct xipc_service_create svc;
	struct xipc_bind b;
	char *region;
	struct xipc_astack *astacks;
};

static void raw_setup(struct raw *r, __u64 badge)
{
	r->space = xipc_test_open();
	r->svc = create_service(r->space, 0);
	r->region = fx_must_map(r->space, r->svc.region_size,
				r->svc.region_offset);
	r->b = bind_raw(r->space, send_right(r->space, r->svc.handle, badge));
	r->astacks = fx_must_map(r->space, r->b.map_size, r->b.map_offset);
}

/* The slot table, after the A-stacks of every binding. */
static const struct xipc_slot_info *raw_slot(const struct raw *r)
{
	const struct xipc_slot_info *table = (const void *)
		(r->region + (size_t)r->svc.max_bindings * r->svc.nr_astacks *
			     r->svc.astack_size);

	return &table[r->b.slot];
}

FX_TEST("lrpc", test_slot_info_names_the_binder)
{
	const struct xipc_slot_info *info;
	struct raw r;

	raw_setup(&r, 5);
	info = raw_slot(&r);
	ck_assert_uint_eq(info->bound, 1);
	ck_assert_uint_eq(info->badge, 5);
	ck_assert_int_eq(info->pid, getpid());
	ck_assert_uint_eq(info->uid, geteuid());
	ck_assert_uint_eq(info->gid, getegid());
	/* The binding goes once its handle and its mapping are both gone. */
	ck_assert_int_eq(ipc_handle_close(r.space, r.b.handle), 0);
	ck_assert_uint_eq(info->bound, 1);
	ck_assert_int_eq(munmap(r.astacks, r.b.map_size), 0);
	ck_assert_uint_eq(info->bound, 0);
}
END_TEST

FX_TEST("lrpc", test_revoke_ends_binding_for_spinning_servers_too)
{
	struct xipc_lrpc_call call;
	struct raw r;

	raw_setup(&r, 3);
	ck_assert_uint_eq(raw_slot(&r)->bound, 1);
	/* Revoking the root reaches the handle bound through, and below. */
	ck_assert_int_eq(ipc_handle_revoke(r.space, r.svc.handle), 0);
	ck_assert_uint_eq(raw_slot(&r)->bound, 0);
	call = (struct xipc_lrpc_call){ .binding = r.b.handle };
	xipc_test_assert_ioctl_fails(r.space, XIPC_IOC_LRPC_CALL, &call,
				     EKEYREVOKED);
	ck_assert_uint_eq(xipc_test_handle_info(r.space, r.b.handle).state,
			  XIPC_STATE_REVOKED);
}
END_TEST

FX_TEST("lrpc", test_astacks_cannot_be_pinned)
{
	struct iovec iov;
	int pipefd[2];
	struct raw r;

	raw_setup(&r, 0);
	ck_assert_int_eq(pipe(pipefd), 0);
	/* vmsplice() pins the pages it is given; an A-stack is no page. */
	iov = (struct iovec){ .iov_base = r.astacks, .iov_len = PAGE };
	ck_assert_int_eq(vmsplice(pipefd[1], &iov, 1, 0), -1);
	ck_assert_int_eq(errno, EFAULT);
	/* Plain reads and writes of the mapping work, of course. */
	r.astacks->regs[0] = 5;
	ck_assert_int_eq(write(pipefd[1], r.astacks, sizeof(*r.astacks)),
			 sizeof(*r.astacks));
}
END_TEST

/* A spin wait on A-stack 1 of @r while its word is @expect: 0 or -errno. */
static int spin_wait(const struct raw *r, __u32 expect, __u64 timeout_ns)
{
	struct xipc_lrpc_call call = { .flags = XIPC_CALL_SPIN_WAIT,
				       .binding = r->b.handle, .astack = 1,
				       .expect = expect,
				       .timeout_ns = timeout_ns };

	return ioctl(r->space, XIPC_IOC_LRPC_CALL, &call) ? -errno : 0;
}

/* A wake of that A-stack: 0 or -errno. */
static int spin_wake(const struct raw *r)
{
	struct xipc_lrpc_serve wake = {
		.flags = XIPC_SERVE_WAKE, .service = r->svc.handle,
		.call = r->b.slot * r->svc.nr_astacks + 1,
	};

	return ioctl(r->space, XIPC_IOC_LRPC_SERVE, &wake) ? -errno : 0;
}

/* A child (sharing the space) asleep in a spin wait for word 42. */
static pid_t spin_wait_in_child(const struct raw *r)
{
	pid_t pid = fx_fork_waiter();

	if (pid == 0) {
		fx_waiter_ready();
		_exit(-spin_wait(r, 42, XIPC_TEST_LONG_NS));
	}
	fx_await_asleep(pid);
	return pid;
}

FX_TEST("lrpc", test_spin_wait_sleeps_until_word_changes_or_wake)
{
	struct raw r;
	pid_t pid;

	raw_setup(&r, 0);
	((struct xipc_astack *)((char *)r.astacks + r.svc.astack_size))->state = 42;
	/* A word that differs already: no sleep. */
	ck_assert_int_eq(spin_wait(&r, 7, XIPC_TEST_LONG_NS), 0);
	ck_assert_int_eq(spin_wait(&r, 42, XIPC_TEST_SHORT_NS), -ETIMEDOUT);
	/* Asleep on an unchanged word: a wake ends it. */
	pid = spin_wait_in_child(&r);
	ck_assert_int_eq(spin_wake(&r), 0);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	/* A wake with nobody asleep is kept for the next wait. */
	ck_assert_int_eq(spin_wake(&r), 0);
	ck_assert_int_eq(spin_wait(&r, 42, XIPC_TEST_LONG_NS), 0);
	/* The service's end ends the wait too (its exit code: the errno). */
	pid = spin_wait_in_child(&r);
	ck_assert_int_eq(fx_service_destroy(r.space, r.svc.handle), 0);
	ck_assert_int_eq(xipc_test_wait(pid), EIDRM);
}
END_TEST

/*
 * A call of @proc with regs[0] *@word, posted in shared memory as spinning
 * clients post theirs: its status, and its regs[0] in *@word.
 */
static int spun_call(struct xipc_astack *a, __u32 proc, __u64 *word)
{
	a->proc = proc;
	a->size = 0;
	a->regs[0] = *word;
	__atomic_store_n(&a->state, 1 /* CALLED */, __ATOMIC_RELEASE);
	for (int i = 0; i < 60000; i++) {
		if (__atomic_load_n(&a->state, __ATOMIC_ACQUIRE) == 3 /* REPLIED */)
			break;
		usleep(1000);
	}
	ck_assert_uint_eq(a->state, 3);
	__atomic_store_n(&a->state, 0 /* IDLE */, __ATOMIC_RELEASE);
	*word = a->regs[0];
	return a->status;
}

/* A call posted in shared memory is served without entering the kernel. */
FX_TEST("lrpc", test_spin_call_taken_in_shared_memory)
{
	__u64 word = 10;
	struct echo s;

	start_echo(&s, 8, SPIN_10S);
	s.a->regs[1] = 20;
	ck_assert_int_eq(spun_call(s.a, PROC_ECHO, &word), 7);
	ck_assert_uint_eq(word, 20);
	ck_assert_uint_eq(s.a->regs[1], 10);
	/* Who called is who bound, as the kernel wrote it in the slot table. */
	ck_assert_uint_eq(s.seen.req.token, 0);
	assert_caller(&s.seen, 8);
	end_echo(&s);
}
END_TEST

FX_TEST("lrpc", test_spin_calls_return_results_whichever_path)
{
	struct xipc_astack *a;
	struct echo s;
	__u64 i;

	start_echo(&s, 0, SPIN_10S);
	ipc_binding_spin_ns(s.b, 1000ULL * 1000);
	a = s.a;
	for (i = 0; i < 200; i++) {
		a->size = 2;
		a->data[0] = i;
		a->data[1] = i >> 8;
		a->regs[0] = i;
		a->regs[1] = ~i;
		ck_assert_int_eq(ipc_call(s.b, a, PROC_ECHO, XIPC_TEST_LONG_NS), 0);
		ck_assert_int_eq(a->status, 7);
		ck_assert_uint_eq(a->regs[0], ~i);
		ck_assert_uint_eq(a->regs[1], i);
		ck_assert_uint_eq(a->data[0], (unsigned char)(i >> 8));
		ck_assert_uint_eq(a->data[1], (unsigned char)i);
		ck_assert_int_eq(s.seen.req.pid, getpid());
	}
	end_echo(&s);
}
END_TEST

/*
 * PROC_ADD and PROC_ADD_STOP: regs[0] (a register call's w[0]) + 1, status
 * 11; the second (its cookie not NULL) also stops its thread's
 * ipc_service_run().
 */
#define PROC_ADD	1
#define PROC_ADD_STOP	2

static int add_status(const void *stop)
{
	if (stop && ipc_service_stop() != 0)
		return -EPROTO;
	return 11;
}

static int add_one(struct ipc_request *req, void *stop)
{
	req->astack->regs[0] = req->args->regs[0] + 1;
	return add_status(stop);
}

static int add_one_regs(struct ipc_request *req, __u64 w[IPC_NR_WORDS],
			void *stop)
{
	(void)req;
	w[0]++;
	return add_status(stop);
}

/* PROC_ADD and PROC_ADD_STOP as register procedures (@regs) or not. */
static void register_add(struct ipc_service *svc, bool regs)
{
	static int stop;

	for (__u32 proc = PROC_ADD; proc <= PROC_ADD_STOP; proc++) {
		void *cookie = proc == PROC_ADD_STOP ? &stop : NULL;

		ck_assert_int_eq(regs ? ipc_service_register_regs(svc, proc,
					add_one_regs, cookie) :
				 ipc_service_register(svc, proc, add_one,
						      cookie), 0);
	}
}

/*
 * ipc_service_run() twice in one thread, once ipc_service_stop() outside a
 * handler failed: each serves until a handler stops it.
 */
static void *run_twice_after_stop_refused(void *svc)
{
	int ret;

	if (ipc_service_stop() != -EINVAL)
		return (void *)-1L;
	ret = ipc_service_run(svc);
	if (!ret)
		ret = ipc_service_run(svc);
	return (void *)(long)ret;
}

/* Round @how's call of @proc with @word: the status, the result in *@word. */
static int stop_round_call(int how, struct ipc_binding *b,
			   struct xipc_astack *a, __u32 proc, __u64 *word)
{
	__u64 w[IPC_NR_WORDS] = { *word };
	int status = 0;

	if (how == 2)
		return spun_call(a, proc, word);
	if (how == 1) {
		ck_assert_int_eq(ipc_call_regs(b, a, proc, w, &status,
					       XIPC_TEST_LONG_NS), 0);
		*word = w[0];
		return status;
	}
	a->size = 0;
	a->regs[0] = *word;
	ck_assert_int_eq(ipc_call(b, a, proc, XIPC_TEST_LONG_NS), 0);
	*word = a->regs[0];
	return a->status;
}

/*
 * ipc_service_stop(): the ipc_service_run() of the handler that called it
 * returns 0 once the call is answered, whether it came through the kernel,
 * in registers or in shared memory; the service goes on and is served again.
 * Outside a handler it fails with EINVAL and stops nothing.
 */
FX_TEST("lrpc", test_stop_ends_the_handlers_run_after_its_reply)
{
	int space = xipc_test_open();
	struct ipc_service_attr attr = { .nr_astacks = 2 };
	struct ipc_service *svc;
	struct ipc_binding *b;
	struct xipc_astack *a;
	pthread_t server;
	void *result;
	__u64 word;

	ck_assert_int_eq(ipc_service_stop(), -EINVAL);
	ck_assert_int_eq(ipc_service_create(space, &attr, &svc), 0);
	register_add(svc, false);
	ck_assert_int_eq(ipc_bind(space, ipc_service_handle(svc), &b), 0);
	ck_assert_int_eq(ipc_astack_get(b, &a), 0);
	/* Through the kernel, in registers, in shared memory (spin mode). */
	for (int how = 0; how < 3; how++) {
		if (how)
			register_add(svc, how == 1);
		if (how == 2)
			ipc_service_spin_ns(svc, XIPC_TEST_LONG_NS);
		ck_assert_int_eq(pthread_create(&server, NULL,
						run_twice_after_stop_refused,
						svc), 0);
		/* Each run serves a call, then the one that stops it. */
		word = 10 * how;
		for (int run = 0; run < 2; run++) {
			ck_assert_int_eq(stop_round_call(how, b, a, PROC_ADD,
							 &word), 11);
			ck_assert_int_eq(stop_round_call(how, b, a,
							 PROC_ADD_STOP, &word),
					 11);
		}
		ck_assert_uint_eq(word, 10 * how + 4);
		ck_assert_int_eq(pthread_join(server, &result), 0);
		ck_assert_int_eq((long)result, 0);
		/* No thread serves now: a call that may not wait finds none. */
		ck_assert_int_eq(ipc_call(b, a, PROC_ADD, 0), -EAGAIN);
	}
	ipc_astack_put(b, a);
	ck_assert_int_eq(ipc_unbind(b), 0);
	ck_assert_int_eq(ipc_service_destroy(svc), 0);
	ipc_service_free(svc);
}
END_TEST

/*
 * The LRPC commands, each field of a valid request set to a bad value (see
 * fixture.h). The fixture's service has the default shape: A-stacks of a
 * page, 4 per binding, 16 bindings.
 */
static void create_build(struct fx *f, void *req)
{
	struct xipc_service_create *c = req;

	(void)f;
	c->flags = c->reserved = 0;
	c->astack_size = 2 * PAGE;
	c->nr_astacks = 3;
	c->max_bindings = 5;
}

static void create_check(struct fx *f, void *req, int ret)
{
	struct xipc_service_create *c = req;

	ck_assert_int_eq(ret, 0);
	/* The A-stacks, then a page for the table of slots. */
	ck_assert_uint_eq(c->region_size, 5ULL * 3 * 2 * PAGE + PAGE);
	ck_assert_uint_eq(c->region_offset, (__u64)c->handle * PAGE);
	fx_expect_handle(f->space, c->handle, XIPC_OBJECT_SERVICE, FX_ANY,
			 XIPC_RIGHTS_ALL, FX_ANY, 0);
}

#define CREATE(field, value, error) \
	FX_BAD(struct xipc_service_create, field, value, error)
static const struct fx_row create_rows[] = {
	FX_BAD_BITS(struct xipc_service_create, flags, XIPC_SERVICE_COPY_IN,
		    EINVAL),
	CREATE(reserved, 1, EINVAL), CREATE(reserved, ~0U, EINVAL),
	CREATE(astack_size, 0, EINVAL), CREATE(astack_size, 4096 + 8, EINVAL),
	CREATE(nr_astacks, 0, EINVAL),
	CREATE(nr_astacks, XIPC_MAX_ASTACKS + 1, EINVAL),
	CREATE(max_bindings, 0, EINVAL),
	CREATE(max_bindings, XIPC_MAX_BINDINGS + 1, EINVAL),
	/* A valid shape, but larger than max_region_size (16 MiB). */
	CREATE(max_bindings, XIPC_MAX_BINDINGS, E2BIG),
	FX_BAD_POINTER(0, EFAULT),
};

static const struct fx_out create_outs[] = {
	FX_OUTS(struct xipc_service_create, handle, region_size, region_offset),
};

FX_TABLE("lrpc", test_create_refuses, create_table, XIPC_IOC_SERVICE_CREATE,
	 struct xipc_service_create, .build = create_build,
	 .check = create_check, .rows = FX_ARRAY(create_rows),
	 .outs = FX_ARRAY(create_outs))

static void service_setup(struct fx *f)
{
	fx_service(f, NULL);
}

static void bind_build(struct fx *f, void *req)
{
	struct xipc_bind *b = req;

	b->flags = 0;
	b->service = f->service_send;
}

static void bind_check(struct fx *f, void *req, int ret)
{
	struct xipc_bind *b = req;

	ck_assert_int_eq(ret, 0);
	ck_assert_uint_eq(b->astack_size, PAGE);
	ck_assert_uint_eq(b->nr_astacks, 4);
	ck_assert_uint_eq(b->map_size, 4ULL * PAGE);
	ck_assert_uint_eq(b->map_offset, (__u64)b->handle * PAGE);
	ck_assert_uint_lt(b->slot, 16);
	ck_assert_uint_ne(b->slot, f->bind.slot);
	fx_expect_handle(f->space, b->handle, XIPC_OBJECT_BINDING, FX_ANY,
			 XIPC_RIGHT_SEND, FX_ANY, 0);
}

#define BIND(field, value, error) FX_BAD(struct xipc_bind, field, value, error)
static const struct fx_row bind_rows[] = {
	FX_BAD_BITS(struct xipc_bind, flags, 0, EINVAL),
	FX_NO_HANDLE(struct xipc_bind, service),
	/* Not a service. */
	BIND(service, FX_MAILBOX, EBADF), BIND(service, FX_BINDING, EBADF),
	BIND(service, FX_SERVICE_RECV, EPERM),
	BIND(service, FX_SERVICE_REVOKED, EKEYREVOKED),
	FX_BAD_POINTER(0, EFAULT),
};

static const struct fx_out bind_outs[] = {
	FX_OUTS(struct xipc_bind, handle, astack_size, nr_astacks, slot,
		map_size, map_offset),
};

FX_TABLE("lrpc", test_bind_refuses, bind_table, XIPC_IOC_BIND, struct xipc_bind,
	 .setup = service_setup, .build = bind_build, .check = bind_check,
	 .rows = FX_ARRAY(bind_rows), .outs = FX_ARRAY(bind_outs))

/* A call on the last A-stack of the fixture's raw binding. */
static void call_build(struct fx *f, void *req)
{
	*(struct xipc_lrpc_call *)req = (struct xipc_lrpc_call){
		.binding = f->binding_handle,
		.astack = 3,
		.timeout_ns = XIPC_TEST_LONG_NS,
	};
}

/* The valid call has a server thread (no handler for its procedure 0). */
static int call_valid(struct fx *f, void *req)
{
	fx_serve(f);
	return fx_ioctl(f, XIPC_IOC_LRPC_CALL, req);
}

#define CALL(field, value, error) \
	FX_BAD(struct xipc_lrpc_call, field, value, error)
static const struct fx_row call_rows[] = {
	FX_BAD_BITS(struct xipc_lrpc_call, flags, XIPC_CALL_SPIN_WAIT |
		    XIPC_CALL_REGS | XIPC_CALL_SPUN_PARENT | XIPC_ABSTIME,
		    EINVAL),
	/* A spun parent: only with a parent service. */
	CALL(flags, XIPC_CALL_SPUN_PARENT, EINVAL),
	CALL(binding, 0, EBADF), CALL(binding, FX_UNUSED, EBADF),
	CALL(binding, FX_CLOSED, EBADF), CALL(binding, 999, EBADF),
	/* Not a binding. */
	CALL(binding, FX_SERVICE, EBADF), CALL(binding, FX_MAILBOX, EBADF),
	CALL(astack, 4, EINVAL), CALL(astack, ~0U, EINVAL),
	CALL(parent, 1, EINVAL),
	/* A parent that is no call being served. */
	FX_BAD_WITH(struct xipc_lrpc_call, parent, 1ULL << 32, parent_service,
		    FX_SERVICE, EINVAL),
	CALL(parent_service, FX_MAILBOX, EBADF),
	/* @expect belongs to SPIN_WAIT only. */
	CALL(expect, 42, EINVAL),
	/* @proc belongs to REGS only. */
	CALL(proc, 1, EINVAL),
	FX_BAD_POINTER(0, EFAULT),
};

FX_TABLE("lrpc", test_call_refuses, call_table, XIPC_IOC_LRPC_CALL,
	 struct xipc_lrpc_call, .setup = service_setup, .build = call_build,
	 .valid = call_valid, .rows = FX_ARRAY(call_rows))

/*
 * What a row cannot say: REGS depends on the caller's architecture, and a
 * spun parent needs more than one field set.
 */
FX_TEST("lrpc", test_call_regs_and_spun_parent_checks)
{
	int space = xipc_test_open();
	__u32 service = create_service(space, 0).handle;
	/* With no server thread, a valid non-blocking call is EAGAIN. */
	struct xipc_lrpc_call valid = {
		.binding = bind_raw(space, service).handle, .astack = 2,
	}, call = valid;

	xipc_test_assert_ioctl_fails(space, XIPC_IOC_LRPC_CALL, &call, EAGAIN);
	/* REGS: where the caller's architecture has it, else EOPNOTSUPP. */
	call = valid;
	call.flags = XIPC_CALL_REGS;
	call.proc = 1;
	xipc_test_assert_ioctl_fails(space, XIPC_IOC_LRPC_CALL, &call,
				     ipc_regs_native(space) ? EAGAIN : EOPNOTSUPP);
	/* A spun parent: an A-stack held in the parent service. */
	call = valid;
	call.flags = XIPC_CALL_SPUN_PARENT;
	call.parent_service = service;
	xipc_test_assert_ioctl_fails(space, XIPC_IOC_LRPC_CALL, &call, EINVAL);
	call.parent = 5 * 3;	/* one past the last A-stack */
	xipc_test_assert_ioctl_fails(space, XIPC_IOC_LRPC_CALL, &call, EINVAL);
	call.parent = 1ULL << 32;
	xipc_test_assert_ioctl_fails(space, XIPC_IOC_LRPC_CALL, &call, EINVAL);
}
END_TEST

/* A spin wait whose word (0) is not @expect returns at once. */
static void spin_wait_build(struct fx *f, void *req)
{
	*(struct xipc_lrpc_call *)req = (struct xipc_lrpc_call){
		.flags = XIPC_CALL_SPIN_WAIT,
		.binding = f->binding_handle,
		.expect = 42,
	};
}

#define SPIN_WAIT(field, value) \
	FX_BAD(struct xipc_lrpc_call, field, value, EINVAL)
static const struct fx_row spin_wait_rows[] = {
	SPIN_WAIT(parent_service, FX_SERVICE), SPIN_WAIT(parent, 1),
	/* @proc belongs to REGS only, and REGS not to SPIN_WAIT. */
	SPIN_WAIT(proc, 1), SPIN_WAIT(astack, 4),
	SPIN_WAIT(flags, XIPC_CALL_SPIN_WAIT | XIPC_CALL_REGS),
};

FX_TABLE("lrpc", test_spin_wait_refuses, spin_wait_table, XIPC_IOC_LRPC_CALL,
	 struct xipc_lrpc_call, .setup = service_setup,
	 .build = spin_wait_build, .rows = FX_ARRAY(spin_wait_rows))

/* SERVE: a wake of the first A-stack, which needs no call. */
static void serve_build(struct fx *f, void *req)
{
	*(struct xipc_lrpc_serve *)req = (struct xipc_lrpc_serve){
		.flags = XIPC_SERVE_WAKE,
		.service = f->service,
	};
}

#define SERVE(field, value, error) \
	FX_BAD(struct xipc_lrpc_serve, field, value, error)
static const struct fx_row serve_rows[] = {
	FX_BAD_BITS(struct xipc_lrpc_serve, flags, XIPC_SERVE_REPLY |
		    XIPC_SERVE_WAIT | XIPC_SERVE_WAKE | XIPC_SERVE_REGS |
		    XIPC_ABSTIME, EINVAL),
	/* Neither REPLY nor WAIT nor WAKE; WAKE with either, or with REGS. */
	SERVE(flags, XIPC_SERVE_WAKE | XIPC_SERVE_REGS, EINVAL),
	SERVE(flags, 0, EINVAL), SERVE(flags, XIPC_ABSTIME, EINVAL),
	SERVE(flags, XIPC_SERVE_WAKE | XIPC_SERVE_WAIT, EINVAL),
	SERVE(flags, XIPC_SERVE_WAKE | XIPC_SERVE_REPLY, EINVAL),
	FX_NO_HANDLE(struct xipc_lrpc_serve, service),
	/* Not a service. */
	SERVE(service, FX_MAILBOX, EBADF), SERVE(service, FX_BINDING, EBADF),
	SERVE(service, FX_SERVICE_SEND, EPERM),
	SERVE(service, FX_SERVICE_REVOKED, EKEYREVOKED),
	/* One past the last A-stack. */
	SERVE(call, 16 * 4, EINVAL),
	/* args only for a service with XIPC_SERVICE_COPY_IN. */
	FX_BAD_WITH(struct xipc_lrpc_serve, args, FX_READONLY, flags,
		    XIPC_SERVE_WAIT, EINVAL),
	/* @status: only for a reply with REGS. */
	SERVE(status, 1, EINVAL), SERVE(status, -1, EINVAL),
	FX_BAD_POINTER(0, EFAULT),
};

FX_TABLE("lrpc", test_serve_refuses, serve_table, XIPC_IOC_LRPC_SERVE,
	 struct xipc_lrpc_serve, .setup = service_setup, .build = serve_build,
	 .rows = FX_ARRAY(serve_rows))

/*
 * Register calls (ipc_call_regs()): the words in registers where libipc and the
 * module have them (x86-64), else in the A-stack's header (the 32-bit build).
 */
#define PROC_MIX	5
#define NR_WORDS	IPC_NR_WORDS

/* What a register handler saw. */
struct seen_regs {
	int regs;
	__u32 depth;
	__u64 w[NR_WORDS];
	int calls;
};

/* Moves every word one place down, inverted; w7's low half is the status. */
static int mix(struct ipc_request *req, __u64 w[NR_WORDS], void *cookie)
{
	struct seen_regs *seen = cookie;
	__u64 in[NR_WORDS];
	int i;

	memcpy(in, w, sizeof(in));
	for (i = 0; i < NR_WORDS; i++)
		w[i] = ~in[(i + 1) % NR_WORDS];
	if (seen) {
		seen->regs = req->regs;
		seen->depth = req->depth;
		memcpy(seen->w, in, sizeof(in));
		seen->calls++;
	}
	return (int)(__u32)in[7];
}

/* A service with the mix procedure, served by a thread of this process. */
static struct ipc_service *mix_service(int space, __u32 flags,
				       struct seen_regs *seen, pthread_t *server)
{
	static struct seen echo_seen;

	return start_service(space, flags, 4, &echo_seen, PROC_MIX, mix, seen,
			     0, server);
}

/* Whether @w is what mix made of @in. */
static int mixed(const __u64 *w, const __u64 *in)
{
	int i;

	for (i = 0; i < NR_WORDS; i++)
		if (w[i] != ~in[(i + 1) % NR_WORDS])
			return 100 + i;
	return 0;
}

/* 0 if one mix call with @in came back right, else which check failed. */
static int mix_call(struct ipc_binding *b, struct xipc_astack *a,
		    const __u64 *in)
{
	__u64 w[NR_WORDS];
	int status = 12345, ret;

	memcpy(w, in, sizeof(w));
	ret = ipc_call_regs(b, a, PROC_MIX, w, &status, XIPC_TEST_LONG_NS);
	if (ret)
		return ret < 0 ? ret : -EPROTO;
	ret = mixed(w, in);
	return ret ? ret : status == (int)(__u32)in[7] ? 0 : 99;
}

/* Every bit alone, and every bit alone cleared, in every word; and more. */
static int mix_all_patterns(struct ipc_binding *b, struct xipc_astack *a)
{
	static const __u64 whole[] = {
		0, ~0ULL, 0x5555555555555555ULL, 0xaaaaaaaaaaaaaaaaULL,
		0x8000000000000000ULL, 0x7fffffffffffffffULL,
		0x0123456789abcdefULL, 0x80000000ULL, 0xffffffffULL,
	};
	__u64 in[NR_WORDS];
	int pos, bit, i, ret = 0;

	for (pos = 0; pos < NR_WORDS; pos++) {
		for (bit = 0; bit < 64 && !ret; bit++) {
			for (i = 0; i < NR_WORDS; i++)
				in[i] = (__u64)(i + 1) << 56 | (__u64)pos << 8;
			in[pos] = 1ULL << bit;
			ret = mix_call(b, a, in);
			for (i = 0; i < NR_WORDS; i++)
				in[i] = ~in[i];
			ret = ret ? ret : mix_call(b, a, in);
		}
	}
	for (i = 0; i < (int)FX_NR(whole) && !ret; i++) {
		for (pos = 0; pos < NR_WORDS; pos++)
			in[pos] = whole[i];
		ret = mix_call(b, a, in);
	}
	return ret;
}

FX_TEST("lrpc", test_regs_feature_matches_the_library)
{
	int space = xipc_test_open();
	struct xipc_info info;

	ck_assert_int_eq(ipc_info(space, &info), 0);
#if defined(__x86_64__) && !defined(__ILP32__) || defined(__aarch64__)
	/* A 64-bit x86 or arm64 process always has register calls. */
	ck_assert(info.features & XIPC_FEATURE_LRPC_REGS);
	ck_assert_int_eq(ipc_regs_native(space), 1);
#else
	ck_assert_int_eq(ipc_regs_native(space), 0);
#if defined(__i386__) || defined(__ILP32__)
	/* A compat process: the words would not fit its registers. */
	ck_assert(!(info.features & XIPC_FEATURE_LRPC_REGS));
#endif
#endif
}
END_TEST

/*
 * Every bit pattern in every position, from a client in another process
 * (its own registers, its own binding), and no A-stack byte touched when
 * the words travel in registers.
 */
FX_TEST("lrpc", test_regs_round_trip_every_bit_in_every_word)
{
	int space = xipc_test_open(), native, ret, status = 0;
	__u64 w[NR_WORDS] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct seen_regs seen = { 0 };
	struct ipc_service *svc;
	struct xipc_astack *a;
	struct ipc_binding *b;
	pthread_t server;
	pid_t child;

	svc = mix_service(space, 0, &seen, &server);
	child = xipc_test_fork();
	if (child == 0) {
		native = ipc_regs_native(space);
		CHILD_EXPECT(ipc_bind(space, ipc_service_handle(svc), &b) == 0, 1);
		CHILD_EXPECT(ipc_astack_get(b, &a) == 0, 2);
		memset(a, POISON_BYTE, PAGE);
		ret = mix_all_patterns(b, a);
		if (ret)
			fprintf(stderr, "mix: %d\n", ret);
		CHILD_EXPECT(ret == 0, 3);
		CHILD_EXPECT(!native || fx_poisoned(a, PAGE), 4);
		/* A procedure with no handler: -ENOSYS, the words as they went. */
		CHILD_EXPECT(ipc_call_regs(b, a, PROC_MIX + 1, w, &status,
					   XIPC_TEST_LONG_NS) == 0, 5);
		CHILD_EXPECT(status == -ENOSYS, 6);
		CHILD_EXPECT(!native || (w[0] == 1 && w[7] == 8), 7);
		CHILD_EXPECT(ipc_unbind(b) == 0, 8);
		_exit(0);
	}
	ck_assert_int_eq(xipc_test_wait(child), 0);
	ck_assert_int_eq(seen.regs, ipc_regs_native(space));
	ck_assert_int_eq(seen.calls, 8 * 64 * 2 + 9);
	ck_assert_uint_eq(seen.depth, 0);
	stop_service(svc, server);
}
END_TEST

/*
 * The ways a register procedure is reached without registers: ipc_call()
 * with the words laid out in the header (the fallback), a spinning call,
 * and a copy-in service; and a plain procedure reached by a register call.
 */
FX_TEST("lrpc", test_regs_procedures_reached_every_way)
{
	static const __u64 in[NR_WORDS] = {
		0x1111111111111111ULL, 0x2222222222222222ULL, 3, 4, 5, 6,
		0xfedcba9876543210ULL, 0xffffffff80000000ULL,
	};
	int space = xipc_test_open(), status, i;
	struct seen_regs seen = { 0 };
	struct ipc_service *svc, *copy_in;
	pthread_t server, copy_server;
	struct ipc_binding *b, *cb;
	struct xipc_astack *a, *ca;
	__u64 w[NR_WORDS];

	svc = mix_service(space, 0, &seen, &server);
	copy_in = mix_service(space, XIPC_SERVICE_COPY_IN, NULL, &copy_server);
	ck_assert_int_eq(ipc_bind(space, ipc_service_handle(svc), &b), 0);
	ck_assert_int_eq(ipc_bind(space, ipc_service_handle(copy_in), &cb), 0);
	ipc_astack_get(b, &a);
	ipc_astack_get(cb, &ca);

	/* ipc_call() with the words where the fallback puts them. */
	memcpy(a->regs, in, sizeof(a->regs));
	memcpy(a->data, in + 6, 16);
	a->size = 16;
	ck_assert_int_eq(ipc_call(b, a, PROC_MIX, XIPC_TEST_LONG_NS), 0);
	ck_assert_int_eq(a->status, (int)(__u32)in[7]);
	ck_assert_int_eq(seen.regs, 0);
	memcpy(w, a->regs, sizeof(a->regs));
	memcpy(w + 6, a->data, 16);
	ck_assert_int_eq(mixed(w, in), 0);

	/* A copy-in service: registers, or its private copy of the header. */
	memset(ca, POISON_BYTE, PAGE);
	ck_assert_int_eq(mix_call(cb, ca, in), 0);
	ck_assert(!ipc_regs_native(space) || fx_poisoned(ca, PAGE));

	/* A plain procedure called with registers runs, with no words. */
	memcpy(w, in, sizeof(w));
	a->size = 0;
	ck_assert_int_eq(ipc_call_regs(b, a, PROC_ECHO, w, &status,
				       XIPC_TEST_LONG_NS), 0);
	ck_assert_int_eq(status, 7);

	/* A spinning binding: the words in shared memory, same results. */
	ipc_binding_spin_ns(b, 1000ULL * 1000);
	for (i = 0; i < 20; i++)
		ck_assert_int_eq(mix_call(b, a, in), 0);
	ipc_astack_put(b, a);
	ipc_astack_put(cb, ca);
	ck_assert_int_eq(ipc_unbind(b), 0);
	ck_assert_int_eq(ipc_unbind(cb), 0);
	stop_service(svc, server);
	stop_service(copy_in, copy_server);
}
END_TEST

/* Word @i of a call whose words travel in @a's header: regs, then data. */
static __u64 *header_word(struct xipc_astack *a, int i)
{
	return i < 6 ? &a->regs[i] : (__u64 *)a->data + (i - 6);
}

/*
 * A register call to a server thread that takes no words in registers (a
 * 32-bit server, or raw XIPC_IOC_LRPC_SERVE without XIPC_SERVE_REGS): the
 * kernel puts them in the A-stack's header, or (_i 1) the copy of a copy-in
 * service, and takes the reply's from there.
 */
FX_LOOP_TEST("lrpc", test_regs_served_through_the_astack, 0, 2)
{
	static unsigned char copy[1 << 16];
	static const __u64 in[NR_WORDS] = { 10, 11, 12, 13, 14, 15, 16, 17 };
	__u32 flags = _i ? XIPC_SERVICE_COPY_IN : 0;
	int space = xipc_test_open(), status, i;
	struct xipc_service_create req;
	struct xipc_lrpc_serve serve;
	struct xipc_astack *args, *sa, *a;
	struct ipc_binding *b;
	__u64 w[NR_WORDS];
	void *region;
	pid_t child;

	ck_assert_uint_le(2 * PAGE, sizeof(copy));
	if (!ipc_regs_native(space))
		return;	/* the client cannot make register calls */
	req = create_service(space, flags);
	region = fx_must_map(space, req.region_size, req.region_offset);
	child = xipc_test_fork();
	if (child == 0) {
		CHILD_EXPECT(ipc_bind(space, req.handle, &b) == 0, 1);
		ipc_astack_get(b, &a);
		memset(a, POISON_BYTE, 2 * PAGE);
		memcpy(w, in, sizeof(w));
		CHILD_EXPECT(ipc_call_regs(b, a, 77, w, &status,
					   XIPC_TEST_LONG_NS) == 0, 2);
		for (i = 0; i < NR_WORDS; i++)
			CHILD_EXPECT(w[i] == in[i] * 2, 3);
		CHILD_EXPECT(status == -77, 4);
		/* The kernel wrote the header, but for copy-in. */
		CHILD_EXPECT(!flags ||
			     (a->proc == POISON_BYTE * 0x01010101U &&
			      a->size == POISON_BYTE * 0x01010101U), 5);
		_exit(0);
	}
	serve = (struct xipc_lrpc_serve){ .flags = XIPC_SERVE_WAIT,
					  .service = req.handle,
					  .timeout_ns = XIPC_TEST_LONG_NS };
	if (flags)
		serve.args = ipc_ptr(copy);
	ck_assert_int_eq(ioctl(space, XIPC_IOC_LRPC_SERVE, &serve), 0);
	ck_assert_uint_eq(serve.proc, 77);
	ck_assert_uint_eq(serve.flags, XIPC_SERVE_WAIT);
	sa = (struct xipc_astack *)((char *)region + serve.astack);
	args = flags ? (struct xipc_astack *)copy : sa;
	ck_assert_uint_eq(args->proc, 77);
	ck_assert_uint_eq(args->size, 16);
	for (i = 0; i < NR_WORDS; i++)
		ck_assert_uint_eq(*header_word(args, i), in[i]);
	for (i = 0; i < NR_WORDS; i++)
		*header_word(sa, i) = in[i] * 2;
	sa->status = -77;
	serve = (struct xipc_lrpc_serve){ .flags = XIPC_SERVE_REPLY,
					  .service = req.handle,
					  .call = serve.call };
	ck_assert_int_eq(ioctl(space, XIPC_IOC_LRPC_SERVE, &serve), 0);
	ck_assert_int_eq(xipc_test_wait(child), 0);
}
END_TEST

#if defined(__x86_64__) && !defined(__ILP32__)
/*
 * Every general-purpose register of x86-64 but rsp, loaded before a
 * syscall instruction and stored after it, by regs_syscall().
 */
struct gprs {
	__u64 rax, rbx, rcx, rdx, rsi, rdi, rbp;
	__u64 r8, r9, r10, r11, r12, r13, r14, r15;
};

void regs_syscall(struct gprs *io);
__asm__(".text\n"
	".type regs_syscall, @function\n"
	"regs_syscall:\n"
	"	push %rbx\n	push %rbp\n	push %r12\n"
	"	push %r13\n	push %r14\n	push %r15\n"
	"	push %rdi\n"
	"	mov 0(%rdi), %rax\n	mov 8(%rdi), %rbx\n"
	"	mov 16(%rdi), %rcx\n	mov 24(%rdi), %rdx\n"
	"	mov 32(%rdi), %rsi\n	mov 48(%rdi), %rbp\n"
	"	mov 56(%rdi), %r8\n	mov 64(%rdi), %r9\n"
	"	mov 72(%rdi), %r10\n	mov 80(%rdi), %r11\n"
	"	mov 88(%rdi), %r12\n	mov 96(%rdi), %r13\n"
	"	mov 104(%rdi), %r14\n	mov 112(%rdi), %r15\n"
	"	mov 40(%rdi), %rdi\n"
	"	syscall\n"
	"	xchg %rdi, (%rsp)\n"
	"	mov %rax, 0(%rdi)\n	mov %rbx, 8(%rdi)\n"
	"	mov %rcx, 16(%rdi)\n	mov %rdx, 24(%rdi)\n"
	"	mov %rsi, 32(%rdi)\n	mov %rbp, 48(%rdi)\n"
	"	mov %r8, 56(%rdi)\n	mov %r9, 64(%rdi)\n"
	"	mov %r10, 72(%rdi)\n	mov %r11, 80(%rdi)\n"
	"	mov %r12, 88(%rdi)\n	mov %r13, 96(%rdi)\n"
	"	mov %r14, 104(%rdi)\n	mov %r15, 112(%rdi)\n"
	"	pop %rax\n	mov %rax, 40(%rdi)\n"
	"	pop %r15\n	pop %r14\n	pop %r13\n"
	"	pop %r12\n	pop %rbp\n	pop %rbx\n"
	"	ret\n"
	".size regs_syscall, .-regs_syscall\n");

/* The word registers, in the order of w0..w7. */
static __u64 *gpr_word(struct gprs *g, int i)
{
	__u64 *const words[NR_WORDS] = { &g->r10, &g->r8, &g->r9, &g->rbx,
					 &g->r12, &g->r13, &g->r14, &g->r15 };

	return words[i];
}

/* An ioctl with every register set: each register a value of its own. */
static void gprs_ioctl(struct gprs *g, int space, unsigned long cmd, void *arg,
		       __u64 tag)
{
	__u64 *p = (__u64 *)g;

	for (size_t i = 0; i < sizeof(*g) / sizeof(*p); i++)
		p[i] = tag ^ (0x0101010101010101ULL * (i + 1));
	g->rax = SYS_ioctl;
	g->rdi = (__u64)space;
	g->rsi = cmd;
	g->rdx = (__u64)(uintptr_t)arg;
}

/*
 * Whether @after is @before but for rax (the result, 0), rcx and r11 (the
 * syscall instruction's), and the word registers and rdx when @words.
 */
static bool gprs_kept(const struct gprs *before, const struct gprs *after,
		      bool words)
{
	struct gprs b = *before, a = *after;
	int i;

	b.rax = a.rax = 0;
	b.rcx = a.rcx = b.r11 = a.r11 = 0;
	if (words) {
		b.rdx = a.rdx = 0;
		for (i = 0; i < NR_WORDS; i++)
			*gpr_word(&b, i) = *gpr_word(&a, i) = 0;
	}
	return !memcmp(&b, &a, sizeof(b)) && !after->rax;
}

struct gprs_server {
	int space;
	__u32 service;
	bool ok;
};

/*
 * The server's side with raw ioctls and every register set: takes one call
 * (the words arrive, nothing else moves), then replies (nothing moves).
 */
static void *gprs_serve(void *arg)
{
	struct gprs_server *s = arg;
	struct xipc_lrpc_serve serve = { .flags = XIPC_SERVE_WAIT |
						  XIPC_SERVE_REGS,
					 .service = s->service,
					 .timeout_ns = XIPC_TEST_LONG_NS };
	struct gprs before, after;
	int i;

	gprs_ioctl(&before, s->space, XIPC_IOC_LRPC_SERVE, &serve, 0x5e);
	after = before;
	regs_syscall(&after);
	s->ok = serve.proc == 9 &&
		serve.flags == (XIPC_SERVE_WAIT | XIPC_SERVE_REGS);
	/* Only the words moved: they are the caller's. */
	for (i = 0; i < NR_WORDS; i++) {
		s->ok = s->ok && *gpr_word(&after, i) == 0xc0de000000000000ULL + i;
		*gpr_word(&before, i) = *gpr_word(&after, i);
	}
	s->ok = s->ok && gprs_kept(&before, &after, false);

	serve.flags = XIPC_SERVE_REPLY | XIPC_SERVE_REGS;
	serve.status = -1234;
	gprs_ioctl(&before, s->space, XIPC_IOC_LRPC_SERVE, &serve, 0xe5);
	for (i = 0; i < NR_WORDS; i++)
		*gpr_word(&before, i) = ~(0xc0de000000000000ULL + i);
	after = before;
	regs_syscall(&after);
	s->ok = s->ok && gprs_kept(&before, &after, false);
	return NULL;
}

/*
 * No register but the documented ones changes, on either side: the client
 * gets its words and status, the server the client's words, and every other
 * general-purpose register of both keeps its value across the ioctl.
 */
FX_TEST("lrpc", test_regs_disturb_no_other_register)
{
	int space = xipc_test_open();
	struct gprs_server s = { .space = space };
	struct xipc_lrpc_call call;
	struct gprs before, after;
	pthread_t server;
	int i;

	/* No mapping on either side: register calls need none. */
	s.service = create_service(space, 0).handle;
	call = (struct xipc_lrpc_call){ .flags = XIPC_CALL_REGS,
					.binding = bind_raw(space, s.service).handle,
					.timeout_ns = XIPC_TEST_LONG_NS,
					.proc = 9 };
	ck_assert_int_eq(pthread_create(&server, NULL, gprs_serve, &s), 0);
	gprs_ioctl(&before, space, XIPC_IOC_LRPC_CALL, &call, 0xc1);
	for (i = 0; i < NR_WORDS; i++)
		*gpr_word(&before, i) = 0xc0de000000000000ULL + i;
	after = before;
	regs_syscall(&after);
	ck_assert_uint_eq(after.rax, 0);
	ck_assert_int_eq((__s64)after.rdx, -1234);
	for (i = 0; i < NR_WORDS; i++)
		ck_assert_uint_eq(*gpr_word(&after, i),
				  ~(0xc0de000000000000ULL + i));
	ck_assert(gprs_kept(&before, &after, true));
	ck_assert_int_eq(pthread_join(server, NULL), 0);
	ck_assert(s.ok);
}
END_TEST
#endif

int main(void)
{
	return fx_main("lrpc");
}
