// SPDX-License-Identifier: MIT
/*
 * libipc: handles, mailboxes and messages. One ioctl per call; see
 * <libipc.h> for what each returns.
 */
#include <string.h>

#include "libipc.h"
#include "internal.h"

IPC_EXPORT int ipc_handle_close(int space, __u32 handle)
{
	struct xipc_handle_op op = { .handle = handle };

	return ipc_ioctl(space, XIPC_IOC_HANDLE_CLOSE, &op);
}

IPC_EXPORT int ipc_handle_dup(int space, __u32 handle, __u32 rights,
			      __u32 flags, __u64 badge)
{
	struct xipc_handle_dup dup = {
		.flags = flags,
		.handle = handle,
		.rights = rights,
		.badge = badge,
	};
	int ret = ipc_ioctl(space, XIPC_IOC_HANDLE_DUP, &dup);

	return ret < 0 ? ret : (int)dup.new_handle;
}

IPC_EXPORT int ipc_handle_revoke(int space, __u32 handle)
{
	struct xipc_handle_op op = { .handle = handle };

	return ipc_ioctl(space, XIPC_IOC_HANDLE_REVOKE, &op);
}

IPC_EXPORT int ipc_handle_info(int space, __u32 handle,
			       struct xipc_handle_info *info)
{
	*info = (struct xipc_handle_info){ .handle = handle };
	return ipc_ioctl(space, XIPC_IOC_HANDLE_INFO, info);
}

IPC_EXPORT int ipc_mailbox_create(int space, __u32 max_msg_size,
				  __u32 max_msgs, __u64 max_bytes)
{
	struct xipc_mailbox_create create = {
		.max_msg_size = max_msg_size,
		.max_msgs = max_msgs,
		.max_bytes = max_bytes,
	};
	int ret = ipc_ioctl(space, XIPC_IOC_MAILBOX_CREATE, &create);

	return ret < 0 ? ret : (int)create.handle;
}

IPC_EXPORT int ipc_mailbox_open_full(int space, struct xipc_mailbox_open *req)
{
	int ret = ipc_ioctl(space, XIPC_IOC_MAILBOX_OPEN, req);

	return ret < 0 ? ret : (int)req->handle;
}

IPC_EXPORT int ipc_mailbox_open(int space, const char *name, __u32 flags,
				__u32 mode, __u32 rights)
{
	struct xipc_mailbox_open req = {
		.flags = flags,
		.name = ipc_ptr(name),
		.name_len = strlen(name),
		.mode = mode,
		.rights = rights,
	};

	return ipc_mailbox_open_full(space, &req);
}

IPC_EXPORT int ipc_mailbox_unlink(int space, const char *name)
{
	struct xipc_mailbox_unlink req = {
		.name = ipc_ptr(name),
		.name_len = strlen(name),
	};

	return ipc_ioctl(space, XIPC_IOC_MAILBOX_UNLINK, &req);
}

IPC_EXPORT int ipc_mailbox_destroy(int space, __u32 handle)
{
	struct xipc_handle_op op = { .handle = handle };

	return ipc_ioctl(space, XIPC_IOC_MAILBOX_DESTROY, &op);
}

IPC_EXPORT int ipc_mailbox_fd(int space, __u32 handle)
{
	struct xipc_mailbox_fd req = { .handle = handle };

	return ipc_ioctl(space, XIPC_IOC_MAILBOX_FD, &req);
}

IPC_EXPORT int ipc_send(int space, struct xipc_send *msg)
{
	return ipc_ioctl(space, XIPC_IOC_SEND, msg);
}

IPC_EXPORT int ipc_recv(int space, struct xipc_recv *msg)
{
	return ipc_ioctl(space, XIPC_IOC_RECV, msg);
}

IPC_EXPORT int ipc_rpc(int space, struct xipc_rpc *call)
{
	return ipc_ioctl(space, XIPC_IOC_RPC, call);
}

IPC_EXPORT int ipc_reply(int space, struct xipc_reply *reply)
{
	return ipc_ioctl(space, XIPC_IOC_REPLY, reply);
}

IPC_EXPORT int ipc_batch(int space, struct xipc_batch_op *ops, unsigned int nr,
			 unsigned int *done)
{
	struct xipc_batch batch = { .ops = (uintptr_t)ops, .nr = nr };
	int ret = ipc_ioctl(space, XIPC_IOC_BATCH, &batch);

	if (done)
		*done = batch.done;
	return ret;
}

IPC_EXPORT int ipc_nameserver_claim(int space, __u32 mailbox)
{
	struct xipc_handle_op op = { .handle = mailbox };

	return ipc_ioctl(space, XIPC_IOC_NAMESERVER_CLAIM, &op);
}

IPC_EXPORT int ipc_bootstrap(int space, __u64 timeout_ns)
{
	struct xipc_bootstrap req = { .timeout_ns = timeout_ns };
	int ret = ipc_ioctl(space, XIPC_IOC_BOOTSTRAP, &req);

	return ret < 0 ? ret : (int)req.handle;
}

IPC_EXPORT int ipc_watch(int space, __u32 handle, __u32 mailbox, __s64 type,
			 __u64 cookie)
{
	struct xipc_watch req = {
		.handle = handle,
		.mailbox = mailbox,
		.type = type,
		.cookie = cookie,
	};

	return ipc_ioctl(space, XIPC_IOC_WATCH, &req);
}
