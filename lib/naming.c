// SPDX-License-Identifier: MIT
/*
 * The naming service's client side: each call is one RPC to the name server
 * over a bootstrap handle made for the call (lib/ns-protocol.h).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "libipc.h"
#include "internal.h"
#include "ns-protocol.h"

/* The flags that make a kernel wait end at @deadline. */
static __u32 ns_deadline_flags(__u64 deadline)
{
	return deadline == XIPC_TIMEOUT_INFINITE ? 0 : XIPC_ABSTIME;
}

/* A bootstrap handle to the name server, waited for until @deadline. */
static int ns_bootstrap(int space, __u64 deadline, __u32 *handle)
{
	struct xipc_bootstrap boot = {
		.flags = ns_deadline_flags(deadline),
		.timeout_ns = deadline,
	};
	int ret = ipc_ioctl(space, XIPC_IOC_BOOTSTRAP, &boot);

	*handle = boot.handle;
	return ret;
}

/* Checks @name and copies it, padded with NULs, into @req. */
static int ns_set_name(struct ipc_ns_request *req, const char *name)
{
	size_t len;
	int ret = ipc_ns_check_name(name, false, &len);

	if (!ret)
		memcpy(req->name, name, len);
	return ret;
}

/* Is the mailbox of @server dead: destroyed, or nobody receiving? */
static int ns_server_dead(int space, __u32 server)
{
	struct xipc_handle_info info;

	return ipc_handle_info(space, server, &info) == 0 &&
	       info.state & (XIPC_STATE_DESTROYED | XIPC_STATE_NO_RECEIVER);
}

/*
 * Closes a handle the library made for itself. A close fails only with EBADF
 * (gone already) or EFAULT, which on this stack can only be an injected
 * fault (fail_usercopy): the handle would stay in the caller's space,
 * unknown to it, so the close is made once more.
 */
static void ns_close(int space, __u32 handle)
{
	if (ipc_handle_close(space, handle) == -EFAULT)
		ipc_handle_close(space, handle);
}

/* Times a live name server may drop a request before it is called broken. */
#define NS_DROPS 3

/*
 * Sends @req as @op to the name server and waits for the answer until
 * @deadline: the answer goes to @reply, which has room for @size bytes, and
 * the handle it may carry to *@handle (0 if none); with @handle NULL, a
 * handle the answer carries is closed. Returns the reply's error or, when
 * that is 0, the reply's size.
 *
 * EPIPE or EIDRM from the RPC mostly mean that the name server died with
 * the request, and then the next one is waited for and asked. But EIDRM is
 * also a transferred handle's object destroyed, and a name server that is
 * dying may still look alive for a moment: so a live one is asked again a
 * few times before its EPIPE counts as a broken name server (EPROTO), and
 * its EIDRM is the caller's.
 */
static int ns_call(int space, enum ipc_ns_op op, struct ipc_ns_request *req,
		   const struct xipc_transfer *transfer, __u64 deadline,
		   struct ipc_ns_reply *reply, size_t size, __u32 *handle)
{
	struct xipc_rpc call;
	int ret, drops = 0;
	__u32 server, got = 0;
	bool retry;

	req->protocol = IPC_NS_PROTOCOL;
	if (handle)
		*handle = 0;
	for (;;) {
		ret = ns_bootstrap(space, deadline, &server);
		if (ret)
			return ret;
		call = (struct xipc_rpc){
			.flags = ns_deadline_flags(deadline),
			.handle = server,
			.type = op,
			.data = ipc_ptr(req),
			.size = sizeof(*req),
			.transfers = ipc_ptr(transfer),
			.nr_transfers = transfer ? 1 : 0,
			.reply_data = ipc_ptr(reply),
			.reply_size = size,
			.reply_handles = ipc_ptr(&got),
			.max_reply_handles = 1,
			.timeout_ns = deadline,
		};
		ret = ipc_rpc(space, &call);
		retry = false;
		if (ret == -EPIPE || ret == -EIDRM) {
			if (ns_server_dead(space, server))
				retry = true;
			else if (ret == -EPIPE)
				retry = ++drops < NS_DROPS;
		}
		ns_close(space, server);
		if (!retry)
			break;
	}
	/*
	 * A reply that came but could not all be written out (EFAULT) has its
	 * handle installed all the same: the caller never learns of it.
	 */
	if (ret < 0 && got)
		ns_close(space, got);
	if (ret == -EPIPE)
		return -EPROTO;	/* a live name server kept dropping it */
	if (ret < 0)
		return ret;
	if (!call.nr_reply_handles)
		got = 0;
	if ((size_t)ret < sizeof(*reply) || reply->error > 0 ||
	    (reply->error && got))
		ret = -EPROTO;
	else if (reply->error)
		ret = reply->error;
	if (got && (ret < 0 || !handle))
		ns_close(space, got);
	else if (handle)
		*handle = got;
	return ret;
}

/* Checks what every call checks, and starts its request. */
static int ns_start(struct ipc_ns_request *req, const char *name,
		    __u64 timeout_ns, __u64 *deadline)
{
	memset(req, 0, sizeof(*req));
	if (!timeout_ns)
		return -EINVAL;
	*deadline = ipc_deadline(timeout_ns);
	return name ? ns_set_name(req, name) : 0;
}

/* Sends @req as @op; for calls whose answer is only an error: 0 or -errno. */
static int ns_call_plain(int space, enum ipc_ns_op op,
			 struct ipc_ns_request *req,
			 const struct xipc_transfer *transfer, __u64 deadline)
{
	struct ipc_ns_reply reply;
	int ret = ns_call(space, op, req, transfer, deadline, &reply,
			  sizeof(reply), NULL);

	return ret < 0 ? ret : 0;
}

IPC_EXPORT int ipc_ns_register(int space, const char *name, __u32 handle,
			       const struct ipc_ns_rule *rules,
			       unsigned int nr_rules, __u64 timeout_ns)
{
	struct xipc_transfer transfer = { .handle = handle };
	struct xipc_handle_info info;
	struct ipc_ns_request req;
	__u64 deadline;
	int ret;

	ret = ns_start(&req, name, timeout_ns, &deadline);
	if (ret)
		return ret;
	if (nr_rules > IPC_NS_MAX_RULES)
		return -EINVAL;
	/* The name server's copy: what the rules give out, and GRANT. */
	transfer.rights = ipc_ns_given_out(rules, nr_rules);
	if (nr_rules)
		memcpy(req.rules, rules, nr_rules * sizeof(*rules));
	req.nr_rules = nr_rules;
	/* Rights it lacks: EPERM, as from the name server, not the EINVAL
	 * of a transfer whose rights are not a subset. */
	ret = ipc_handle_info(space, handle, &info);
	if (ret)
		return ret;
	if (info.type != XIPC_OBJECT_MAILBOX && info.type != XIPC_OBJECT_SERVICE)
		return -EINVAL;
	if (transfer.rights & ~XIPC_RIGHTS_ALL)
		return -EINVAL;
	if (transfer.rights & ~info.rights)
		return -EPERM;
	return ns_call_plain(space, IPC_NS_OP_REGISTER, &req, &transfer,
			     deadline);
}

IPC_EXPORT int ipc_ns_unregister(int space, const char *name,
				 __u64 timeout_ns)
{
	struct ipc_ns_request req;
	__u64 deadline;
	int ret = ns_start(&req, name, timeout_ns, &deadline);

	return ret ? ret : ns_call_plain(space, IPC_NS_OP_UNREGISTER, &req,
					 NULL, deadline);
}

IPC_EXPORT int ipc_ns_lookup(int space, const char *name, __u32 rights,
			     __u32 flags, __u64 timeout_ns)
{
	struct ipc_ns_request req;
	struct ipc_ns_reply reply;
	__u64 deadline;
	__u32 got;
	int ret;

	ret = ns_start(&req, name, timeout_ns, &deadline);
	if (ret)
		return ret;
	if (flags & ~IPC_NS_WAIT)
		return -EINVAL;
	req.rights = rights;
	if (flags & IPC_NS_WAIT)
		req.deadline_ns = deadline;
	ret = ns_call(space, IPC_NS_OP_LOOKUP, &req, NULL, deadline, &reply,
		      sizeof(reply), &got);
	if (ret >= 0 && !got)
		ret = -EPROTO;
	return ret < 0 ? ret : (int)got;
}

IPC_EXPORT int ipc_ns_list(int space, const char *after,
			   struct ipc_ns_entry *entries,
			   unsigned int max_entries, __u64 timeout_ns)
{
	struct {
		struct ipc_ns_reply head;
		struct ipc_ns_entry entries[IPC_NS_LIST_MAX];
	} *reply;
	struct ipc_ns_request req;
	size_t size;
	__u64 deadline;
	int ret;

	ret = ns_start(&req, after && *after ? after : NULL, timeout_ns,
		       &deadline);
	if (ret)
		return ret;
	if (!max_entries || max_entries > IPC_NS_LIST_MAX)
		return -EINVAL;
	req.max_entries = max_entries;
	size = sizeof(reply->head) + max_entries * sizeof(*entries);
	reply = ipc_malloc(size);
	if (!reply)
		return -ENOMEM;
	ret = ns_call(space, IPC_NS_OP_LIST, &req, NULL, deadline,
		      &reply->head, size, NULL);
	if (ret >= 0 && (reply->head.count > max_entries ||
			 (size_t)ret != sizeof(reply->head) +
				 reply->head.count * sizeof(*entries)))
		ret = -EPROTO;
	if (ret >= 0) {
		memcpy(entries, reply->entries,
		       reply->head.count * sizeof(*entries));
		ret = (int)reply->head.count;
	}
	free(reply);
	return ret;
}

IPC_EXPORT int ipc_ns_watch(int space, __u32 mailbox, __s64 type,
			    __u64 cookie, __u64 timeout_ns)
{
	__u32 server;
	int ret;

	if (!timeout_ns)
		return -EINVAL;
	ret = ns_bootstrap(space, ipc_deadline(timeout_ns), &server);
	if (ret)
		return ret;
	ret = ipc_watch(space, server, mailbox, type, cookie);
	if (ret) {
		ns_close(space, server);
		return ret;
	}
	return (int)server;
}
