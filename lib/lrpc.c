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

struct ipc_proc {
	ipc_proc_fn fn;
	void *cookie;
};

struct ipc_service {
	int space;
	__u32 handle;
	__u32 flags;
	__u32 astack_size;
	void *region;
	size_t region_size;
	struct ipc_proc procs[IPC_MAX_PROCS];
};

struct ipc_binding {
	int space;
	__u32 handle;
	__u32 astack_size;
	__u32 nr_astacks;
	void *map;
	size_t map_size;
	pthread_mutex_t lock;		/* protects @free */
	pthread_cond_t freed;		/* an A-stack was put back */
	__u64 free;			/* bit i: A-stack i is free */
};

/*
 * The call this thread's handler is serving, so that a call it makes is
 * known to the kernel as nested. NULL outside handlers.
 */
static __thread const struct ipc_request *ipc_serving;
static __thread const struct ipc_service *ipc_serving_svc;

/* A thread's private copy of its call's A-stack (XIPC_SERVICE_COPY_IN). */
static pthread_key_t ipc_copy_key;
static pthread_once_t ipc_copy_once = PTHREAD_ONCE_INIT;

static void ipc_copy_key_create(void)
{
	if (pthread_key_create(&ipc_copy_key, free))
		abort();
}

static void *ipc_copy_buffer(const struct ipc_service *svc)
{
	void *buf;

	pthread_once(&ipc_copy_once, ipc_copy_key_create);
	buf = pthread_getspecific(ipc_copy_key);
	if (!buf) {
		/* The largest A-stack a service may have: one size for all. */
		buf = malloc(svc->astack_size);
		if (buf && pthread_setspecific(ipc_copy_key, buf)) {
			free(buf);
			buf = NULL;
		}
	}
	return buf;
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

	svc = calloc(1, sizeof(*svc));
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
	svc->region_size = req.region_size;
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

IPC_EXPORT int ipc_service_register(struct ipc_service *svc, __u32 proc,
				    ipc_proc_fn fn, void *cookie)
{
	if (proc >= IPC_MAX_PROCS)
		return -EINVAL;
	svc->procs[proc] = (struct ipc_proc){ .fn = fn, .cookie = cookie };
	return 0;
}

IPC_EXPORT int ipc_service_next(struct ipc_service *svc,
				struct ipc_request *req, int reply,
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
	ret = ipc_ioctl(svc->space, XIPC_IOC_LRPC_SERVE, &serve);
	if (ret < 0)
		return ret;
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

/* A handler left its thread: answer its call rather than leave it hanging. */
static void ipc_service_abandon(void *arg)
{
	const struct ipc_request *req = arg;
	struct xipc_lrpc_serve serve = {
		.flags = XIPC_SERVE_REPLY,
		.service = ipc_serving_svc->handle,
		.call = req->token,
	};

	req->astack->status = -ECANCELED;
	ipc_ioctl(ipc_serving_svc->space, XIPC_IOC_LRPC_SERVE, &serve);
	ipc_serving = NULL;
	ipc_serving_svc = NULL;
}

static int ipc_service_dispatch(struct ipc_service *svc,
				struct ipc_request *req)
{
	const struct ipc_proc *p = NULL;
	int status = -ENOSYS;

	if (req->proc < IPC_MAX_PROCS)
		p = &svc->procs[req->proc];
	if (!p || !p->fn)
		return status;
	ipc_serving = req;
	ipc_serving_svc = svc;
	pthread_cleanup_push(ipc_service_abandon, req);
	status = p->fn(req, p->cookie);
	pthread_cleanup_pop(0);
	ipc_serving = NULL;
	ipc_serving_svc = NULL;
	return status;
}

IPC_EXPORT int ipc_service_run(struct ipc_service *svc)
{
	struct ipc_request req = { 0 };
	bool reply = false;
	int ret;

	for (;;) {
		ret = ipc_service_next(svc, &req, reply, IPC_NO_TIMEOUT);
		reply = false;
		/* The reply (if any) went, or was not wanted any more. */
		if (ret == -ECANCELED || ret == -EINTR)
			continue;
		if (ret < 0)
			return ret;
		req.astack->status = ipc_service_dispatch(svc, &req);
		reply = true;
	}
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

	b = calloc(1, sizeof(*b));
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
	b->nr_astacks = req.nr_astacks;
	b->map_size = req.map_size;
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

IPC_EXPORT int ipc_call(struct ipc_binding *b, struct xipc_astack *astack,
			__u32 proc, __u64 timeout_ns)
{
	struct xipc_lrpc_call call = {
		.binding = b->handle,
		.astack = ipc_astack_index(b, astack),
		.timeout_ns = timeout_ns,
	};

	if ((int)call.astack < 0)
		return -EINVAL;
	if (ipc_serving && ipc_serving_svc->space == b->space) {
		call.parent_service = ipc_serving_svc->handle;
		call.parent = ipc_serving->token;
	}
	astack->proc = proc;
	return ipc_ioctl(b->space, XIPC_IOC_LRPC_CALL, &call);
}
