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

#ifdef __cplusplus
}
#endif

#endif /* LIBIPC_H */
