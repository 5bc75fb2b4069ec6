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
#include <linux/proc_fs.h>
#include <linux/uaccess.h>
#include <linux/xipc.h>

#include "xipc.h"
#define CREATE_TRACE_POINTS
#include "trace.h"

DEFINE_STATIC_KEY_FALSE(xipc_trace_msgs);

/* msg_send or msg_recv has its first probe, or lost its last (trace.h). */
int xipc_trace_msgs_reg(void)
{
	static_branch_inc(&xipc_trace_msgs);
	return 0;
}

void xipc_trace_msgs_unreg(void)
{
	static_branch_dec(&xipc_trace_msgs);
}

/* The ABI promises the same layout on every architecture and in compat. */
static_assert(sizeof(struct xipc_info) == 48);
static_assert(sizeof(struct xipc_handle_op) == 8);
static_assert(sizeof(struct xipc_handle_dup) == 24);
static_assert(sizeof(struct xipc_handle_info) == 40);
static_assert(sizeof(struct xipc_mailbox_create) == 40);
static_assert(sizeof(struct xipc_mailbox_fd) == 16);
static_assert(sizeof(struct xipc_transfer) == 16);
static_assert(sizeof(struct xipc_send) == 56);
static_assert(sizeof(struct xipc_recv) == 96);
static_assert(sizeof(struct xipc_rpc) == 88);
static_assert(sizeof(struct xipc_reply) == 40);
static_assert(sizeof(struct xipc_batch_op) == 16);
static_assert(sizeof(struct xipc_batch) == 16);
static_assert(sizeof(struct xipc_mailbox_open) == 48);
static_assert(sizeof(struct xipc_mailbox_unlink) == 16);
static_assert(sizeof(struct xipc_astack) == 64);
static_assert(sizeof(struct xipc_service_create) == 40);
static_assert(sizeof(struct xipc_bind) == 40);
static_assert(sizeof(struct xipc_lrpc_call) == 40);
static_assert(sizeof(struct xipc_slot_info) == 32);
static_assert(sizeof(struct xipc_bootstrap) == 16);
static_assert(sizeof(struct xipc_watch) == 32);
static_assert(sizeof(struct xipc_death_notice) == 16);
static_assert(sizeof(struct xipc_lrpc_serve) == 72);

unsigned int xipc_max_handles = 65536;
module_param_named(max_handles, xipc_max_handles, uint, 0644);
MODULE_PARM_DESC(max_handles, "Most handles one capability space may hold");

unsigned int xipc_max_msg_size_limit = 4U << 20;
module_param_named(max_msg_size, xipc_max_msg_size_limit, uint, 0644);
MODULE_PARM_DESC(max_msg_size, "Largest max_msg_size a mailbox may have (bytes)");

unsigned int xipc_max_msgs_limit = 65536;
module_param_named(max_msgs, xipc_max_msgs_limit, uint, 0644);
MODULE_PARM_DESC(max_msgs, "Largest max_msgs a mailbox may have");

unsigned long xipc_max_bytes_limit = 64UL << 20;
module_param_named(max_bytes, xipc_max_bytes_limit, ulong, 0644);
MODULE_PARM_DESC(max_bytes, "Largest max_bytes a mailbox may have");

unsigned int xipc_user_max_msgs = 65536;
module_param_named(user_max_msgs, xipc_user_max_msgs, uint, 0644);
MODULE_PARM_DESC(user_max_msgs, "Most messages one user may have in flight");

unsigned long xipc_user_max_bytes = 256UL << 20;
module_param_named(user_max_bytes, xipc_user_max_bytes, ulong, 0644);
MODULE_PARM_DESC(user_max_bytes, "Most payload bytes one user may have in flight");

unsigned int xipc_user_max_handles = 1U << 20;
module_param_named(user_max_handles, xipc_user_max_handles, uint, 0644);
MODULE_PARM_DESC(user_max_handles, "Most handles one user's spaces may hold, in all");

unsigned int xipc_max_watches = 4096;
module_param_named(max_watches, xipc_max_watches, uint, 0644);
MODULE_PARM_DESC(max_watches, "Most death watches made through one handle");

unsigned int xipc_user_max_mailboxes = 4096;
module_param_named(user_max_mailboxes, xipc_user_max_mailboxes, uint, 0644);
MODULE_PARM_DESC(user_max_mailboxes, "Most mailboxes one user may have created");

unsigned long xipc_max_region_size = 16UL << 20;
module_param_named(max_region_size, xipc_max_region_size, ulong, 0644);
MODULE_PARM_DESC(max_region_size, "Largest region (all A-stacks) an LRPC service may have (bytes)");

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
	/* A process that dies may leave garbage only it could reach. */
	xipc_gc_run();
	return 0;
}

/* The commands that move messages: those a batch may hold. */
static bool xipc_batch_may_run(u32 cmd)
{
	return cmd == XIPC_IOC_SEND || cmd == XIPC_IOC_RECV ||
	       cmd == XIPC_IOC_RPC || cmd == XIPC_IOC_REPLY;
}

/* Runs one of those (a batch's without the search through every command). */
static long xipc_msg_command(struct xipc_space *space, u32 cmd,
			     void __user *uarg)
{
	switch (cmd) {
	case XIPC_IOC_SEND:
		return xipc_mailbox_send(space, uarg);
	case XIPC_IOC_RECV:
		return xipc_mailbox_recv(space, uarg);
	case XIPC_IOC_RPC:
		return xipc_rpc_call(space, uarg);
	default:
		return xipc_rpc_reply(space, uarg);
	}
}

static long xipc_command(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct xipc_space *space = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case XIPC_IOC_GET_INFO:
		return xipc_space_get_info(space, uarg);
	case XIPC_IOC_HANDLE_CLOSE:
		return xipc_handle_close(space, uarg);
	case XIPC_IOC_HANDLE_DUP:
		return xipc_handle_dup(space, uarg);
	case XIPC_IOC_HANDLE_REVOKE:
		return xipc_handle_revoke(space, uarg);
	case XIPC_IOC_HANDLE_INFO:
		return xipc_handle_info(space, uarg);
	case XIPC_IOC_MAILBOX_CREATE:
		return xipc_mailbox_create(space, uarg);
	case XIPC_IOC_MAILBOX_DESTROY:
		return xipc_mailbox_destroy(space, uarg);
	case XIPC_IOC_MAILBOX_FD:
		return xipc_mailbox_fd(space, uarg);
	case XIPC_IOC_MAILBOX_OPEN:
		return xipc_name_open(space, uarg);
	case XIPC_IOC_MAILBOX_UNLINK:
		return xipc_name_unlink(space, uarg);
	case XIPC_IOC_SEND:
	case XIPC_IOC_RECV:
	case XIPC_IOC_RPC:
	case XIPC_IOC_REPLY:
		return xipc_msg_command(space, cmd, uarg);
	case XIPC_IOC_SERVICE_CREATE:
		return xipc_service_create(space, uarg);
	case XIPC_IOC_SERVICE_DESTROY:
		return xipc_service_destroy(space, uarg);
	case XIPC_IOC_BIND:
		return xipc_lrpc_bind(space, uarg);
	case XIPC_IOC_LRPC_CALL:
		return xipc_lrpc_call(space, uarg);
	case XIPC_IOC_LRPC_SERVE:
		return xipc_lrpc_serve(space, uarg);
	case XIPC_IOC_NAMESERVER_CLAIM:
		return xipc_nameserver_claim(space, uarg);
	case XIPC_IOC_BOOTSTRAP:
		return xipc_bootstrap(space, uarg);
	case XIPC_IOC_WATCH:
		return xipc_object_watch(space, uarg);
#ifdef XIPC_BENCH_HANDOFF
	case XIPC_IOC_BENCH_HANDOFF:
		return xipc_bench_handoff(arg);
#endif
	default:
		return -ENOIOCTLCMD;
	}
}

/*
 * XIPC_IOC_BATCH: the ops from @done on, in order, up to the first that
 * fails. Every op is read and checked before the first runs. @done goes out
 * once, before the return, so that a restart after a signal goes on from
 * the command it interrupted; no one else waits on it. (It was written once
 * on entry too, so that writing it cannot be what fails after ops ran,
 * unless the caller took the memory away meanwhile.) Out of line: inlined
 * in xipc_ioctl(), its frame (the ops and the stack canary) would be every
 * command's.
 */
static noinline long xipc_batch(struct file *file, void __user *uarg)
{
	struct xipc_batch_op ops[XIPC_BATCH_MAX] __uninitialized;
	struct xipc_batch __user *ubatch = uarg;
	struct xipc_batch batch __uninitialized;
	const u64 __user *uops;
	u64 *words = (u64 *)ops;
	long ret = 0;
	u32 i;

	/*
	 * @done is written back at once as well: a struct that cannot take
	 * it fails here, before any op runs, not after they all ran.
	 */
	if (!user_access_begin(ubatch, sizeof(*ubatch)))
		return -EFAULT;
	unsafe_get_user(batch.ops, &ubatch->ops, fault);
	unsafe_get_user(batch.nr, &ubatch->nr, fault);
	unsafe_get_user(batch.done, &ubatch->done, fault);
	unsafe_put_user(batch.done, &ubatch->done, fault);
	user_access_end();
	if (!batch.nr || batch.nr > XIPC_BATCH_MAX || batch.done >= batch.nr)
		return -EINVAL;
	/* The ops as words, two each: a copy of their bytes. */
	BUILD_BUG_ON(sizeof(*ops) != 2 * sizeof(u64));
	uops = u64_to_user_ptr(batch.ops);
	if (!user_access_begin(uops, batch.nr * sizeof(*ops)))
		return -EFAULT;
	for (i = 0; i < 2 * batch.nr; i++)
		unsafe_get_user(words[i], &uops[i], fault);
	user_access_end();
	for (i = 0; i < batch.nr; i++)
		if (!xipc_batch_may_run(ops[i].cmd) || ops[i].reserved)
			return -EINVAL;

	for (i = batch.done; i < batch.nr; i++) {
		ret = xipc_msg_command(file->private_data, ops[i].cmd,
				       u64_to_user_ptr(ops[i].arg));
		/* What it made garbage goes before the next command waits. */
		xipc_gc_run();
		if (ret < 0)
			break;
	}
	if (i != batch.done && put_user(i, &ubatch->done))
		return -EFAULT;
	return ret;
fault:
	user_access_end();
	return -EFAULT;
}

/*
 * Each command, then the cycle collector if the command (or another that
 * raced with it) may have left mailboxes that no process can reach: a group
 * is gone when the call that made it garbage returns (gc.c). Otherwise
 * that costs one read of a flag.
 */
static long xipc_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	long ret;

	/* A batch runs the collector after each of its commands. */
	if (cmd == XIPC_IOC_BATCH)
		return xipc_batch(file, (void __user *)arg);
	ret = xipc_command(file, cmd, arg);
	xipc_gc_run();
	return ret;
}

static int xipc_mmap(struct file *file, struct vm_area_struct *vma)
{
	return xipc_lrpc_mmap(file->private_data, vma);
}

static const struct file_operations xipc_fops = {
	.owner		= THIS_MODULE,
	.open		= xipc_open,
	.release	= xipc_release,
	.unlocked_ioctl	= xipc_ioctl,
	.mmap		= xipc_mmap,
	/* Every struct has one layout in 32 and 64 bits; only pointers differ. */
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice xipc_device = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "xipc",
	.fops	= &xipc_fops,
	/* Anyone may open: what a space can reach is checked per handle. */
	.mode	= 0666,
};

static struct proc_dir_entry *xipc_proc_dir;

static int __init xipc_init(void)
{
	int err;

	/* The operator views: readable by all, like /proc/sysvipc. */
	xipc_proc_dir = proc_mkdir("xipc", NULL);
	if (!xipc_proc_dir ||
	    !proc_create_seq("mailboxes", 0444, xipc_proc_dir,
			     &xipc_mailboxes_seq_ops) ||
	    !proc_create_single("users", 0444, xipc_proc_dir,
				xipc_users_show) ||
	    !proc_create_single("objects", 0444, xipc_proc_dir,
				xipc_objects_show) ||
	    !proc_create_seq("services", 0444, xipc_proc_dir,
			     &xipc_services_seq_ops)) {
		proc_remove(xipc_proc_dir);
		return -ENOMEM;
	}
	err = xipc_rpc_init();
	if (!err) {
		err = misc_register(&xipc_device);
		if (err)
			xipc_rpc_exit();
	}
	if (err)
		proc_remove(xipc_proc_dir);
	return err;
}

static void __exit xipc_exit(void)
{
	misc_deregister(&xipc_device);
	proc_remove(xipc_proc_dir);
	xipc_nameservers_exit();
	xipc_names_exit();
	/* Names kept some groups reachable; no ioctl will collect them now. */
	xipc_gc_exit();
	xipc_mailboxes_exit();
	xipc_rpc_exit();
}

module_init(xipc_init);
module_exit(xipc_exit);

MODULE_DESCRIPTION("xipc: typed message queues, capability mailboxes and LRPC");
MODULE_LICENSE("GPL");
