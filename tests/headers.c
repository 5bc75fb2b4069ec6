// SPDX-License-Identifier: MIT
/*
 * The headers: <libipc.h> and <linux/xipc.h> compile together with System V
 * IPC and POSIX queues, and the ABI structs have one layout on every
 * architecture (`make check` compiles this file with -m32 as well).
 */
#include <mqueue.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include "ns-protocol.h"
#include "fixture.h"

/* @type is @size bytes, and each member named is at its offset. */
#define AT(type, member, offset) (offsetof(type, member) == (offset))
#define ASSERT_LAYOUT(type, size, layout) \
	_Static_assert(sizeof(type) == (size) && (layout), #type)

ASSERT_LAYOUT(struct xipc_info, 48, AT(struct xipc_info, flags, 0) &&
	      AT(struct xipc_info, abi_version, 4) &&
	      AT(struct xipc_info, features, 8) &&
	      AT(struct xipc_info, space_id, 16) &&
	      AT(struct xipc_info, reserved, 24));

/* LRPC: the A-stack header is shared memory, the same on 32 and 64 bits. */
ASSERT_LAYOUT(struct xipc_astack, 64, AT(struct xipc_astack, regs, 16) &&
	      AT(struct xipc_astack, data, 64));
ASSERT_LAYOUT(struct xipc_service_create, 40,
	      AT(struct xipc_service_create, region_offset, 32));
ASSERT_LAYOUT(struct xipc_bind, 40, AT(struct xipc_bind, map_offset, 32));
ASSERT_LAYOUT(struct xipc_lrpc_call, 40, AT(struct xipc_lrpc_call, parent, 16) &&
	      AT(struct xipc_lrpc_call, expect, 32));
ASSERT_LAYOUT(struct xipc_slot_info, 32, AT(struct xipc_slot_info, bound, 20));
ASSERT_LAYOUT(struct xipc_bootstrap, 16, 1);
ASSERT_LAYOUT(struct xipc_watch, 32, AT(struct xipc_watch, type, 16));
ASSERT_LAYOUT(struct xipc_death_notice, 16, 1);
ASSERT_LAYOUT(struct xipc_lrpc_serve, 72,
	      AT(struct xipc_lrpc_serve, astack, 32) &&
	      AT(struct xipc_lrpc_serve, status, 68));
ASSERT_LAYOUT(struct xipc_batch_op, 16, AT(struct xipc_batch_op, arg, 8));
ASSERT_LAYOUT(struct xipc_batch, 16, AT(struct xipc_batch, done, 12));

/* The naming service's protocol (lib/ns-protocol.h, docs/naming.md). */
ASSERT_LAYOUT(struct ipc_ns_rule, 16, 1);
ASSERT_LAYOUT(struct ipc_ns_entry, 544, AT(struct ipc_ns_entry, uid, 256) &&
	      AT(struct ipc_ns_entry, object_id, 264) &&
	      AT(struct ipc_ns_entry, rules, 288));
ASSERT_LAYOUT(struct ipc_ns_request, 544,
	      AT(struct ipc_ns_request, nr_rules, 264) &&
	      AT(struct ipc_ns_request, deadline_ns, 272) &&
	      AT(struct ipc_ns_request, rules, 288));
ASSERT_LAYOUT(struct ipc_ns_reply, 8, 1);

/* The commands added after the first: number, size, direction. */
#define ASSERT_COMMAND(cmd, nr, type, dir) \
	_Static_assert(_IOC_NR(cmd) == (nr) && _IOC_SIZE(cmd) == sizeof(type) && \
		       _IOC_DIR(cmd) == (dir) && _IOC_TYPE(cmd) == 0xB9, #cmd)
#define RW (_IOC_READ | _IOC_WRITE)
ASSERT_COMMAND(XIPC_IOC_BATCH, 0x24, struct xipc_batch, RW);
ASSERT_COMMAND(XIPC_IOC_SERVICE_CREATE, 0x30, struct xipc_service_create, RW);
ASSERT_COMMAND(XIPC_IOC_SERVICE_DESTROY, 0x31, struct xipc_handle_op, _IOC_WRITE);
ASSERT_COMMAND(XIPC_IOC_BIND, 0x32, struct xipc_bind, RW);
ASSERT_COMMAND(XIPC_IOC_LRPC_CALL, 0x33, struct xipc_lrpc_call, _IOC_WRITE);
ASSERT_COMMAND(XIPC_IOC_LRPC_SERVE, 0x34, struct xipc_lrpc_serve, RW);
ASSERT_COMMAND(XIPC_IOC_NAMESERVER_CLAIM, 0x40, struct xipc_handle_op, _IOC_WRITE);
ASSERT_COMMAND(XIPC_IOC_BOOTSTRAP, 0x41, struct xipc_bootstrap, RW);
ASSERT_COMMAND(XIPC_IOC_WATCH, 0x42, struct xipc_watch, _IOC_WRITE);

FX_TEST("headers", test_command_encoding)
{
	/* The size and direction user space sends are what the kernel expects. */
	ck_assert_uint_eq(_IOC_TYPE(XIPC_IOC_GET_INFO), 0xB9);
	ck_assert_uint_eq(_IOC_NR(XIPC_IOC_GET_INFO), 0);
	ck_assert_uint_eq(_IOC_SIZE(XIPC_IOC_GET_INFO), 48);
	ck_assert_uint_eq(_IOC_DIR(XIPC_IOC_GET_INFO), _IOC_READ | _IOC_WRITE);
}
END_TEST

int main(void)
{
	return fx_main("headers");
}
