/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * xipc: microkernel-style IPC for Linux, the ioctl ABI of /dev/xipc.
 *
 * Each open of /dev/xipc is a capability space. Commands are ioctls on its
 * file descriptor, each taking one struct that starts with a flags word.
 *
 * The rules this header keeps, so that it can grow without breaking anyone:
 * - fixed-width types only; pointers travel as __u64; padding is explicit
 *   and every struct's size is a multiple of 8, the same on 32 and 64 bits;
 * - the kernel rejects unknown flags and non-zero reserved fields with
 *   EINVAL, so that a later version can give them a meaning;
 * - fields are only ever added at the end, or in reserved slots, and a zero
 *   in a new field keeps the old behaviour;
 * - an unknown command is ENOTTY.
 */
#ifndef _UAPI_LINUX_XIPC_H
#define _UAPI_LINUX_XIPC_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Bumped on any change an old library could not understand. */
#define XIPC_ABI_VERSION	1

/*
 * The ioctl type byte; 0xB9 is unassigned in
 * Documentation/userspace-api/ioctl/ioctl-number.rst.
 */
#define XIPC_IOCTL_TYPE		0xB9

/*
 * struct xipc_info - what this module is and offers
 * @flags:	in: must be 0
 * @abi_version:	out: XIPC_ABI_VERSION of the running module
 * @features:	out: XIPC_FEATURE_* bits; a feature's commands exist only
 *		when its bit is set
 * @space_id:	out: this capability space's id, unique among the spaces
 *		created since the module was loaded; the same through every
 *		descriptor that refers to the same open of /dev/xipc
 * @reserved:	in: must be 0; out: 0 (later versions report more here)
 */
struct xipc_info {
	__u32 flags;
	__u32 abi_version;
	__u64 features;
	__u64 space_id;
	__u64 reserved[3];
};

#define XIPC_IOC_GET_INFO	_IOWR(XIPC_IOCTL_TYPE, 0x00, struct xipc_info)

/* Feature bits of struct xipc_info.features. */
#define XIPC_FEATURE_MAILBOX	(1ULL << 0)	/* handles, mailboxes, RPC */
#define XIPC_FEATURE_LRPC	(1ULL << 1)	/* services, bindings, LRPC */
#define XIPC_FEATURE_NAMING	(1ULL << 2)	/* name server, bootstrap, watches */
#define XIPC_FEATURE_LRPC_REGS	(1ULL << 3)	/* XIPC_CALL_REGS, for the caller */

/*
 * Handles. A handle is a small integer (never 0) naming a kernel object in one
 * capability space, with rights and a badge. Using a handle that does not
 * exist is EBADF; one without the right the operation needs, EPERM; one whose
 * ancestor revoked it, EKEYREVOKED. Every number in a space's table, filled
 * or reserved by a command in progress, is charged to the user who opened
 * the space: past the user_max_handles module parameter, summed over all of
 * that user's spaces, a command that would give the space a handle fails
 * with ENOBUFS (a full space is EMFILE), and changes nothing; a handle in a
 * queued message is charged to the receiver when it is received. Apart from
 * that, the handles a user's spaces send are counted while they travel (in
 * a message or reply not yet received): past user_max_handles of those, a
 * send, RPC or reply that carries handles fails with ENOBUFS and sends
 * nothing. A command blocked on a
 * handle that is revoked meanwhile fails with EKEYREVOKED; one whose handle
 * another thread closes meanwhile, with EBADF (one whose handle another
 * thread moves away in a message, with EBADF when it next looks, as a
 * message or room comes; until then it waits, up to its timeout). So does
 * a send or receive whose handle is revoked or closed before it queues or
 * takes its message, and a serve before it replies or waits. A move refused
 * for what the handle is (its object destroyed, a receive right that must
 * stay or that notices go to) is refused before the handle leaves its slot,
 * so that other threads do not see it gone meanwhile. A command that derives a handle (DUP, a
 * transfer, BIND) checks its handle again at the moment it links the new
 * one, against whatever that slot holds then: revoked is EKEYREVOKED, empty
 * or naming another object EBADF, lacking a right the new handle asks for
 * EINVAL (or EPERM, the right the command needs).
 *
 * Revocation reaches the work in flight. An RPC (struct xipc_rpc) and an
 * LRPC binding (struct xipc_bind) count as derived from the handle they were
 * made through: a revoke of that handle or of an ancestor ends them at once
 * with EKEYREVOKED, withdrawn if no server has the request yet, else
 * canceled. A death watch made through a handle that is revoked is told at
 * once (struct xipc_watch). Plain messages sent through a revoked handle and
 * queued before the revoke stay queued: they were delivered.
 */
#define XIPC_RIGHT_SEND		(1U << 0)	/* send and RPC, reply */
#define XIPC_RIGHT_RECV		(1U << 1)	/* receive */
#define XIPC_RIGHT_GRANT	(1U << 2)	/* duplicate, pass in messages */
#define XIPC_RIGHT_MANAGE	(1U << 3)	/* destroy, revoke */
#define XIPC_RIGHTS_ALL		0xfU

/* The kinds of object a handle can name (struct xipc_handle_info.type). */
#define XIPC_OBJECT_MAILBOX	1
#define XIPC_OBJECT_REPLY	2	/* the one-shot answer to an RPC */
#define XIPC_OBJECT_SERVICE	3	/* an LRPC service */
#define XIPC_OBJECT_BINDING	4	/* a client's binding to a service */

/*
 * Timeouts of blocking commands: CLOCK_MONOTONIC nanoseconds, relative unless
 * the command's flags hold XIPC_ABSTIME. 0 never blocks (EAGAIN), with or
 * without XIPC_ABSTIME;
 * XIPC_TIMEOUT_INFINITE blocks until done, a signal (EINTR) or an error.
 * Anything between gives up with ETIMEDOUT.
 */
#define XIPC_TIMEOUT_INFINITE	(~0ULL)
#define XIPC_ABSTIME		(1U << 31)

/*
 * struct xipc_handle_op - names one handle (CLOSE, REVOKE, MAILBOX_DESTROY)
 * @flags:	in: must be 0
 * @handle:	in: the handle
 */
struct xipc_handle_op {
	__u32 flags;
	__u32 handle;
};

/* @flags of struct xipc_handle_dup */
#define XIPC_DUP_BADGE		(1U << 0)	/* stamp @badge on an unbadged handle */

/*
 * struct xipc_handle_dup - derive a handle with equal or fewer rights
 * @flags:	in: XIPC_DUP_*
 * @handle:	in: the handle to derive from; needs XIPC_RIGHT_GRANT
 * @rights:	in: the new handle's rights, a subset of @handle's
 * @new_handle:	out: the new handle
 * @badge:	in: with XIPC_DUP_BADGE, the badge every message sent through the
 *		new handle carries, not 0 (EINVAL); else the new handle keeps
 *		@handle's badge
 *
 * A badge is stamped once. Badge 0 means none: handles that create or open
 * an object, and the bootstrap handle, have none. XIPC_DUP_BADGE on a handle
 * whose badge is not 0 fails with EPERM, and every handle derived from a
 * badged one, by dup, by passing it in a message or by binding through it,
 * carries the same badge. So a holder of a badged handle with
 * XIPC_RIGHT_GRANT can pass it on, but cannot make a handle that sends with
 * another badge: a server that stamps one badge per client can trust it.
 */
struct xipc_handle_dup {
	__u32 flags;
	__u32 handle;
	__u32 rights;
	__u32 new_handle;
	__u64 badge;
};

/* @state bits of struct xipc_handle_info */
#define XIPC_STATE_REVOKED	(1U << 0)	/* an ancestor revoked this handle */
#define XIPC_STATE_DESTROYED	(1U << 1)	/* the object was destroyed */
#define XIPC_STATE_NO_RECEIVER	(1U << 2)	/* a mailbox nobody can receive from */
#define XIPC_STATE_CANCELED	(1U << 3)	/* an RPC whose caller gave up */

/*
 * struct xipc_handle_info - what a handle names, and with which rights
 * @flags:	in: must be 0
 * @handle:	in: the handle
 * @rights:	out: XIPC_RIGHT_* bits
 * @type:	out: XIPC_OBJECT_*
 * @badge:	out: the badge messages sent through this handle carry
 * @object_id:	out: the object's id, the same through every handle to it
 * @state:	out: XIPC_STATE_* bits
 * @reserved:	in: must be 0; out: 0
 */
struct xipc_handle_info {
	__u32 flags;
	__u32 handle;
	__u32 rights;
	__u32 type;
	__u64 badge;
	__u64 object_id;
	__u32 state;
	__u32 reserved;
};

/*
 * struct xipc_mailbox_create - create an anonymous mailbox
 * @flags:	in: must be 0
 * @handle:	out: a handle with XIPC_RIGHTS_ALL and badge 0
 * @max_msg_size:	in: largest payload in bytes; 0 = the module's default
 * @max_msgs:	in: most messages queued at once; 0 = the module's default
 * @max_bytes:	in: most payload bytes queued at once; 0 = the default
 * @reserved:	in: must be 0
 *
 * Limits above the module's maxima (module parameters) are EINVAL.
 */
struct xipc_mailbox_create {
	__u32 flags;
	__u32 handle;
	__u32 max_msg_size;
	__u32 max_msgs;
	__u64 max_bytes;
	__u64 reserved[2];
};

/* @flags of struct xipc_transfer */
#define XIPC_TRANSFER_MOVE	(1U << 0)	/* the sender's handle goes away */

/*
 * struct xipc_transfer - a handle passed inside a message
 * @handle:	in: the sender's handle; needs XIPC_RIGHT_GRANT
 * @rights:	in: the rights the receiver gets, a subset of @handle's;
 *		0 = all of @handle's rights
 * @flags:	in: XIPC_TRANSFER_*
 * @reserved:	in: must be 0
 *
 * The receiver gets a new handle derived from @handle (so a revoke of
 * @handle's ancestors reaches it), with @handle's badge. With
 * XIPC_TRANSFER_MOVE the sender's handle itself travels, as it is (@rights
 * must be 0), and leaves the sender's space in the same step; a handle may be
 * moved once per message and not also copied in it; a receive right that
 * death notices go to (struct xipc_watch) is not moved while their watches
 * stand (EBUSY), as they would then reach its next holder. A mailbox's receive
 * right may travel anywhere, through that same mailbox too: mailboxes that
 * no process can receive from any more, their receive rights all queued in
 * each other (or in themselves), are freed when the call that made them so
 * returns, their queued messages with them (see docs/design.md, "Cycles").
 */
struct xipc_transfer {
	__u32 handle;
	__u32 rights;
	__u32 flags;
	__u32 reserved;
};

/* Most handles one message can carry. */
#define XIPC_MAX_TRANSFERS	64

/*
 * struct xipc_send - queue a message on a mailbox
 * @flags:	in: XIPC_ABSTIME
 * @handle:	in: the mailbox; needs XIPC_RIGHT_SEND
 * @type:	in: the message's type, > 0
 * @data:	in: pointer to the payload
 * @size:	in: the payload's size, at most the mailbox's max_msg_size
 * @transfers:	in: pointer to @nr_transfers struct xipc_transfer
 * @nr_transfers:	in: at most XIPC_MAX_TRANSFERS
 * @reserved:	in: must be 0
 * @timeout_ns:	in: how long to wait while the mailbox is full
 *
 * The message is stamped with the sender's pid, uid and gid and the badge of
 * @handle. Either it is queued exactly once with every handle it carries, or
 * the call fails and nothing changed.
 *
 * A mailbox's senders and receivers are the handles with XIPC_RIGHT_SEND or
 * XIPC_RIGHT_RECV that are not revoked, wherever they are (in a space, or in
 * a queued message), plus its name while it has one. With no receiver left,
 * sends fail with EPIPE and the queued messages are dropped, since nobody
 * could ever take them.
 */
struct xipc_send {
	__u32 flags;
	__u32 handle;
	__s64 type;
	__u64 data;
	__u64 size;
	__u64 transfers;
	__u32 nr_transfers;
	__u32 reserved;
	__u64 timeout_ns;
};

/* @flags of struct xipc_recv */
#define XIPC_RECV_EXCEPT	(1U << 0)	/* the first NOT of @type; @type > 0 */
#define XIPC_RECV_PEEK		(1U << 1)	/* copy, leave it queued */
#define XIPC_RECV_TRUNCATE	(1U << 2)	/* cut a payload longer than @size */
#define XIPC_RECV_FROM_BADGE	(1U << 3)	/* only messages with @badge */
#define XIPC_RECV_FROM_PID	(1U << 4)	/* only messages from @pid */

/*
 * struct xipc_recv - take (or copy) a message from a mailbox
 * @flags:	in: XIPC_RECV_*, XIPC_ABSTIME
 * @handle:	in: the mailbox; needs XIPC_RIGHT_RECV
 * @type:	in: which message, as System V msgrcv: 0 = the first; > 0 = the
 *		first of that type (with XIPC_RECV_EXCEPT, the first not of it);
 *		< 0 = the first of the lowest type <= -@type.
 *		out: the message's type
 * @data:	in: pointer to the buffer
 * @size:	in: the buffer's size; out: the payload's whole size
 * @handles:	in: pointer to @max_handles __u32 for the handles received
 * @max_handles:	in: room in @handles
 * @nr_handles:	out: how many handles the message carried
 * @timeout_ns:	in: how long to wait for a matching message
 * @skip:	in: pass over this many matching messages first (so with PEEK,
 *		@skip = n copies the (n+1)-th match)
 * @badge:	in: with XIPC_RECV_FROM_BADGE, the badge to match; out: the
 *		message's badge
 * @pid:	in: with XIPC_RECV_FROM_PID, the pid to match, as the receiver
 *		sees it; out: the sender's pid (0 if it is not visible in the
 *		receiver's pid namespace)
 * @uid:	out: the sender's uid
 * @gid:	out: the sender's gid
 * @reply:	out: for an RPC request, a one-shot handle to answer it with
 *		XIPC_IOC_REPLY; else 0
 * @quota_uid:	out: the user the message is charged to: @uid, or for a
 *		sender inside a user namespace, the user who created the
 *		outermost namespace of its chain. A server that limits what
 *		one user may have (names, waiting requests) counts by this,
 *		which mapping many uids in a user namespace does not multiply.
 * @reserved:	out: 0 (the tail of the struct is all output)
 *
 * Messages match in the order they were sent. A payload longer than @size
 * is E2BIG, unless XIPC_RECV_TRUNCATE; more handles than @max_handles is
 * E2BIG whatever the flags, but for a peek. On E2BIG only @size and
 * @nr_handles are written, and the message stays queued. A peek installs no
 * handle (@nr_handles still says how many the message carries) and returns
 * no reply handle. @skip must be 0 when @type < 0.
 *
 * When every handle that could send to the mailbox is gone and no matching
 * message is queued, a receive fails with EPIPE instead of waiting forever.
 * A payload that cannot be copied out (EFAULT) leaves the message queued,
 * in its place (dropped if the mailbox died meanwhile); while it is out,
 * other receivers do not see it.
 * A handle revoked while it travelled in a message arrives revoked.
 */
struct xipc_recv {
	__u32 flags;
	__u32 handle;
	__s64 type;
	__u64 data;
	__u64 size;
	__u64 handles;
	__u32 max_handles;
	__u32 nr_handles;
	__u64 timeout_ns;
	__u64 skip;
	__u64 badge;
	__s32 pid;
	__u32 uid;
	__u32 gid;
	__u32 reply;
	__u32 quota_uid;
	__u32 reserved;
};

/*
 * struct xipc_rpc - send a request and wait for its reply
 * @flags:	in: XIPC_ABSTIME
 * @handle:	in: the mailbox; needs XIPC_RIGHT_SEND
 * @type:	in: the request's type, > 0
 * @data, @size, @transfers, @nr_transfers:	in: the request, as in
 *		struct xipc_send
 * @reserved:	in: must be 0
 * @reply_data:	in: pointer to the buffer for the reply
 * @reply_size:	in: its size; out: the reply's size
 * @reply_handles:	in: pointer to @max_reply_handles __u32
 * @max_reply_handles:	in: room in @reply_handles
 * @nr_reply_handles:	out: handles the reply carried
 * @timeout_ns:	in: how long to wait for queueing and the reply together;
 *		not 0 (EINVAL), since a call that may not wait has no reply
 *
 * The request carries a one-shot reply handle that the receiver answers with
 * XIPC_IOC_REPLY. A caller that gives up (timeout, signal, death) cancels the
 * call: the request stays queued if it still is, and the reply to it fails
 * with ECANCELED. If the reply handle goes away unanswered (closed, its
 * holder died, the request was dropped with the last receiver) the call
 * fails with EPIPE; if the mailbox was destroyed with the request still
 * queued, with EIDRM. @max_reply_handles is at most XIPC_MAX_TRANSFERS.
 *
 * A revoke of @handle, or of an ancestor, while the call is in flight ends
 * it at once with EKEYREVOKED. If no receiver has taken the request yet, it
 * is withdrawn: no server will ever see it, and the handles it moved are
 * back in their slots; if a receiver has, the call is canceled as by a
 * timeout (the reply handle's state says XIPC_STATE_CANCELED and a reply
 * gets ECANCELED). Each request is one or the other, never both or
 * neither; a reply that came first wins. Closing @handle does not end a
 * call in flight; a later revoke of its parent (or further up) still does.
 *
 * A reply is never lost once the server's XIPC_IOC_REPLY succeeded. The call
 * reserves @max_reply_handles handle numbers in the caller's space before it
 * sends the request, so a space without room for them fails the call with
 * EMFILE and nothing is sent; the reply's handles then always fit. If the
 * reply cannot be written out (EFAULT: @reply_data or this struct were not
 * writable when it came), the call fails with EFAULT but the reply's
 * handles are installed all the same, their numbers in @reply_handles, and
 * @nr_reply_handles and @reply_size are written if they can be: what the
 * server passed, moved handles included, is the caller's, not lost. Only
 * if @reply_handles itself is not writable, so that the caller could never
 * learn their numbers, are the reply's handles not installed but released
 * with the reply (EFAULT), as SCM_RIGHTS drops the files it cannot report.
 */
struct xipc_rpc {
	__u32 flags;
	__u32 handle;
	__s64 type;
	__u64 data;
	__u64 size;
	__u64 transfers;
	__u32 nr_transfers;
	__u32 reserved;
	__u64 reply_data;
	__u64 reply_size;
	__u64 reply_handles;
	__u32 max_reply_handles;
	__u32 nr_reply_handles;
	__u64 timeout_ns;
};

/*
 * struct xipc_reply - answer an RPC request
 * @flags:	in: must be 0
 * @reply:	in: the reply handle from struct xipc_recv; it is consumed by a
 *		reply that succeeds or fails with ECANCELED
 * @data, @size, @transfers, @nr_transfers:	in: the reply, as in
 *		struct xipc_send; a reply larger than the caller's buffer is
 *		EMSGSIZE and leaves the handle for a smaller one
 * @reserved:	in: must be 0
 */
struct xipc_reply {
	__u32 flags;
	__u32 reply;
	__u64 data;
	__u64 size;
	__u64 transfers;
	__u32 nr_transfers;
	__u32 reserved;
};

/* Most commands in one batch. */
#define XIPC_BATCH_MAX		4

/*
 * struct xipc_batch_op - one command of a batch
 * @cmd:	in: XIPC_IOC_SEND, XIPC_IOC_RECV, XIPC_IOC_RPC or XIPC_IOC_REPLY
 * @reserved:	in: must be 0
 * @arg:	in: pointer to the command's struct, as its ioctl takes it
 */
struct xipc_batch_op {
	__u32 cmd;
	__u32 reserved;
	__u64 arg;
};

/*
 * struct xipc_batch - several message commands in one system call
 * @ops:	in: pointer to @nr struct xipc_batch_op
 * @nr:		in: how many, 1 to XIPC_BATCH_MAX
 * @done:	in: the first to run, below @nr (0 to run them all); out: how
 *		many have succeeded, so the index of the one that failed
 *
 * Runs @ops in order, each exactly as its own ioctl would, and stops at the
 * first that fails. A batch that succeeds returns what its last command
 * returned (a receive: the bytes copied); one that fails returns that
 * command's error, with @done its index: the commands before it ran (a
 * message sent stays sent). This is the microkernel's Call and ReplyRecv:
 * a client sends its request and waits for the answer, a server answers
 * one request and waits for the next, in one system call rather than two.
 *
 * Every op is checked before any runs: an unknown command or a non-zero
 * @reserved is EINVAL with nothing done, as are @nr out of range and @done
 * not below @nr. @done is written before the batch returns, so a command
 * that a signal interrupts and that restarts (a handler with SA_RESTART,
 * and an infinite or absolute timeout) restarts the batch where it
 * stopped: what ran does not run twice. EFAULT: @ops, or this struct, could
 * not be read or written (a struct whose @done cannot be written fails
 * before any command runs); after the first command, what ran stays done.
 */
struct xipc_batch {
	__u64 ops;
	__u32 nr;
	__u32 done;
};

/*
 * struct xipc_mailbox_fd - a file descriptor to poll a mailbox with
 * @flags:	in: must be 0
 * @handle:	in: the mailbox; needs XIPC_RIGHT_RECV or XIPC_RIGHT_SEND
 * @fd:		out: the new descriptor (O_CLOEXEC); the ioctl also returns it
 * @reserved:	in: must be 0
 *
 * poll() reports EPOLLIN while a message is queued (for a handle with
 * XIPC_RIGHT_RECV), EPOLLOUT while one more message fits (XIPC_RIGHT_SEND:
 * fewer than max_msgs are queued and at least one byte is free),
 * EPOLLHUP once the mailbox is destroyed, and EPOLLERR while nobody can
 * receive from it. The descriptor keeps the mailbox alive, not the handle.
 */
struct xipc_mailbox_fd {
	__u32 flags;
	__u32 handle;
	__s32 fd;
	__u32 reserved;
};

/* Longest name of a named mailbox, in bytes. */
#define XIPC_NAME_MAX		255

/* @flags of struct xipc_mailbox_open */
#define XIPC_OPEN_CREATE	(1U << 0)	/* create it if the name is free */
#define XIPC_OPEN_EXCL		(1U << 1)	/* with CREATE: EEXIST if not free */

/*
 * struct xipc_mailbox_open - open (or create) a named mailbox
 * @flags:	in: XIPC_OPEN_*
 * @handle:	out: a new handle, badge 0, with the rights below
 * @name:	in: pointer to the name: 1 to XIPC_NAME_MAX bytes, no NUL
 * @name_len:	in: its length
 * @mode:	in: for a mailbox this call creates, its permission bits
 *		(0777 at most): for owner, group and others, r grants
 *		XIPC_RIGHT_RECV, w XIPC_RIGHT_SEND and x XIPC_RIGHT_GRANT
 * @rights:	in: the rights wanted, all granted or EACCES; 0 = every right
 *		the mode grants the caller. out: the new handle's rights
 * @max_msg_size, @max_msgs, @max_bytes:	in: for a mailbox this call
 *		creates, its limits, as in struct xipc_mailbox_create
 * @reserved:	in: must be 0
 *
 * Names live in the caller's IPC namespace. Credentials are checked once,
 * here, against the mailbox's owner, group and mode, as System V IPC does:
 * the caller's effective uid picks the owner bits, else its groups the group
 * bits, else the other bits; CAP_IPC_OWNER grants RECV, SEND and GRANT
 * whatever the mode. XIPC_RIGHT_MANAGE goes to the owner and to
 * CAP_SYS_ADMIN. The owner and group are the creator's effective ids.
 * A named mailbox keeps its messages while the name exists, even with no
 * handle open, like a POSIX message queue.
 */
struct xipc_mailbox_open {
	__u32 flags;
	__u32 handle;
	__u64 name;
	__u32 name_len;
	__u32 mode;
	__u32 rights;
	__u32 max_msg_size;
	__u32 max_msgs;
	__u32 reserved;
	__u64 max_bytes;
};

/*
 * struct xipc_mailbox_unlink - remove a name
 * @flags:	in: must be 0
 * @name_len:	in: the name's length
 * @name:	in: pointer to the name
 *
 * Only the owner or CAP_SYS_ADMIN may unlink (EACCES). The mailbox lives on
 * while handles to it exist; once none is left its messages go.
 */
struct xipc_mailbox_unlink {
	__u32 flags;
	__u32 name_len;
	__u64 name;
};

/*
 * Lightweight RPC (LRPC). A server creates a service and maps its region:
 * the server's view of the argument stacks (A-stacks) of every binding. A
 * client holding a handle to the service binds: the kernel gives the binding
 * a slot of the region and the client maps the same pages. A call is one
 * ioctl naming the binding and one of its A-stacks: the arguments are already
 * in place, and the kernel only checks, records who to return to and wakes
 * an idle server thread (a synchronous wake-up: the caller's CPU goes to it).
 * The server thread reads the arguments in place, writes the results into
 * the same A-stack, and one ioctl replies and waits for the next call.
 *
 * Mappings: mmap() the /dev/xipc descriptor of the space holding the handle,
 * MAP_SHARED, at the offset the kernel returned (the handle number times the
 * page size), at most the size it returned. A mapping keeps its service or
 * binding alive: a binding's slot is free again only once its handle is
 * closed and every mapping of it is gone.
 */

/*
 * struct xipc_astack - the fixed header at the start of every A-stack
 * @proc:	the procedure to run, written by the client
 * @size:	bytes used in @data: the arguments, then the results
 * @status:	the handler's result, written by the server
 * @state:	free for the library (libipc's spin-then-block word)
 * @regs:	word-sized arguments and results
 * @data:	the rest of the A-stack
 *
 * Only @proc and @size are read by the kernel, and only as a service with
 * XIPC_SERVICE_COPY_IN copies the A-stack for the server.
 */
struct xipc_astack {
	__u32 proc;
	__u32 size;
	__s32 status;
	__u32 state;
	__u64 regs[6];
	unsigned char data[];
};

/*
 * struct xipc_slot_info - who holds a slot of a service's region
 * @badge:	the badge of the handle the binding was made through
 * @pid:	the binder's pid in the server's pid namespace (0 if not in it)
 * @uid:	the binder's effective uid, as the server's user namespace sees it
 * @gid:	the binder's effective gid, likewise
 * @bound:	1 while a binding holds the slot, else 0
 * @holds:	the server's own count of the calls it runs in the slot
 *		outside the kernel: the kernel gives the slot to no new binding
 *		while it is not 0. It starts at 0 and the kernel only reads it.
 * @reserved:	0
 *
 * The region ends with one per slot, written by the kernel at bind and at
 * unbind, mapped only into the server: how a server learns who makes a call
 * that never entered the kernel (libipc's spin-then-block mode), and how it
 * keeps the slot from being reused under such a call. A server takes a hold
 * before it checks @bound and claims the call; when it drops the last hold
 * of a slot that is no longer bound, it tells the kernel with
 * XIPC_SERVE_WAKE on an A-stack of the slot, which frees the slot.
 */
struct xipc_slot_info {
	__u64 badge;
	__s32 pid;
	__u32 uid;
	__u32 gid;
	__u32 bound;
	__u32 holds;
	__u32 reserved;
};

/* Most A-stacks per binding, bindings per service, and nested calls. */
#define XIPC_MAX_ASTACKS	64
#define XIPC_MAX_BINDINGS	4096
#define XIPC_MAX_CALL_DEPTH	8

/* @flags of struct xipc_service_create */
#define XIPC_SERVICE_COPY_IN	(1U << 0)	/* copy the arguments for the server */

/*
 * struct xipc_service_create - create an LRPC service
 * @flags:	in: XIPC_SERVICE_*
 * @handle:	out: a handle with XIPC_RIGHTS_ALL and badge 0. XIPC_RIGHT_SEND
 *		lets its holder bind, XIPC_RIGHT_RECV serve (and map the region),
 *		XIPC_RIGHT_MANAGE destroy. The receive right never leaves this
 *		space (EPERM): the region is mapped here.
 * @astack_size:	in: bytes per A-stack, a multiple of the page size
 * @nr_astacks:	in: A-stacks per binding, so calls one binding may have in
 *		flight, 1 to XIPC_MAX_ASTACKS
 * @max_bindings:	in: bindings at once, 1 to XIPC_MAX_BINDINGS
 * @reserved:	in: must be 0
 * @region_size:	out: bytes of the region: @max_bindings * @nr_astacks *
 *		@astack_size bytes of A-stacks, then @max_bindings struct
 *		xipc_slot_info rounded up to a page; at most the module's
 *		max_region_size (E2BIG)
 * @region_offset:	out: the mmap() offset of the region
 *
 * The region's memory is allocated here, zeroed, and charged to the
 * caller's quota. A-stack i of the binding in slot b is at byte
 * (b * @nr_astacks + i) * @astack_size of the region; its index is
 * b * @nr_astacks + i.
 *
 * The service dies when it is destroyed (calls fail with EIDRM) or when its
 * last handle with XIPC_RIGHT_RECV goes, as when the server process exits
 * (EPIPE): the calls queued, being served and made later all fail at once.
 */
struct xipc_service_create {
	__u32 flags;
	__u32 handle;
	__u32 astack_size;
	__u32 nr_astacks;
	__u32 max_bindings;
	__u32 reserved;
	__u64 region_size;
	__u64 region_offset;
};

/*
 * struct xipc_bind - bind to a service
 * @flags:	in: must be 0
 * @service:	in: the service; needs XIPC_RIGHT_SEND
 * @handle:	out: the binding, with XIPC_RIGHT_SEND only (it cannot be
 *		duplicated or passed on: its mapping belongs to this space)
 * @astack_size:	out: the service's A-stack size
 * @nr_astacks:	out: the binding's A-stacks
 * @slot:	out: the binding's slot in the service's region
 * @map_size:	out: bytes to map, @nr_astacks * @astack_size
 * @map_offset:	out: the mmap() offset of the binding's A-stacks
 *
 * Calls through the binding carry the badge of @service. Revoking @service
 * (or an ancestor) ends the binding: later calls fail with EKEYREVOKED, and
 * so do its calls in flight, at once (see struct xipc_lrpc_call).
 * Unbinding is closing the handle. A service with every slot taken is
 * EBUSY; a dead one EPIPE (or EIDRM, destroyed).
 */
struct xipc_bind {
	__u32 flags;
	__u32 service;
	__u32 handle;
	__u32 astack_size;
	__u32 nr_astacks;
	__u32 slot;
	__u64 map_size;
	__u64 map_offset;
};

/* @flags of struct xipc_lrpc_call */
#define XIPC_CALL_SPIN_WAIT	(1U << 0)	/* only wait, as described below */
#define XIPC_CALL_REGS		(1U << 1)	/* the words are in registers */
#define XIPC_CALL_SPUN_PARENT	(1U << 2)	/* @parent is a spun call */

/*
 * Register calls (XIPC_CALL_REGS, XIPC_SERVE_REGS; XIPC_FEATURE_LRPC_REGS
 * says whether the caller's architecture has them: x86-64 and arm64, not
 * 32-bit or compat callers). A call's eight 64-bit words, w0 to w7, and its
 * reply's travel in general-purpose registers the ioctl does not read, from
 * the caller's saved user registers to those of the server thread that takes
 * the call, and back: no A-stack memory is read or written.
 *
 *   x86-64: w0..w7 in r10, r8, r9, rbx, r12, r13, r14, r15; the handler's
 *           status comes back in rdx (sign-extended)
 *   arm64:  w0..w7 in x3, x4, x5, x6, x7, x9, x10, x11; the status comes
 *           back in x2 (sign-extended)
 *
 * The caller's words are read when a server thread takes the call, and
 * written (with the status register) only when XIPC_IOC_LRPC_CALL returns 0;
 * every other register is left as the system call leaves it (on x86-64 the
 * syscall instruction itself clobbers rcx and r11). A server thread that
 * passes XIPC_SERVE_REGS gets a register call's words in w0..w7 when it
 * returns with the call, and a reply with XIPC_SERVE_REGS sends w0..w7 back
 * with @status. A server thread that does not pass it (a 32-bit server, or
 * one that knows nothing of registers) is served through the A-stack
 * instead: the kernel writes @proc, @size 16 and the words into the header
 * (w0..w5 in @regs, w6 and w7 in the first 16 bytes of @data; for
 * XIPC_SERVICE_COPY_IN into the server's copy only), and a reply without
 * XIPC_SERVE_REGS sends back @status and the words from the A-stack. That is
 * also the layout libipc falls back to where registers are not available.
 */

/*
 * struct xipc_lrpc_call - call a procedure through a binding
 * @flags:	in: XIPC_CALL_SPIN_WAIT, XIPC_CALL_REGS, XIPC_CALL_SPUN_PARENT,
 *		XIPC_ABSTIME
 * @binding:	in: the binding; needs XIPC_RIGHT_SEND
 * @astack:	in: which of its A-stacks holds the arguments (with
 *		XIPC_CALL_REGS, only its linkage record is used)
 * @parent_service:	in: for a nested call made while serving one, the
 *		service (a handle with XIPC_RIGHT_RECV) of the call being
 *		served, else 0
 * @parent:	in: with @parent_service, the call being served (its token
 *		from struct xipc_lrpc_serve), or with XIPC_CALL_SPUN_PARENT the
 *		index of the A-stack of a call this thread took in shared
 *		memory (spin-then-block), which counts as depth 0: libipc never
 *		spins a nested call; else 0
 * @timeout_ns:	in: how long to wait for a free server thread and the reply
 *		together; 0 does not wait for a server (EAGAIN when none is
 *		idle) but does wait for the reply
 * @expect:	in: with XIPC_CALL_SPIN_WAIT, the state word to wait on; else 0
 * @proc:	in: with XIPC_CALL_REGS, the procedure (the A-stack's @proc is
 *		not read); else must be 0
 *
 * Returns 0 once the server replied: the results are in the A-stack. An
 * A-stack with a call in flight is EBUSY; the call's depth (one more than
 * its parent's) over XIPC_MAX_CALL_DEPTH is ELOOP. Closing the binding's
 * handle ends later calls, not the one in flight. A revoke of the service
 * handle the binding was made through (or of an ancestor) ends both: later
 * calls fail with EKEYREVOKED, a call no server thread took yet is
 * withdrawn (the server never sees it) and fails at once with EKEYREVOKED,
 * and one a server thread has is abandoned as by a caller that gives up:
 * the caller gets EKEYREVOKED at once, the server's reply ECANCELED, and
 * the A-stack stays busy until that reply. A reply that came first wins.
 *
 * A caller that gives up (timeout, signal, death) before a server thread
 * took the call withdraws it: the server never sees it, and a signal restarts
 * the call as usual. Once a server thread has it, the call runs to its end:
 * the caller gets ETIMEDOUT or EINTR (never restarted), the server's reply
 * fails with ECANCELED, and the A-stack stays busy (EBUSY) until then.
 * A service that dies fails every call at once (EPIPE, or EIDRM).
 *
 * XIPC_CALL_SPIN_WAIT makes no call: it sleeps until the state word of the
 * A-stack differs from @expect or a server wakes the A-stack
 * (XIPC_SERVE_WAKE), then returns 0 (the caller checks its word again), or
 * fails like a call (timeout, dead service; a signal gives EINTR, never a
 * restart). It is the futex of
 * calls handed over in shared memory (libipc's spin-then-block mode), for
 * which a futex cannot serve: the region is no file's page cache.
 * @parent_service and @parent must be 0, and so must XIPC_CALL_REGS.
 *
 * XIPC_CALL_REGS makes the call with its words in registers (see above):
 * the results are in the registers when it returns 0. It is EOPNOTSUPP
 * where XIPC_FEATURE_LRPC_REGS is not reported.
 */
struct xipc_lrpc_call {
	__u32 flags;
	__u32 binding;
	__u32 astack;
	__u32 parent_service;
	__u64 parent;
	__u64 timeout_ns;
	__u32 expect;
	__u32 proc;
};

/* @flags of struct xipc_lrpc_serve: REPLY, WAIT, both, or WAKE alone */
#define XIPC_SERVE_REPLY	(1U << 0)	/* reply to @call */
#define XIPC_SERVE_WAIT		(1U << 1)	/* then wait for the next call */
#define XIPC_SERVE_WAKE		(1U << 2)	/* wake A-stack @call's client */
#define XIPC_SERVE_REGS		(1U << 3)	/* words in registers, both ways */

/*
 * struct xipc_lrpc_serve - reply to a call, and wait for the next
 * @flags:	in: XIPC_SERVE_*, XIPC_ABSTIME. out, with XIPC_SERVE_WAIT:
 *		XIPC_SERVE_REGS stays set if it was and the call taken is a
 *		register call (its words are in this thread's registers), and
 *		is cleared otherwise
 * @service:	in: the service; needs XIPC_RIGHT_RECV
 * @call:	in: with XIPC_SERVE_REPLY, the call to reply to; the results
 *		are in its A-stack. With XIPC_SERVE_WAKE, an A-stack's index
 *		(see XIPC_CALL_SPIN_WAIT). out: the new call's token
 * @timeout_ns:	in: with XIPC_SERVE_WAIT, how long to wait for a call
 * @args:	in: for a service with XIPC_SERVICE_COPY_IN, a buffer of
 *		astack_size bytes, private to the server (needed only with
 *		XIPC_SERVE_WAIT): the kernel copies the A-stack's header and
 *		its first @size data bytes there before returning, so that the
 *		caller cannot change them while the server checks them. For
 *		other services, must be 0.
 * @astack:	out: the call's A-stack, as its byte offset in the region
 * @badge:	out: the badge of the handle the client bound through
 * @proc:	out: the procedure, read once from the A-stack (or the copy)
 * @depth:	out: 0 for a call from a thread serving nothing, else one
 *		more than the depth of the call that thread was serving
 * @pid:	out: the caller's pid (0 if not visible in the server's pid
 *		namespace)
 * @uid:	out: the caller's effective uid
 * @gid:	out: the caller's effective gid
 * @status:	in: with XIPC_SERVE_REGS and XIPC_SERVE_REPLY, the handler's
 *		status, sent back with the words if the call replied to is a
 *		register call; else must be 0
 *
 * The out fields are written only when a call was taken. Any thread of the
 * space that holds the service may reply to its calls. A reply to a call
 * whose caller gave up fails with ECANCELED and does not wait for the next
 * call; one to a call that is not being served (a wrong
 * or stale token) is EINVAL; one to a dead service fails like a call. One
 * through @service revoked or closed since the command looked it up fails
 * (EKEYREVOKED, EBADF) and answers nothing: the call waits for a reply
 * through another handle of the service, its caller's timeout, or the
 * service's death.
 */
struct xipc_lrpc_serve {
	__u32 flags;
	__u32 service;
	__u64 call;
	__u64 timeout_ns;
	__u64 args;
	__u64 astack;
	__u64 badge;
	__u32 proc;
	__u32 depth;
	__s32 pid;
	__u32 uid;
	__u32 gid;
	__s32 status;
};

/*
 * The naming service (a daemon, not kernel code) is found through the
 * kernel. One mailbox per IPC namespace can be the name server's: its
 * holder claims the role with XIPC_IOC_NAMESERVER_CLAIM (struct
 * xipc_handle_op naming a mailbox with XIPC_RIGHT_RECV; CAP_SYS_ADMIN over
 * the namespace, else EPERM). The role lasts while the mailbox has a
 * receiver and is not destroyed (a named mailbox's name counts as one, so
 * a name server's mailbox should have no name): a claim meanwhile is EBUSY.
 * Requests reach
 * the name server as messages, stamped by the kernel with the requester's
 * pid, uid and gid like every message, so they cannot be forged.
 */

/*
 * struct xipc_bootstrap - a handle to this IPC namespace's name server
 * @flags:	in: XIPC_ABSTIME
 * @handle:	out: a new handle to the name server's mailbox, with
 *		XIPC_RIGHT_SEND only and badge 0
 * @timeout_ns:	in: how long to wait for a name server to claim the role;
 *		0 fails at once with ENOENT when none has
 */
struct xipc_bootstrap {
	__u32 flags;
	__u32 handle;
	__u64 timeout_ns;
};

/*
 * struct xipc_watch - be told when an object dies
 * @flags:	in: must be 0
 * @handle:	in: a handle to the mailbox or service watched (any rights)
 * @mailbox:	in: the mailbox the notice goes to, one the watcher receives
 *		from: needs XIPC_RIGHT_RECV
 * @reserved:	in: must be 0
 * @type:	in: the notice's message type, > 0
 * @cookie:	in: copied into the notice
 *
 * An object dies when its last handle with XIPC_RIGHT_RECV goes (closed,
 * revoked, its space freed) or it is destroyed; nothing brings it back.
 * Then a message of @type whose payload is a struct xipc_death_notice is
 * queued on @mailbox, even beyond its limits (the notice was charged to the
 * watcher's quota here), stamped as from root with pid 0 and badge 0; it is
 * dropped if @mailbox has no receiver by then. Until then the watch counts
 * as a sender to @mailbox. An object that is dead already is reported at
 * once. A named mailbox counts its name as a receiver: it dies once it is
 * unlinked and its handles are gone. A watch lasts until its notice is sent,
 * or until @handle is closed: the watch ends with it, untold. When @handle is
 * revoked, the notice is sent at once: to the holder of a revoked handle the
 * object is as dead as one without a receiver. A watch also ends, untold,
 * when the receive handle @mailbox named is closed or revoked: nothing of the
 * watcher reaches a mailbox it can no longer receive from; and that handle
 * cannot be moved meanwhile (EBUSY). A handle moved to another space
 * (XIPC_TRANSFER_MOVE) takes the watches made through it along.
 *
 * At most max_watches watches (a module parameter, 4096 by default) are made
 * through one handle: one more is EMLINK. The bound is the handle's, so one
 * watcher cannot use up another's; each watch is charged to its maker.
 *
 * A name server learns so that a registered server is gone. Notices can
 * only go to a mailbox the watcher can receive from, so whoever sends a
 * notice sends it to itself: sent to a mailbox whose receive right only the
 * name server holds, they cannot be forged.
 */
struct xipc_watch {
	__u32 flags;
	__u32 handle;
	__u32 mailbox;
	__u32 reserved;
	__s64 type;
	__u64 cookie;
};

/* The payload of a death notice: the dead object, and the watch's cookie. */
struct xipc_death_notice {
	__u64 object_id;
	__u64 cookie;
};

#define XIPC_IOC_HANDLE_CLOSE	_IOW(XIPC_IOCTL_TYPE, 0x01, struct xipc_handle_op)
#define XIPC_IOC_HANDLE_DUP	_IOWR(XIPC_IOCTL_TYPE, 0x02, struct xipc_handle_dup)
#define XIPC_IOC_HANDLE_REVOKE	_IOW(XIPC_IOCTL_TYPE, 0x03, struct xipc_handle_op)
#define XIPC_IOC_HANDLE_INFO	_IOWR(XIPC_IOCTL_TYPE, 0x04, struct xipc_handle_info)
#define XIPC_IOC_MAILBOX_CREATE	_IOWR(XIPC_IOCTL_TYPE, 0x10, struct xipc_mailbox_create)
#define XIPC_IOC_MAILBOX_DESTROY _IOW(XIPC_IOCTL_TYPE, 0x11, struct xipc_handle_op)
#define XIPC_IOC_MAILBOX_FD	_IOWR(XIPC_IOCTL_TYPE, 0x12, struct xipc_mailbox_fd)
#define XIPC_IOC_MAILBOX_OPEN	_IOWR(XIPC_IOCTL_TYPE, 0x13, struct xipc_mailbox_open)
#define XIPC_IOC_MAILBOX_UNLINK	_IOW(XIPC_IOCTL_TYPE, 0x14, struct xipc_mailbox_unlink)
#define XIPC_IOC_SEND		_IOW(XIPC_IOCTL_TYPE, 0x20, struct xipc_send)
#define XIPC_IOC_RECV		_IOWR(XIPC_IOCTL_TYPE, 0x21, struct xipc_recv)
#define XIPC_IOC_RPC		_IOWR(XIPC_IOCTL_TYPE, 0x22, struct xipc_rpc)
#define XIPC_IOC_REPLY		_IOW(XIPC_IOCTL_TYPE, 0x23, struct xipc_reply)
#define XIPC_IOC_BATCH		_IOWR(XIPC_IOCTL_TYPE, 0x24, struct xipc_batch)
#define XIPC_IOC_SERVICE_CREATE	_IOWR(XIPC_IOCTL_TYPE, 0x30, struct xipc_service_create)
#define XIPC_IOC_SERVICE_DESTROY _IOW(XIPC_IOCTL_TYPE, 0x31, struct xipc_handle_op)
#define XIPC_IOC_BIND		_IOWR(XIPC_IOCTL_TYPE, 0x32, struct xipc_bind)
#define XIPC_IOC_LRPC_CALL	_IOW(XIPC_IOCTL_TYPE, 0x33, struct xipc_lrpc_call)
#define XIPC_IOC_LRPC_SERVE	_IOWR(XIPC_IOCTL_TYPE, 0x34, struct xipc_lrpc_serve)
#define XIPC_IOC_NAMESERVER_CLAIM _IOW(XIPC_IOCTL_TYPE, 0x40, struct xipc_handle_op)
#define XIPC_IOC_BOOTSTRAP	_IOWR(XIPC_IOCTL_TYPE, 0x41, struct xipc_bootstrap)
#define XIPC_IOC_WATCH		_IOW(XIPC_IOCTL_TYPE, 0x42, struct xipc_watch)

#endif /* _UAPI_LINUX_XIPC_H */
