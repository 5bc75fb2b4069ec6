/* SPDX-License-Identifier: MIT */
/*
 * The protocol between libipc and the name server (xipc-named), spoken over
 * the bootstrap handle. docs/naming.md explains it; this is its one
 * definition, shared by lib/naming.c and tools/xipc-named.c.
 *
 * A request is an RPC (XIPC_IOC_RPC) to the name server's mailbox whose type
 * is an enum ipc_ns_op and whose payload is exactly one struct
 * ipc_ns_request; a register request carries one handle, the others none.
 * Fields a request does not use must be 0. The answer is a struct
 * ipc_ns_reply: for a lookup that succeeds it carries the handle, for a list
 * @count struct ipc_ns_entry follow it. The requester's uid and gid are the
 * ones the kernel stamped on the request.
 */
#ifndef LIBIPC_NS_PROTOCOL_H
#define LIBIPC_NS_PROTOCOL_H

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "libipc.h"

/* struct ipc_ns_request.protocol: what this header describes. */
#define IPC_NS_PROTOCOL		1

/*
 * Checks the name at @name, whose length goes to *@len: 0, -ENAMETOOLONG
 * (no NUL in its first IPC_NS_NAME_MAX + 1 bytes), or -EINVAL (empty,
 * unless @empty_ok, or a byte outside printable ASCII without the space,
 * '!' to '~').
 */
static inline int ipc_ns_check_name(const char *name, bool empty_ok,
				    size_t *len)
{
	*len = strnlen(name, IPC_NS_NAME_MAX + 1);
	if (*len > IPC_NS_NAME_MAX)
		return -ENAMETOOLONG;
	if (!*len && !empty_ok)
		return -EINVAL;
	for (size_t i = 0; i < *len; i++)
		if (name[i] < '!' || name[i] > '~')
			return -EINVAL;
	return 0;
}

/*
 * What a registration's name server keeps: the rights its @nr_rules @rules
 * give out (none: the default, send only), and GRANT to give them.
 */
static inline __u32 ipc_ns_given_out(const struct ipc_ns_rule *rules,
				     __u32 nr_rules)
{
	__u32 rights = XIPC_RIGHT_GRANT;

	if (!nr_rules)
		return rights | XIPC_RIGHT_SEND;
	for (__u32 i = 0; i < nr_rules; i++)
		rights |= rules[i].rights;
	return rights;
}

enum ipc_ns_op {
	IPC_NS_OP_REGISTER = 1,
	IPC_NS_OP_UNREGISTER = 2,
	IPC_NS_OP_LOOKUP = 3,
	IPC_NS_OP_LIST = 4,
};

/*
 * struct ipc_ns_request - the payload of every request
 * @protocol:	IPC_NS_PROTOCOL
 * @reserved:	0
 * @name:	the name, NUL-terminated and padded with NULs; for a list, the
 *		name to list after ("" from the first)
 * @nr_rules, @rules:	register: the policy (0 rules: the default)
 * @rights:	lookup: the rights wanted, 0 = all the policy grants
 * @deadline_ns:	lookup: 0 = answer now; else wait for the name until
 *		this CLOCK_MONOTONIC time (XIPC_TIMEOUT_INFINITE: for ever)
 * @max_entries:	list: 1 to IPC_NS_LIST_MAX
 */
struct ipc_ns_request {
	__u32 protocol;
	__u32 reserved;
	char name[IPC_NS_NAME_MAX + 1];
	__u32 nr_rules;
	__u32 rights;
	__u64 deadline_ns;
	__u32 max_entries;
	__u32 reserved2;
	struct ipc_ns_rule rules[IPC_NS_MAX_RULES];
};

/*
 * struct ipc_ns_reply - the answer's header
 * @error:	0 or a negated errno value
 * @count:	list: the number of struct ipc_ns_entry that follow
 */
struct ipc_ns_reply {
	__s32 error;
	__u32 count;
};

#endif /* LIBIPC_NS_PROTOCOL_H */
