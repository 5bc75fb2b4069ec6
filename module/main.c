// SPDX-License-Identifier: GPL-2.0
/*
 * xipc: microkernel-style IPC for Linux.
 *
 * This file owns the misc device /dev/xipc: module load and unload, open and
 * release (one capability space per open) and the ioctl dispatch. Each command
 * is handled by a function named xipc_<object>_<verb> in the file of its
 * object.
 *
 * The module cannot be unloaded while any space exists: every open file holds
 * a reference on the module (fops.owner), so delete_module() fails with
 * EWOULDBLOCK until the last descriptor is closed.
 */
#include <linux/build_bug.h>
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/xipc.h>

#include "xipc.h"

/* The ABI promises the same layout on every architecture and in compat. */
static_assert(sizeof(struct xipc_info) == 48);

static int xipc_open(struct inode *inode, struct file *file)
{
	struct xipc_space *space;

	space = xipc_space_create();
	if (!space)
		return -ENOMEM;
	file->private_data = space;
	return nonseekable_open(inode, file);
}

static int xipc_release(struct inode *inode, struct file *file)
{
	xipc_space_destroy(file->private_data);
	return 0;
}

static long xipc_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct xipc_space *space = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case XIPC_IOC_GET_INFO:
		return xipc_space_get_info(space, uarg);
	default:
		return -ENOIOCTLCMD;
	}
}

static const struct file_operations xipc_fops = {
	.owner		= THIS_MODULE,
	.open		= xipc_open,
	.release	= xipc_release,
	.unlocked_ioctl	= xipc_ioctl,
	/* Every struct has one layout in 32 and 64 bits; only pointers differ. */
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= no_llseek,
};

static struct miscdevice xipc_device = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "xipc",
	.fops	= &xipc_fops,
	/* Anyone may open: what a space can reach is checked per handle. */
	.mode	= 0666,
};

static int __init xipc_init(void)
{
	return misc_register(&xipc_device);
}

static void __exit xipc_exit(void)
{
	misc_deregister(&xipc_device);
}

module_init(xipc_init);
module_exit(xipc_exit);

MODULE_DESCRIPTION("xipc: typed message queues, capability mailboxes and LRPC");
MODULE_LICENSE("GPL");
