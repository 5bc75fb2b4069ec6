/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's tracepoints: events/xipc/ in tracefs, for ftrace, perf and
 * bpftrace (docs/tracing.md). Each is a static key: a call site costs one
 * no-op instruction while its event is disabled. On the paths of a message
 * or a call, a site is "if (trace_xipc_X_enabled()) helper(pointers)", the
 * helper out of line, so that the event's arguments are found only once it
 * is enabled and the path keeps no register for them (docs/tracing.md has
 * the figures).
 *
 * The ids that join events:
 *   a message	its mailbox's id and its sequence number in that mailbox
 *		(msg_send, msg_recv, death_notice)
 *   an RPC	the id of its reply object (rpc_call, rpc_reply, rpc_cancel,
 *		and the call field of msg_send and msg_recv)
 *   an LRPC call the service's id and the call's token, the A-stack's
 *		index and a generation counted per call (lrpc_call,
 *		lrpc_serve, lrpc_reply, lrpc_return)
 *   an object	its id, as XIPC_IOC_HANDLE_INFO and /proc/xipc show it
 *
 * Only numbers are recorded, so the events read the same on every kernel.
 * main.c instantiates them (CREATE_TRACE_POINTS); Kbuild puts this
 * directory on the include path, where <trace/define_trace.h> looks for it.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM xipc

#if !defined(XIPC_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define XIPC_TRACE_H

#include <linux/tracepoint.h>
#include <linux/xipc.h>

#include "xipc.h"

#ifndef XIPC_TRACE_DECLS
#define XIPC_TRACE_DECLS
/*
 * On while msg_send or msg_recv is enabled: a send's one static key, for
 * its event and for the stamp that msg_recv's queued_ns needs (main.c).
 */
DECLARE_STATIC_KEY_FALSE(xipc_trace_msgs);
int xipc_trace_msgs_reg(void);
void xipc_trace_msgs_unreg(void);
#endif

TRACE_EVENT(xipc_mailbox_create,
	TP_PROTO(u64 mailbox, u32 max_msg_size, u32 max_msgs, u64 max_bytes),
	TP_ARGS(mailbox, max_msg_size, max_msgs, max_bytes),
	TP_STRUCT__entry(
		__field(u64, mailbox)
		__field(u64, max_bytes)
		__field(u32, max_msg_size)
		__field(u32, max_msgs)
	),
	TP_fast_assign(
		__entry->mailbox = mailbox;
		__entry->max_bytes = max_bytes;
		__entry->max_msg_size = max_msg_size;
		__entry->max_msgs = max_msgs;
	),
	TP_printk("mailbox=%llu max_msg_size=%u max_msgs=%u max_bytes=%llu",
		  __entry->mailbox, __entry->max_msg_size, __entry->max_msgs,
		  __entry->max_bytes)
);

/* XIPC_IOC_MAILBOX_DESTROY through @handle: @dropped messages went. */
TRACE_EVENT(xipc_mailbox_destroy,
	TP_PROTO(u64 mailbox, u32 handle, unsigned int dropped),
	TP_ARGS(mailbox, handle, dropped),
	TP_STRUCT__entry(
		__field(u64, mailbox)
		__field(u32, handle)
		__field(u32, dropped)
	),
	TP_fast_assign(
		__entry->mailbox = mailbox;
		__entry->handle = handle;
		__entry->dropped = dropped;
	),
	TP_printk("mailbox=%llu handle=%u dropped=%u", __entry->mailbox,
		  __entry->handle, __entry->dropped)
);

/* The mailbox's last reference went: it is freed. */
TRACE_EVENT(xipc_mailbox_free,
	TP_PROTO(u64 mailbox),
	TP_ARGS(mailbox),
	TP_STRUCT__entry(
		__field(u64, mailbox)
	),
	TP_fast_assign(
		__entry->mailbox = mailbox;
	),
	TP_printk("mailbox=%llu", __entry->mailbox)
);

/*
 * A message (or an RPC request: @call) queued, through the sender's handle
 * @handle. @waiting receivers were asleep on the mailbox and are woken:
 * with none, the message waits in the queue.
 */
TRACE_EVENT_FN(xipc_msg_send,
	TP_PROTO(u64 mailbox, u32 handle, const struct xipc_msg *msg,
		 unsigned int waiting),
	TP_ARGS(mailbox, handle, msg, waiting),
	TP_STRUCT__entry(
		__field(u64, mailbox)
		__field(u64, seq)
		__field(s64, type)
		__field(u64, size)
		__field(u64, badge)
		__field(u64, call)
		__field(u32, handle)
		__field(u32, nr_handles)
		__field(u32, waiting)
	),
	TP_fast_assign(
		__entry->mailbox = mailbox;
		__entry->seq = msg->seq;
		__entry->type = msg->type;
		__entry->size = msg->size;
		__entry->badge = msg->badge;
		__entry->call = msg->call ? msg->call->obj->id : 0;
		__entry->handle = handle;
		__entry->nr_handles = msg->nr_handles;
		__entry->waiting = waiting;
	),
	TP_printk("mailbox=%llu seq=%llu handle=%u type=%lld size=%llu nr_handles=%u badge=%llu call=%llu %s",
		  __entry->mailbox, __entry->seq, __entry->handle,
		  __entry->type, __entry->size, __entry->nr_handles,
		  __entry->badge, __entry->call,
		  __entry->waiting ? "handed" : "queued"),
	xipc_trace_msgs_reg, xipc_trace_msgs_unreg
);

/*
 * A receive through handle @handle took message @seq (or copied it: @peek),
 * which had been queued for @queued_ns (0 if msg_recv was disabled when it
 * was sent, or for a death notice).
 */
TRACE_EVENT_FN(xipc_msg_recv,
	TP_PROTO(u64 mailbox, u32 handle, const struct xipc_msg *msg, bool peek),
	TP_ARGS(mailbox, handle, msg, peek),
	TP_STRUCT__entry(
		__field(u64, mailbox)
		__field(u64, seq)
		__field(s64, type)
		__field(u64, size)
		__field(u64, call)
		__field(u64, queued_ns)
		__field(u32, handle)
		__field(u32, nr_handles)
		__field(bool, peek)
	),
	TP_fast_assign(
		__entry->mailbox = mailbox;
		__entry->seq = msg->seq;
		__entry->type = msg->type;
		__entry->size = msg->size;
		__entry->call = msg->call ? msg->call->obj->id : 0;
		__entry->queued_ns = msg->queued_at ?
				     ktime_get_ns() - msg->queued_at : 0;
		__entry->handle = handle;
		__entry->nr_handles = msg->nr_handles;
		__entry->peek = peek;
	),
	TP_printk("mailbox=%llu seq=%llu handle=%u type=%lld size=%llu nr_handles=%u call=%llu queued_ns=%llu%s",
		  __entry->mailbox, __entry->seq, __entry->handle,
		  __entry->type, __entry->size, __entry->nr_handles,
		  __entry->call, __entry->queued_ns,
		  __entry->peek ? " peek" : ""),
	xipc_trace_msgs_reg, xipc_trace_msgs_unreg
);

/* An RPC is about to queue its request on @mailbox, through @handle. */
TRACE_EVENT(xipc_rpc_call,
	TP_PROTO(u64 call, u64 mailbox, u32 handle, const struct xipc_msg *msg,
		 u32 nr_handles),
	TP_ARGS(call, mailbox, handle, msg, nr_handles),
	TP_STRUCT__entry(
		__field(u64, call)
		__field(u64, mailbox)
		__field(s64, type)
		__field(u64, size)
		__field(u32, handle)
		__field(u32, nr_handles)
	),
	TP_fast_assign(
		__entry->call = call;
		__entry->mailbox = mailbox;
		__entry->type = msg->type;
		__entry->size = msg->size;
		__entry->handle = handle;
		__entry->nr_handles = nr_handles;
	),
	TP_printk("call=%llu mailbox=%llu handle=%u type=%lld size=%llu nr_handles=%u",
		  __entry->call, __entry->mailbox, __entry->handle,
		  __entry->type, __entry->size, __entry->nr_handles)
);

/* A server answered call @call: 0, or -ECANCELED (too late). */
TRACE_EVENT(xipc_rpc_reply,
	TP_PROTO(u64 call, u64 size, u32 nr_handles, int err),
	TP_ARGS(call, size, nr_handles, err),
	TP_STRUCT__entry(
		__field(u64, call)
		__field(u64, size)
		__field(u32, nr_handles)
		__field(int, err)
	),
	TP_fast_assign(
		__entry->call = call;
		__entry->size = size;
		__entry->nr_handles = nr_handles;
		__entry->err = err;
	),
	TP_printk("call=%llu size=%llu nr_handles=%u err=%d", __entry->call,
		  __entry->size, __entry->nr_handles, __entry->err)
);

/*
 * Call @call ends without a reply: its caller gave up (-ETIMEDOUT, -EINTR,
 * -ERESTARTSYS, -EAGAIN), a revoke reached it (-EKEYREVOKED), or its
 * reply handle went unanswered (-EPIPE, -EIDRM).
 */
TRACE_EVENT(xipc_rpc_cancel,
	TP_PROTO(u64 call, int err),
	TP_ARGS(call, err),
	TP_STRUCT__entry(
		__field(u64, call)
		__field(int, err)
	),
	TP_fast_assign(
		__entry->call = call;
		__entry->err = err;
	),
	TP_printk("call=%llu err=%d", __entry->call, __entry->err)
);

/*
 * The LRPC events name a call by @service and @token; @astack is the
 * A-stack's index in the service, @depth the call's in a nested chain.
 */
DECLARE_EVENT_CLASS(xipc_lrpc_class,
	TP_PROTO(u64 service, u64 token, u32 astack, u32 depth, int value),
	TP_ARGS(service, token, astack, depth, value),
	TP_STRUCT__entry(
		__field(u64, service)
		__field(u64, token)
		__field(u32, astack)
		__field(u32, depth)
		__field(int, value)
	),
	TP_fast_assign(
		__entry->service = service;
		__entry->token = token;
		__entry->astack = astack;
		__entry->depth = depth;
		__entry->value = value;
	),
	TP_printk("service=%llu token=%#llx astack=%u depth=%u err=%d",
		  __entry->service, __entry->token, __entry->astack,
		  __entry->depth, __entry->value)
);

/* A client queued a call; @value: idle server threads (0: it waits). */
DEFINE_EVENT_PRINT(xipc_lrpc_class, xipc_lrpc_call,
	TP_PROTO(u64 service, u64 token, u32 astack, u32 depth, int value),
	TP_ARGS(service, token, astack, depth, value),
	TP_printk("service=%llu token=%#llx astack=%u depth=%u idle=%d",
		  __entry->service, __entry->token, __entry->astack,
		  __entry->depth, __entry->value)
);

/* A server thread took a call; @value: calls still queued. */
DEFINE_EVENT_PRINT(xipc_lrpc_class, xipc_lrpc_serve,
	TP_PROTO(u64 service, u64 token, u32 astack, u32 depth, int value),
	TP_ARGS(service, token, astack, depth, value),
	TP_printk("service=%llu token=%#llx astack=%u depth=%u queued=%d",
		  __entry->service, __entry->token, __entry->astack,
		  __entry->depth, __entry->value)
);

/* A server replied: @value 0, -ECANCELED (abandoned), -EINVAL (stale). */
DEFINE_EVENT(xipc_lrpc_class, xipc_lrpc_reply,
	TP_PROTO(u64 service, u64 token, u32 astack, u32 depth, int value),
	TP_ARGS(service, token, astack, depth, value)
);

/* The client's call returns @value: 0, or why it failed or gave up. */
DEFINE_EVENT(xipc_lrpc_class, xipc_lrpc_return,
	TP_PROTO(u64 service, u64 token, u32 astack, u32 depth, int value),
	TP_ARGS(service, token, astack, depth, value)
);

/*
 * Handles: handle @handle of the caller's space is duplicated into @h (dup:
 * the object, rights and badge are @h's), @h arrives in a message
 * (transfer: @handle is its number in the receiver's space), or handle
 * @handle, @h, revokes @value descendants (revoke).
 */
DECLARE_EVENT_CLASS(xipc_handle_class,
	TP_PROTO(const struct xipc_handle *h, u32 handle, u32 value),
	TP_ARGS(h, handle, value),
	TP_STRUCT__entry(
		__field(u64, object)
		__field(u64, badge)
		__field(u32, handle)
		__field(u32, rights)
		__field(u32, value)
	),
	TP_fast_assign(
		__entry->object = h->obj->id;
		__entry->badge = h->badge;
		__entry->handle = handle;
		__entry->rights = h->rights;
		__entry->value = value;
	),
	TP_printk("object=%llu handle=%u rights=%#x badge=%llu",
		  __entry->object, __entry->handle, __entry->rights,
		  __entry->badge)
);

DEFINE_EVENT(xipc_handle_class, xipc_handle_dup,
	TP_PROTO(const struct xipc_handle *h, u32 handle, u32 value),
	TP_ARGS(h, handle, value)
);

DEFINE_EVENT(xipc_handle_class, xipc_handle_transfer,
	TP_PROTO(const struct xipc_handle *h, u32 handle, u32 value),
	TP_ARGS(h, handle, value)
);

DEFINE_EVENT_PRINT(xipc_handle_class, xipc_handle_revoke,
	TP_PROTO(const struct xipc_handle *h, u32 handle, u32 value),
	TP_ARGS(h, handle, value),
	TP_printk("object=%llu handle=%u rights=%#x badge=%llu revoked=%u",
		  __entry->object, __entry->handle, __entry->rights,
		  __entry->badge, __entry->value)
);

/* A death notice for @object queued on @mailbox as message @seq. */
TRACE_EVENT(xipc_death_notice,
	TP_PROTO(u64 mailbox, const struct xipc_msg *msg),
	TP_ARGS(mailbox, msg),
	TP_STRUCT__entry(
		__field(u64, mailbox)
		__field(u64, seq)
		__field(u64, object)
		__field(u64, cookie)
	),
	TP_fast_assign(
		__entry->mailbox = mailbox;
		__entry->seq = msg->seq;
		__entry->object = ((const struct xipc_death_notice *)msg->data)->object_id;
		__entry->cookie = ((const struct xipc_death_notice *)msg->data)->cookie;
	),
	TP_printk("mailbox=%llu seq=%llu object=%llu cookie=%llu",
		  __entry->mailbox, __entry->seq, __entry->object,
		  __entry->cookie)
);

/* What a quota refusal (ENOBUFS) was over. */
#define XIPC_QUOTA_MSGS		0	/* user_max_msgs or user_max_bytes */
#define XIPC_QUOTA_MAILBOXES	1
#define XIPC_QUOTA_REGION	2	/* user_max_bytes, by a service */
#define XIPC_QUOTA_HANDLES	3
#define XIPC_QUOTA_TRANSIT	4	/* user_max_handles, by handles sent */

/*
 * User @uid (as the initial user namespace sees it) was refused @amount
 * more of @what (bytes for msgs and region, else a count) while it held
 * @held (messages, mailboxes, bytes, handles).
 */
TRACE_EVENT(xipc_quota,
	TP_PROTO(kuid_t uid, int what, u64 amount, u64 held),
	TP_ARGS(uid, what, amount, held),
	TP_STRUCT__entry(
		__field(u32, uid)
		__field(int, what)
		__field(u64, amount)
		__field(u64, held)
	),
	TP_fast_assign(
		__entry->uid = __kuid_val(uid);
		__entry->what = what;
		__entry->amount = amount;
		__entry->held = held;
	),
	TP_printk("uid=%u what=%s amount=%llu held=%llu", __entry->uid,
		  __print_symbolic(__entry->what,
				   { XIPC_QUOTA_MSGS, "msgs" },
				   { XIPC_QUOTA_MAILBOXES, "mailboxes" },
				   { XIPC_QUOTA_REGION, "region" },
				   { XIPC_QUOTA_HANDLES, "handles" },
				   { XIPC_QUOTA_TRANSIT, "transit" }),
		  __entry->amount, __entry->held)
);

/*
 * A send found no room for its message of @size bytes in @mailbox, which
 * holds @msgs messages of @bytes bytes: it is full, or (@fair_share) the
 * sender's user @uid holds its fair share there, @held_msgs messages of
 * @held_bytes bytes. The send waits for room (and this event comes again
 * each time it is woken and still finds none), or fails with EAGAIN or
 * ETIMEDOUT.
 */
TRACE_EVENT(xipc_no_room,
	TP_PROTO(u64 mailbox, kuid_t uid, u64 size, unsigned int msgs, u64 bytes,
		 unsigned int held_msgs, u64 held_bytes, bool fair_share),
	TP_ARGS(mailbox, uid, size, msgs, bytes, held_msgs, held_bytes,
		fair_share),
	TP_STRUCT__entry(
		__field(u64, mailbox)
		__field(u64, size)
		__field(u64, bytes)
		__field(u64, held_bytes)
		__field(u32, uid)
		__field(u32, msgs)
		__field(u32, held_msgs)
		__field(bool, fair_share)
	),
	TP_fast_assign(
		__entry->mailbox = mailbox;
		__entry->size = size;
		__entry->bytes = bytes;
		__entry->held_bytes = held_bytes;
		__entry->uid = __kuid_val(uid);
		__entry->msgs = msgs;
		__entry->held_msgs = held_msgs;
		__entry->fair_share = fair_share;
	),
	TP_printk("mailbox=%llu uid=%u size=%llu msgs=%u bytes=%llu held_msgs=%u held_bytes=%llu %s",
		  __entry->mailbox, __entry->uid, __entry->size, __entry->msgs,
		  __entry->bytes, __entry->held_msgs, __entry->held_bytes,
		  __entry->fair_share ? "fair_share" : "full")
);

/* What limit a refusal of xipc_limit was over. */
#define XIPC_LIMIT_HANDLES	0	/* max_handles: a full space, EMFILE */
#define XIPC_LIMIT_WATCHES	1	/* max_watches, EMLINK */
#define XIPC_LIMIT_BINDINGS	2	/* a service's max_bindings, EBUSY */

/*
 * A command was refused over limit @what, @limit: @object is the space
 * (handles), the object watched (watches) or the service (bindings).
 */
TRACE_EVENT(xipc_limit,
	TP_PROTO(int what, u64 object, u32 limit),
	TP_ARGS(what, object, limit),
	TP_STRUCT__entry(
		__field(u64, object)
		__field(int, what)
		__field(u32, limit)
	),
	TP_fast_assign(
		__entry->object = object;
		__entry->what = what;
		__entry->limit = limit;
	),
	TP_printk("what=%s object=%llu limit=%u",
		  __print_symbolic(__entry->what,
				   { XIPC_LIMIT_HANDLES, "handles" },
				   { XIPC_LIMIT_WATCHES, "watches" },
				   { XIPC_LIMIT_BINDINGS, "bindings" }),
		  __entry->object, __entry->limit)
);

#endif /* XIPC_TRACE_H */

/* Outside the guard: <trace/define_trace.h> reads the file again. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
