// SPDX-License-Identifier: GPL-2.0
/*
 * Lightweight RPC: services, bindings and calls over argument stacks mapped
 * into both the client and the server.
 *
 * A service owns one vmalloc'ed region, split into max_bindings slots of
 * nr_astacks A-stacks each. The server maps the whole region; a binding owns
 * one slot, which its client maps (as page frames, which get_user_pages()
 * refuses: nothing outlives a mapping). The kernel never copies arguments or
 * results (but for XIPC_SERVICE_COPY_IN): a call only moves the A-stack's
 * record through its states and hands the CPU to a server thread.
 *
 * Each A-stack has a record, struct xipc_lrpc_astack: the linkage record of
 * the call in it (who to return to, its depth) and the state of that call:
 *
 *   IDLE -> QUEUED       a client calls (the record goes on @pending)
 *   QUEUED -> RUNNING    a server thread takes it
 *   QUEUED -> IDLE       the client gave up before any server took it
 *   QUEUED -> DONE       a revoke reached the binding (EKEYREVOKED)
 *   RUNNING -> DONE      the server replied, or the service died
 *   RUNNING -> ABANDONED the client gave up while the server had it, or a
 *                        revoke reached the binding (then the client,
 *                        woken, finds it ABANDONED or IDLE and lets it be)
 *   ABANDONED -> IDLE    the server let go (its reply gets ECANCELED)
 *   DONE -> IDLE         the client took the result
 *
 * A record is IDLE whenever no call uses its A-stack, so that an A-stack is
 * never reused while a server may still be working in it. A slot is free
 * for a new binding once its binding is gone, its records are all IDLE and
 * the server holds none of its A-stacks for a call that never entered the
 * kernel (struct xipc_slot_info.holds).
 *
 * Calls that never enter the kernel (libipc's spin-then-block mode) get two
 * things from it: a futex on an A-stack's state word (XIPC_CALL_SPIN_WAIT,
 * XIPC_SERVE_WAKE; a real futex fails on these pages, which are no file's
 * page cache), and the slot table at the end of the region, which says who
 * holds each slot and counts the server's holds on it.
 *
 * Locking: xipc_service.lock (a spinlock, innermost but for the scheduler's
 * and the wait queues' locks) protects every record (but a record marked
 * @replied, which its client ends, DONE -> IDLE, without it), the queue of
 * pending calls, the idle server threads, the list of bindings, the slot
 * bitmaps and @dead. Whoever wakes a thread asleep in a call or a serve
 * does it under that lock, after changing what the sleeper looks at, and
 * the sleeper takes the lock before it leaves the command, so its task is
 * there to be woken. Two exits that every round trip takes skip the lock:
 * a client whose call was replied to (@replied) and a server thread handed
 * a call (xipc_lrpc_server.call). Their waker marks them last, after its
 * wake-up, and after the mark writes nothing of theirs and reads only what
 * changes under the lock. A record's state, which a client may so write
 * unlocked, is read with READ_ONCE() under the lock too.
 *
 * The handoff: a client queues its call and, if a server thread is idle,
 * hands the call to it (xipc_lrpc_dispatch(): the server's record is filled
 * in as if it had taken the call itself) and wakes that thread with
 * wake_up_process(), then sleeps; the reply wakes the client the same way.
 * No wait queue is walked, and nobody searches for work after a wake-up.
 * docs/design.md gives the primitives measured.
 */
#include <linux/bitmap.h>
#include <linux/compat.h>
#include <linux/cred.h>
#include <linux/ipc_namespace.h>
#include <linux/mm.h>
#include <linux/nsproxy.h>
#include <linux/pid_namespace.h>
#include <linux/ptrace.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>
#include <linux/vmalloc.h>
#include <linux/xipc.h>

#include "xipc.h"
#include "trace.h"

enum xipc_lrpc_state {
	XIPC_LRPC_IDLE,
	XIPC_LRPC_QUEUED,
	XIPC_LRPC_RUNNING,
	XIPC_LRPC_DONE,
	XIPC_LRPC_ABANDONED,
};

/**
 * struct xipc_lrpc_astack - an A-stack's call: its linkage record
 * @state:	enum xipc_lrpc_state
 * @result:	for DONE, what the call returns: 0, the service's death, or
 *		-EAGAIN for a @nonblock call no server thread could take
 * @gen:	counts the calls made in this A-stack; its low 32 bits and
 *		the A-stack's index make the call's token, so that a stale
 *		reply is told apart. The service's calls are the sum of its
 *		A-stacks' @gen (/proc/xipc/services)
 * @depth:	how deep in a chain of nested calls this one is
 * @regs:	a register call (XIPC_CALL_REGS): its words are in @client's
 *		saved registers while QUEUED and RUNNING
 * @spin_woken:	a server woke the A-stack (XIPC_SERVE_WAKE) since its client
 *		last waited on its state word
 * @replied:	set last by a reply, after its wake-up: the replier is done
 *		with the record and the client, which may end the call
 *		without the lock
 * @nonblock:	the call may not wait for a server (a timeout of 0)
 * @proc:	for a register call, the procedure
 * @client:	the calling thread, while QUEUED or RUNNING: it sleeps in the
 *		call, and whoever ends the call wakes it
 * @uid:	the caller's effective uid
 * @gid:	the caller's effective gid
 * @badge:	the badge of the handle the binding was made through
 * @pending:	in the service's @pending while QUEUED
 * @wait:	spin-then-block callers (XIPC_CALL_SPIN_WAIT) sleep here
 */
struct xipc_lrpc_astack {
	enum xipc_lrpc_state state;
	int result;
	u64 gen;
	u32 depth;
	bool regs;
	bool spin_woken;
	bool replied;
	bool nonblock;
	u32 proc;
	struct task_struct *client;
	kuid_t uid;
	kgid_t gid;
	u64 badge;
	struct list_head pending;
	wait_queue_head_t wait;
};

/**
 * struct xipc_service - an LRPC service
 * @obj:	what its handles name
 * @lock:	protects the records in @astacks (but a replied one's end: see
 *		"Locking" above), @pending, @queued, @idle, @bindings, @bound,
 *		@used and @dead
 * @flags:	XIPC_SERVICE_*
 * @astack_size: bytes per A-stack
 * @nr_astacks:	A-stacks per binding
 * @max_bindings: slots in the region
 * @region_size: bytes of @region
 * @region:	every slot's A-stacks, then @slots; mapped by the server
 * @slots:	who holds each slot, in @region
 * @user:	the quota @region is charged to
 * @pid_ns:	the server's pid namespace, for @slots
 * @user_ns:	the server's user namespace, for @slots
 * @recv:	handles with XIPC_RIGHT_RECV; the service dies with the last
 * @dead:	0, or why every call fails: -EPIPE or -EIDRM (destroyed)
 * @idle:	entries in @idle_servers
 * @queued:	entries in @pending
 * @pending:	calls no server thread has taken yet, oldest first; never
 *		one while a server thread is idle (xipc_lrpc_dispatch())
 * @idle_servers: server threads asleep waiting for a call, the last to come
 *		first: its cache is the warmest
 * @bindings:	every binding, by its @link
 * @bound:	slots held by a binding
 * @used:	slots held by a binding or with a call still in flight
 * @all:	on xipc_services, for /proc/xipc/services
 * @ns:		the creator's IPC namespace, referenced: the view shows a
 *		service only there
 * @uid:	the creator's effective uid
 * @astacks:	the records, slot after slot
 */
struct xipc_service {
	struct xipc_object obj;
	spinlock_t lock;	/* see above */
	u32 flags;
	u32 astack_size;
	u32 nr_astacks;
	u32 max_bindings;
	size_t region_size;
	void *region;
	struct xipc_slot_info *slots;
	struct xipc_user *user;
	struct pid_namespace *pid_ns;
	struct user_namespace *user_ns;
	int recv;
	int dead;
	unsigned int idle;
	unsigned int queued;
	struct list_head pending;
	struct hlist_head idle_servers;
	struct list_head bindings;
	unsigned long *bound;
	unsigned long *used;
	struct list_head all;
	struct ipc_namespace *ns;
	kuid_t uid;
	struct xipc_lrpc_astack astacks[];
};

/**
 * struct xipc_binding - a client's right to call a service, and its slot
 * @obj:	what its handle names
 * @svc:	the service, referenced
 * @via:	a handle derived from the one the client bound through, held
 *		here so that a revoke of that handle reaches the binding
 * @slot:	its slot in the service's region
 * @link:	in the service's @bindings
 */
struct xipc_binding {
	struct xipc_object obj;
	struct xipc_service *svc;
	struct xipc_handle *via;
	u32 slot;
	struct list_head link;
};

/**
 * struct xipc_lrpc_server - a server thread in XIPC_SERVE waiting for a call
 * @link:	in the service's @idle_servers while it sleeps for a call
 * @task:	the thread
 * @call:	the call handed to it while it slept, or NULL; set last, after
 *		the wake-up: the thread may then leave without the lock
 * @req:	its command, which a call taken for it fills in
 * @words:	a register call's words, taken for it
 * @pid_ns:	its pid namespace, which the caller's pid is given in
 * @user_ns:	its user namespace, which the caller's ids are given in
 *
 * It lives on the thread's stack; it is on @idle_servers, and the thread
 * in xipc_lrpc_next(), until whoever takes it off, under the lock, sets
 * @call (last), or the thread takes itself off.
 */
struct xipc_lrpc_server {
	struct hlist_node link;
	struct task_struct *task;
	struct xipc_lrpc_astack *call;
	struct xipc_lrpc_serve *req;
	u64 *words;
	struct pid_namespace *pid_ns;
	struct user_namespace *user_ns;
};

/*
 * Register calls (XIPC_CALL_REGS in <linux/xipc.h>): which of a thread's
 * saved user registers (struct pt_regs) keep the words w0..w7 and the
 * status. Each thread's are read or written only while it is in the kernel
 * for the call, under the service's lock, or by the thread itself.
 */
#define XIPC_NR_WORDS	8
#define XIPC_REG(r)	offsetof(struct pt_regs, r)
#if defined(CONFIG_X86_64)
static const u16 xipc_word_regs[XIPC_NR_WORDS] = {
	XIPC_REG(r10), XIPC_REG(r8), XIPC_REG(r9), XIPC_REG(bx),
	XIPC_REG(r12), XIPC_REG(r13), XIPC_REG(r14), XIPC_REG(r15),
};

#define XIPC_STATUS_REG	XIPC_REG(dx)
#elif defined(CONFIG_ARM64)
static const u16 xipc_word_regs[XIPC_NR_WORDS] = {
	XIPC_REG(regs[3]), XIPC_REG(regs[4]), XIPC_REG(regs[5]),
	XIPC_REG(regs[6]), XIPC_REG(regs[7]), XIPC_REG(regs[9]),
	XIPC_REG(regs[10]), XIPC_REG(regs[11]),
};

#define XIPC_STATUS_REG	XIPC_REG(regs[2])
#endif

/* Whether the calling thread can make and serve register calls. */
bool xipc_lrpc_regs_usable(void)
{
#ifdef XIPC_STATUS_REG
	return !in_compat_syscall();
#else
	return false;
#endif
}

#ifdef XIPC_STATUS_REG
/* Register @offset of @regs. */
static unsigned long *xipc_reg(const struct pt_regs *regs, unsigned int offset)
{
	return (unsigned long *)((char *)regs + offset);
}

/* Word @i of @regs (a constant: it is then one load or store). */
static unsigned long *xipc_word(const struct pt_regs *regs, unsigned int i)
{
	return xipc_reg(regs, xipc_word_regs[i]);
}

/* The words one by one: a loop, which the compiler keeps, costs five times. */
static void xipc_words_get(const struct pt_regs *regs, u64 *words)
{
	BUILD_BUG_ON(XIPC_NR_WORDS != 8);
	words[0] = *xipc_word(regs, 0);
	words[1] = *xipc_word(regs, 1);
	words[2] = *xipc_word(regs, 2);
	words[3] = *xipc_word(regs, 3);
	words[4] = *xipc_word(regs, 4);
	words[5] = *xipc_word(regs, 5);
	words[6] = *xipc_word(regs, 6);
	words[7] = *xipc_word(regs, 7);
}

static void xipc_words_put(struct pt_regs *regs, const u64 *words)
{
	*xipc_word(regs, 0) = words[0];
	*xipc_word(regs, 1) = words[1];
	*xipc_word(regs, 2) = words[2];
	*xipc_word(regs, 3) = words[3];
	*xipc_word(regs, 4) = words[4];
	*xipc_word(regs, 5) = words[5];
	*xipc_word(regs, 6) = words[6];
	*xipc_word(regs, 7) = words[7];
}

static void xipc_words_move(struct pt_regs *to, const struct pt_regs *from)
{
	u64 words[XIPC_NR_WORDS];

	xipc_words_get(from, words);
	xipc_words_put(to, words);
}

static void xipc_status_put(struct pt_regs *regs, int status)
{
	*xipc_reg(regs, XIPC_STATUS_REG) = (long)status;
}
#else
/* Never called: no call is a register call here. */
static void xipc_words_get(const struct pt_regs *regs, u64 *words)
{
}

static void xipc_words_put(struct pt_regs *regs, const u64 *words)
{
}

static void xipc_words_move(struct pt_regs *to, const struct pt_regs *from)
{
}

static void xipc_status_put(struct pt_regs *regs, int status)
{
}
#endif
/* Every service, for /proc/xipc/services. */
static LIST_HEAD(xipc_services);
static DEFINE_MUTEX(xipc_services_lock);

static struct xipc_service *to_service(struct xipc_object *obj)
{
	return container_of(obj, struct xipc_service, obj);
}

static struct xipc_binding *to_binding(struct xipc_object *obj)
{
	return container_of(obj, struct xipc_binding, obj);
}

static unsigned int xipc_service_nr_astacks(const struct xipc_service *svc)
{
	return svc->max_bindings * svc->nr_astacks;
}

static size_t xipc_slot_size(const struct xipc_service *svc)
{
	return (size_t)svc->nr_astacks * svc->astack_size;
}

static u64 xipc_lrpc_token(const struct xipc_service *svc,
			   const struct xipc_lrpc_astack *a)
{
	return (u64)a->gen << 32 | (a - svc->astacks);
}

/* Whether @a, which token @call's index names, still holds that call. */
static bool xipc_lrpc_is_call(const struct xipc_lrpc_astack *a, u64 call)
{
	return lower_32_bits(a->gen) == upper_32_bits(call);
}

/* The LRPC events, for xipc_lrpc_trace(). */
enum xipc_lrpc_event {
	XIPC_LRPC_EV_CALL,
	XIPC_LRPC_EV_SERVE,
	XIPC_LRPC_EV_REPLY,
	XIPC_LRPC_EV_RETURN,
};

/*
 * With @svc->lock held: @event of call @a, whose token is @call for a reply
 * (which may name a call no longer there) and the A-stack's now for the
 * others. Out of line, called once the event is enabled: a call's path has
 * only each event's static key, and keeps nothing for it.
 */
static noinline void xipc_lrpc_trace(const struct xipc_service *svc,
				     const struct xipc_lrpc_astack *a,
				     enum xipc_lrpc_event event, u64 call,
				     int err)
{
	u64 token = event == XIPC_LRPC_EV_REPLY ? call : xipc_lrpc_token(svc, a);
	u32 index = a - svc->astacks;

	switch (event) {
	case XIPC_LRPC_EV_CALL:
		trace_xipc_lrpc_call(svc->obj.id, token, index, a->depth,
				     svc->idle);
		break;
	case XIPC_LRPC_EV_SERVE:
		trace_xipc_lrpc_serve(svc->obj.id, token, index, a->depth,
				      svc->queued);
		break;
	case XIPC_LRPC_EV_REPLY:
		trace_xipc_lrpc_reply(svc->obj.id, token, index, a->depth, err);
		break;
	case XIPC_LRPC_EV_RETURN:
		trace_xipc_lrpc_return(svc->obj.id, token, index, a->depth,
				       err);
		break;
	}
}

/*
 * With @svc->lock held: a slot with no binding, no call and no hold of the
 * server (see struct xipc_slot_info) is free again.
 */
static void xipc_slot_maybe_free(struct xipc_service *svc, u32 slot)
{
	const struct xipc_lrpc_astack *a = &svc->astacks[slot * svc->nr_astacks];
	u32 i;

	if (test_bit(slot, svc->bound) || READ_ONCE(svc->slots[slot].holds))
		return;
	for (i = 0; i < svc->nr_astacks; i++)
		if (READ_ONCE(a[i].state) != XIPC_LRPC_IDLE)
			return;
	__clear_bit(slot, svc->used);
}

static void xipc_astack_idle(struct xipc_service *svc,
			     struct xipc_lrpc_astack *a)
{
	a->state = XIPC_LRPC_IDLE;
	a->client = NULL;
	xipc_slot_maybe_free(svc, (a - svc->astacks) / svc->nr_astacks);
}

static void xipc_lrpc_queue(struct xipc_service *svc,
			    struct xipc_lrpc_astack *a, bool first)
{
	a->state = XIPC_LRPC_QUEUED;
	if (first)
		list_add(&a->pending, &svc->pending);
	else
		list_add_tail(&a->pending, &svc->pending);
	svc->queued++;
}

static void xipc_lrpc_dequeue(struct xipc_service *svc,
			      struct xipc_lrpc_astack *a)
{
	list_del_init(&a->pending);
	svc->queued--;
}

/*
 * With @svc->lock held: wakes every idle server thread, to look at the
 * service again (it died, or a handle to serve through went).
 */
static void xipc_lrpc_wake_servers(struct xipc_service *svc)
{
	struct xipc_lrpc_server *srv;

	hlist_for_each_entry(srv, &svc->idle_servers, link)
		wake_up_process(srv->task);
}

/*
 * Fails every call in flight and every later one with @err (-EPIPE, or
 * -EIDRM for a destroy), and wakes everyone waiting on the service. A
 * service dies once, but may be destroyed after it died: -EIDRM if it was
 * destroyed already.
 */
static int xipc_service_kill(struct xipc_service *svc, int err)
{
	unsigned int i;

	spin_lock(&svc->lock);
	if (svc->dead == -EIDRM || (svc->dead && err != -EIDRM)) {
		spin_unlock(&svc->lock);
		return -EIDRM;
	}
	svc->dead = err;
	for (i = 0; i < xipc_service_nr_astacks(svc); i++) {
		struct xipc_lrpc_astack *a = &svc->astacks[i];

		switch (READ_ONCE(a->state)) {
		case XIPC_LRPC_QUEUED:
			xipc_lrpc_dequeue(svc, a);
			fallthrough;
		case XIPC_LRPC_RUNNING:
			a->state = XIPC_LRPC_DONE;
			a->result = err;
			wake_up_process(a->client);
			break;
		case XIPC_LRPC_ABANDONED:
			xipc_astack_idle(svc, a);
			break;
		default:
			break;
		}
	}
	xipc_lrpc_wake_servers(svc);
	spin_unlock(&svc->lock);

	for (i = 0; i < xipc_service_nr_astacks(svc); i++)
		wake_up_all(&svc->astacks[i].wait);
	xipc_object_died(&svc->obj);
	return 0;
}

/* With @svc->lock held: ends binding @b, whose handle was revoked. */
static void xipc_binding_revoked(struct xipc_service *svc,
				 struct xipc_binding *b)
{
	struct xipc_lrpc_astack *a = &svc->astacks[b->slot * svc->nr_astacks];
	u32 i;

	WRITE_ONCE(svc->slots[b->slot].bound, 0);
	for (i = 0; i < svc->nr_astacks; i++) {
		enum xipc_lrpc_state state = READ_ONCE(a[i].state);

		if (state == XIPC_LRPC_QUEUED) {
			xipc_lrpc_dequeue(svc, &a[i]);
			a[i].state = XIPC_LRPC_DONE;
			a[i].result = -EKEYREVOKED;
			wake_up_process(a[i].client);
		} else if (state == XIPC_LRPC_RUNNING) {
			/* Now, not when the client runs: a reply after this fails. */
			a[i].state = XIPC_LRPC_ABANDONED;
			wake_up_process(a[i].client);
			a[i].client = NULL;
		}
		/* Wait queue locks nest in the service's lock. */
		wake_up_all(&a[i].wait);
	}
}

static void xipc_service_handles_changed(struct xipc_object *obj, int send,
					 int recv, struct list_head *dropped)
{
	struct xipc_service *svc = to_service(obj);
	struct xipc_binding *b;
	bool last;

	/*
	 * A binding made through a handle revoked now is ended: the kernel's
	 * calls check that handle, and a spinning server reads @bound. Its
	 * calls no server took yet are withdrawn and fail at once; those a
	 * server has are abandoned, as a client that gives up abandons them,
	 * and their clients woken to fail at once (xipc_lrpc_wait_reply()).
	 */
	if (send < 0) {
		spin_lock(&svc->lock);
		list_for_each_entry(b, &svc->bindings, link)
			if (READ_ONCE(b->via->revoked))
				xipc_binding_revoked(svc, b);
		spin_unlock(&svc->lock);
	}
	if (!recv)
		return;
	spin_lock(&svc->lock);
	svc->recv += recv;
	last = !svc->recv;
	/* A server thread waiting through the handle that went must see it. */
	if (recv < 0 && !last)
		xipc_lrpc_wake_servers(svc);
	spin_unlock(&svc->lock);
	/* Nobody can serve any more: the server is gone. */
	if (last)
		xipc_service_kill(svc, -EPIPE);
}

static u32 xipc_service_dead_state(int dead)
{
	if (dead == -EIDRM)
		return XIPC_STATE_DESTROYED;
	return dead ? XIPC_STATE_NO_RECEIVER : 0;
}

static u32 xipc_service_state(struct xipc_object *obj)
{
	return xipc_service_dead_state(READ_ONCE(to_service(obj)->dead));
}

static void xipc_service_release(struct xipc_object *obj)
{
	struct xipc_service *svc = to_service(obj);

	mutex_lock(&xipc_services_lock);
	list_del(&svc->all);
	mutex_unlock(&xipc_services_lock);
	xipc_put_ipc_ns(svc->ns);
	vfree(svc->region);
	bitmap_free(svc->bound);
	bitmap_free(svc->used);
	xipc_user_uncharge_region(svc->user, svc->region_size);
	put_pid_ns(svc->pid_ns);
	put_user_ns(svc->user_ns);
	kvfree_rcu(svc, obj.rcu);
}

static const struct xipc_object_ops xipc_service_ops = {
	.type		= XIPC_OBJECT_SERVICE,
	.recv_stays	= true,	/* the region is mapped in the creator's space */
	.handles_changed = xipc_service_handles_changed,
	.state		= xipc_service_state,
	.release	= xipc_service_release,
};

static void xipc_binding_handles_changed(struct xipc_object *obj, int send,
					 int recv, struct list_head *dropped)
{
}

static u32 xipc_binding_state(struct xipc_object *obj)
{
	struct xipc_binding *b = to_binding(obj);
	u32 state = xipc_service_dead_state(READ_ONCE(b->svc->dead));

	if (READ_ONCE(b->via->revoked))
		state |= XIPC_STATE_REVOKED;
	return state;
}

static void xipc_binding_release(struct xipc_object *obj)
{
	struct xipc_binding *b = to_binding(obj);
	struct xipc_service *svc = b->svc;

	WRITE_ONCE(svc->slots[b->slot].bound, 0);
	/* Pairs with the server's hold: either it sees 0, or we see its hold. */
	smp_mb();
	spin_lock(&svc->lock);
	list_del(&b->link);
	__clear_bit(b->slot, svc->bound);
	xipc_slot_maybe_free(svc, b->slot);
	spin_unlock(&svc->lock);
	xipc_handle_destroy(b->via);
	xipc_object_put(&svc->obj);
	kfree_rcu(b, obj.rcu);
}

static const struct xipc_object_ops xipc_binding_ops = {
	.type		= XIPC_OBJECT_BINDING,
	.handles_changed = xipc_binding_handles_changed,
	.state		= xipc_binding_state,
	.release	= xipc_binding_release,
};

/*
 * Installs @h as xipc_space_install_out() does, with the mmap() offset of its
 * number (the number, in pages) in *@offset of @req as well.
 */
static int xipc_lrpc_install(struct xipc_space *space, struct xipc_handle *h,
			     u32 *id, u64 *offset, void __user *uarg,
			     const void *req, size_t size)
{
	int err = xipc_space_reserve(space, id);

	if (err) {
		xipc_handle_destroy(h);
		return err;
	}
	*offset = (u64)*id << PAGE_SHIFT;
	return xipc_space_commit_out(space, h, *id, uarg, req, size);
}

static struct xipc_service *xipc_service_new(const struct xipc_service_create *req)
{
	u32 nr = req->max_bindings * req->nr_astacks;
	struct xipc_service *svc;
	struct xipc_user *user;
	size_t astacks, size;
	u64 region;
	u32 i;

	if (req->flags & ~XIPC_SERVICE_COPY_IN || req->reserved ||
	    !req->astack_size || !PAGE_ALIGNED(req->astack_size) ||
	    !req->nr_astacks || req->nr_astacks > XIPC_MAX_ASTACKS ||
	    !req->max_bindings || req->max_bindings > XIPC_MAX_BINDINGS)
		return ERR_PTR(-EINVAL);
	/* In u64, which cannot wrap: nr < 2^18 and astack_size < 2^32. */
	region = (u64)nr * req->astack_size +
		 PAGE_ALIGN(req->max_bindings * sizeof(struct xipc_slot_info));
	if (region > xipc_max_region_size)
		return ERR_PTR(-E2BIG);
	astacks = (size_t)nr * req->astack_size;
	size = region;
	user = xipc_user_charge_region(size);
	if (IS_ERR(user))
		return ERR_CAST(user);

	svc = kvzalloc(struct_size(svc, astacks, nr), GFP_KERNEL_ACCOUNT);
	if (!svc)
		goto nomem;
	svc->bound = bitmap_zalloc(req->max_bindings, GFP_KERNEL_ACCOUNT);
	svc->used = bitmap_zalloc(req->max_bindings, GFP_KERNEL_ACCOUNT);
	svc->region = vmalloc_user(size);
	if (!svc->bound || !svc->used || !svc->region)
		goto nomem;

	xipc_object_init(&svc->obj, &xipc_service_ops);
	spin_lock_init(&svc->lock);
	svc->flags = req->flags;
	svc->astack_size = req->astack_size;
	svc->nr_astacks = req->nr_astacks;
	svc->max_bindings = req->max_bindings;
	svc->region_size = size;
	svc->slots = svc->region + astacks;
	svc->user = user;
	svc->pid_ns = get_pid_ns(task_active_pid_ns(current));
	svc->user_ns = get_user_ns(current_user_ns());
	INIT_LIST_HEAD(&svc->pending);
	INIT_HLIST_HEAD(&svc->idle_servers);
	INIT_LIST_HEAD(&svc->bindings);
	for (i = 0; i < nr; i++) {
		INIT_LIST_HEAD(&svc->astacks[i].pending);
		init_waitqueue_head(&svc->astacks[i].wait);
	}
	svc->ns = get_ipc_ns(current->nsproxy->ipc_ns);
	svc->uid = current_euid();
	mutex_lock(&xipc_services_lock);
	list_add_tail(&svc->all, &xipc_services);
	mutex_unlock(&xipc_services_lock);
	return svc;

nomem:
	if (svc) {
		vfree(svc->region);
		bitmap_free(svc->bound);
		bitmap_free(svc->used);
		kvfree(svc);
	}
	xipc_user_uncharge_region(user, size);
	return ERR_PTR(-ENOMEM);
}

long xipc_service_create(struct xipc_space *space, void __user *uarg)
{
	struct xipc_service_create req;
	struct xipc_service *svc;
	struct xipc_handle *h;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	svc = xipc_service_new(&req);
	if (IS_ERR(svc))
		return PTR_ERR(svc);
	/* The creator's handle holds the only reference from now on. */
	h = xipc_handle_new_root(&svc->obj, XIPC_RIGHTS_ALL);
	xipc_object_put(&svc->obj);
	if (!h)
		return -ENOMEM;
	req.region_size = svc->region_size;
	return xipc_lrpc_install(space, h, &req.handle, &req.region_offset,
				 uarg, &req, sizeof(req));
}

long xipc_service_destroy(struct xipc_space *space, void __user *uarg)
{
	struct xipc_handle_op op;
	struct xipc_ref ref;
	int err;

	if (copy_from_user(&op, uarg, sizeof(op)))
		return -EFAULT;
	if (op.flags)
		return -EINVAL;
	err = xipc_handle_lookup(space, op.handle, XIPC_RIGHT_MANAGE,
				 XIPC_OBJECT_SERVICE, &ref);
	if (err)
		return err;
	err = xipc_service_kill(to_service(ref.obj), -EIDRM);
	xipc_object_put(ref.obj);
	return err;
}

/* Tells the server who holds a slot: the caller, bound with @badge. */
static void xipc_slot_info_fill(struct xipc_service *svc,
				struct xipc_slot_info *info, u64 badge)
{
	info->badge = badge;
	info->pid = task_tgid_nr_ns(current, svc->pid_ns);
	info->uid = from_kuid_munged(svc->user_ns, current_euid());
	info->gid = from_kgid_munged(svc->user_ns, current_egid());
	info->reserved = 0;
	/* A server that sees bound sees the rest. */
	smp_store_release(&info->bound, 1);
}

long xipc_lrpc_bind(struct xipc_space *space, void __user *uarg)
{
	struct xipc_service *svc;
	struct xipc_binding *b;
	struct xipc_handle *h;
	struct xipc_bind req;
	u32 slot, i;
	int err;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags)
		return -EINVAL;
	b = kzalloc(sizeof(*b), GFP_KERNEL_ACCOUNT);
	if (!b)
		return -ENOMEM;
	b->via = xipc_handle_derive(space, req.service, XIPC_RIGHT_SEND,
				    XIPC_OBJECT_SERVICE, XIPC_RIGHT_SEND, NULL);
	if (IS_ERR(b->via)) {
		err = PTR_ERR(b->via);
		kfree(b);
		return err;
	}
	svc = to_service(b->via->obj);

	spin_lock(&svc->lock);
	slot = find_first_zero_bit(svc->used, svc->max_bindings);
	err = svc->dead;
	if (!err && slot == svc->max_bindings) {
		trace_xipc_limit(XIPC_LIMIT_BINDINGS, svc->obj.id,
				 svc->max_bindings);
		err = -EBUSY;
	}
	if (!err) {
		__set_bit(slot, svc->used);
		__set_bit(slot, svc->bound);
		b->slot = slot;
		list_add(&b->link, &svc->bindings);
		for (i = 0; i < svc->nr_astacks; i++)
			svc->astacks[slot * svc->nr_astacks + i].spin_woken = false;
	}
	spin_unlock(&svc->lock);
	if (err) {
		xipc_handle_destroy(b->via);
		kfree(b);
		return err;
	}
	/* No call uses the slot: clear what its last client left there. */
	memset(svc->region + slot * xipc_slot_size(svc), 0, xipc_slot_size(svc));
	xipc_slot_info_fill(svc, &svc->slots[slot], b->via->badge);
	/* Revoked since it was listed: the revoke may have cleared bound first. */
	smp_mb();
	if (READ_ONCE(b->via->revoked))
		WRITE_ONCE(svc->slots[slot].bound, 0);

	xipc_object_init(&b->obj, &xipc_binding_ops);
	xipc_object_get(&svc->obj);
	b->svc = svc;
	h = xipc_handle_new_root(&b->obj, XIPC_RIGHT_SEND);
	xipc_object_put(&b->obj);
	if (!h)
		return -ENOMEM;

	req.astack_size = svc->astack_size;
	req.nr_astacks = svc->nr_astacks;
	req.slot = slot;
	req.map_size = xipc_slot_size(svc);
	return xipc_lrpc_install(space, h, &req.handle, &req.map_offset,
				 uarg, &req, sizeof(req));
}

/*
 * The depth of the call that token @call names in the service of handle
 * @handle (which needs XIPC_RIGHT_RECV), if a server thread has it: else
 * -EINVAL, or the service's death. With @spun, @call is the index of an
 * A-stack whose call a server thread took in shared memory: one the server
 * holds (struct xipc_slot_info), at depth 0.
 */
static int xipc_lrpc_parent_depth(struct xipc_space *space, u32 handle,
				  u64 call, bool spun)
{
	struct xipc_lrpc_astack *a;
	struct xipc_service *svc;
	struct xipc_ref ref;
	u32 index = lower_32_bits(call);
	int err;

	err = xipc_handle_lookup(space, handle, XIPC_RIGHT_RECV,
				 XIPC_OBJECT_SERVICE, &ref);
	if (err)
		return err;
	svc = to_service(ref.obj);
	err = -EINVAL;
	if (spun) {
		if (call < xipc_service_nr_astacks(svc) &&
		    READ_ONCE(svc->slots[index / svc->nr_astacks].holds))
			err = READ_ONCE(svc->dead);
	} else if (index < xipc_service_nr_astacks(svc)) {
		enum xipc_lrpc_state state;

		a = &svc->astacks[index];
		spin_lock(&svc->lock);
		state = READ_ONCE(a->state);
		/* A handler whose caller gave up still runs to its end. */
		if (svc->dead)
			err = svc->dead;
		else if (xipc_lrpc_is_call(a, call) &&
			 (state == XIPC_LRPC_RUNNING ||
			  state == XIPC_LRPC_ABANDONED))
			err = a->depth;
		spin_unlock(&svc->lock);
	}
	xipc_object_put(ref.obj);
	return err;
}

/*
 * The client's side of a call in flight through binding @b: waits for the
 * reply, the deadline, a signal or a revoke of @b's handle, and leaves the
 * record as the state machine says. A revoke ends the call as giving up
 * does, with EKEYREVOKED: withdrawn if no server took it, else abandoned to
 * the server, whose reply gets ECANCELED.
 */
static int xipc_lrpc_wait_reply(struct xipc_service *svc,
				struct xipc_binding *b,
				struct xipc_lrpc_astack *a,
				struct xipc_deadline *dl)
{
	bool revoked;
	int err = 0;

	/* Whoever ends the call, or revokes @b, wakes a->client: us. */
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (READ_ONCE(a->state) == XIPC_LRPC_DONE ||
		    READ_ONCE(b->via->revoked))
			break;
		err = xipc_sleep(dl);
		if (err)
			break;
	}
	__set_current_state(TASK_RUNNING);

	/*
	 * Replied: nobody but us changes a DONE record, and a binding we
	 * hold keeps the slot bound, so going IDLE frees nothing.
	 */
	if (smp_load_acquire(&a->replied) &&
	    !trace_xipc_lrpc_return_enabled()) {
		a->client = NULL;
		/* The record is free once IDLE: nothing of it after this. */
		smp_store_release(&a->state, XIPC_LRPC_IDLE);
		return 0;
	}

	spin_lock(&svc->lock);
	revoked = READ_ONCE(b->via->revoked);
	switch (a->state) {
	case XIPC_LRPC_DONE:
		/* The reply won any race with the timeout, a signal, a revoke. */
		err = a->result;
		xipc_astack_idle(svc, a);
		break;
	case XIPC_LRPC_QUEUED:
		/* No server saw it: withdrawn, and a signal may restart it. */
		xipc_lrpc_dequeue(svc, a);
		xipc_astack_idle(svc, a);
		if (revoked)
			err = -EKEYREVOKED;
		break;
	case XIPC_LRPC_RUNNING:
		/* A server has it and will run it to its end. */
		a->state = XIPC_LRPC_ABANDONED;
		a->client = NULL;
		if (revoked)
			err = -EKEYREVOKED;
		else if (err == -ERESTARTSYS)
			err = -EINTR;
		break;
	default:
		/*
		 * A revoke abandoned it to the server (which may have let go
		 * since): the A-stack is no longer this call's.
		 */
		err = -EKEYREVOKED;
		break;
	}
	if (trace_xipc_lrpc_return_enabled())
		xipc_lrpc_trace(svc, a, XIPC_LRPC_EV_RETURN, 0, err);
	spin_unlock(&svc->lock);
	return err;
}

/*
 * With @svc->lock held: call @a, on no queue, is server thread @srv's: its
 * command is filled in, and a register call's words go to @srv's, from the
 * client asleep in the kernel.
 */
static __always_inline void xipc_lrpc_give(struct xipc_service *svc,
					   struct xipc_lrpc_astack *a,
					   struct xipc_lrpc_server *srv)
{
	struct xipc_lrpc_serve *req = srv->req;

	a->state = XIPC_LRPC_RUNNING;
	req->call = xipc_lrpc_token(svc, a);
	req->astack = (a - svc->astacks) * (u64)svc->astack_size;
	req->badge = a->badge;
	req->depth = a->depth;
	req->pid = xipc_tgid_in(srv->pid_ns, a->client);
	req->uid = xipc_uid_in(srv->user_ns, a->uid);
	req->gid = xipc_gid_in(srv->user_ns, a->gid);
	if (a->regs)
		xipc_words_get(task_pt_regs(a->client), srv->words);
	/* A call handed over is the server's event when it wakes. */
	if (trace_xipc_lrpc_serve_enabled() && srv->task == current)
		xipc_lrpc_trace(svc, a, XIPC_LRPC_EV_SERVE, 0, 0);
}

/* With @svc->lock held: the oldest call no server thread has, for @srv. */
static struct xipc_lrpc_astack *xipc_lrpc_take(struct xipc_service *svc,
					       struct xipc_lrpc_server *srv)
{
	struct xipc_lrpc_astack *a;

	a = list_first_entry_or_null(&svc->pending, struct xipc_lrpc_astack,
				     pending);
	if (a) {
		xipc_lrpc_dequeue(svc, a);
		xipc_lrpc_give(svc, a, srv);
	}
	return a;
}

/*
 * With @svc->lock held: call @a, on no queue, goes to the server thread
 * that went idle last, which is woken; if none is idle, to the queue, at
 * its head if @first.
 */
static void xipc_lrpc_dispatch(struct xipc_service *svc,
			       struct xipc_lrpc_astack *a, bool first)
{
	struct xipc_lrpc_server *srv;

	srv = hlist_entry_safe(svc->idle_servers.first, struct xipc_lrpc_server,
			       link);
	if (!srv) {
		xipc_lrpc_queue(svc, a, first);
		return;
	}
	hlist_del(&srv->link);
	svc->idle--;
	xipc_lrpc_give(svc, a, srv);
	wake_up_process(srv->task);
	/* Last: a server that sees it may leave without the lock (and @srv). */
	smp_store_release(&srv->call, a);
}

/* Starts call @req in @a: an idle server thread's at once, else queued. */
static int xipc_lrpc_start(struct xipc_service *svc, struct xipc_binding *b,
			   struct xipc_lrpc_astack *a,
			   const struct xipc_lrpc_call *req, u32 depth,
			   struct xipc_deadline *dl)
{
	int err;

	spin_lock(&svc->lock);
	err = svc->dead;
	/*
	 * Under the lock a revoke's handles_changed() takes after marking the
	 * handle: a call is refused here or withdrawn there.
	 */
	if (!err && READ_ONCE(b->via->revoked))
		err = -EKEYREVOKED;
	/*
	 * A client ends a replied call without the lock (wait_reply()): the
	 * acquire orders its a->client = NULL before ours below.
	 */
	if (!err && smp_load_acquire(&a->state) != XIPC_LRPC_IDLE)
		err = -EBUSY;
	/* Not waiting for a server: one must be idle and not yet claimed. */
	if (!err && dl->nonblock && svc->idle <= svc->queued)
		err = -EAGAIN;
	if (!err) {
		a->state = XIPC_LRPC_QUEUED;
		a->replied = false;
		a->gen++;
		a->client = current;
		a->uid = current_euid();
		a->gid = current_egid();
		a->badge = b->via->badge;
		a->depth = depth;
		a->regs = req->flags & XIPC_CALL_REGS;
		a->nonblock = dl->nonblock;
		a->proc = req->proc;
		if (trace_xipc_lrpc_call_enabled())
			xipc_lrpc_trace(svc, a, XIPC_LRPC_EV_CALL, 0, 0);
		xipc_lrpc_dispatch(svc, a, false);
	}
	spin_unlock(&svc->lock);
	if (err)
		return err;

	if (dl->nonblock) {
		/* A server is on its way; the reply is waited for as usual. */
		dl->nonblock = false;
		dl->expires = KTIME_MAX;
	}
	return 0;
}

/*
 * XIPC_CALL_SPIN_WAIT: sleeps until A-stack @a's state word differs from
 * @expect or a server woke the A-stack. The word is read under the lock that
 * XIPC_SERVE_WAKE takes, so a wake after the server changed the word is
 * never missed.
 */
static int xipc_lrpc_spin_wait(struct xipc_service *svc,
			       struct xipc_binding *b,
			       struct xipc_lrpc_astack *a, u32 expect,
			       struct xipc_deadline *dl)
{
	struct xipc_astack *astack = svc->region +
				     (a - svc->astacks) * (size_t)svc->astack_size;
	bool done = false;
	DEFINE_WAIT(wait);
	int err = 0;

	for (;;) {
		prepare_to_wait(&a->wait, &wait, TASK_INTERRUPTIBLE);
		spin_lock(&svc->lock);
		err = svc->dead;
		if (!err && READ_ONCE(b->via->revoked))
			err = -EKEYREVOKED;
		if (!err && (a->spin_woken || READ_ONCE(astack->state) != expect)) {
			a->spin_woken = false;
			done = true;
		}
		spin_unlock(&svc->lock);
		if (err || done)
			break;
		err = xipc_sleep(dl);
		if (err)
			break;
	}
	finish_wait(&a->wait, &wait);
	return err;
}

long xipc_lrpc_call(struct xipc_space *space, void __user *uarg)
{
	bool spin_wait, regs;
	struct xipc_lrpc_call req __uninitialized;
	struct xipc_lrpc_astack *a;
	struct xipc_deadline dl __uninitialized;
	struct xipc_service *svc;
	struct xipc_binding *b;
	struct xipc_ref ref __uninitialized;
	int depth = 0;
	int err;

	if (xipc_cmd_in(&req, uarg, sizeof(req)))
		return -EFAULT;
	spin_wait = req.flags & XIPC_CALL_SPIN_WAIT;
	regs = req.flags & XIPC_CALL_REGS;
	if (req.flags & ~(XIPC_CALL_SPIN_WAIT | XIPC_CALL_REGS |
			  XIPC_CALL_SPUN_PARENT | XIPC_ABSTIME) ||
	    (!regs && req.proc) ||
	    (!req.parent_service &&
	     (req.parent || req.flags & XIPC_CALL_SPUN_PARENT)) ||
	    (spin_wait ? req.parent_service || regs : req.expect))
		return -EINVAL;
	if (regs && !xipc_lrpc_regs_usable())
		return -EOPNOTSUPP;
	if (req.parent_service) {
		depth = xipc_lrpc_parent_depth(space, req.parent_service,
					       req.parent,
					       req.flags & XIPC_CALL_SPUN_PARENT);
		if (depth < 0)
			return depth;
		if (++depth > XIPC_MAX_CALL_DEPTH)
			return -ELOOP;
	}
	err = xipc_handle_lookup(space, req.binding, XIPC_RIGHT_SEND,
				 XIPC_OBJECT_BINDING, &ref);
	if (err)
		return err;
	b = to_binding(ref.obj);
	svc = b->svc;
	err = -EINVAL;
	if (req.astack >= svc->nr_astacks)
		goto out;
	err = -EKEYREVOKED;
	if (READ_ONCE(b->via->revoked))
		goto out;
	a = &svc->astacks[b->slot * svc->nr_astacks + req.astack];
	xipc_deadline_init(&dl, req.timeout_ns, req.flags & XIPC_ABSTIME);

	if (spin_wait) {
		err = xipc_lrpc_spin_wait(svc, b, a, req.expect, &dl);
		/* The call it waits for cannot be taken back: not restarted. */
		if (err == -ERESTARTSYS)
			err = -EINTR;
	} else {
		err = xipc_lrpc_start(svc, b, a, &req, depth, &dl);
		if (!err)
			err = xipc_lrpc_wait_reply(svc, b, a, &dl);
	}
out:
	xipc_object_put(ref.obj);
	return err;
}

/*
 * With @svc->lock held: sends register call @a's results to its client, from
 * the replier's registers with XIPC_SERVE_REGS in @req, else from the A-stack.
 */
static void xipc_lrpc_reply_words(struct xipc_service *svc,
				  struct xipc_lrpc_astack *a,
				  const struct xipc_lrpc_serve *req)
{
	struct pt_regs *to = task_pt_regs(a->client);
	const struct xipc_astack *astack;
	u64 words[XIPC_NR_WORDS];

	if (req->flags & XIPC_SERVE_REGS) {
		xipc_words_move(to, current_pt_regs());
		xipc_status_put(to, req->status);
		return;
	}
	astack = svc->region + (a - svc->astacks) * (size_t)svc->astack_size;
	memcpy(words, astack->regs, sizeof(astack->regs));
	memcpy(words + ARRAY_SIZE(astack->regs), astack->data,
	       sizeof(words) - sizeof(astack->regs));
	xipc_words_put(to, words);
	xipc_status_put(to, READ_ONCE(astack->status));
}

/* With @svc->lock held: replies to the call of @svc that @req names. */
static __always_inline int
xipc_lrpc_reply_locked(struct xipc_service *svc,
		       const struct xipc_lrpc_serve *req)
{
	u64 call = req->call;
	u32 index = lower_32_bits(call);
	enum xipc_lrpc_state state;
	struct xipc_lrpc_astack *a;
	int err = -EINVAL;

	if (index >= xipc_service_nr_astacks(svc))
		return -EINVAL;
	a = &svc->astacks[index];
	state = READ_ONCE(a->state);
	if (svc->dead) {
		err = svc->dead;
	} else if (!xipc_lrpc_is_call(a, call)) {
		err = -EINVAL;
	} else if (state == XIPC_LRPC_RUNNING) {
		/* The client sleeps until it sees @replied, or takes the lock. */
		if (a->regs)
			xipc_lrpc_reply_words(svc, a, req);
		a->state = XIPC_LRPC_DONE;
		a->result = 0;
		wake_up_process(a->client);
		/* Last, as above: the client may now end the call unlocked. */
		smp_store_release(&a->replied, true);
		err = 0;
	} else if (state == XIPC_LRPC_ABANDONED) {
		xipc_astack_idle(svc, a);
		err = -ECANCELED;
	}
	if (trace_xipc_lrpc_reply_enabled())
		xipc_lrpc_trace(svc, a, XIPC_LRPC_EV_REPLY, call, err);
	return err;
}

/*
 * With @svc->lock held: gives call @call in @a, which a server thread took
 * but could not serve, to another. One that may not wait for a server
 * ends, EAGAIN, if no other is idle, as it would have if none had been when
 * it was made. A record that holds a later call is left alone: another
 * thread of the server replied to @call meanwhile, and its client called
 * again.
 */
static void xipc_lrpc_untake_locked(struct xipc_service *svc,
				    struct xipc_lrpc_astack *a, u64 call)
{
	enum xipc_lrpc_state state = READ_ONCE(a->state);

	if (!xipc_lrpc_is_call(a, call))
		return;
	if (state == XIPC_LRPC_RUNNING && a->nonblock &&
	    hlist_empty(&svc->idle_servers)) {
		a->state = XIPC_LRPC_DONE;
		a->result = -EAGAIN;
		wake_up_process(a->client);
	} else if (state == XIPC_LRPC_RUNNING) {
		xipc_lrpc_dispatch(svc, a, true);
	} else if (state == XIPC_LRPC_ABANDONED) {
		xipc_astack_idle(svc, a);
	}
}

static void xipc_lrpc_untake(struct xipc_service *svc,
			     struct xipc_lrpc_astack *a, u64 call)
{
	spin_lock(&svc->lock);
	xipc_lrpc_untake_locked(svc, a, call);
	spin_unlock(&svc->lock);
}

/*
 * A server thread replies to the call @req names, with XIPC_SERVE_REPLY
 * (a reply that fails ends the command: no wait), then waits for a call and
 * takes it, or is handed one while it sleeps; the reply and the first look
 * for a call under one hold of the service's lock. Before it replies,
 * before it first waits and after each sleep it checks that handle @id,
 * which @ref was looked up through, still allows serving: one revoked or
 * closed meanwhile answers no call, takes none, and gives a call it was
 * handed to another server thread.
 */
static struct xipc_lrpc_astack *xipc_lrpc_next(struct xipc_space *space, u32 id,
					       const struct xipc_ref *ref,
					       struct xipc_lrpc_serve *req,
					       u64 *words,
					       struct xipc_deadline *dl)
{
	struct xipc_service *svc = to_service(ref->obj);
	/* Each field set before it is read: not zeroed first (rep stos). */
	struct xipc_lrpc_server me __uninitialized;
	struct xipc_lrpc_astack *a = NULL;
	int err, slept = 0;

	me.task = current;
	me.call = NULL;
	me.req = req;
	me.words = words;
	me.pid_ns = xipc_current_pid_ns();
	me.user_ns = current_user_ns();

	spin_lock(&svc->lock);
	if (req->flags & XIPC_SERVE_REPLY) {
		/* A reply, too, goes only through a handle still held. */
		err = svc->dead ?: xipc_handle_recheck(space, id, ref) ?:
		      xipc_lrpc_reply_locked(svc, req);
		if (err) {
			spin_unlock(&svc->lock);
			return ERR_PTR(err);
		}
	}
	for (;;) {
		/*
		 * A call waiting, or handed over, wins over a timeout or a
		 * signal, not over a loss of the handle (checked under the
		 * lock a close or revoke tells the service in); one the
		 * service's death ended is nobody's.
		 */
		err = svc->dead ?: xipc_handle_recheck(space, id, ref);
		if (!a && !err)
			a = xipc_lrpc_take(svc, &me);
		if (a && err) {
			xipc_lrpc_untake_locked(svc, a, req->call);
			a = NULL;
		}
		if (!a && !err)
			err = slept;
		if (!a && !err && dl->nonblock)
			err = -EAGAIN;
		if (a || err)
			break;
		hlist_add_head(&me.link, &svc->idle_servers);
		svc->idle++;
		set_current_state(TASK_INTERRUPTIBLE);
		spin_unlock(&svc->lock);
		slept = xipc_sleep(dl);
		xipc_test_hold(XIPC_HOLD_SERVE_WOKEN);
		/*
		 * Handed a call: its giver took us off the idle list and is
		 * done with @me. The handle is checked after the call is
		 * seen, so that a close or revoke the service was told of
		 * before the hand-over is seen too (a wake-up that found us
		 * awake orders nothing). A loss, a death or a trace needs the
		 * lock.
		 */
		a = smp_load_acquire(&me.call);
		if (a && !READ_ONCE(svc->dead) &&
		    !trace_xipc_lrpc_serve_enabled() &&
		    !xipc_handle_recheck(space, id, ref))
			return a;
		spin_lock(&svc->lock);
		a = me.call;
		if (!a) {
			hlist_del(&me.link);
			svc->idle--;
		} else if (trace_xipc_lrpc_serve_enabled()) {
			xipc_lrpc_trace(svc, a, XIPC_LRPC_EV_SERVE, 0, 0);
		}
	}
	spin_unlock(&svc->lock);
	return a ?: ERR_PTR(err);
}

/*
 * For XIPC_SERVICE_COPY_IN: the A-stack's header and arguments to @args, and
 * the procedure of that copy to *@proc.
 */
static int xipc_lrpc_copy_in(struct xipc_service *svc,
			     const struct xipc_astack *astack, u64 args,
			     u32 *proc)
{
	void __user *uargs = u64_to_user_ptr(args);
	struct xipc_astack head;
	size_t size;

	/* One read of the header: the copy is what the server checks. */
	memcpy(&head, astack, sizeof(head));
	size = min_t(size_t, head.size, svc->astack_size - sizeof(head));
	if (copy_to_user(uargs, &head, sizeof(head)) ||
	    copy_to_user(uargs + sizeof(head), astack->data, size))
		return -EFAULT;
	*proc = head.proc;
	return 0;
}

/*
 * A register call to a server thread that takes no words in registers: its
 * procedure and words into the A-stack's header (see XIPC_CALL_REGS), or for
 * XIPC_SERVICE_COPY_IN into the server's copy at @args only.
 */
static int xipc_lrpc_words_in(struct xipc_service *svc,
			      struct xipc_astack *astack, u64 args, u32 proc,
			      const u64 *words)
{
	struct {
		struct xipc_astack head;
		u64 more[XIPC_NR_WORDS - ARRAY_SIZE(astack->regs)];
	} copy;

	if (!(svc->flags & XIPC_SERVICE_COPY_IN)) {
		WRITE_ONCE(astack->proc, proc);
		WRITE_ONCE(astack->size, sizeof(copy.more));
		memcpy(astack->regs, words, sizeof(astack->regs));
		memcpy(astack->data, words + ARRAY_SIZE(astack->regs),
		       sizeof(copy.more));
		return 0;
	}
	memset(&copy, 0, sizeof(copy));
	copy.head.proc = proc;
	copy.head.size = sizeof(copy.more);
	memcpy(copy.head.regs, words, sizeof(copy.head.regs));
	memcpy(copy.more, words + ARRAY_SIZE(astack->regs), sizeof(copy.more));
	if (copy_to_user(u64_to_user_ptr(args), &copy, sizeof(copy)))
		return -EFAULT;
	return 0;
}

/*
 * XIPC_SERVE_WAKE: wakes the client of the A-stack with index @index, and
 * frees its slot if the server's last hold on it was what kept it.
 */
static int xipc_lrpc_spin_wake(struct xipc_service *svc, u64 index)
{
	struct xipc_lrpc_astack *a;

	if (index >= xipc_service_nr_astacks(svc))
		return -EINVAL;
	a = &svc->astacks[index];
	spin_lock(&svc->lock);
	a->spin_woken = true;
	xipc_slot_maybe_free(svc, index / svc->nr_astacks);
	spin_unlock(&svc->lock);
	wake_up_interruptible_sync(&a->wait);
	return 0;
}

long xipc_lrpc_serve(struct xipc_space *space, void __user *uarg)
{
	struct xipc_lrpc_serve req __uninitialized;
	/* A register call's words, set by the take before any read. */
	u64 words[XIPC_NR_WORDS] __uninitialized;
	bool wake, regs;
	struct xipc_lrpc_astack *a;
	struct xipc_astack *astack;
	struct xipc_deadline dl __uninitialized;
	struct xipc_service *svc;
	struct xipc_ref ref __uninitialized;
	int err;

	/*
	 * Words 4 to 7 (astack, badge, proc and depth, pid and uid) only go
	 * out, and words 2 and 3 (timeout_ns, args) only in. Every output
	 * field is set before the copy out: by the take (xipc_lrpc_give()),
	 * then proc, flags and status below. Word 8 is read for status, which
	 * shares it with gid; so the struct's first and last words are read,
	 * and with them the pages the words not read lie on. A copy out that
	 * fails gives the call back as xipc_lrpc_untake_locked() says, and loses
	 * nothing.
	 */
	BUILD_BUG_ON(sizeof(req) != 9 * sizeof(u64) ||
		     offsetof(struct xipc_lrpc_serve, timeout_ns) != 2 * sizeof(u64) ||
		     offsetof(struct xipc_lrpc_serve, astack) != 4 * sizeof(u64) ||
		     offsetof(struct xipc_lrpc_serve, gid) != 8 * sizeof(u64));
	if (xipc_cmd_in_words(&req, uarg, sizeof(req),
			      GENMASK_ULL(3, 0) | BIT_ULL(8)))
		return -EFAULT;
	wake = req.flags & XIPC_SERVE_WAKE;
	regs = req.flags & XIPC_SERVE_REGS;
	if (req.flags & ~(XIPC_SERVE_REPLY | XIPC_SERVE_WAIT | XIPC_SERVE_WAKE |
			  XIPC_SERVE_REGS | XIPC_ABSTIME) ||
	    (req.status && !(regs && req.flags & XIPC_SERVE_REPLY)) ||
	    !(req.flags & (XIPC_SERVE_REPLY | XIPC_SERVE_WAIT | XIPC_SERVE_WAKE)) ||
	    (wake && req.flags & (XIPC_SERVE_REPLY | XIPC_SERVE_WAIT |
				  XIPC_SERVE_REGS)))
		return -EINVAL;
	if (regs && !xipc_lrpc_regs_usable())
		return -EOPNOTSUPP;
	err = xipc_handle_lookup(space, req.service, XIPC_RIGHT_RECV,
				 XIPC_OBJECT_SERVICE, &ref);
	if (err)
		return err;
	svc = to_service(ref.obj);
	xipc_test_hold(XIPC_HOLD_SERVE_LOOKUP);
	err = -EINVAL;
	if (svc->flags & XIPC_SERVICE_COPY_IN ?
	    req.flags & XIPC_SERVE_WAIT && !req.args : req.args)
		goto out;
	if (wake) {
		err = xipc_lrpc_spin_wake(svc, req.call);
		goto out;
	}
	if (!(req.flags & XIPC_SERVE_WAIT)) {
		spin_lock(&svc->lock);
		err = svc->dead ?: xipc_handle_recheck(space, req.service, &ref) ?:
		      xipc_lrpc_reply_locked(svc, &req);
		spin_unlock(&svc->lock);
		goto out;
	}

	xipc_deadline_init(&dl, req.timeout_ns, req.flags & XIPC_ABSTIME);
	a = xipc_lrpc_next(space, req.service, &ref, &req, words, &dl);
	err = PTR_ERR_OR_ZERO(a);
	/* Restarting would reply a second time. */
	if (err == -ERESTARTSYS && req.flags & XIPC_SERVE_REPLY)
		err = -EINTR;
	if (err)
		goto out;
	xipc_test_hold(XIPC_HOLD_LRPC_TAKEN);
	astack = svc->region + req.astack;
	/* The server has @a until its reply: a->regs and a->proc stay. */
	if (a->regs) {
		req.proc = a->proc;
		if (!regs)
			err = xipc_lrpc_words_in(svc, astack, req.args,
						 a->proc, words);
	} else if (svc->flags & XIPC_SERVICE_COPY_IN) {
		err = xipc_lrpc_copy_in(svc, astack, req.args, &req.proc);
	} else {
		req.proc = READ_ONCE(astack->proc);
	}
	if (!a->regs)
		req.flags &= ~XIPC_SERVE_REGS;
	req.status = 0;
	if (!err && xipc_cmd_out_words(uarg, &req, sizeof(req),
				       GENMASK_ULL(1, 0) | GENMASK_ULL(8, 4)))
		err = -EFAULT;
	/* A thread that is dying, or cannot be told, leaves the call to others. */
	if (!err && fatal_signal_pending(current))
		err = -EINTR;
	if (err)
		xipc_lrpc_untake(svc, a, req.call);
	else if (a->regs && regs)
		xipc_words_put(current_pt_regs(), words);
out:
	xipc_object_put(ref.obj);
	return err;
}

static void xipc_lrpc_vm_open(struct vm_area_struct *vma)
{
	xipc_object_get(vma->vm_private_data);
}

static void xipc_lrpc_vm_close(struct vm_area_struct *vma)
{
	xipc_object_put(vma->vm_private_data);
}

/* Each piece of a mapping (split, copied by fork) holds its own reference. */
static const struct vm_operations_struct xipc_lrpc_vm_ops = {
	.open	= xipc_lrpc_vm_open,
	.close	= xipc_lrpc_vm_close,
};

/*
 * Maps the pages at @kaddr (in a region) into all of @vma, as PFNs: no page
 * of a region can be pinned by get_user_pages() (vmsplice(), O_DIRECT), so
 * that once a binding's mappings are gone, nothing of its old client can
 * reach the slot that a new binding gets.
 */
static int xipc_lrpc_remap(struct vm_area_struct *vma, void *kaddr)
{
	unsigned long uaddr;
	int err;

	for (uaddr = vma->vm_start; uaddr < vma->vm_end; uaddr += PAGE_SIZE) {
		err = remap_pfn_range(vma, uaddr, vmalloc_to_pfn(kaddr),
				      PAGE_SIZE, vma->vm_page_prot);
		if (err) {
			/*
			 * Unmapped now, not after the failed mmap() returns:
			 * the caller's put may free the pages at once.
			 */
			if (uaddr > vma->vm_start)
				zap_special_vma_range(vma, vma->vm_start,
						      uaddr - vma->vm_start);
			return err;
		}
		kaddr += PAGE_SIZE;
	}
	return 0;
}

/*
 * Maps a service's region (a handle with XIPC_RIGHT_RECV) or a binding's
 * A-stacks (XIPC_RIGHT_SEND): the offset is the handle's, the length at most
 * the region's or the binding's.
 */
int xipc_lrpc_mmap(struct xipc_space *space, struct vm_area_struct *vma)
{
	unsigned long size = vma->vm_end - vma->vm_start;
	unsigned long first, room;
	struct xipc_service *svc;
	struct xipc_ref ref;
	int err;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_pgoff > U32_MAX)
		return -EBADF;
	err = xipc_handle_lookup(space, vma->vm_pgoff, 0, 0, &ref);
	if (err)
		return err;
	switch (ref.obj->ops->type) {
	case XIPC_OBJECT_SERVICE:
		svc = to_service(ref.obj);
		err = ref.rights & XIPC_RIGHT_RECV ? 0 : -EPERM;
		first = 0;
		room = svc->region_size;
		break;
	case XIPC_OBJECT_BINDING:
		svc = to_binding(ref.obj)->svc;
		first = to_binding(ref.obj)->slot * xipc_slot_size(svc);
		room = xipc_slot_size(svc);
		break;
	default:
		err = -ENODEV;
		break;
	}
	if (!err && size > room)
		err = -EINVAL;
	if (!err)
		err = xipc_lrpc_remap(vma, svc->region + first);
	if (err) {
		xipc_object_put(ref.obj);
		return err;
	}
	vma->vm_private_data = ref.obj;
	vma->vm_ops = &xipc_lrpc_vm_ops;
	return 0;
}

/*
 * The operator view of services, /proc/xipc/services: one line per service
 * of the reader's IPC namespace, as /proc/xipc/mailboxes has for mailboxes.
 */
static void *xipc_services_start(struct seq_file *m, loff_t *pos)
{
	mutex_lock(&xipc_services_lock);
	return seq_list_start_head(&xipc_services, *pos);
}

static void *xipc_services_next(struct seq_file *m, void *v, loff_t *pos)
{
	return seq_list_next(v, &xipc_services, pos);
}

static void xipc_services_stop(struct seq_file *m, void *v)
{
	mutex_unlock(&xipc_services_lock);
}

/*
 * The calls made to @svc: its A-stacks' generations, summed a slot at a time
 * under the lock, so that a large service does not hold it for long.
 */
static u64 xipc_service_calls(struct xipc_service *svc)
{
	const struct xipc_lrpc_astack *a = svc->astacks;
	u64 calls = 0;
	u32 slot, i;

	for (slot = 0; slot < svc->max_bindings; slot++) {
		spin_lock(&svc->lock);
		for (i = 0; i < svc->nr_astacks; i++, a++)
			calls += a->gen;
		spin_unlock(&svc->lock);
		cond_resched();
	}
	return calls;
}

/* Takes the service's lock only to copy its numbers. */
static int xipc_services_show(struct seq_file *m, void *v)
{
	unsigned int bound, idle, queued;
	struct xipc_service *svc;
	u64 calls;
	int dead;

	if (v == &xipc_services) {
		seq_puts(m, "      id   uid bound max_bindings astacks astack_size  idle queued      calls state\n");
		return 0;
	}
	svc = list_entry(v, struct xipc_service, all);
	if (svc->ns != current->nsproxy->ipc_ns)
		return 0;
	spin_lock(&svc->lock);
	bound = bitmap_weight(svc->bound, svc->max_bindings);
	idle = svc->idle;
	queued = svc->queued;
	dead = svc->dead;
	spin_unlock(&svc->lock);
	calls = xipc_service_calls(svc);
	seq_printf(m, "%8llu %5u %5u %12u %7u %11u %5u %6u %10llu %s\n",
		   svc->obj.id, from_kuid_munged(seq_user_ns(m), svc->uid),
		   bound, svc->max_bindings, svc->nr_astacks, svc->astack_size,
		   idle, queued, calls,
		   dead == -EIDRM ? "destroyed" : dead ? "dead" : "live");
	return 0;
}

const struct seq_operations xipc_services_seq_ops = {
	.start	= xipc_services_start,
	.next	= xipc_services_next,
	.stop	= xipc_services_stop,
	.show	= xipc_services_show,
};
