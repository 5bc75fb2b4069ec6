// SPDX-License-Identifier: MIT
/*
 * libipc: LRPC services, bindings, A-stacks and calls. See <libipc.h> for
 * the API; the kernel side is module/lrpc.c.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libipc.h"
#include "internal.h"

/* Procedure numbers run from 0 to IPC_MAX_PROCS - 1. */
#define IPC_MAX_PROCS 1024

/*
 * Spin-then-block: the values of an A-stack's state word (struct
 * xipc_astack.state) for a call handed over in shared memory. The client
 * posts CALLED and spins; a spinning server thread claims it (TAKEN), runs
 * it and posts REPLIED. A client that stops spinning while its call is
 * TAKEN sets SLEEPING and sleeps in the kernel (XIPC_CALL_SPIN_WAIT); a
 * server that replaces a word with SLEEPING set wakes it (XIPC_SERVE_WAKE).
 * A client that stops spinning while nobody claimed its call takes CALLED
 * back to IDLE and makes the call through the kernel instead.
 */
#define IPC_SPIN_IDLE		0U
#define IPC_SPIN_CALLED		1U
#define IPC_SPIN_TAKEN		2U
#define IPC_SPIN_REPLIED	3U
#define IPC_SPIN_SLEEPING	(1U << 31)

struct ipc_proc {
	ipc_proc_fn fn;
	ipc_regs_fn regs_fn;
	void *cookie;
};

struct ipc_service {
	int space;
	__u32 handle;
	__u32 flags;
	__u32 astack_size;
	__u32 nr_astacks;
	__u32 max_bindings;
	void *region;
	size_t region_size;
	struct xipc_slot_info *slots;
	__u64 spin_ns;
	int regs;			/* ipc_regs_native() */
	struct ipc_proc procs[IPC_MAX_PROCS];
};

struct ipc_binding {
	int space;
	__u32 handle;
	__u32 astack_size;
	void *map;
	size_t map_size;
	__u64 spin_ns;
	int regs;			/* ipc_regs_native() */
	bool spun;			/* spin_ns was set: a call may have
					 * been taken in shared memory */
	__u64 held;			/* bit i: a call through the kernel in
					 * A-stack i was given up on */
	pthread_mutex_t lock;		/* protects @free */
	pthread_cond_t freed;		/* an A-stack was put back */
	__u64 free;			/* bit i: A-stack i is free */
};

/*
 * The call this thread's handler is serving, so that a call it makes is
 * known to the kernel as nested. NULL outside handlers. Initial-exec: a
 * load at a fixed offset from the thread pointer, where the default model
 * of a shared library calls __tls_get_addr() on every access (a few words
 * of the static TLS that the loader keeps spare for libraries loaded later).
 */
#define IPC_TLS	__thread __attribute__((tls_model("initial-exec")))
static IPC_TLS const struct ipc_request *ipc_serving;
static IPC_TLS const struct ipc_service *ipc_serving_svc;
/* For a call taken in shared memory, its A-stack's index; else -1. */
static IPC_TLS long ipc_serving_spin = -1;
/* Set by ipc_service_stop(): the ipc_service_run() of the handler returns. */
static IPC_TLS bool ipc_stopping;

static inline void ipc_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/*
 * Spinners look at the clock once per this many looks at shared memory:
 * a clock read costs far more than a load, and a word written while the
 * spinner reads the clock waits for it.
 */
#define IPC_SPIN_LOOKS 32

static __u32 ipc_state_load(const struct xipc_astack *a)
{
	return __atomic_load_n(&a->state, __ATOMIC_ACQUIRE);
}

static bool ipc_state_cas(struct xipc_astack *a, __u32 from, __u32 to)
{
	return __atomic_compare_exchange_n(&a->state, &from, to, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* A thread's private copy of its call's A-stack (XIPC_SERVICE_COPY_IN). */
struct ipc_copy {
	size_t size;
	struct xipc_astack astack;
};

static pthread_key_t ipc_copy_key;
static bool ipc_copy_key_made;
static pthread_once_t ipc_copy_once = PTHREAD_ONCE_INIT;

static void ipc_copy_key_create(void)
{
	ipc_copy_key_made = !pthread_key_create(&ipc_copy_key, free);
}

/*
 * This thread's buffer, large enough for an A-stack of @svc, or NULL: no
 * memory for it, or no thread-specific key to keep it by (a process that
 * has used up its keys; each copy-in serve then fails, none aborts).
 */
static struct xipc_astack *ipc_copy_buffer(const struct ipc_service *svc)
{
	struct ipc_copy *copy;

	pthread_once(&ipc_copy_once, ipc_copy_key_create);
	if (!ipc_copy_key_made)
		return NULL;
	copy = pthread_getspecific(ipc_copy_key);
	if (!copy || copy->size < svc->astack_size) {
		/* A thread may serve several services: grow to the largest. */
		free(copy);
		pthread_setspecific(ipc_copy_key, NULL);
		copy = ipc_malloc(sizeof(*copy) - sizeof(copy->astack) +
			      svc->astack_size);
		if (!copy)
			return NULL;
		copy->size = svc->astack_size;
		if (pthread_setspecific(ipc_copy_key, copy)) {
			free(copy);
			return NULL;
		}
	}
	return &copy->astack;
}

IPC_EXPORT int ipc_regs_native(int space)
{
	struct xipc_info info;

	return IPC_HAVE_REGS && !ipc_info(space, &info) &&
	       info.features & XIPC_FEATURE_LRPC_REGS;
}

/*
 * A register call's words in an A-stack's header, where they go when they
 * do not travel in registers: w0..w5 in @regs, w6 and w7 in @data.
 */
#define IPC_HEAD_WORDS (sizeof(((struct xipc_astack *)0)->regs) / sizeof(__u64))

static void ipc_words_load(const struct xipc_astack *a, __u64 *w)
{
	memcpy(w, a->regs, sizeof(a->regs));
	memcpy(w + IPC_HEAD_WORDS, a->data,
	       (IPC_NR_WORDS - IPC_HEAD_WORDS) * sizeof(*w));
}

static void ipc_words_store(struct xipc_astack *a, const __u64 *w)
{
	memcpy(a->regs, w, sizeof(a->regs));
	memcpy(a->data, w + IPC_HEAD_WORDS,
	       (IPC_NR_WORDS - IPC_HEAD_WORDS) * sizeof(*w));
}

static int ipc_map(int space, size_t size, __u64 offset, void **addr)
{
	int saved_errno = errno;
	void *p;

	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, space,
		 (off_t)offset);
	if (p == MAP_FAILED)
		return ipc_result(-1, saved_errno);
	*addr = p;
	return 0;
}

static void ipc_unmap(void *addr, size_t size)
{
	int saved_errno = errno;

	munmap(addr, size);
	errno = saved_errno;
}

IPC_EXPORT int ipc_service_create(int space, const struct ipc_service_attr *attr,
				  struct ipc_service **svcp)
{
	struct xipc_service_create req = {
		.flags = attr->flags,
		.astack_size = attr->astack_size ?: (__u32)sysconf(_SC_PAGESIZE),
		.nr_astacks = attr->nr_astacks ?: 4,
		.max_bindings = attr->max_bindings ?: 16,
	};
	struct ipc_service *svc;
	int ret;

	svc = ipc_calloc(1, sizeof(*svc));
	if (!svc)
		return -ENOMEM;
	ret = ipc_ioctl(space, XIPC_IOC_SERVICE_CREATE, &req);
	if (ret < 0)
		goto fail;
	ret = ipc_map(space, req.region_size, req.region_offset, &svc->region);
	if (ret < 0) {
		ipc_handle_close(space, req.handle);
		goto fail;
	}
	svc->space = space;
	svc->handle = req.handle;
	svc->flags = req.flags;
	svc->astack_size = req.astack_size;
	svc->nr_astacks = req.nr_astacks;
	svc->max_bindings = req.max_bindings;
	svc->region_size = req.region_size;
	svc->regs = ipc_regs_native(space);
	svc->slots = (struct xipc_slot_info *)
		((char *)svc->region +
		 (size_t)req.max_bindings * req.nr_astacks * req.astack_size);
	*svcp = svc;
	return 0;
fail:
	free(svc);
	return ret;
}

IPC_EXPORT __u32 ipc_service_handle(const struct ipc_service *svc)
{
	return svc->handle;
}

static int ipc_proc_set(struct ipc_service *svc, __u32 proc,
			const struct ipc_proc *p)
{
	if (proc >= IPC_MAX_PROCS)
		return -EINVAL;
	svc->procs[proc] = *p;
	return 0;
}

IPC_EXPORT int ipc_service_register(struct ipc_service *svc, __u32 proc,
				    ipc_proc_fn fn, void *cookie)
{
	return ipc_proc_set(svc, proc,
			    &(struct ipc_proc){ .fn = fn, .cookie = cookie });
}

IPC_EXPORT int ipc_service_register_regs(struct ipc_service *svc, __u32 proc,
					 ipc_regs_fn fn, void *cookie)
{
	return ipc_proc_set(svc, proc, &(struct ipc_proc){ .regs_fn = fn,
							   .cookie = cookie });
}

/*
 * XIPC_IOC_LRPC_SERVE for @svc: with register calls, the words of @req (a
 * register call replied to) go in registers and a new call's come back in
 * @req->w; @serve->flags then says which the new call is.
 */
static int ipc_serve(const struct ipc_service *svc, struct ipc_request *req,
		     struct xipc_lrpc_serve *serve)
{
	long unused;

	if (!svc->regs)
		return ipc_ioctl(svc->space, XIPC_IOC_LRPC_SERVE, serve);
	serve->flags |= XIPC_SERVE_REGS;
	if (serve->flags & XIPC_SERVE_REPLY && req->regs)
		serve->status = req->status;
	return ipc_ioctl_words(svc->space, XIPC_IOC_LRPC_SERVE, serve, req->w,
			       &unused);
}

/*
 * ipc_service_next(), inline in ipc_service_run()'s loop: a call's frame
 * there would save and restore the six registers the words travel in.
 */
static inline __attribute__((always_inline)) int
ipc_next(struct ipc_service *svc, struct ipc_request *req, int reply,
	 __u64 timeout_ns)
{
	struct xipc_lrpc_serve serve = {
		.flags = XIPC_SERVE_WAIT | (reply ? XIPC_SERVE_REPLY : 0),
		.service = svc->handle,
		.call = req->token,
		.timeout_ns = timeout_ns,
	};
	void *copy = NULL;
	int ret;

	if (svc->flags & XIPC_SERVICE_COPY_IN) {
		copy = ipc_copy_buffer(svc);
		if (!copy)
			return -ENOMEM;
		serve.args = ipc_ptr(copy);
	}
	ret = ipc_serve(svc, req, &serve);
	if (ret < 0)
		return ret;
	req->regs = !!(serve.flags & XIPC_SERVE_REGS);
	req->status = 0;
	req->proc = serve.proc;
	req->astack = (struct xipc_astack *)((char *)svc->region + serve.astack);
	req->args = copy ? copy : req->astack;
	req->room = svc->astack_size - sizeof(struct xipc_astack);
	req->badge = serve.badge;
	req->pid = serve.pid;
	req->uid = serve.uid;
	req->gid = serve.gid;
	req->depth = serve.depth;
	req->token = serve.call;
	return 0;
}

IPC_EXPORT int ipc_service_next(struct ipc_service *svc,
				struct ipc_request *req, int reply,
				__u64 timeout_ns)
{
	return ipc_next(svc, req, reply, timeout_ns);
}

/* Wakes the client of A-stack @index, or frees its slot (XIPC_SERVE_WAKE). */
static void ipc_spin_wake(const struct ipc_service *svc, long index)
{
	struct xipc_lrpc_serve wake = {
		.flags = XIPC_SERVE_WAKE,
		.service = svc->handle,
		.call = index,
	};

	ipc_ioctl(svc->space, XIPC_IOC_LRPC_SERVE, &wake);
}

/* Ends a call taken in shared memory: the results are in place. */
static void ipc_spin_reply(const struct ipc_service *svc,
			   struct xipc_astack *a, long index)
{
	__u32 old = __atomic_exchange_n(&a->state, IPC_SPIN_REPLIED,
					__ATOMIC_ACQ_REL);

	if (old & IPC_SPIN_SLEEPING)
		ipc_spin_wake(svc, index);
}

/*
 * Drops this thread's hold on the slot of A-stack @index (see struct
 * xipc_slot_info); the last hold on a slot whose binding is gone frees it.
 */
static void ipc_spin_unhold(const struct ipc_service *svc, long index)
{
	struct xipc_slot_info *who = &svc->slots[index / svc->nr_astacks];

	if (!__atomic_sub_fetch(&who->holds, 1, __ATOMIC_SEQ_CST) &&
	    !__atomic_load_n(&who->bound, __ATOMIC_SEQ_CST))
		ipc_spin_wake(svc, index);
}

/* Replies to @req's call, taken through the kernel, without waiting. */
static int ipc_service_reply(const struct ipc_service *svc,
			     struct ipc_request *req)
{
	struct xipc_lrpc_serve serve = {
		.flags = XIPC_SERVE_REPLY,
		.service = svc->handle,
		.call = req->token,
	};

	return ipc_serve(svc, req, &serve);
}

/* Where the handler's status goes: the reply's registers, or the A-stack. */
static void ipc_request_status(struct ipc_request *req, int status)
{
	if (req->regs)
		req->status = status;
	else
		req->astack->status = status;
}

/* A handler left its thread: answer its call rather than leave it hanging. */
static void ipc_service_abandon(void *arg)
{
	struct ipc_request *req = arg;

	ipc_request_status(req, -ECANCELED);
	if (ipc_serving_spin >= 0) {
		ipc_spin_reply(ipc_serving_svc, req->astack, ipc_serving_spin);
		ipc_spin_unhold(ipc_serving_svc, ipc_serving_spin);
	} else {
		ipc_service_reply(ipc_serving_svc, req);
	}
	ipc_serving = NULL;
	ipc_serving_svc = NULL;
	ipc_serving_spin = -1;
}

static int ipc_service_dispatch(struct ipc_service *svc,
				struct ipc_request *req)
{
	const struct ipc_proc *p = NULL;
	int status = -ENOSYS;
	__u64 w[IPC_NR_WORDS];

	if (req->proc < IPC_MAX_PROCS)
		p = &svc->procs[req->proc];
	if (!p || (!p->fn && !p->regs_fn))
		return status;
	ipc_serving = req;
	ipc_serving_svc = svc;
	pthread_cleanup_push(ipc_service_abandon, req);
	if (!p->regs_fn) {
		status = p->fn(req, p->cookie);
	} else if (req->regs) {
		status = p->regs_fn(req, req->w, p->cookie);
	} else {
		/* The words in the header (of the copy, for copy-in). */
		ipc_words_load(req->args, w);
		status = p->regs_fn(req, w, p->cookie);
		ipc_words_store(req->astack, w);
	}
	pthread_cleanup_pop(0);
	ipc_serving = NULL;
	ipc_serving_svc = NULL;
	return status;
}

/* Runs a call taken in shared memory, A-stack @index in slot @slot. */
static void ipc_service_spin_call(struct ipc_service *svc,
				  struct xipc_astack *a, __u32 slot, long index)
{
	const struct xipc_slot_info *who = &svc->slots[slot];
	struct ipc_request req = {
		.proc = a->proc,
		.args = a,
		.astack = a,
		.room = svc->astack_size - sizeof(*a),
		.badge = who->badge,
		.pid = who->pid,
		.uid = who->uid,
		.gid = who->gid,
	};

	if (svc->flags & XIPC_SERVICE_COPY_IN) {
		struct xipc_astack *copy = ipc_copy_buffer(svc);
		__u32 size;

		if (!copy) {
			a->status = -ENOMEM;
			ipc_spin_reply(svc, a, index);
			return;
		}
		/* One read of the header: the copy is what the handler sees. */
		memcpy(copy, a, sizeof(*a));
		size = copy->size < req.room ? copy->size : req.room;
		memcpy(copy->data, a->data, size);
		req.proc = copy->proc;
		req.args = copy;
	}
	ipc_serving_spin = index;
	a->status = ipc_service_dispatch(svc, &req);
	ipc_serving_spin = -1;
	ipc_spin_reply(svc, a, index);
}

/*
 * Claims and runs the call posted in A-stack @index of @slot. The hold keeps
 * the kernel from giving the slot to a new binding meanwhile, should the
 * client die: taken before bound is checked, as the kernel clears bound
 * before it looks at the holds.
 */
static void ipc_service_spin_claim(struct ipc_service *svc,
				   struct xipc_astack *a, __u32 slot, long index)
{
	struct xipc_slot_info *who = &svc->slots[slot];

	__atomic_add_fetch(&who->holds, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&who->bound, __ATOMIC_SEQ_CST) &&
	    ipc_state_cas(a, IPC_SPIN_CALLED, IPC_SPIN_TAKEN))
		ipc_service_spin_call(svc, a, slot, index);
	ipc_spin_unhold(svc, index);
}

/* How often a spinning server thread looks for calls queued in the kernel. */
#define IPC_SPIN_POLL_NS 100000ULL

/*
 * Spin-then-block, the server's side: runs calls posted in shared memory
 * (each one pushes *@until back by svc->spin_ns) for one poll interval or
 * until *@until. Returns whether the spin goes on after a look at the
 * kernel's queue, rather than ending in a sleep there.
 */
static bool ipc_service_spin(struct ipc_service *svc, __u64 *until)
{
	__u64 now = ipc_now_ns(), poll = now + IPC_SPIN_POLL_NS;
	unsigned int looks = 0;
	__u32 slot, i;

	while (now < poll && now < *until) {
		for (slot = 0; slot < svc->max_bindings; slot++) {
			if (!__atomic_load_n(&svc->slots[slot].bound,
					     __ATOMIC_ACQUIRE))
				continue;
			for (i = 0; i < svc->nr_astacks; i++) {
				long index = (long)slot * svc->nr_astacks + i;
				struct xipc_astack *a = (struct xipc_astack *)
					((char *)svc->region +
					 index * svc->astack_size);

				if (ipc_state_load(a) != IPC_SPIN_CALLED)
					continue;
				ipc_service_spin_claim(svc, a, slot, index);
				if (ipc_stopping)
					return true;
				*until = ipc_now_ns() + svc->spin_ns;
			}
		}
		ipc_cpu_relax();
		if (++looks % IPC_SPIN_LOOKS == 0)
			now = ipc_now_ns();
	}
	return now < *until;
}

IPC_EXPORT void ipc_service_spin_ns(struct ipc_service *svc, __u64 spin_ns)
{
	svc->spin_ns = spin_ns;
}

/* When a server that spins stops spinning (not read when it does not). */
static __u64 ipc_spin_until(const struct ipc_service *svc)
{
	return svc->spin_ns ? ipc_now_ns() + svc->spin_ns : 0;
}

IPC_EXPORT int ipc_service_run(struct ipc_service *svc)
{
	__u64 until = ipc_spin_until(svc);
	struct ipc_request req = { 0 };
	bool reply = false;
	int ret;

	for (;;) {
		__u64 timeout = IPC_NO_TIMEOUT;

		if (svc->spin_ns) {
			/* The reply goes first, not after a spin. */
			if (reply) {
				ret = ipc_service_reply(svc, &req);
				if (ret == -EIDRM || ret == -EPIPE)
					return ret;
				reply = false;
			}
			/* Spinning, the kernel's queue is looked at, not slept on. */
			if (ipc_service_spin(svc, &until))
				timeout = 0;
			/* Stopped by the handler of a call it took, and answered. */
			if (ipc_stopping) {
				ipc_stopping = false;
				return 0;
			}
		}
		ret = ipc_next(svc, &req, reply, timeout);
		reply = false;
		/* The reply (if any) went, or was not wanted any more. */
		if (ret == -ECANCELED || ret == -EINTR || ret == -EAGAIN)
			continue;
		if (ret < 0)
			return ret;
		ipc_request_status(&req, ipc_service_dispatch(svc, &req));
		if (ipc_stopping) {
			ipc_stopping = false;
			ret = ipc_service_reply(svc, &req);
			/* A caller that gave up is no failure of the server's. */
			return ret == -ECANCELED ? 0 : ret;
		}
		reply = true;
		until = ipc_spin_until(svc);
	}
}

IPC_EXPORT int ipc_service_stop(void)
{
	if (!ipc_serving_svc)
		return -EINVAL;
	ipc_stopping = true;
	return 0;
}

IPC_EXPORT int ipc_service_destroy(struct ipc_service *svc)
{
	struct xipc_handle_op op = { .handle = svc->handle };

	return ipc_ioctl(svc->space, XIPC_IOC_SERVICE_DESTROY, &op);
}

IPC_EXPORT void ipc_service_free(struct ipc_service *svc)
{
	ipc_unmap(svc->region, svc->region_size);
	ipc_handle_close(svc->space, svc->handle);
	free(svc);
}

IPC_EXPORT int ipc_bind(int space, __u32 service, struct ipc_binding **bp)
{
	struct xipc_bind req = { .service = service };
	struct ipc_binding *b;
	int ret;

	b = ipc_calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	ret = ipc_ioctl(space, XIPC_IOC_BIND, &req);
	if (ret < 0)
		goto fail;
	ret = ipc_map(space, req.map_size, req.map_offset, &b->map);
	if (ret < 0) {
		ipc_handle_close(space, req.handle);
		goto fail;
	}
	b->space = space;
	b->handle = req.handle;
	b->astack_size = req.astack_size;
	b->map_size = req.map_size;
	b->regs = ipc_regs_native(space);
	b->free = req.nr_astacks == 64 ? ~0ULL : (1ULL << req.nr_astacks) - 1;
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->freed, NULL);
	*bp = b;
	return 0;
fail:
	free(b);
	return ret;
}

IPC_EXPORT int ipc_unbind(struct ipc_binding *b)
{
	int ret;

	ipc_unmap(b->map, b->map_size);
	ret = ipc_handle_close(b->space, b->handle);
	pthread_cond_destroy(&b->freed);
	pthread_mutex_destroy(&b->lock);
	free(b);
	return ret;
}

IPC_EXPORT void ipc_binding_spin_ns(struct ipc_binding *b, __u64 spin_ns)
{
	b->spin_ns = spin_ns;
	if (spin_ns)
		b->spun = true;
}

IPC_EXPORT size_t ipc_astack_room(const struct ipc_binding *b)
{
	return b->astack_size - sizeof(struct xipc_astack);
}

static struct xipc_astack *ipc_astack_at(const struct ipc_binding *b,
					 unsigned int i)
{
	return (struct xipc_astack *)((char *)b->map + (size_t)i * b->astack_size);
}

IPC_EXPORT int ipc_astack_get(struct ipc_binding *b, struct xipc_astack **astack)
{
	unsigned int i;

	pthread_mutex_lock(&b->lock);
	while (!b->free)
		pthread_cond_wait(&b->freed, &b->lock);
	i = __builtin_ctzll(b->free);
	b->free &= ~(1ULL << i);
	pthread_mutex_unlock(&b->lock);
	*astack = ipc_astack_at(b, i);
	return 0;
}

/* The index of @astack in @b, or -EINVAL. */
static int ipc_astack_index(const struct ipc_binding *b,
			    const struct xipc_astack *astack)
{
	size_t off = (const char *)astack - (const char *)b->map;

	if ((const char *)astack < (const char *)b->map ||
	    off >= b->map_size || off % b->astack_size)
		return -EINVAL;
	return off / b->astack_size;
}

IPC_EXPORT void ipc_astack_put(struct ipc_binding *b, struct xipc_astack *astack)
{
	int i = ipc_astack_index(b, astack);

	if (i < 0)
		return;
	pthread_mutex_lock(&b->lock);
	b->free |= 1ULL << i;
	pthread_cond_signal(&b->freed);
	pthread_mutex_unlock(&b->lock);
}

/*
 * Spin-then-block, the client's side, for a call already posted (CALLED),
 * until @deadline (CLOCK_MONOTONIC, or XIPC_TIMEOUT_INFINITE): 1 if no
 * server claimed it in time (it is withdrawn: call the kernel), else the
 * call's result.
 */
static int ipc_call_spin(struct ipc_binding *b, struct xipc_astack *a,
			 __u32 index, __u64 deadline)
{
	struct xipc_lrpc_call wait = {
		.flags = XIPC_CALL_SPIN_WAIT,
		.binding = b->handle,
		.astack = index,
		.expect = IPC_SPIN_TAKEN | IPC_SPIN_SLEEPING,
		.timeout_ns = IPC_NO_TIMEOUT,
	};
	__u64 until = ipc_now_ns() + b->spin_ns;
	unsigned int looks;
	__u32 state;
	int ret;

	if (deadline != XIPC_TIMEOUT_INFINITE) {
		wait.flags |= XIPC_ABSTIME;
		wait.timeout_ns = deadline;
		if (until > deadline)
			until = deadline;
	}
	do {
		for (looks = 0; looks < IPC_SPIN_LOOKS; looks++) {
			if (ipc_state_load(a) == IPC_SPIN_REPLIED)
				goto replied;
			ipc_cpu_relax();
		}
	} while (ipc_now_ns() < until);
	if (ipc_state_cas(a, IPC_SPIN_CALLED, IPC_SPIN_IDLE))
		return 1;

	/*
	 * A server has it: sleep until it replies. The word is the server's
	 * to write too, so a word it should never hold ends the call
	 * (-EPROTO), and the deadline is checked here as well as in the
	 * kernel, which returns at once while the word differs.
	 */
	for (;;) {
		state = ipc_state_load(a);
		if (state == IPC_SPIN_REPLIED)
			break;
		if (state != IPC_SPIN_TAKEN && state != wait.expect)
			return -EPROTO;
		if (ipc_now_ns() >= deadline)
			return -ETIMEDOUT;
		if (state == IPC_SPIN_TAKEN &&
		    !ipc_state_cas(a, IPC_SPIN_TAKEN, wait.expect))
			continue;
		ret = ipc_ioctl(b->space, XIPC_IOC_LRPC_CALL, &wait);
		if (ret < 0)
			return ret;
	}
replied:
	__atomic_store_n(&a->state, IPC_SPIN_IDLE, __ATOMIC_RELAXED);
	return 0;
}

/*
 * Makes @call through the kernel, with @w in registers for a register call.
 * A call made while serving one names it as its parent, so that the kernel
 * counts the depth of nested calls: the token of a call taken through the
 * kernel, or the A-stack of one taken in shared memory. Inline in each of
 * its two callers, so that ipc_call() does not save the registers that only
 * a register call loads.
 */
static inline __attribute__((always_inline)) int
ipc_call_kernel(struct ipc_binding *b, struct xipc_lrpc_call *call, __u64 *w,
		int *status)
{
	__u64 bit = 1ULL << call->astack;
	long st = 0;
	int ret;

	if (ipc_serving_svc && ipc_serving_svc->space == b->space) {
		call->parent_service = ipc_serving_svc->handle;
		if (ipc_serving_spin >= 0) {
			call->flags |= XIPC_CALL_SPUN_PARENT;
			call->parent = (__u64)ipc_serving_spin;
		} else {
			call->parent = ipc_serving->token;
		}
	}
	if (w) {
		ret = ipc_ioctl_words(b->space, XIPC_IOC_LRPC_CALL, call, w, &st);
		if (!ret)
			*status = (int)st;
	} else {
		ret = ipc_ioctl(b->space, XIPC_IOC_LRPC_CALL, call);
	}
	/* No atomic write on the common path: the word is shared by threads. */
	if (ret == -ETIMEDOUT || ret == -EINTR)
		__atomic_or_fetch(&b->held, bit, __ATOMIC_RELAXED);
	else if (ret != -EBUSY &&
		 __atomic_load_n(&b->held, __ATOMIC_RELAXED) & bit)
		__atomic_and_fetch(&b->held, ~bit, __ATOMIC_RELAXED);
	return ret;
}

/*
 * Whether a call through @b in A-stack @bit may spin: not one that may not
 * wait for a server, not a nested one (the kernel counts nested calls, and
 * a spun call never reaches it), and not while the kernel may still hold
 * an abandoned call in the A-stack: only it can tell (EBUSY).
 */
static bool ipc_call_spins(const struct ipc_binding *b, __u64 bit,
			   __u64 timeout_ns)
{
	return b->spin_ns && timeout_ns && !ipc_serving_svc &&
	       !(__atomic_load_n(&b->held, __ATOMIC_RELAXED) & bit);
}

/*
 * Posts @call, whose procedure is in @astack, in shared memory and spins:
 * its result, or 1 if no server took it in time and @call, its timeout now
 * a deadline, is to be made through the kernel. Out of line: a call that
 * does not spin keeps a small frame.
 */
static __attribute__((noinline)) int
ipc_call_spun(struct ipc_binding *b, struct xipc_astack *astack,
	      struct xipc_lrpc_call *call)
{
	__u64 deadline = ipc_deadline(call->timeout_ns);
	int ret;

	__atomic_store_n(&astack->state, IPC_SPIN_CALLED, __ATOMIC_RELEASE);
	ret = ipc_call_spin(b, astack, call->astack, deadline);
	if (ret > 0 && deadline != XIPC_TIMEOUT_INFINITE) {
		call->flags = XIPC_ABSTIME;
		call->timeout_ns = deadline;
	}
	return ret;
}

IPC_EXPORT int ipc_call(struct ipc_binding *b, struct xipc_astack *astack,
			__u32 proc, __u64 timeout_ns)
{
	struct xipc_lrpc_call call = {
		.binding = b->handle,
		.astack = ipc_astack_index(b, astack),
		.timeout_ns = timeout_ns,
	};
	__u32 state;
	int ret;

	if ((int)call.astack < 0)
		return -EINVAL;
	/* A call a server took in shared memory, abandoned, is not over. */
	state = ipc_state_load(astack) & ~IPC_SPIN_SLEEPING;
	if (state == IPC_SPIN_TAKEN)
		return -EBUSY;
	astack->proc = proc;
	if (ipc_call_spins(b, 1ULL << call.astack, timeout_ns)) {
		ret = ipc_call_spun(b, astack, &call);
		if (ret <= 0)
			return ret;
	} else if (state != IPC_SPIN_IDLE) {
		__atomic_store_n(&astack->state, IPC_SPIN_IDLE, __ATOMIC_RELAXED);
	}
	return ipc_call_kernel(b, &call, NULL, NULL);
}

IPC_EXPORT int ipc_call_regs(struct ipc_binding *b, struct xipc_astack *astack,
			     __u32 proc, __u64 w[IPC_NR_WORDS], int *status,
			     __u64 timeout_ns)
{
	struct xipc_lrpc_call call = {
		.flags = XIPC_CALL_REGS,
		.binding = b->handle,
		.astack = ipc_astack_index(b, astack),
		.timeout_ns = timeout_ns,
		.proc = proc,
	};
	int ret;

	if ((int)call.astack < 0)
		return -EINVAL;
	/*
	 * In registers, unless the call spins (the words must then be in
	 * shared memory), or an abandoned spun call may still be running in
	 * the A-stack (ipc_call() says EBUSY).
	 */
	if (b->regs && !ipc_call_spins(b, 1ULL << call.astack, timeout_ns) &&
	    (!b->spun || (ipc_state_load(astack) & ~IPC_SPIN_SLEEPING) !=
			 IPC_SPIN_TAKEN))
		return ipc_call_kernel(b, &call, w, status);
	ipc_words_store(astack, w);
	astack->size = (IPC_NR_WORDS - IPC_HEAD_WORDS) * sizeof(*w);
	ret = ipc_call(b, astack, proc, timeout_ns);
	if (!ret) {
		ipc_words_load(astack, w);
		*status = astack->status;
	}
	return ret;
}
