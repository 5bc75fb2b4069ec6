/* SPDX-License-Identifier: MIT */
/*
 * libipc: the C library of xipc, microkernel-style IPC for Linux.
 *
 * The library is a thin layer over the ioctls of /dev/xipc, declared in
 * <linux/xipc.h>: on the common path each function is one system call.
 *
 * The error convention, kept by every function of this library:
 *   A function returns a non-negative value on success (0, or the result it
 *   documents, such as a file descriptor) and a negated errno value on
 *   failure, for example -EINVAL. It never reads or writes errno, so its result
 *   can be trusted in threads and in signal handlers without saving errno.
 *   Each function lists the errors it can return; the kernel's own errors
 *   pass through unchanged.
 *
 * A capability space is a file descriptor: ipc_open() opens one, ipc_close()
 * closes it, and the usual descriptor rules apply to it (dup() and fork()
 * share the same space; it is freed when its last descriptor is closed).
 */
#ifndef LIBIPC_H
#define LIBIPC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/xipc.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The device every capability space is opened from. */
#define LIBIPC_DEVICE "/dev/xipc"

/**
 * ipc_open() - open a new capability space
 * @flags: must be 0
 *
 * The descriptor is opened close-on-exec; to hand a space to a program you
 * exec, clear FD_CLOEXEC with fcntl().
 *
 * Return: the space's file descriptor, or
 *   -EINVAL  @flags is not 0;
 *   -ENOENT  /dev/xipc does not exist: the module is not loaded;
 *   -EACCES  /dev/xipc may not be opened by this user;
 *   -EMFILE, -ENFILE, -ENOMEM  out of descriptors or memory.
 */
int ipc_open(unsigned int flags);

/**
 * ipc_close() - close a capability space's descriptor
 * @space: a descriptor from ipc_open()
 *
 * The space itself is freed when its last descriptor is closed.
 *
 * Return: 0, or
 *   -EBADF  @space is not an open descriptor.
 */
int ipc_close(int space);

/**
 * ipc_info() - what the running module is and offers
 * @space: a descriptor from ipc_open()
 * @info: filled in with the module's ABI version, its feature bits and the
 *        space's id (see struct xipc_info in <linux/xipc.h>)
 *
 * Return: 0, or
 *   -EBADF   @space is not an open descriptor;
 *   -ENOTTY  @space is not a descriptor of /dev/xipc;
 *   -EFAULT  @info points outside the address space.
 */
int ipc_info(int space, struct xipc_info *info);

/*
 * Pointers travel to the kernel as __u64; this is the one cast to use:
 *   struct xipc_send msg = { .handle = h, .type = 1, .data = ipc_ptr(buf), ... };
 */
static inline __u64 ipc_ptr(const void *p)
{
	return (__u64)(uintptr_t)p;
}

/*
 * Handles: small integers naming kernel objects, with rights and a badge.
 * Every function below that takes a handle can fail with
 *   -EBADF  the handle does not exist in @space (or @space is not a space);
 *   -EPERM  the handle lacks the right the operation needs;
 *   -EKEYREVOKED  an ancestor of the handle revoked it (also while the call
 *                 was blocked on it; a handle closed by another thread while
 *                 a call blocks on it makes that call fail with -EBADF).
 * And every function that gives @space a handle (creates, opens, dups,
 * receives one, or reserves room for a reply's) fails, where it says
 * -EMFILE for a full space, with -ENOBUFS as well when the handles of all
 * the spaces of the user who opened @space are at the user_max_handles
 * quota (xipcs -u shows them).
 */

/**
 * ipc_handle_close() - close a handle
 *
 * The object lives on while other handles to it exist. Closing the last
 * handle with XIPC_RIGHT_RECV of a mailbox makes senders fail with -EPIPE.
 * A revoked handle can (and should) still be closed.
 *
 * Return: 0, or -EBADF.
 */
int ipc_handle_close(int space, __u32 handle);

/**
 * ipc_handle_dup() - derive a new handle from @handle
 * @rights: the new handle's rights, a subset of @handle's
 * @flags: 0 to keep @handle's badge, or XIPC_DUP_BADGE to stamp @badge (not
 *         0) on every message sent through the new handle. A badge is
 *         stamped once: only a handle whose badge is 0 can be stamped, and
 *         every handle derived from a badged one keeps its badge.
 *
 * Return: the new handle (> 0), or
 *   -EPERM   @handle lacks XIPC_RIGHT_GRANT, or XIPC_DUP_BADGE on a handle
 *            that has a badge already;
 *   -EINVAL  @rights is 0 or not a subset of @handle's rights, @flags
 *            has unknown bits, or XIPC_DUP_BADGE with @badge 0;
 *   -EIDRM   the object was destroyed;
 *   -EMFILE  @space holds as many handles as it may (-ENOBUFS: the user's);
 *   -ENOMEM  out of memory;
 *   and the handle errors above.
 */
int ipc_handle_dup(int space, __u32 handle, __u32 rights, __u32 flags,
		   __u64 badge);

/**
 * ipc_handle_revoke() - invalidate every handle derived from @handle
 *
 * Every handle derived from @handle, by ipc_handle_dup() or by passing it in
 * a message, in every space, and every handle derived from those, fails with
 * -EKEYREVOKED from now on, even a send or receive already blocked on it;
 * @handle itself stays valid. RPCs and LRPC calls in flight through them end
 * at once with -EKEYREVOKED (a request no server took is withdrawn), and
 * death watches made through them are told at once; messages they sent that
 * are queued stay queued.
 *
 * Return: 0, or -EPERM (@handle lacks XIPC_RIGHT_MANAGE), -EIDRM (the
 * object was destroyed) and the handle errors above.
 */
int ipc_handle_revoke(int space, __u32 handle);

/**
 * ipc_handle_info() - what @handle names, with which rights and badge
 *
 * Works on revoked handles too (state has XIPC_STATE_REVOKED).
 *
 * Return: 0, or -EBADF.
 */
int ipc_handle_info(int space, __u32 handle, struct xipc_handle_info *info);

/**
 * ipc_mailbox_create() - create an anonymous mailbox
 * @max_msg_size, @max_msgs, @max_bytes: its limits; 0 = the module's default
 *
 * Return: a handle with XIPC_RIGHTS_ALL (> 0), or
 *   -EINVAL  a limit is above the module's maximum;
 *   -ENOBUFS the caller's user has created as many mailboxes as it may;
 *   -EMFILE  @space holds as many handles as it may;
 *   -ENOMEM  out of memory.
 */
int ipc_mailbox_create(int space, __u32 max_msg_size, __u32 max_msgs,
		       __u64 max_bytes);

/**
 * ipc_mailbox_open() - open a named mailbox, creating it if asked
 * @name: a NUL-terminated name, 1 to XIPC_NAME_MAX bytes
 * @flags: XIPC_OPEN_CREATE, XIPC_OPEN_EXCL (only with XIPC_OPEN_CREATE)
 * @mode: for a mailbox this call creates: r/w/x bits for owner, group and
 *        others grant RECV/SEND/GRANT (see struct xipc_mailbox_open);
 *        without XIPC_OPEN_CREATE it must be 0: it is not ignored, the
 *        call fails with -EINVAL
 * @rights: the rights wanted; 0 = all that the caller's credentials earn
 *
 * A mailbox this call creates gets the module's default limits; for others,
 * fill struct xipc_mailbox_open and use ipc_mailbox_open_full().
 *
 * Return: a new handle (> 0), or
 *   -ENOENT  no such name, and no XIPC_OPEN_CREATE;
 *   -EEXIST  XIPC_OPEN_CREATE | XIPC_OPEN_EXCL, and the name exists;
 *   -EACCES  the caller's credentials do not earn @rights, or (@rights 0)
 *            earn no right at all;
 *   -EINVAL  unknown flags, XIPC_OPEN_EXCL without XIPC_OPEN_CREATE, a
 *            @mode (or, for ipc_mailbox_open_full(), a limit) without
 *            XIPC_OPEN_CREATE, mode bits beyond 0777, unknown rights, a
 *            limit above the module's maximum, or a name that is empty
 *            (or, through ipc_mailbox_open_full(), has a NUL byte);
 *   -ENAMETOOLONG  the name is longer than XIPC_NAME_MAX;
 *   -ENOBUFS  creating it would exceed the user's mailbox limit, or the
 *             handle the user's handle quota;
 *   -EMFILE, -ENOMEM, -EFAULT.
 */
int ipc_mailbox_open(int space, const char *name, __u32 flags, __u32 mode,
		     __u32 rights);

/**
 * ipc_mailbox_open_full() - ipc_mailbox_open() with every field of @req
 *
 * Return: as ipc_mailbox_open(); the handle is also in @req->handle.
 */
int ipc_mailbox_open_full(int space, struct xipc_mailbox_open *req);

/**
 * ipc_mailbox_unlink() - remove a name
 *
 * The mailbox lives on while handles to it exist.
 *
 * Return: 0, or -ENOENT, -EACCES (neither the owner nor CAP_SYS_ADMIN),
 * -EINVAL (an empty name), -ENAMETOOLONG, -EFAULT, -ENOMEM.
 */
int ipc_mailbox_unlink(int space, const char *name);

/**
 * ipc_mailbox_destroy() - destroy a mailbox now
 *
 * Queued messages and the handles inside them are released; blocked senders
 * and receivers wake with -EIDRM, and every later use of any handle to it
 * fails with -EIDRM.
 *
 * Return: 0, or -EPERM (no XIPC_RIGHT_MANAGE), -EIDRM (already destroyed) and
 * the handle errors above.
 */
int ipc_mailbox_destroy(int space, __u32 handle);

/**
 * ipc_mailbox_fd() - a descriptor that poll(), select() and epoll watch
 *
 * See struct xipc_mailbox_fd in <linux/xipc.h> for what poll() reports.
 *
 * Return: the descriptor (close-on-exec), or -EPERM (neither send nor recv
 * right), -EMFILE, -ENFILE, -ENOMEM, and the handle errors above (-EBADF
 * also for a handle that is not a mailbox's).
 */
int ipc_mailbox_fd(int space, __u32 handle);

/**
 * ipc_send() - queue one message (Send)
 * @msg: see struct xipc_send in <linux/xipc.h>
 *
 * Return: 0, or
 *   -EINVAL    unknown flags, non-zero reserved fields, type <= 0, too many
 *              transfers, a transfer's rights not a subset, a moved
 *              handle with rights, or a handle moved twice (or moved and
 *              copied);
 *   -EMSGSIZE  the payload is larger than the mailbox's max_msg_size (or
 *              its max_bytes);
 *   -ENOMEM    out of memory;
 *   -ENOBUFS   the caller's user has as many messages or bytes in flight
 *              as the module's per-user limits allow;
 *   -EFAULT    a pointer is bad;
 *   -EAGAIN    the mailbox is full and @msg->timeout_ns is 0;
 *   -ETIMEDOUT it stayed full until the timeout;
 *   -EINTR     a signal came first;
 *   -EPIPE     nobody can receive from the mailbox;
 *   -EIDRM     the mailbox, or the object of a transferred handle, was
 *              destroyed;
 *   the handle errors above, for the mailbox or a transferred handle
 *   (-EPERM: no XIPC_RIGHT_SEND, a transferred handle lacks GRANT, or
 *   the message would carry an LRPC service's receive right).
 * -EINTR: with XIPC_TIMEOUT_INFINITE or XIPC_ABSTIME, a signal whose handler
 * has SA_RESTART restarts the call instead.
 * On any error nothing was queued and no handle moved.
 */
int ipc_send(int space, struct xipc_send *msg);

/**
 * ipc_recv() - take the first matching message (Recv)
 * @msg: see struct xipc_recv in <linux/xipc.h>; the kernel fills in the
 *       message's type, size, badge, sender and handles
 *
 * Return: the number of payload bytes copied (>= 0), or
 *   -EINVAL  unknown flags, FROM_PID with a pid <= 0, EXCEPT with a type
 *            <= 0, or a type < 0 with a skip;
 *   -E2BIG   the payload or its handles do not fit (msg->size and
 *            msg->nr_handles say what would); the message stays queued;
 *   -EMFILE  @space has no room for the handles the message carries
 *            (-ENOBUFS: the user's handle quota); the message stays queued;
 *   -ENOMEM  out of memory (a peek's copy);
 *   -EPIPE   no matching message is queued and nobody can send any more;
 *   -EFAULT  a pointer is bad; the message stays queued, but for one of
 *            16 KiB or more that its sender copied straight into
 *            @msg->data while this call waited: if only @msg itself could
 *            not be written back, that message was delivered;
 *   -EAGAIN, -ETIMEDOUT, -EINTR, -EIDRM as for ipc_send(), and
 *   the handle errors above (-EPERM: no XIPC_RIGHT_RECV).
 * Calls that wait get messages in the order they began to wait.
 */
int ipc_recv(int space, struct xipc_recv *msg);

/**
 * ipc_rpc() - send a request and wait for the reply (RPC)
 * @call: see struct xipc_rpc in <linux/xipc.h>
 *
 * Return: the number of reply bytes copied (>= 0), or the errors of
 * ipc_send() (the request was not queued; -EINVAL also for a zero timeout
 * or max_reply_handles above XIPC_MAX_TRANSFERS), or
 *   -EMFILE     @space has no room for @call->max_reply_handles more
 *               handles: refused before the request is sent;
 *   -EPIPE      the reply handle went away unanswered (with the request,
 *               when the mailbox lost its last receiver, or no process
 *               could receive from it any more: a cycle collected);
 *   -ETIMEDOUT, -EINTR  no reply came in time: the call is cancelled;
 *   -EIDRM      the mailbox was destroyed before the request was taken;
 *   -EKEYREVOKED  @call->handle was revoked while the call was in flight:
 *               withdrawn if no server had taken it, else cancelled;
 *   -EFAULT     the reply came but could not all be written: its handles
 *               are installed all the same, unless @call->reply_handles
 *               was not writable (see struct xipc_rpc).
 */
int ipc_rpc(int space, struct xipc_rpc *call);

/**
 * ipc_reply() - answer an RPC request (Reply)
 * @reply: see struct xipc_reply in <linux/xipc.h>
 *
 * Return: 0 (the reply handle is consumed), or
 *   -ECANCELED  the caller gave up or died; the reply handle is consumed;
 *   -EMSGSIZE   the reply is larger than the caller's buffer, or carries
 *               more handles than it has room for; the handle stays;
 *   -EBADF      @reply->reply is not a reply handle;
 *   -EINVAL, -EFAULT, -ENOBUFS, -ENOMEM (the handle stays), and the
 *   handle errors above, for the transferred handles too.
 */
int ipc_reply(int space, struct xipc_reply *reply);

/**
 * ipc_batch() - several message commands in one system call
 * @ops: @nr commands (see struct xipc_batch_op in <linux/xipc.h>): each a
 *       command of XIPC_IOC_SEND, XIPC_IOC_RECV, XIPC_IOC_RPC or
 *       XIPC_IOC_REPLY and a pointer to its struct
 * @nr: 1 to XIPC_BATCH_MAX
 * @done: if not NULL, set to how many commands succeeded (on an error, the
 *        index of the one that failed)
 *
 * Runs the commands in order, each as ipc_send(), ipc_recv(), ipc_rpc() or
 * ipc_reply() would, up to the first that fails: a client's Send then Recv
 * of the answer, or a server's Reply then Recv of the next request, cost
 * one system call instead of two. A restarted command (SA_RESTART) does not
 * run again the commands before it.
 *
 * Return: what the last command returned (a receive: the bytes copied), or
 * the error of the command that failed, those before it having run; or
 *   -EINVAL  @nr out of range, a command not one of the four, or a
 *            non-zero reserved field: nothing ran;
 *   -EFAULT  @ops cannot be read (nothing ran), or the kernel could not
 *            report progress (the commands that ran stay done).
 */
int ipc_batch(int space, struct xipc_batch_op *ops, unsigned int nr,
	      unsigned int *done);

/*
 * The name server of this IPC namespace: a daemon that owns a mailbox, and
 * that the kernel points every space to (see <linux/xipc.h>).
 */

/**
 * ipc_nameserver_claim() - make @mailbox the name server's mailbox
 * @mailbox: a mailbox handle with XIPC_RIGHT_RECV
 *
 * The role lasts while the mailbox has a receiver and is not destroyed.
 *
 * Return: 0, or the handle errors, or
 *   -EPERM   the caller lacks CAP_SYS_ADMIN over its IPC namespace, or the
 *            handle lacks XIPC_RIGHT_RECV;
 *   -EBUSY   another mailbox has the role;
 *   -EIDRM   the mailbox was destroyed, or lost its last receiver;
 *   -ENOMEM  out of memory.
 */
int ipc_nameserver_claim(int space, __u32 mailbox);

/**
 * ipc_bootstrap() - a send-only handle to the name server's mailbox
 * @timeout_ns: how long to wait for a name server to claim the role
 *
 * Return: the new handle (> 0), or
 *   -ENOENT     no name server, and @timeout_ns is 0;
 *   -ETIMEDOUT, -EINTR  none came in time;
 *   -EMFILE, -ENOMEM.
 */
int ipc_bootstrap(int space, __u64 timeout_ns);

/**
 * ipc_watch() - be told on @mailbox when the object of @handle dies
 * @handle:  a handle to a mailbox or a service, with any rights
 * @mailbox: where the notice goes: a mailbox handle with XIPC_RIGHT_RECV
 * @type:    the notice's message type, > 0
 * @cookie:  copied into the notice (struct xipc_death_notice)
 *
 * See struct xipc_watch in <linux/xipc.h>.
 *
 * Return: 0, or the handle errors (-EBADF also when @handle names neither
 * a mailbox nor a service), or -EINVAL (@type <= 0), -ENOBUFS (the
 * notice would exceed the caller's quota), -EMLINK (@handle has the
 * max_watches watches one handle may take), -ENOMEM.
 */
int ipc_watch(int space, __u32 handle, __u32 mailbox, __s64 type,
	      __u64 cookie);

/*
 * The naming service: names for capabilities, kept by the daemon xipc-named
 * (tools/xipc-named.c), which the functions below reach through the
 * bootstrap handle. A server registers a name with a handle and a policy; a
 * client looks the name up and gets a handle of its own, with the rights the
 * policy grants it. docs/naming.md has the whole story and the protocol.
 *
 * Each of these calls takes @timeout_ns, the most the whole call may take:
 * waiting for a name server to run, for its answer and, for a lookup with
 * IPC_NS_WAIT, for the name to be registered. It is relative, in CLOCK_MONOTONIC
 * nanoseconds; XIPC_TIMEOUT_INFINITE waits for ever; 0 is -EINVAL, since an
 * answer needs some wait. A name server that dies during a call is waited
 * for, within the timeout, and asked again. Besides the errors each call
 * lists, every one can fail with
 *   -EINVAL     @timeout_ns is 0, or a name is empty or has a byte outside
 *               '!' to '~' (printable ASCII, no space);
 *   -ENAMETOOLONG  a name is longer than IPC_NS_NAME_MAX;
 *   -ETIMEDOUT  no name server, or no answer, in time;
 *   -EINTR      a signal came first;
 *   -EPROTO     the name server's answer is not one this library knows;
 *   -ENOBUFS, -EMFILE, -ENOMEM, -EFAULT  as for ipc_rpc().
 */

/* Longest name the naming service keeps, in bytes. */
#define IPC_NS_NAME_MAX		255
/* Most rules one policy can have. */
#define IPC_NS_MAX_RULES	16

/* @who of struct ipc_ns_rule */
#define IPC_NS_EVERYONE		1	/* any requester; @id must be 0 */
#define IPC_NS_UID		2	/* a requester whose effective uid is @id */
#define IPC_NS_GID		3	/* a requester whose effective gid is @id */

/*
 * struct ipc_ns_rule - one line of a name's policy
 * @who:	IPC_NS_EVERYONE, IPC_NS_UID or IPC_NS_GID
 * @id:		the uid or gid the rule is for
 * @rights:	the XIPC_RIGHT_* a requester it matches may get, not 0
 * @reserved:	must be 0
 *
 * A requester gets the union of the rights of every rule that matches it,
 * and nothing if none does. The uid and gid are the effective ones the
 * kernel stamps on its request (supplementary groups are not carried).
 */
struct ipc_ns_rule {
	__u32 who;
	__u32 id;
	__u32 rights;
	__u32 reserved;
};

/**
 * ipc_ns_register() - give @handle a name
 * @name:     1 to IPC_NS_NAME_MAX bytes of printable ASCII (no space)
 * @handle:   a handle to a mailbox or an LRPC service; it needs
 *            XIPC_RIGHT_GRANT and every right the rules give out
 * @rules:    the policy: who may look the name up, with which rights
 * @nr_rules: how many, at most IPC_NS_MAX_RULES; 0 (and @rules NULL) is the
 *            default policy: everyone, with XIPC_RIGHT_SEND only
 *
 * The name server keeps a handle derived from @handle with the rights the
 * rules give out plus XIPC_RIGHT_GRANT, never more; so revoking @handle's
 * descendants reaches it and every handle looked up from it. The name goes
 * away with ipc_ns_unregister(), when the object loses its last receiver,
 * or when the name server stops: a server that must outlive the name server
 * registers again when told (see ipc_ns_watch()). Registering a name again
 * under the same uid replaces the registration.
 *
 * Return: 0, or
 *   -EEXIST  another uid registered the name;
 *   -EINVAL  @handle names neither a mailbox nor a service, or a rule is
 *            bad (unknown @who, @rights 0 or unknown, @reserved not 0, an
 *            id with IPC_NS_EVERYONE), or @nr_rules is too big;
 *   -EPERM   @handle lacks XIPC_RIGHT_GRANT or a right a rule gives out;
 *   -EDQUOT  the caller's uid has as many names as the name server allows
 *            one uid (xipc-named -u);
 *   -ENOSPC  the name server keeps as many names as it may (xipc-named -n);
 *   -EPIPE   the object is dead: a mailbox nobody can receive from, a
 *            service nobody can serve;
 *   -EBADF, -EKEYREVOKED, -EIDRM  as for any handle;
 *   and the errors above.
 */
int ipc_ns_register(int space, const char *name, __u32 handle,
		    const struct ipc_ns_rule *rules, unsigned int nr_rules,
		    __u64 timeout_ns);

/**
 * ipc_ns_unregister() - take back a name this uid registered
 *
 * Return: 0, or -ENOENT (no such name), -EPERM (another uid registered it),
 * and the errors above.
 */
int ipc_ns_unregister(int space, const char *name, __u64 timeout_ns);

/* @flags of ipc_ns_lookup() */
#define IPC_NS_WAIT	(1U << 0)	/* wait for the name, within the timeout */

/**
 * ipc_ns_lookup() - a handle to the object registered under @name
 * @rights: the rights wanted, a subset of what the policy grants the
 *          caller; 0 = all that it grants
 * @flags:  IPC_NS_WAIT: if the name is not registered, wait for it (so a
 *          client started before its server does not race it)
 *
 * Return: the new handle (> 0), or
 *   -ENOENT     no such name (and no IPC_NS_WAIT);
 *   -ETIMEDOUT  with IPC_NS_WAIT, it was not registered in time;
 *   -EACCES     the policy grants the caller nothing, or not @rights;
 *   -EDQUOT     with IPC_NS_WAIT, the caller's uid has as many lookups
 *               waiting as the name server allows one uid (xipc-named -w);
 *   -ENOSPC     with IPC_NS_WAIT, as many lookups wait in all as the name
 *               server keeps names (xipc-named -n);
 *   -EINVAL     unknown @flags or @rights;
 *   and the errors above.
 */
int ipc_ns_lookup(int space, const char *name, __u32 rights, __u32 flags,
		  __u64 timeout_ns);

/*
 * struct ipc_ns_entry - one name, as ipc_ns_list() reports it
 * @name:	the name, NUL-terminated
 * @uid, @gid:	who registered it (effective ids)
 * @object_id:	the object's id (as in struct xipc_handle_info)
 * @type:	XIPC_OBJECT_MAILBOX or XIPC_OBJECT_SERVICE
 * @rights:	the rights the name server holds, so the most any rule grants
 * @nr_rules:	how many of @rules are the policy
 * @rules:	the policy
 */
struct ipc_ns_entry {
	char name[IPC_NS_NAME_MAX + 1];
	__u32 uid;
	__u32 gid;
	__u64 object_id;
	__u32 type;
	__u32 rights;
	__u32 nr_rules;
	__u32 reserved;
	struct ipc_ns_rule rules[IPC_NS_MAX_RULES];
};

/* Most entries one call of ipc_ns_list() returns. */
#define IPC_NS_LIST_MAX		64

/**
 * ipc_ns_list() - the names the caller may see, in byte order
 * @after:   list the names after this one; NULL or "" from the first
 * @entries: room for @max_entries entries
 * @max_entries: 1 to IPC_NS_LIST_MAX
 *
 * The caller sees the names whose policy grants it something and the names
 * its uid registered. To see them all, call again with @after the last name
 * returned, until fewer than @max_entries come back.
 *
 * Return: the number of entries filled in (>= 0), or -EINVAL
 * (@max_entries 0 or above IPC_NS_LIST_MAX) and the errors above.
 */
int ipc_ns_list(int space, const char *after, struct ipc_ns_entry *entries,
		unsigned int max_entries, __u64 timeout_ns);

/**
 * ipc_ns_watch() - be told on @mailbox when the running name server stops
 * @mailbox, @type, @cookie: as for ipc_watch()
 *
 * For a server whose names must outlive a restart of the name server: when
 * the notice comes, it registers them again (ipc_ns_register() waits for
 * the next name server) and watches again.
 *
 * Return: the handle the watch is made through (> 0): closing it cancels
 * the watch; or the errors of ipc_bootstrap() (-ETIMEDOUT: no name server
 * in time) and of ipc_watch().
 */
int ipc_ns_watch(int space, __u32 mailbox, __s64 type, __u64 cookie,
		 __u64 timeout_ns);

/*
 * Lightweight RPC (LRPC): a service's procedures called through A-stacks
 * mapped into both processes. The server side:
 *
 *   struct ipc_service *svc;
 *   ipc_service_create(space, &(struct ipc_service_attr){ 0 }, &svc);
 *   ipc_service_register(svc, 1, add, NULL);     (one per procedure)
 *   ... give clients ipc_service_handle(svc), duplicated with SEND only ...
 *   ipc_service_run(svc);                          (in each server thread)
 *
 * The client side:
 *
 *   struct ipc_binding *b;
 *   struct xipc_astack *a;
 *   ipc_bind(space, service_handle, &b);
 *   ipc_astack_get(b, &a);
 *   a->regs[0] = 2; a->regs[1] = 3;
 *   ipc_call(b, a, 1, IPC_NO_TIMEOUT);            (then a->status, a->regs[0])
 *   ipc_astack_put(b, a);
 *
 * Calls whose arguments and results are a few words need no A-stack memory
 * at all: the words travel in CPU registers (the seed's
 * ipc_call(A-stack, arg0 .. arg7)), on x86-64 and arm64; elsewhere in the
 * A-stack's header, with the same API (see ipc_call_regs()):
 *
 *   ipc_service_register_regs(svc, 2, add2, NULL);   (the server)
 *   __u64 w[IPC_NR_WORDS] = { 2, 3 };
 *   ipc_call_regs(b, a, 2, w, &status, IPC_NO_TIMEOUT);   (then w[0])
 *
 * Both objects may be used by many threads at once. Neither survives fork()
 * into the child: the child binds again on its own.
 */

/* A timeout that never expires, for ipc_call() and ipc_service_next(). */
#define IPC_NO_TIMEOUT XIPC_TIMEOUT_INFINITE

/* The words a register call carries each way (ipc_call_regs()). */
#define IPC_NR_WORDS 8

struct ipc_service;
struct ipc_binding;

/**
 * struct ipc_request - a call, as a server's handler sees it
 * @proc:   the procedure number
 * @args:   the A-stack's header and arguments: the A-stack itself, or for a
 *          service with XIPC_SERVICE_COPY_IN the kernel's copy of it, private
 *          to the server, that the client cannot change under the handler
 * @astack: the A-stack: results go here (status, regs, size, data)
 * @room:   bytes of @astack->data
 * @badge:  the badge of the handle the client bound through
 * @pid:    the caller's pid (0 if not in the server's pid namespace)
 * @uid:    the caller's effective uid
 * @gid:    the caller's effective gid
 * @depth:  0, or how deep in a chain of nested calls this one is
 * @token:  names the call to ipc_service_next()
 * @regs:   1 for a register call whose words came in registers (then the
 *          A-stack holds nothing of the call), else 0
 * @status: for a register call, the status ipc_service_next() sends back
 * @w:      for a register call, its words; what ipc_service_next() sends
 *          back as the results
 */
struct ipc_request {
	__u32 proc;
	const struct xipc_astack *args;
	struct xipc_astack *astack;
	size_t room;
	__u64 badge;
	pid_t pid;
	uid_t uid;
	gid_t gid;
	__u32 depth;
	__u64 token;
	int regs;
	int status;
	__u64 w[IPC_NR_WORDS];
};

/*
 * A procedure: reads @req->args, writes its results into @req->astack, and
 * returns the status the client finds in the A-stack's status field.
 */
typedef int (*ipc_proc_fn)(struct ipc_request *req, void *cookie);

/*
 * A register procedure: gets the call's eight words in @w, leaves the
 * results there, and returns the status the caller of ipc_call_regs() gets.
 */
typedef int (*ipc_regs_fn)(struct ipc_request *req, __u64 w[IPC_NR_WORDS],
			   void *cookie);

/**
 * struct ipc_service_attr - the shape of a new service (0 = the default)
 * @flags:        XIPC_SERVICE_* (see <linux/xipc.h>)
 * @astack_size:  bytes per A-stack, a multiple of the page size; 1 page
 * @nr_astacks:   calls one binding may have in flight; 4
 * @max_bindings: clients bound at once; 16
 */
struct ipc_service_attr {
	__u32 flags;
	__u32 astack_size;
	__u32 nr_astacks;
	__u32 max_bindings;
};

/**
 * ipc_service_create() - create a service and map its region
 * @space: the space that will hold the service and serve it
 * @attr:  its shape
 * @svc:   set to the new service
 *
 * Return: 0, or
 *   -EINVAL  a field of @attr is out of range (see struct xipc_service_create);
 *   -E2BIG   the region is larger than the module's max_region_size;
 *   -ENOBUFS the region would exceed the user's byte quota;
 *   -ENOMEM, -EMFILE, and what mmap() fails with.
 */
int ipc_service_create(int space, const struct ipc_service_attr *attr,
		       struct ipc_service **svc);

/* The handle of @svc in its space, with every right: duplicate it for clients. */
__u32 ipc_service_handle(const struct ipc_service *svc);

/**
 * ipc_service_register() - set the handler of procedure @proc
 *
 * Register every procedure before the first ipc_service_run(). A call to a
 * procedure with no handler gets status -ENOSYS.
 *
 * Return: 0, or -EINVAL (@proc above 1023).
 */
int ipc_service_register(struct ipc_service *svc, __u32 proc, ipc_proc_fn fn,
			 void *cookie);

/**
 * ipc_service_register_regs() - set the handler of register procedure @proc
 *
 * As ipc_service_register(), for a procedure called with ipc_call_regs():
 * its handler gets the words wherever the call carried them (registers, or
 * the A-stack's header for a caller without register calls, a spun call or
 * ipc_call() with the words laid out as ipc_call_regs() describes), and they
 * go back the same way.
 *
 * Return: 0, or -EINVAL (@proc above 1023).
 */
int ipc_service_register_regs(struct ipc_service *svc, __u32 proc,
			      ipc_regs_fn fn, void *cookie);

/**
 * ipc_service_run() - serve calls in this thread until the service dies, or
 * a handler stops it (ipc_service_stop())
 *
 * Waits for a call, runs its handler, replies and waits for the next, in one
 * system call per call (in spin mode, see ipc_service_spin_ns(), none for a
 * call taken in shared memory, and two for one taken through the kernel:
 * the reply, then the look for the next). Run it in as many threads as
 * should serve at once.
 * A handler that leaves its thread (pthread_exit(), cancellation) replies
 * with status -ECANCELED on the way out.
 *
 * Return: 0 once a handler it ran called ipc_service_stop() and the reply
 * went (or its caller had given up), or the error that ended it: -EIDRM once the service was destroyed,
 * -EPIPE once its last handle with XIPC_RIGHT_RECV was closed, or another
 * error of ipc_service_next().
 */
int ipc_service_run(struct ipc_service *svc);

/**
 * ipc_service_stop() - end this thread's ipc_service_run() after this call
 *
 * Called by a handler: once the handler returns and its call is answered,
 * the ipc_service_run() that ran it returns 0. The service and its other
 * server threads go on; the thread may serve again with ipc_service_run().
 *
 * Return: 0, or -EINVAL outside a handler that ipc_service_run() runs.
 */
int ipc_service_stop(void);

/**
 * ipc_service_spin_ns() - spin-then-block for the threads of ipc_service_run()
 * @spin_ns: how long a server thread looks for calls posted in shared memory
 *           (by clients with ipc_binding_spin_ns()) before it sleeps in the
 *           kernel; 0, the default, never spins
 *
 * For multi-core machines where client and server run at the same time (the
 * seed's polling notification): a call then never enters the kernel. It
 * costs a core spinning for @spin_ns after each call. A spinning thread
 * looks at the kernel's queue (and notices a dead service) every 100
 * microseconds, so calls made through the kernel are still served. A call
 * taken in shared memory reports the identity of its binding's creator
 * (pid, uid, gid and badge as at bind time, like SO_PEERCRED), depth 0 and
 * token 0. Set it before the first ipc_service_run().
 */
void ipc_service_spin_ns(struct ipc_service *svc, __u64 spin_ns);

/**
 * ipc_service_next() - reply to a call, then wait for the next (Reply)
 * @req:        in: with @reply, the call answered (its token); out: the next
 *              call
 * @reply:      whether to reply to @req->token first
 * @timeout_ns: how long to wait for a call; 0 returns -EAGAIN at once
 *
 * The building block of ipc_service_run(), for servers that dispatch on
 * their own. For a XIPC_SERVICE_COPY_IN service, @req->args points into a
 * buffer that stays valid until the next ipc_service_next() in this thread.
 * A register call (@req->regs) is answered with @req->w and @req->status,
 * not through the A-stack.
 *
 * Return: 0 with a call in @req, or
 *   -ECANCELED  the caller of the call replied to gave up; no call is taken;
 *   -EINVAL     @req->token names no call being served;
 *   -ENOMEM     no memory for this thread's copy of a XIPC_SERVICE_COPY_IN
 *               service's A-stack, or no thread-specific key left in the
 *               process to keep it by (PTHREAD_KEYS_MAX);
 *   -EAGAIN, -ETIMEDOUT, -EINTR  no call came;
 *   -EIDRM, -EPIPE  the service is dead.
 */
int ipc_service_next(struct ipc_service *svc, struct ipc_request *req,
		     int reply, __u64 timeout_ns);

/**
 * ipc_service_destroy() - end the service for everyone
 *
 * Every call queued, running or made later fails with -EIDRM, and every
 * ipc_service_run() returns -EIDRM. Needs XIPC_RIGHT_MANAGE.
 *
 * Return: 0, or -EIDRM (already destroyed).
 */
int ipc_service_destroy(struct ipc_service *svc);

/**
 * ipc_service_free() - unmap the region, close the handle, free @svc
 *
 * No thread may be in ipc_service_run() on @svc any more. Closing the handle
 * ends the service (-EPIPE) unless another handle with XIPC_RIGHT_RECV to it
 * remains.
 */
void ipc_service_free(struct ipc_service *svc);

/**
 * ipc_bind() - bind to a service and map the binding's A-stacks
 * @space:   the space holding @service
 * @service: a handle to the service with XIPC_RIGHT_SEND
 * @b:       set to the new binding
 *
 * Return: 0, or the handle errors, or
 *   -EBUSY   every slot of the service is taken;
 *   -EPIPE, -EIDRM  the service is dead;
 *   -ENOMEM, -EMFILE, and what mmap() fails with.
 */
int ipc_bind(int space, __u32 service, struct ipc_binding **b);

/**
 * ipc_unbind() - unmap the A-stacks, close the binding, free @b
 *
 * No call may be in flight on @b. A call a server still holds (after a
 * timeout) keeps the service's slot until the server lets go.
 *
 * Return: 0, or the error of closing the handle.
 */
int ipc_unbind(struct ipc_binding *b);

/**
 * ipc_binding_spin_ns() - spin-then-block for calls through @b
 * @spin_ns: how long ipc_call() waits, spinning, for a spinning server
 *           thread (ipc_service_spin_ns()) to take a call posted in the
 *           A-stack, and then for its reply, before it falls back to the
 *           kernel: to a normal call if no server took it, else to a sleep
 *           until the reply; 0, the default, always calls the kernel
 *
 * The spin ends by the call's deadline; a call with a zero timeout does not
 * spin. A call a server took in shared memory cannot be withdrawn: a client
 * that gives up on it gets -ETIMEDOUT or -EINTR, as through the kernel, and
 * the A-stack stays busy (-EBUSY) until the server is done with it.
 */
void ipc_binding_spin_ns(struct ipc_binding *b, __u64 spin_ns);

/* Bytes of data[] in each A-stack of @b. */
size_t ipc_astack_room(const struct ipc_binding *b);

/**
 * ipc_astack_get() - take a free A-stack of @b
 *
 * Waits while every A-stack is taken by other threads.
 *
 * Return: 0 with *@astack set; it never fails.
 */
int ipc_astack_get(struct ipc_binding *b, struct xipc_astack **astack);

/* Gives back an A-stack from ipc_astack_get(). */
void ipc_astack_put(struct ipc_binding *b, struct xipc_astack *astack);

/**
 * ipc_call() - call procedure @proc of the service (RPC)
 * @astack:     an A-stack of @b holding the arguments
 * @timeout_ns: how long to wait for a server and its reply; 0 fails with
 *              -EAGAIN when no server thread is idle (then waits for the
 *              reply); IPC_NO_TIMEOUT waits until the reply
 *
 * Sets @astack->proc to @proc and makes the call; the results are in
 * @astack when it returns 0, with the handler's status in @astack->status.
 * A call made from inside a handler counts as nested (its depth is limited
 * to XIPC_MAX_CALL_DEPTH) when @b is in the same space as the service
 * being served.
 *
 * Return: 0, or the handle errors, or
 *   -EINVAL     @astack is not an A-stack of @b;
 *   -EBUSY      a call in @astack is still held by the server (after a
 *               timeout or a signal);
 *   -EAGAIN     no idle server thread and @timeout_ns is 0;
 *   -ETIMEDOUT, -EINTR  no reply in time; if the server had the call, it
 *               runs to its end and the A-stack stays busy until then;
 *   -ELOOP      nested too deep;
 *   -EPROTO     in spin mode, the server wrote a state the protocol does
 *               not allow into the A-stack's state word;
 *   -EPIPE, -EIDRM  the service is dead.
 */
int ipc_call(struct ipc_binding *b, struct xipc_astack *astack, __u32 proc,
	     __u64 timeout_ns);

/**
 * ipc_call_regs() - call register procedure @proc with eight words
 * @astack:     an A-stack of @b: the call's linkage record in the kernel
 * @w:          in: the arguments; out, when it returns 0: the results
 * @status:     set to the handler's status when it returns 0
 * @timeout_ns: as for ipc_call()
 *
 * Where the kernel and the library support it (x86-64 and arm64 processes,
 * not 32-bit ones; ipc_regs_native()), the words travel in CPU registers
 * from this thread to the server thread and back, and no A-stack memory is
 * read or written.
 * Elsewhere, and for calls that spin (ipc_binding_spin_ns()), they go in
 * the A-stack's header: w[0] to w[5] in @astack->regs, w[6] and w[7] in the
 * first 16 bytes of @astack->data, @astack->size 16, the status in
 * @astack->status. The handler is one set with
 * ipc_service_register_regs(); one set with ipc_service_register() runs as
 * for ipc_call(), and @w comes back as it went (registers) or as the
 * A-stack then holds it.
 *
 * Return: as ipc_call(), and -EOPNOTSUPP never: the library picks the way.
 */
int ipc_call_regs(struct ipc_binding *b, struct xipc_astack *astack,
		  __u32 proc, __u64 w[IPC_NR_WORDS], int *status,
		  __u64 timeout_ns);

/*
 * ipc_regs_native() - whether calls through the space's bindings carry
 * their words in registers (1) or in the A-stack (0), decided at run time:
 * this library's architecture and the module's XIPC_FEATURE_LRPC_REGS.
 */
int ipc_regs_native(int space);

#ifdef __cplusplus
}
#endif

#endif /* LIBIPC_H */
