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

#include <stdint.h>

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
 * @flags: 0 to keep @handle's badge, or XIPC_DUP_BADGE to stamp @badge on
 *         every message sent through the new handle
 *
 * Return: the new handle (> 0), or
 *   -EPERM   @handle lacks XIPC_RIGHT_GRANT;
 *   -EINVAL  @rights is 0 or not a subset of @handle's rights, or @flags
 *            has unknown bits;
 *   -EMFILE  @space holds as many handles as it may;
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
 * @handle itself stays valid.
 *
 * Return: 0, or -EPERM (@handle lacks XIPC_RIGHT_MANAGE) and the handle
 * errors above.
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
 * @flags: XIPC_OPEN_CREATE, XIPC_OPEN_EXCL
 * @mode: for a mailbox this call creates: r/w/x bits for owner, group and
 *        others grant RECV/SEND/GRANT (see struct xipc_mailbox_open)
 * @rights: the rights wanted; 0 = all that the caller's credentials earn
 *
 * A mailbox this call creates gets the module's default limits; for others,
 * fill struct xipc_mailbox_open and use ipc_mailbox_open_full().
 *
 * Return: a new handle (> 0), or
 *   -ENOENT  no such name, and no XIPC_OPEN_CREATE;
 *   -EEXIST  XIPC_OPEN_CREATE | XIPC_OPEN_EXCL, and the name exists;
 *   -EACCES  the caller's credentials do not earn @rights;
 *   -EINVAL  bad flags, mode or rights, or a name with a NUL byte or empty;
 *   -ENAMETOOLONG  the name is longer than XIPC_NAME_MAX;
 *   -ENOBUFS  creating it would exceed the user's mailbox limit;
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
 * -EINVAL, -ENAMETOOLONG, -EFAULT.
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
 * right), -EMFILE, and the handle errors above.
 */
int ipc_mailbox_fd(int space, __u32 handle);

/**
 * ipc_send() - queue one message (Send)
 * @msg: see struct xipc_send in <linux/xipc.h>
 *
 * Return: 0, or
 *   -EINVAL    unknown flags, non-zero reserved fields, type <= 0, too many
 *              transfers, a transfer's rights not a subset, or a handle
 *              moved twice;
 *   -ELOOP     the message carries the receive right of its own mailbox;
 *   -EMSGSIZE  the payload is larger than the mailbox's max_msg_size;
 *   -ENOBUFS   the caller's user has as many messages or bytes in flight
 *              as the module's per-user limits allow;
 *   -EFAULT    a pointer is bad;
 *   -EAGAIN    the mailbox is full and @msg->timeout_ns is 0;
 *   -ETIMEDOUT it stayed full until the timeout;
 *   -EINTR     a signal came first;
 *   -EPIPE     nobody can receive from the mailbox;
 *   -EIDRM     the mailbox was destroyed;
 *   the handle errors above, for the mailbox or a transferred handle
 *   (-EPERM: no XIPC_RIGHT_SEND, or a transferred handle lacks GRANT).
 * On any error nothing was queued and no handle moved.
 */
int ipc_send(int space, struct xipc_send *msg);

/**
 * ipc_recv() - take the first matching message (Recv)
 * @msg: see struct xipc_recv in <linux/xipc.h>; the kernel fills in the
 *       message's type, size, badge, sender and handles
 *
 * Return: the number of payload bytes copied (>= 0), or
 *   -EINVAL  unknown flags, or FROM_PID with a pid <= 0;
 *   -E2BIG   the payload or its handles do not fit (msg->size and
 *            msg->nr_handles say what would); the message stays queued;
 *   -EMFILE  @space has no room for the handles the message carries;
 *   -EPIPE   no matching message is queued and nobody can send any more;
 *   -EFAULT, -EAGAIN, -ETIMEDOUT, -EINTR, -EIDRM as for ipc_send(), and
 *   the handle errors above (-EPERM: no XIPC_RIGHT_RECV).
 */
int ipc_recv(int space, struct xipc_recv *msg);

/**
 * ipc_rpc() - send a request and wait for the reply (RPC)
 * @call: see struct xipc_rpc in <linux/xipc.h>
 *
 * Return: the number of reply bytes copied (>= 0), or the errors of
 * ipc_send() (the request was not queued; -EINVAL also for a zero timeout),
 * or
 *   -EPIPE      the reply handle went away unanswered;
 *   -ETIMEDOUT, -EINTR  no reply came in time: the call is cancelled;
 *   -EIDRM      the mailbox was destroyed before the request was taken.
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
 *   -EINVAL, -EFAULT, -ENOBUFS (the handle stays), and the handle errors
 *   above.
 */
int ipc_reply(int space, struct xipc_reply *reply);

#ifdef __cplusplus
}
#endif

#endif /* LIBIPC_H */
