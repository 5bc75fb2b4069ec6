/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces of the xipc module, shared between its files.
 *
 * The objects, and the file that owns each:
 *   space.c    struct xipc_space    one open of /dev/xipc: a table of handles
 *   table.c    struct xipc_table    that table: handle number -> handle
 *   handle.c   struct xipc_handle   rights + badge on an object; derivation tree
 *              struct xipc_object   what a handle names (the common part)
 *   message.c  struct xipc_msg      a queued message and the handles it carries
 *   mailbox.c  struct xipc_mailbox  a typed message queue
 *   name.c     struct xipc_name     a mailbox's name in an IPC namespace
 *   nameserver.c                    name-server roles; death watches
 *   rpc.c      struct xipc_call     an RPC waiting for its reply
 *   lrpc.c     struct xipc_service  an LRPC service and its A-stacks
 *              struct xipc_binding  a client's binding to a service
 *   user.c     struct xipc_user     a user's quota
 *   wait.c     struct xipc_deadline timeouts of blocking commands
 *   gc.c       struct xipc_gc       cycle collection of mailboxes
 *   hooks.c                         test builds only: hold a thread in a window
 *   handoff.c                       benchmark builds only: the bare handoff
 *
 * Lock order, outermost first; no other nesting is allowed:
 *   xipc_gc_mutex (the cycle collector's; taken with nothing held, by a
 *     command or by the collector's worker)
 *   xipc_names_lock (mutex: the table of names), or
 *   xipc_nameservers_lock (mutex: the name-server roles)
 *   xipc_mailboxes_lock (mutex: the list of every mailbox)
 *   xipc_mailbox.lock or xipc_call.lock (mutexes, never both)
 *     xipc_object.tree_lock (spinlock: the derivation tree of its handles)
 *       xipc_table.lock (spinlock: the slots of a space's handle table;
 *         nothing nests in it)
 *       xipc_gc_lock (spinlock: what the cycle collector counts; it nests
 *         in a mailbox's lock or a tree_lock, and nothing nests in it)
 *   xipc_service.lock (spinlock: an LRPC service's calls; nothing nests in
 *     it but wait queue locks, and it nests in nothing but mmap_lock)
 * Releasing a handle calls its object's handles_changed(), which may take
 * the object's mutex: so handles are released only with no mutex held.
 * Handle lookups take no lock: handles and objects are freed after an RCU
 * grace period, and a lookup takes a reference on the object.
 */
#ifndef XIPC_INTERNAL_H
#define XIPC_INTERNAL_H

#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/types.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>
#include <linux/cred.h>
#include <linux/user_namespace.h>
#include <linux/wait.h>
#include <linux/xipc.h>

#include "compat.h"

struct file;
struct ipc_namespace;
struct pid;
struct seq_file;
struct xipc_name;
struct xipc_share;
struct xipc_space;
struct xipc_user;
struct xipc_handle;
struct xipc_object;

/* Module parameters (main.c). */
extern unsigned int xipc_max_handles;
extern unsigned int xipc_max_msg_size_limit;
extern unsigned int xipc_max_msgs_limit;
extern unsigned long xipc_max_bytes_limit;
extern unsigned int xipc_user_max_msgs;
extern unsigned long xipc_user_max_bytes;
extern unsigned int xipc_user_max_mailboxes;
extern unsigned int xipc_user_max_handles;
extern unsigned int xipc_max_watches;
extern unsigned long xipc_max_region_size;

/*
 * Test hooks (hooks.c): points where a test build can hold a thread, to
 * widen a window a test must act in. Compiled out of other builds.
 */
enum xipc_hold_point {
	XIPC_HOLD_DERIVE = 1,	/* xipc_handle_derive(), after its sleeps */
	XIPC_HOLD_RPC_QUEUE,	/* an RPC about to queue its request */
	XIPC_HOLD_RECV_COPY,	/* a receive that took a message, before copy-out */
	XIPC_HOLD_LRPC_TAKEN,	/* a server thread that took an LRPC call */
	XIPC_HOLD_GC_SCANNED,	/* the cycle collector, garbage found, not dropped */
	XIPC_HOLD_RPC_REPLIED,	/* a reply delivered, its handle not yet destroyed */
	XIPC_HOLD_REVOKE_WITHDRAWN, /* a revoke took a request back, call not ended */
	/*
	 * A lockless lookup (xipc_handle_lookup(), xipc_handle_info()) that
	 * read an embedded handle from its slot, its object not yet held:
	 * inside rcu_read_lock(), so the thread spins there.
	 */
	XIPC_HOLD_LOOKUP_EMBEDDED,
	XIPC_HOLD_RECV_PINNED,	/* a receive that pinned its buffer, unlocked */
	XIPC_HOLD_SERVE_LOOKUP,	/* a serve that looked its handle up */
	XIPC_HOLD_SERVE_WOKEN,	/* a server thread woken, not yet looking */
	XIPC_HOLD_GC_DONE,	/* the collector, done, its mutex still held */
};

/*
 * The benchmark's floor (handoff.c): only in a module built with
 * XIPC_BENCH_HANDOFF=y. bench/xipc.c uses the same command number.
 */
#ifdef XIPC_BENCH_HANDOFF
#define XIPC_IOC_BENCH_HANDOFF	_IO(XIPC_IOCTL_TYPE, 0x7f)
long xipc_bench_handoff(unsigned long arg);
#endif

#ifdef XIPC_TEST_HOOKS
void xipc_test_hold(enum xipc_hold_point point);
void xipc_test_hold_atomic(enum xipc_hold_point point);
#else
static inline void xipc_test_hold(enum xipc_hold_point point)
{
}

static inline void xipc_test_hold_atomic(enum xipc_hold_point point)
{
}
#endif

/*
 * What is alive, for /proc/xipc/objects (handle.c): handles (in spaces, in
 * messages, held by bindings), messages (charged, queued or on their way),
 * and the objects of each kind. Per CPU: counting costs one add.
 */
enum xipc_counter {
	XIPC_COUNT_HANDLES,
	XIPC_COUNT_MESSAGES,
	XIPC_COUNT_OBJECTS,	/* + XIPC_OBJECT_*: the objects of that kind */
	XIPC_NR_COUNTS = XIPC_COUNT_OBJECTS + XIPC_OBJECT_BINDING + 1,
};

struct xipc_counts {
	long n[XIPC_NR_COUNTS];
};

DECLARE_PER_CPU(struct xipc_counts, xipc_counts);

static inline void xipc_count(enum xipc_counter counter, int delta)
{
	this_cpu_add(xipc_counts.n[counter], delta);
}

int xipc_objects_show(struct seq_file *m, void *v);

/*
 * Command structs cross to and from user space word by word, unrolled: for
 * the few dozen bytes of a command, copy_from_user()'s string copy costs
 * more than the words (and a byte an instruction where the CPU copies with
 * rep movsb). @size is a multiple of 8, known at compile time. The user
 * pointer is hidden from the optimizer in each: else it keeps the address of
 * every word of the command on the stack between the copy in and the copy
 * out, an instruction more each way per word. Only the words whose bits
 * are set in @words (known at compile time) cross: a command whose struct
 * has words that only go out reads the others alone, and one with words
 * that only go in writes back its outputs alone.
 *
 * On the paths the benchmark measures, a struct filled before any use (by
 * xipc_cmd_in(), xipc_handle_lookup(), xipc_deadline_init(),
 * xipc_transfers_prepare()) is declared __uninitialized: the kernel's stack
 * initialization (CONFIG_INIT_STACK_ALL_ZERO) would zero it on every command
 * for nothing.
 */
static __always_inline int xipc_cmd_in_words(void *cmd,
					     const void __user *uarg,
					     size_t size, u64 words)
{
	const u64 __user *from = uarg;
	u64 *to = cmd;
	size_t i;

	BUILD_BUG_ON(size % sizeof(u64) || size > 64 * sizeof(u64));
	OPTIMIZER_HIDE_VAR(from);
	if (!user_access_begin(from, size))
		return -EFAULT;
#pragma GCC unroll 16
	for (i = 0; i < size / sizeof(u64); i++)
		if (words & BIT_ULL(i))
			unsafe_get_user(to[i], &from[i], fault);
	user_access_end();
	return 0;
fault:
	user_access_end();
	return -EFAULT;
}

static __always_inline int xipc_cmd_in(void *cmd, const void __user *uarg,
				       size_t size)
{
	return xipc_cmd_in_words(cmd, uarg, size, ~0ULL);
}

static __always_inline int xipc_cmd_out_words(void __user *uarg,
					      const void *cmd, size_t size,
					      u64 words)
{
	u64 __user *to = uarg;
	const u64 *from = cmd;
	size_t i;

	BUILD_BUG_ON(size % sizeof(u64) || size > 64 * sizeof(u64));
	OPTIMIZER_HIDE_VAR(to);
	if (!user_access_begin(to, size))
		return -EFAULT;
#pragma GCC unroll 16
	for (i = 0; i < size / sizeof(u64); i++)
		if (words & BIT_ULL(i))
			unsafe_put_user(from[i], &to[i], fault);
	user_access_end();
	return 0;
fault:
	user_access_end();
	return -EFAULT;
}

static __always_inline int xipc_cmd_out(void __user *uarg, const void *cmd,
					size_t size)
{
	return xipc_cmd_out_words(uarg, cmd, size, ~0ULL);
}

/*
 * A uid or gid as user namespace @ns sees it (overflowuid where it has
 * none); the initial namespace sees every valid one as it is.
 */
static inline uid_t xipc_uid_in(struct user_namespace *ns, kuid_t uid)
{
	if (ns == &init_user_ns && uid_valid(uid))
		return __kuid_val(uid);
	return from_kuid_munged(ns, uid);
}

static inline gid_t xipc_gid_in(struct user_namespace *ns, kgid_t gid)
{
	if (ns == &init_user_ns && gid_valid(gid))
		return __kgid_val(gid);
	return from_kgid_munged(ns, gid);
}

/* The number of @pid in @ns, 0 if it has none there. */
static inline pid_t xipc_pid_in(struct pid_namespace *ns, struct pid *pid)
{
	if (ns == &init_pid_ns)
		return pid_nr(pid);
	return pid_nr_ns(pid, ns);
}

/*
 * task_active_pid_ns(current), inline (the kernel's is a call): whoever
 * receives a message or a call is told its sender's pid in this namespace.
 */
static inline struct pid_namespace *xipc_current_pid_ns(void)
{
	return ns_of_pid(task_pid(current));
}

/* The process id of live @task in @ns, 0 if it has none there. */
static inline pid_t xipc_tgid_in(struct pid_namespace *ns,
				 struct task_struct *task)
{
	if (ns == &init_pid_ns)
		return task_tgid_nr(task);
	return task_tgid_nr_ns(task, ns);
}

/* The same, as the caller sees it. */
static inline uid_t xipc_uid_seen(kuid_t uid)
{
	return xipc_uid_in(current_user_ns(), uid);
}

static inline gid_t xipc_gid_seen(kgid_t gid)
{
	return xipc_gid_in(current_user_ns(), gid);
}

kuid_t xipc_quota_uid(void);
struct xipc_user *xipc_user_get(void);
kuid_t xipc_user_uid(const struct xipc_user *user);
void xipc_user_put(struct xipc_user *user);
struct xipc_user *xipc_user_charge_msg(struct xipc_space *space, size_t size);
void xipc_user_uncharge_msg(struct xipc_user *user, size_t size);
void xipc_user_settle_reply(struct xipc_user *user, size_t reserved,
			    size_t size);
struct xipc_user *xipc_user_charge_mailbox(void);
void xipc_user_uncharge_mailbox(struct xipc_user *user);
struct xipc_user *xipc_user_charge_region(size_t size);
void xipc_user_uncharge_region(struct xipc_user *user, size_t size);
int xipc_user_charge_handles(struct xipc_user *user, unsigned int nr);
void xipc_user_uncharge_handles(struct xipc_user *user, unsigned int nr);
int xipc_user_charge_transit(struct xipc_user *user, unsigned int nr);
void xipc_user_uncharge_transit(struct xipc_user *user, unsigned int nr);
int xipc_users_show(struct seq_file *m, void *v);

/**
 * struct xipc_table_slots - one array of a handle table (table.c)
 * @size:	slots in @slot
 * @rcu:	a replaced array is freed after a grace period
 * @slot:	the handle of number i + 1 in slot[i]; NULL if that number is
 *		free or reserved. After the @size slots, the bitmap of the
 *		numbers taken (filled or reserved).
 */
struct xipc_table_slots {
	unsigned int size;
	struct rcu_head rcu;
	struct xipc_handle __rcu *slot[];
};

/**
 * struct xipc_table - a space's handles by number (table.c)
 * @slots:	the current array, read under RCU, replaced under @lock
 * @lock:	taken by every change of a slot or of the numbers taken
 * @hint:	every number up to @hint is taken (none below @hint + 1 is
 *		free), so the search for the lowest free one starts there
 * @cleared:	how many times a handle left its slot (closed, moved, taken);
 *		see xipc_handle_recheck()
 */
struct xipc_table {
	struct xipc_table_slots __rcu *slots;
	spinlock_t lock;	/* see above */
	unsigned int hint;
	unsigned long cleared;
};

void xipc_table_init(struct xipc_table *t);
void xipc_table_destroy(struct xipc_table *t);
struct xipc_handle *xipc_table_find(struct xipc_table *t, u32 *id);
int xipc_table_reserve(struct xipc_table *t, u32 *ids, unsigned int nr,
		       unsigned int limit, bool grow);
void xipc_table_unreserve(struct xipc_table *t, const u32 *ids,
			  unsigned int nr);
void xipc_table_fill(struct xipc_table *t, u32 id, struct xipc_handle *h);
bool xipc_table_clear(struct xipc_table *t, u32 id, struct xipc_handle *h,
		      bool keep);

/*
 * The handle of number @id, or NULL (none, or reserved), under
 * rcu_read_lock. Inline: every command looks its handles up.
 */
static inline struct xipc_handle *xipc_table_load(struct xipc_table *t, u32 id)
{
	struct xipc_table_slots *s = rcu_dereference(t->slots);

	/* Number 0 is never a handle: id - 1 wraps past every size. */
	if (!s || id - 1 >= s->size)
		return NULL;
	return rcu_dereference(s->slot[id - 1]);
}

/**
 * struct xipc_space - a capability space: one open of /dev/xipc
 * @id:		unique among the spaces created since the module was loaded
 *		(the trace events and the operator views name spaces by it)
 * @handles:	handle number -> struct xipc_handle * (table.c); a number
 *		reserved by a command in progress reads as NULL
 * @user:	the opener's quota, referenced: messages sent with the same
 *		effective uid are charged to it without a lookup, and every
 *		slot of @handles, filled or reserved, is charged to it
 * @reply_spare: the memory of the last RPC reply received, for the reply
 *		to the next RPC (xipc_msg_keep()); taken with xchg()
 *
 * A space lives exactly as long as its struct file: it is created in open
 * and freed in release, once no ioctl can be running on it.
 */
struct xipc_space {
	u64 id;
	struct xipc_table handles;
	struct xipc_user *user;
	struct xipc_msg *reply_spare;
};

struct xipc_space *xipc_space_create(void);
void xipc_space_destroy(struct xipc_space *space);
long xipc_space_get_info(struct xipc_space *space, void __user *uarg);

int xipc_space_reserve(struct xipc_space *space, u32 *id);
void xipc_space_commit(struct xipc_space *space, u32 id, struct xipc_handle *h);
void xipc_space_unreserve(struct xipc_space *space, u32 id);
int xipc_space_reserve_many(struct xipc_space *space, u32 *ids, unsigned int nr,
			    bool grow);
void xipc_space_unreserve_many(struct xipc_space *space, u32 *ids,
			       unsigned int nr);
int xipc_space_install_out(struct xipc_space *space, struct xipc_handle *h,
			   u32 *id, void __user *uarg, const void *req,
			   size_t size);
int xipc_space_commit_out(struct xipc_space *space, struct xipc_handle *h,
			  u32 id, void __user *uarg, const void *req,
			  size_t size);

/**
 * struct xipc_object_ops - what differs between the kinds of object
 * @type:	XIPC_OBJECT_*
 * @handles_changed: @send handles with XIPC_RIGHT_SEND and @recv with
 *		XIPC_RIGHT_RECV came (> 0) or went (< 0: closed, revoked,
 *		released with a message). Called with no lock held; messages it
 *		drops go on @dropped, for the caller to free (see
 *		xipc_msgs_drain()), so that releasing a chain of queues is a loop,
 *		not a recursion.
 * @state:	XIPC_STATE_* bits other than REVOKED
 * @release:	the last reference went; free the object after a grace period
 * @recv_stays:	its receive right never leaves the space that holds it
 *		(a transfer is EPERM)
 */
struct xipc_object_ops {
	u32 type;
	bool recv_stays;
	void (*handles_changed)(struct xipc_object *obj, int send, int recv,
				struct list_head *dropped);
	u32 (*state)(struct xipc_object *obj);
	void (*release)(struct xipc_object *obj);
};

/**
 * struct xipc_object - the part every object a handle can name shares
 * @ref:	held by each handle, queued message, file and running command
 * @ops:	its kind
 * @id:		unique among the objects created since the module was loaded
 * @tree_lock:	protects the derivation links of every handle to the object,
 *		@died, @watches and @nr_watches
 * @died:	it lost its last receiver or was destroyed (see XIPC_IOC_WATCH)
 * @watches:	who to tell when it dies (nameserver.c)
 * @nr_watches:	entries in @watches (for /proc/xipc/mailboxes)
 * @rcu:	the object is freed after a grace period (lookups are lockless)
 */
struct xipc_object {
	struct kref ref;
	const struct xipc_object_ops *ops;
	u64 id;
	spinlock_t tree_lock;		/* see above */
	bool died;
	struct list_head watches;
	unsigned int nr_watches;
	struct rcu_head rcu;
};

void xipc_object_init(struct xipc_object *obj, const struct xipc_object_ops *ops);
void xipc_object_reinit(struct xipc_object *obj,
			const struct xipc_object_ops *ops);

static inline void xipc_object_get(struct xipc_object *obj)
{
	kref_get(&obj->ref);
}

void xipc_object_put(struct xipc_object *obj);

/**
 * struct xipc_handle - rights and a badge on an object
 * @obj:	the object; the handle holds a reference on it
 * @rights:	XIPC_RIGHT_* bits, fixed at creation
 * @nr_watches:	the death watches made through it, at most the max_watches
 *		parameter: its release walks them under tree_lock
 * @badge:	stamped on every message sent through this handle; 0 for none.
 *		Fixed at creation, and kept by every handle derived from it
 * @revoked:	an ancestor revoked it (set under tree_lock, read locklessly)
 * @inflight:	a receive right, not revoked, in a queued message, counted
 *		in its mailbox's struct xipc_gc (under xipc_gc_lock)
 * @embedded:	part of its object's memory (an RPC's reply handle), which
 *		outlives it: not freed on its own. That memory is
 *		type-stable, not RCU-freed: a lockless reader must check
 *		that the handle is still in its slot once it holds the object
 * @nr_notices:	the death watches whose notices it receives (under
 *		tree_lock; a move reads it first without): while there are
 *		any, it cannot be moved
 * @parent:	the handle it was derived from, NULL for a root
 * @children:	handles derived from it
 * @sibling:	link in @parent's @children
 * @calls:	RPCs in flight that were made through it or through a
 *		descendant since closed (rpc.c): a revoke of it or of an
 *		ancestor ends them
 * @watches:	the death watches made through it, and those whose notices it
 *		receives (nameserver.c): its release or revoke ends them
 * @rcu:	handles are freed after a grace period (lookups are lockless)
 *
 * A handle is owned by exactly one place at a time: a slot of a space, or a
 * message in transit. The derivation links and @calls are protected by the
 * object's tree_lock; when a handle goes, its children and its calls move up
 * to its parent, so a revoke from any ancestor still reaches them.
 */
struct xipc_handle {
	struct xipc_object *obj;
	u32 rights;
	unsigned int nr_watches;
	u64 badge;
	bool revoked;
	bool inflight;
	bool embedded;
	unsigned int nr_notices;
	struct xipc_handle *parent;
	struct list_head children;
	struct list_head sibling;
	struct list_head calls;
	struct list_head watches;
	struct rcu_head rcu;
};

/**
 * struct xipc_ref - what a command learned from looking up a handle
 * @obj:	the object, with a reference the command must put
 * @handle:	the handle itself; valid only while the command holds the
 *		object's tree_lock and the handle is still in its slot
 * @rights:	the handle's rights
 * @badge:	the handle's badge
 * @cleared:	the space's table's @cleared before the look-up
 * @revokes:	xipc_revokes before the look-up
 */
struct xipc_ref {
	struct xipc_object *obj;
	struct xipc_handle *handle;
	u32 rights;
	u64 badge;
	unsigned long cleared;
	unsigned long revokes;
};

struct xipc_handle *xipc_handle_new_root(struct xipc_object *obj, u32 rights);
void xipc_handle_init_embedded(struct xipc_handle *h, struct xipc_object *obj,
			       u32 rights);
void xipc_handle_destroy(struct xipc_handle *h);
void xipc_handle_release(struct xipc_handle *h, struct list_head *dropped);
int xipc_handle_lookup(struct xipc_space *space, u32 id, u32 need,
		       u32 type, struct xipc_ref *ref);
int xipc_handle_check_again(struct xipc_space *space, u32 id,
			    const struct xipc_ref *ref,
			    const struct xipc_handle *moved);

/* Revokes that marked a handle, in every space (handle.c). */
extern atomic_long_t xipc_revokes;

/*
 * Whether the handle @ref was looked up through may have changed since: a
 * handle of @space left its slot, or a revoke marked handles anywhere. Both
 * are counted before the object is told (handles_changed()), so a command
 * that holds the lock the object is told under, or that the telling woke,
 * sees the count of every change it was told of.
 */
static inline bool xipc_handle_may_have_changed(struct xipc_space *space,
						const struct xipc_ref *ref)
{
	return READ_ONCE(space->handles.cleared) != ref->cleared ||
	       atomic_long_read(&xipc_revokes) != ref->revokes;
}

/*
 * Before a command blocked on a handle sleeps, and after: is the handle it
 * was looked up through still in its slot (else EBADF) and not revoked (else
 * EKEYREVOKED)? Looked at only if it may have changed.
 */
static inline int xipc_handle_recheck(struct xipc_space *space, u32 id,
				      const struct xipc_ref *ref)
{
	if (!xipc_handle_may_have_changed(space, ref))
		return 0;
	return xipc_handle_check_again(space, id, ref, NULL);
}

int xipc_handle_attach_call(struct xipc_space *space, u32 id,
			    const struct xipc_ref *ref, struct list_head *call);
void xipc_handle_detach_call(struct xipc_object *obj, struct list_head *call);
struct xipc_handle *xipc_handle_derive(struct xipc_space *space, u32 id,
				       u32 need, u32 type, u32 rights,
				       const u64 *badge);
int xipc_handle_take(struct xipc_space *space, u32 id, struct xipc_handle *h);
struct xipc_handle *xipc_handle_reserve(struct xipc_space *space, u32 id,
					u32 need, u32 type);
void xipc_handle_restore(struct xipc_space *space, u32 id, struct xipc_handle *h);

long xipc_handle_close(struct xipc_space *space, void __user *uarg);
long xipc_handle_dup(struct xipc_space *space, void __user *uarg);
long xipc_handle_revoke(struct xipc_space *space, void __user *uarg);
long xipc_handle_info(struct xipc_space *space, void __user *uarg);

/**
 * struct xipc_deadline - when a blocking command gives up
 * @expires:	CLOCK_MONOTONIC time; KTIME_MAX for never
 * @nonblock:	never sleep
 * @restartable: after a signal the command may be restarted as it was
 *		(the deadline is absolute or infinite)
 */
struct xipc_deadline {
	ktime_t expires;
	bool nonblock;
	bool restartable;
};

/*
 * A command's deadline from its timeout (XIPC_ABSTIME in its flags: @abs):
 * 0 may not block, XIPC_TIMEOUT_INFINITE (or past KTIME_MAX) never expires.
 * Inline, as every command that may block starts with it.
 */
static inline void xipc_deadline_init(struct xipc_deadline *dl, u64 timeout_ns,
				      bool abs)
{
	dl->nonblock = timeout_ns == 0;
	dl->restartable = abs || timeout_ns == XIPC_TIMEOUT_INFINITE;
	if (timeout_ns == XIPC_TIMEOUT_INFINITE || timeout_ns > KTIME_MAX)
		dl->expires = KTIME_MAX;
	else if (abs)
		dl->expires = ns_to_ktime(timeout_ns);
	else
		dl->expires = ktime_add_safe(ktime_get(), ns_to_ktime(timeout_ns));
}

int __xipc_sleep(struct xipc_deadline *dl);

/*
 * Sleeps as __xipc_sleep() says (wait.c). Inline where nothing can end the
 * sleep but a wake-up or a signal, as on every round trip: one that may
 * not block, or has a deadline, takes the call.
 */
static __always_inline int xipc_sleep(struct xipc_deadline *dl)
{
	if (dl->expires == KTIME_MAX && !dl->nonblock &&
	    !signal_pending(current)) {
		schedule();
		return 0;
	}
	return __xipc_sleep(dl);
}

int xipc_sleep_unlocked(struct mutex *lock, struct xipc_deadline *dl);
int xipc_wait_unlocked(wait_queue_head_t *wq, struct mutex *lock,
		       struct xipc_deadline *dl);

/**
 * struct xipc_msg - a message in a mailbox, or a reply on its way
 * @link:	in the mailbox's queue, in arrival order
 * @gc_link:	while it is queued and carries a receive right counted in
 *		flight, in its mailbox's struct xipc_gc @msgs, for the cycle
 *		collector
 * @room:	payload bytes its memory holds, @size or more (it may be reused)
 * @size:	payload bytes in @data
 * @pid:	the sender's thread group, referenced
 * @uid:	the sender's effective uid
 * @gid:	the sender's effective gid
 * @user:	the quota the message is charged to (a reply: NULL until it
 *		takes its call's reservation over)
 * @seq:	its place in the queue's order (a receive that faults puts it
 *		back there)
 * @type:	> 0
 * @badge:	of the handle it was sent through
 * @share:	while it is in a mailbox, its sender's fair share there (NULL:
 *		not counted in one; see mailbox.c)
 * @nr_handles:	entries in @handles
 * @handles:	handles in transit, owned by the message
 * @transit:	the quota @handles are charged to (the sending space's
 *		user), referenced, until they leave the message; NULL for none
 * @call:	for an RPC request, the handle the receiver answers through
 * @queued_at:	when it was queued (ktime_get_ns()), for the msg_recv event;
 *		0 unless that event was enabled then (module/trace.h)
 * @unsent:	a send's payload while it is still in the sender's memory,
 *		which may go straight into a receive asleep (mailbox.c)
 * @data:	the payload
 */
struct xipc_msg {
	struct list_head link;
	struct list_head gc_link;
	size_t room;
	size_t size;
	struct pid *pid;
	kuid_t uid;
	kgid_t gid;
	struct xipc_user *user;
	/* From here on, zero in a new message (xipc_msg_new()). */
	u64 seq;
	s64 type;
	u64 badge;
	struct xipc_share *share;
	unsigned int nr_handles;
	struct xipc_handle **handles;
	struct xipc_user *transit;
	struct xipc_handle *call;
	u64 queued_at;
	const void __user *unsent;
	char data[];
};

/**
 * struct xipc_transfers - the handles a command is about to send
 * @nr:		how many
 * @handles:	the in-transit handles, created by xipc_transfers_prepare()
 * @transit:	the quota they are charged to, referenced
 * @moved:	for each, the sender's slot it was moved out of, or 0
 * @keep_moved:	an RPC's: the moved handles' slots stay reserved after the
 *		commit, until xipc_transfers_settle(), so that a request a
 *		revoke withdraws can give them back
 */
struct xipc_transfers {
	unsigned int nr;
	struct xipc_handle **handles;
	struct xipc_user *transit;
	u32 *moved;
	bool keep_moved;
};

struct xipc_msg *xipc_msg_new(struct xipc_space *space, size_t size,
			      struct xipc_msg *spare);
struct xipc_msg *xipc_msg_alloc(struct xipc_space *space,
				const void __user *data, size_t size,
				struct xipc_msg *spare);
void xipc_msg_empty(struct xipc_msg *msg);
void xipc_msg_keep(struct xipc_msg **spare, struct xipc_msg *msg);
struct xipc_msg *xipc_msg_alloc_notice(struct xipc_space *space,
				       const void *data, size_t size);
void xipc_msg_free(struct xipc_msg *msg);
void xipc_msgs_drain(struct list_head *dropped);
int xipc_transfers_create(struct xipc_space *space, struct xipc_transfers *tr,
			  u64 uptr, u32 nr);
struct xipc_handle *xipc_transfers_moved(const struct xipc_transfers *tr,
					 u32 id);

/*
 * Creates the in-transit handles of the @nr struct xipc_transfer at @uptr,
 * for a message or a reply. Nothing the sender can see has changed until
 * xipc_transfers_commit(); xipc_transfers_abort() undoes it. Inline, as most
 * messages carry none.
 */
static inline int xipc_transfers_prepare(struct xipc_space *space,
					 struct xipc_transfers *tr, u64 uptr,
					 u32 nr)
{
	memset(tr, 0, sizeof(*tr));
	return nr ? xipc_transfers_create(space, tr, uptr, nr) : 0;
}

void xipc_transfers_free_moved(struct xipc_space *space,
			       struct xipc_transfers *tr);

/*
 * The message is queued: it owns the handles, moved slots become free (with
 * @tr->keep_moved, at xipc_transfers_settle()). Inline, like the prepare.
 */
static inline void xipc_transfers_commit(struct xipc_space *space,
					 struct xipc_transfers *tr,
					 struct xipc_msg *msg)
{
	msg->handles = tr->handles;
	msg->nr_handles = tr->nr;
	msg->transit = tr->transit;
	tr->handles = NULL;
	tr->transit = NULL;
	if (tr->nr && !tr->keep_moved)
		xipc_transfers_free_moved(space, tr);
}

void xipc_transfers_abort(struct xipc_space *space, struct xipc_transfers *tr);
void xipc_transfers_settle(struct xipc_space *space, struct xipc_transfers *tr,
			   struct xipc_msg *withdrawn);
void xipc_msg_install_handles(struct xipc_space *space, struct xipc_msg *msg,
			      const u32 *ids);

struct xipc_object *xipc_mailbox_new(u32 max_msg_size, u32 max_msgs,
				     u64 max_bytes);
long xipc_mailbox_create(struct xipc_space *space, void __user *uarg);
long xipc_mailbox_destroy(struct xipc_space *space, void __user *uarg);
long xipc_mailbox_fd(struct xipc_space *space, void __user *uarg);
long xipc_mailbox_send(struct xipc_space *space, void __user *uarg);
long xipc_mailbox_recv(struct xipc_space *space, void __user *uarg);
struct xipc_msg *xipc_mailbox_new_msg(struct xipc_space *space,
				      struct xipc_ref *ref, s64 type,
				      u64 data, u64 size, u64 transfers,
				      u32 nr_transfers, struct xipc_transfers *tr,
				      bool direct);
int xipc_mailbox_queue(struct xipc_space *space, u32 id,
		       const struct xipc_ref *ref, struct xipc_msg *msg,
		       struct xipc_transfers *tr, struct xipc_deadline *dl);

struct xipc_msg *xipc_mailbox_withdraw(struct xipc_object *obj,
				       struct xipc_msg **request);
void xipc_mailbox_put_back(struct xipc_object *obj, struct xipc_msg *msg);

void xipc_mailbox_set_name(struct xipc_object *obj, struct xipc_name *name);
struct xipc_gc *xipc_mailbox_gc(struct xipc_object *obj);
unsigned int xipc_mailbox_receivers(struct xipc_object *obj);
void xipc_mailbox_collect(struct xipc_object *obj, struct list_head *dropped);
extern const struct seq_operations xipc_mailboxes_seq_ops;
void xipc_mailboxes_exit(void);

/**
 * struct xipc_gc - a mailbox's part in cycle collection (gc.c)
 * @obj:	the mailbox
 * @inflight:	its receive rights (not revoked) that are in queued messages
 * @link:	in the list of mailboxes with @inflight > 0
 * @msgs:	the messages queued in it that carry a receive right counted
 *		in flight, by @gc_link;
 *		changed with both the mailbox's lock and xipc_gc_lock held
 * @doomed:	collected: no message with handles leaves its queue but by
 *		being dropped
 * @refs:	the collector's: receive rights not accounted for yet
 * @state:	the collector's: what it knows of the mailbox
 * @work:	the collector's: on one of its lists
 *
 * All under xipc_gc_lock; @refs, @state and @work are only used by the
 * collector, which runs under xipc_gc_mutex.
 */
struct xipc_gc {
	struct xipc_object *obj;
	unsigned int inflight;
	struct list_head link;
	struct list_head msgs;
	bool doomed;
	u8 state;
	unsigned int refs;
	struct list_head work;
};

void xipc_gc_init(struct xipc_gc *gc, struct xipc_object *obj);
void xipc_gc_release(struct xipc_gc *gc);
void xipc_gc_queued(struct xipc_gc *gc, struct xipc_msg *msg);
bool xipc_gc_take(struct xipc_gc *gc, struct xipc_msg *msg);
void xipc_gc_drop_all(struct xipc_gc *gc);
void xipc_gc_revoked(struct xipc_handle *h);
void xipc_gc_receivers_dropped(struct xipc_gc *gc, unsigned int receivers);
void xipc_gc_collect(void);
void xipc_gc_exit(void);

/* Some mailbox may have become garbage since the last scan began (gc.c). */
extern atomic_t xipc_gc_needed;

/*
 * Collects the garbage found since xipc_gc_needed was last set, if it is;
 * otherwise it costs the flag's read, on every command's path.
 */
static inline void xipc_gc_run(void)
{
	if (atomic_read(&xipc_gc_needed))
		xipc_gc_collect();
}

long xipc_name_open(struct xipc_space *space, void __user *uarg);
void xipc_name_show(struct seq_file *m, const struct xipc_name *n);
kuid_t xipc_name_uid(const struct xipc_name *n);
kgid_t xipc_name_gid(const struct xipc_name *n);
umode_t xipc_name_mode(const struct xipc_name *n);
void xipc_put_ipc_ns(struct ipc_namespace *ns);
long xipc_name_unlink(struct xipc_space *space, void __user *uarg);
void xipc_names_exit(void);

long xipc_nameserver_claim(struct xipc_space *space, void __user *uarg);
long xipc_bootstrap(struct xipc_space *space, void __user *uarg);
void xipc_nameservers_exit(void);
long xipc_object_watch(struct xipc_space *space, void __user *uarg);
void xipc_object_died(struct xipc_object *obj);
int xipc_watches_end(struct xipc_object *obj, struct xipc_handle *h,
		     struct list_head *ended);
void xipc_watches_free(struct list_head *ended);
void xipc_watches_tell(struct list_head *ended);
struct xipc_watcher;
bool xipc_watcher_claim(struct xipc_watcher *w, struct xipc_msg **notice);
bool xipc_mailbox_deliver(struct xipc_object *obj, struct xipc_watcher *w);

int xipc_rpc_init(void);
void xipc_rpc_exit(void);
long xipc_rpc_call(struct xipc_space *space, void __user *uarg);
long xipc_rpc_reply(struct xipc_space *space, void __user *uarg);
void xipc_rpc_request_dropped(struct xipc_handle *reply, int error);
int xipc_rpc_request_may_queue(struct xipc_msg *msg);
void xipc_rpc_request_queued(struct xipc_msg *msg);
void xipc_rpc_request_taken(struct xipc_msg *msg);
void xipc_rpc_calls_take(struct list_head *calls, struct list_head *revoked);
void xipc_rpc_calls_revoked(struct xipc_object *mailbox,
			    struct list_head *revoked);

struct vm_area_struct;
long xipc_service_create(struct xipc_space *space, void __user *uarg);
long xipc_service_destroy(struct xipc_space *space, void __user *uarg);
long xipc_lrpc_bind(struct xipc_space *space, void __user *uarg);
long xipc_lrpc_call(struct xipc_space *space, void __user *uarg);
long xipc_lrpc_serve(struct xipc_space *space, void __user *uarg);
bool xipc_lrpc_regs_usable(void);
int xipc_lrpc_mmap(struct xipc_space *space, struct vm_area_struct *vma);
extern const struct seq_operations xipc_services_seq_ops;

#endif /* XIPC_INTERNAL_H */
