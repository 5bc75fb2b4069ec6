// SPDX-License-Identifier: GPL-2.0
/*
 * RPC and Reply on mailboxes.
 *
 * An RPC queues a request that carries a one-shot reply handle: the only
 * handle to a struct xipc_call, on which the caller sleeps. Reply answers
 * through that handle and consumes it. Every way a call can end is a state:
 * the reply came, the caller gave up (timeout, signal, death: a late reply
 * gets ECANCELED), the reply handle went away unanswered (the caller gets
 * EPIPE, or EIDRM if its request was still queued when the mailbox was
 * destroyed), or a revoke reached the handle the call was made through (the
 * caller gets EKEYREVOKED: a request still queued is withdrawn, as if never
 * sent, and one a server received is canceled as a timed-out one is).
 *
 * A call in flight is on the calls of the handle it was made through
 * (xipc_handle_attach_call()), so that the revoke's walk finds it.
 *
 * The reply is charged to the caller, whose call waits for it: the call
 * reserves one message of its reply buffer's size from the caller's quota
 * before the request goes, and the reply takes that reservation over. A
 * server's answer is never refused for quota, and a server's quota never
 * holds replies its callers have not collected.
 *
 * Locking: xipc_call.lock (a mutex) protects @state, @reply, @user and
 * @withdrawn.
 * @drop_error is set without it, by a mailbox dropping the request under its
 * own lock, which also protects @request. @via and @revoked are protected by
 * the mailbox's tree_lock; @revoked_link belongs to the revoke that took it.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xipc.h>

#include "xipc.h"
#include "trace.h"

enum xipc_call_state {
	XIPC_CALL_WAITING,	/* for the reply */
	XIPC_CALL_REPLIED,	/* @reply holds it */
	XIPC_CALL_CANCELED,	/* the caller gave up */
	XIPC_CALL_ORPHANED,	/* the reply handle went away unanswered */
	XIPC_CALL_REVOKED,	/* a revoke reached the caller's handle */
};

/**
 * struct xipc_call - an RPC in flight, named by its reply handle
 * @obj:	what the reply handle names
 * @lock:	protects @state, @reply, @user and @withdrawn
 * @state:	enum xipc_call_state
 * @reply:	the reply, until the caller takes it
 * @drop_error:	why an orphaned call failed, if not EPIPE
 * @reply_size:	room in the caller's buffer, fixed at the call
 * @user:	the caller's quota, charged one message of @reply_size bytes
 *		until the reply takes the charge over, or the caller stops
 *		waiting for one (under @lock)
 * @max_reply_handles: room for handles in the caller's array
 * @waiter:	the caller while it sleeps for the reply (under @lock): whoever
 *		ends the wait wakes it directly
 * @request:	the request while it is queued, so that a revoke can take
 *		it back (under the mailbox's lock)
 * @withdrawn:	the request a revoke took back, for the caller to undo
 * @via:	on the calls of the handle the call was made through, while
 *		the caller waits
 * @revoked:	a revoke took the call off @via's list: no request may be
 *		queued any more
 * @revoked_link: on that revoke's list of calls to end
 * @reply_handle: the reply handle, in the call's memory (its only handle)
 * @reply_spare: memory for the reply, the caller's space's spare; taken
 *		with xchg()
 */
struct xipc_call {
	struct xipc_object obj;
	struct mutex lock;	/* protects @state, @reply, @user, @withdrawn */
	enum xipc_call_state state;
	struct xipc_msg *reply;
	int drop_error;
	u64 reply_size;
	struct xipc_user *user;
	u32 max_reply_handles;
	struct task_struct *waiter;
	struct xipc_msg *request;
	struct xipc_msg *withdrawn;
	struct list_head via;
	bool revoked;
	struct list_head revoked_link;
	struct xipc_handle reply_handle;
	struct xipc_msg *reply_spare;
};

static struct xipc_call *to_call(struct xipc_object *obj)
{
	return container_of(obj, struct xipc_call, obj);
}

/* With @call->lock held, its state just changed: wakes its caller. */
static void xipc_call_wake(struct xipc_call *call)
{
	if (call->waiter)
		wake_up_process(call->waiter);
}

static void xipc_call_handles_changed(struct xipc_object *obj, int send,
				      int recv, struct list_head *dropped)
{
	struct xipc_call *call = to_call(obj);

	if (send >= 0)
		return;
	mutex_lock(&call->lock);
	if (call->state == XIPC_CALL_WAITING) {
		trace_xipc_rpc_cancel(obj->id, READ_ONCE(call->drop_error) ?: -EPIPE);
		WRITE_ONCE(call->state, XIPC_CALL_ORPHANED);
		xipc_call_wake(call);
	}
	mutex_unlock(&call->lock);
}

/*
 * A reply handle stays usable until answered: a late reply gets ECANCELED.
 * Its state says so beforehand, so that a server holding requests for long
 * (a name server's waiting lookups) can let go of the abandoned ones.
 */
static u32 xipc_call_state(struct xipc_object *obj)
{
	enum xipc_call_state state = READ_ONCE(to_call(obj)->state);

	return state == XIPC_CALL_CANCELED || state == XIPC_CALL_REVOKED ?
	       XIPC_STATE_CANCELED : 0;
}

/*
 * Call objects come from a cache of their own, SLAB_TYPESAFE_BY_RCU: a call
 * freed is reused at once, with no grace period to wait for and nothing
 * zeroed (init_on_alloc leaves such caches alone), so a steady stream of
 * calls costs no allocation beyond a slab freelist pop. The price is paid
 * by the lockless readers of a handle slot, which may find the reply
 * handle of a call reused meanwhile: they hold the object, then check that
 * the handle is still in its slot (xipc_handle_lookup(), xipc_handle_info()),
 * or lock its tree_lock, which the constructor initialized once, and check
 * the slot under it. Nothing else reaches a call without a reference.
 */
static struct kmem_cache *xipc_call_cache;

static void xipc_call_ctor(void *mem)
{
	struct xipc_call *call = mem;

	spin_lock_init(&call->obj.tree_lock);
}

int xipc_rpc_init(void)
{
	xipc_call_cache = kmem_cache_create("xipc_call", sizeof(struct xipc_call),
					    0, SLAB_TYPESAFE_BY_RCU |
					    SLAB_ACCOUNT, xipc_call_ctor);
	return xipc_call_cache ? 0 : -ENOMEM;
}

/*
 * The call each CPU freed last, kept for the next call made there, so that
 * a steady stream of calls makes no trip through the slab allocator and its
 * memory cgroup hooks. It stays charged to whoever allocated it, as a
 * mailbox's spare message does: one call's memory per CPU at most.
 */
static DEFINE_PER_CPU(struct xipc_call *, xipc_call_spare);

static struct xipc_call *xipc_call_alloc(void)
{
	return this_cpu_xchg(xipc_call_spare, NULL) ?:
	       kmem_cache_alloc(xipc_call_cache, GFP_KERNEL);
}

static void xipc_call_free(struct xipc_call *call)
{
	call = this_cpu_xchg(xipc_call_spare, call);
	if (call)
		kmem_cache_free(xipc_call_cache, call);
}

/* After every call is gone (no space is left); waits for RCU readers. */
void xipc_rpc_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		if (per_cpu(xipc_call_spare, cpu))
			kmem_cache_free(xipc_call_cache,
					per_cpu(xipc_call_spare, cpu));
	kmem_cache_destroy(xipc_call_cache);
}

static void xipc_call_release(struct xipc_object *obj)
{
	struct xipc_call *call = to_call(obj);

	if (call->reply)
		xipc_msg_free(call->reply);
	if (WARN_ON_ONCE(call->withdrawn))
		xipc_msg_free(call->withdrawn);
	if (call->user)
		xipc_user_uncharge_msg(call->user, call->reply_size);
	kvfree(call->reply_spare);
	mutex_destroy(&call->lock);
	xipc_call_free(call);
}

static const struct xipc_object_ops xipc_call_ops = {
	.type		= XIPC_OBJECT_REPLY,
	.handles_changed = xipc_call_handles_changed,
	.state		= xipc_call_state,
	.release	= xipc_call_release,
};

/*
 * A request is being dropped from its mailbox, under the mailbox's lock: its
 * caller learns @error.
 */
void xipc_rpc_request_dropped(struct xipc_handle *reply, int error)
{
	struct xipc_call *call = to_call(reply->obj);

	call->request = NULL;
	cmpxchg(&call->drop_error, 0, error);
}

/*
 * Under the mailbox's lock, before request @msg is queued: -EKEYREVOKED if a
 * revoke reached its call already. A revoke marks the call, then withdraws
 * its request under that lock: so a request is refused here, or queued
 * early enough to be withdrawn there.
 */
int xipc_rpc_request_may_queue(struct xipc_msg *msg)
{
	return READ_ONCE(to_call(msg->call->obj)->revoked) ? -EKEYREVOKED : 0;
}

/* Under the mailbox's lock: request @msg is in the queue (again). */
void xipc_rpc_request_queued(struct xipc_msg *msg)
{
	to_call(msg->call->obj)->request = msg;
}

/* Under the mailbox's lock: a receiver took request @msg out of the queue. */
void xipc_rpc_request_taken(struct xipc_msg *msg)
{
	to_call(msg->call->obj)->request = NULL;
}

/*
 * With the tree_lock of the mailbox held: the calls on @calls, the list of
 * a handle just revoked, move to @revoked, each with a reference, for
 * xipc_rpc_calls_revoked() once the lock is dropped.
 */
void xipc_rpc_calls_take(struct list_head *calls, struct list_head *revoked)
{
	struct xipc_call *call, *next;

	list_for_each_entry_safe(call, next, calls, via) {
		xipc_object_get(&call->obj);
		list_del_init(&call->via);
		WRITE_ONCE(call->revoked, true);
		list_add_tail(&call->revoked_link, revoked);
	}
}

/*
 * Ends the calls on @revoked, made on @mailbox through handles a revoke just
 * reached: a request still queued is withdrawn and handed to its caller,
 * which gives back what it moved; a received one is canceled. Either way
 * the caller fails with EKEYREVOKED at once, unless its reply came first.
 * With no lock held.
 */
void xipc_rpc_calls_revoked(struct xipc_object *mailbox,
			    struct list_head *revoked)
{
	struct xipc_call *call, *next;
	struct xipc_msg *msg;

	list_for_each_entry_safe(call, next, revoked, revoked_link) {
		msg = xipc_mailbox_withdraw(mailbox, &call->request);
		xipc_test_hold(XIPC_HOLD_REVOKE_WITHDRAWN);
		mutex_lock(&call->lock);
		if (call->state == XIPC_CALL_WAITING) {
			trace_xipc_rpc_cancel(call->obj.id, -EKEYREVOKED);
			WRITE_ONCE(call->state, XIPC_CALL_REVOKED);
			call->withdrawn = msg;
			msg = NULL;
			xipc_call_wake(call);
		}
		mutex_unlock(&call->lock);
		/* Its caller gave up meanwhile: the request stays, as it was. */
		if (msg)
			xipc_mailbox_put_back(mailbox, msg);
		xipc_object_put(&call->obj);
	}
}

/* The rpc_cancel event of @call, out of line, as xipc_rpc_trace_call(). */
static noinline void xipc_rpc_trace_cancel(const struct xipc_call *call,
					   int err)
{
	trace_xipc_rpc_cancel(call->obj.id, err);
}

/*
 * Waits for the reply; returns it, or the error the call ended with, and in
 * *@withdrawn the request a revoke took back, if it did.
 */
static struct xipc_msg *xipc_call_wait(struct xipc_call *call,
				       struct xipc_deadline *dl,
				       struct xipc_msg **withdrawn)
{
	struct xipc_msg *reply = NULL;
	int err = 0;

	/* The request is out: a restart would send it twice. */
	dl->restartable = false;
	mutex_lock(&call->lock);
	while (call->state == XIPC_CALL_WAITING) {
		call->waiter = current;
		err = xipc_sleep_unlocked(&call->lock, dl);
		call->waiter = NULL;
		if (err) {
			/* What came while we were waking up still counts. */
			if (call->state == XIPC_CALL_WAITING) {
				if (trace_xipc_rpc_cancel_enabled())
					xipc_rpc_trace_cancel(call, err);
				WRITE_ONCE(call->state, XIPC_CALL_CANCELED);
			} else {
				err = 0;
			}
			break;
		}
	}
	if (call->state == XIPC_CALL_REPLIED) {
		reply = call->reply;
		call->reply = NULL;
	} else if (call->state == XIPC_CALL_ORPHANED) {
		err = READ_ONCE(call->drop_error) ?: -EPIPE;
	} else if (call->state == XIPC_CALL_REVOKED) {
		err = -EKEYREVOKED;
		*withdrawn = call->withdrawn;
		call->withdrawn = NULL;
	}
	/* No reply will come now: its reservation goes back at once. */
	if (call->user) {
		xipc_user_uncharge_msg(call->user, call->reply_size);
		call->user = NULL;
	}
	mutex_unlock(&call->lock);
	return reply ?: ERR_PTR(err);
}

/*
 * Installs the reply's handles in the numbers @ids the call reserved for them
 * (releasing the rest of the @nr_ids) and copies the reply out. The numbers
 * go out first: a handle whose number the caller cannot be told would sit
 * in its space unknown, so if @reply_handles is not writable none is
 * installed, and they go with the reply (as SCM_RIGHTS drops the files it
 * cannot report). Once they are out, a copy that faults does not undo the
 * others: a caller whose buffers went bad during the call gets EFAULT, and
 * the handles the server passed are in its space all the same. What the
 * server moved into a reply is never lost to a caller that can learn of it.
 */
static long xipc_call_copy_out(struct xipc_space *space, struct xipc_msg *reply,
			       u32 *ids, unsigned int nr_ids,
			       struct xipc_rpc *req, struct xipc_rpc __user *uarg)
{
	unsigned int nr = reply->nr_handles;
	bool fault;

	req->reply_size = reply->size;
	req->nr_reply_handles = nr;
	if (nr && copy_to_user(u64_to_user_ptr(req->reply_handles), ids,
			       nr * sizeof(ids[0]))) {
		xipc_space_unreserve_many(space, ids, nr_ids);
		return -EFAULT;
	}
	xipc_space_unreserve_many(space, ids + nr, nr_ids - nr);
	xipc_msg_install_handles(space, reply, ids);
	fault = xipc_cmd_out(uarg, req, sizeof(*req));
	fault |= copy_to_user(u64_to_user_ptr(req->reply_data), reply->data,
			      reply->size);
	return fault ? -EFAULT : reply->size;
}

/*
 * The rpc_call event of @call, whose request @msg (carrying @nr_handles
 * handles) goes to the mailbox @ref, through handle @handle. Out of line,
 * called once the event is enabled: the call's path has only its static key
 * (so are the other events of RPC).
 */
static noinline void xipc_rpc_trace_call(const struct xipc_call *call,
					 const struct xipc_ref *ref, u32 handle,
					 const struct xipc_msg *msg,
					 u32 nr_handles)
{
	trace_xipc_rpc_call(call->obj.id, ref->obj->id, handle, msg,
			    nr_handles);
}

long xipc_rpc_call(struct xipc_space *space, void __user *uarg)
{
	u32 ids[XIPC_MAX_TRANSFERS] __uninitialized;
	struct xipc_msg *msg, *reply, *withdrawn = NULL;
	struct xipc_handle *reply_handle;
	struct xipc_transfers tr;
	struct xipc_deadline dl __uninitialized;
	struct xipc_call *call;
	struct xipc_rpc req __uninitialized;
	struct xipc_ref ref __uninitialized;
	long ret;

	if (xipc_cmd_in(&req, uarg, sizeof(req)))
		return -EFAULT;
	/* A call that may not wait could never see its reply. */
	if (req.flags & ~XIPC_ABSTIME || req.reserved || req.type <= 0 ||
	    req.nr_transfers > XIPC_MAX_TRANSFERS ||
	    req.max_reply_handles > XIPC_MAX_TRANSFERS || !req.timeout_ns)
		return -EINVAL;
	ret = xipc_handle_lookup(space, req.handle, XIPC_RIGHT_SEND,
				 XIPC_OBJECT_MAILBOX, &ref);
	if (ret)
		return ret;
	/*
	 * Room for the reply's handles, before the request goes: a reply
	 * cannot be refused once the server answered, so a space too full for
	 * it fails the call now (EMFILE), with nothing sent.
	 */
	ret = xipc_space_reserve_many(space, ids, req.max_reply_handles, true);
	if (ret)
		goto put_ref;

	call = xipc_call_alloc();
	if (!call) {
		ret = -ENOMEM;
		goto unreserve;
	}
	/* Not zeroed: every field is set here, or before it is read. */
	xipc_object_reinit(&call->obj, &xipc_call_ops);
	mutex_init(&call->lock);
	call->state = XIPC_CALL_WAITING;
	call->reply = NULL;
	call->drop_error = 0;
	call->waiter = NULL;
	call->request = NULL;
	call->withdrawn = NULL;
	INIT_LIST_HEAD(&call->via);
	call->revoked = false;
	call->reply_spare = NULL;
	/* No reply can be larger than the largest message (mailbox.c). */
	call->reply_size = min_t(u64, req.reply_size,
				 min_t(u32, READ_ONCE(xipc_max_msg_size_limit),
				       INT_MAX));
	call->max_reply_handles = req.max_reply_handles;
	call->user = xipc_user_charge_msg(space, call->reply_size);
	if (IS_ERR(call->user)) {
		ret = PTR_ERR(call->user);
		call->user = NULL;
		goto put_call;
	}
	/* Send only: the reply handle can be neither copied nor passed on. */
	reply_handle = &call->reply_handle;
	xipc_handle_init_embedded(reply_handle, &call->obj, XIPC_RIGHT_SEND);
	call->reply_spare = xchg(&space->reply_spare, NULL);
	/*
	 * On the handle's calls before the request is built: the request
	 * may move that very handle, which a revoke must still find.
	 */
	ret = xipc_handle_attach_call(space, req.handle, &ref, &call->via);
	if (ret) {
		xipc_handle_destroy(reply_handle);
		goto put_call;
	}

	msg = xipc_mailbox_new_msg(space, &ref, req.type, req.data, req.size,
				   req.transfers, req.nr_transfers, &tr, false);
	if (IS_ERR(msg)) {
		xipc_handle_destroy(reply_handle);
		ret = PTR_ERR(msg);
		goto detach;
	}
	msg->call = reply_handle;
	tr.keep_moved = true;
	if (trace_xipc_rpc_call_enabled())
		xipc_rpc_trace_call(call, &ref, req.handle, msg, tr.nr);
	xipc_deadline_init(&dl, req.timeout_ns, req.flags & XIPC_ABSTIME);
	xipc_test_hold(XIPC_HOLD_RPC_QUEUE);
	ret = xipc_mailbox_queue(space, req.handle, &ref, msg, &tr, &dl);
	if (ret) {
		xipc_transfers_abort(space, &tr);
		xipc_msg_free(msg);
		goto detach;
	}
	/*
	 * The rights the request carries may have made garbage, of its own
	 * mailbox even: collected now, that fails the call (EPIPE) at once
	 * rather than after its timeout.
	 */
	xipc_gc_run();

	reply = xipc_call_wait(call, &dl, &withdrawn);
	xipc_handle_detach_call(ref.obj, &call->via);
	xipc_transfers_settle(space, &tr, withdrawn);
	if (withdrawn)
		xipc_msg_free(withdrawn);
	if (IS_ERR(reply)) {
		ret = PTR_ERR(reply);
		goto put_call;
	}
	ret = xipc_call_copy_out(space, reply, ids, req.max_reply_handles,
				 &req, uarg);
	xipc_msg_keep(&space->reply_spare, reply);
	xipc_object_put(&call->obj);
	xipc_object_put(ref.obj);
	return ret;

detach:
	xipc_handle_detach_call(ref.obj, &call->via);
put_call:
	xipc_object_put(&call->obj);
unreserve:
	xipc_space_unreserve_many(space, ids, req.max_reply_handles);
put_ref:
	xipc_object_put(ref.obj);
	return ret;
}

/* The rpc_reply event of @req to @call, as xipc_rpc_trace_call(). */
static noinline void xipc_rpc_trace_reply(const struct xipc_call *call,
					  const struct xipc_reply *req, int err)
{
	trace_xipc_rpc_reply(call->obj.id, req->size, req->nr_transfers, err);
}

long xipc_rpc_reply(struct xipc_space *space, void __user *uarg)
{
	struct xipc_transfers tr;
	struct xipc_handle *h;
	struct xipc_reply req __uninitialized;
	struct xipc_call *call;
	struct xipc_msg *msg;
	int err;

	if (xipc_cmd_in(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.reserved || req.nr_transfers > XIPC_MAX_TRANSFERS)
		return -EINVAL;
	/* Out of its slot while we answer: nobody else can answer or close it. */
	h = xipc_handle_reserve(space, req.reply, XIPC_RIGHT_SEND,
				XIPC_OBJECT_REPLY);
	if (IS_ERR(h))
		return PTR_ERR(h);
	call = to_call(h->obj);

	err = -EMSGSIZE;
	if (req.size > call->reply_size ||
	    req.nr_transfers > call->max_reply_handles)
		goto restore;
	/* Charged once it is the answer, to what the call reserved. */
	msg = xipc_msg_alloc(NULL, u64_to_user_ptr(req.data), req.size,
			     xchg(&call->reply_spare, NULL));
	if (IS_ERR(msg)) {
		err = PTR_ERR(msg);
		goto restore;
	}
	err = xipc_transfers_prepare(space, &tr, req.transfers, req.nr_transfers);
	if (err) {
		xipc_msg_free(msg);
		goto restore;
	}

	/*
	 * One shot: answered or too late, the handle is spent. Its slot and
	 * its charge go before the caller can wake, so that a caller back
	 * from its call finds the server's quota as it was before the call.
	 */
	xipc_space_unreserve(space, req.reply);
	mutex_lock(&call->lock);
	if (call->state == XIPC_CALL_WAITING) {
		xipc_transfers_commit(space, &tr, msg);
		xipc_user_settle_reply(call->user, call->reply_size, msg->size);
		msg->user = call->user;
		call->user = NULL;
		call->reply = msg;
		WRITE_ONCE(call->state, XIPC_CALL_REPLIED);
		/* Under the lock: before anything the caller does with it. */
		if (trace_xipc_rpc_reply_enabled())
			xipc_rpc_trace_reply(call, &req, 0);
		xipc_call_wake(call);
		err = 0;
	} else {
		/* The caller gave up: the answer is too late. */
		if (trace_xipc_rpc_reply_enabled())
			xipc_rpc_trace_reply(call, &req, -ECANCELED);
		err = -ECANCELED;
	}
	mutex_unlock(&call->lock);
	xipc_test_hold(XIPC_HOLD_RPC_REPLIED);
	if (err) {
		xipc_transfers_abort(space, &tr);
		xipc_msg_free(msg);
	}
	xipc_handle_destroy(h);
	return err;

restore:
	xipc_handle_restore(space, req.reply, h);
	return err;
}
