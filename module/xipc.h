/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces of the xipc module, shared between its files.
 */
#ifndef XIPC_INTERNAL_H
#define XIPC_INTERNAL_H

#include <linux/types.h>

struct file;

/**
 * struct xipc_space - a capability space: one open of /dev/xipc
 * @id:	unique among the spaces created since the module was loaded
 *
 * A space lives exactly as long as its struct file: it is created in open and
 * freed in release, which the VFS calls once the last descriptor (across
 * dup() and fork()) is closed.
 */
struct xipc_space {
	u64 id;
};

struct xipc_space *xipc_space_create(void);
void xipc_space_destroy(struct xipc_space *space);
long xipc_space_get_info(struct xipc_space *space, void __user *uarg);

#endif /* XIPC_INTERNAL_H */
