// SPDX-License-Identifier: MIT
/*
 * The raw ioctl interface: XIPC_IOC_GET_INFO, its validation of flags and
 * reserved fields, bad pointers, and ENOTTY for every command that is not one.
 */

#include "fixture.h"

/*
 * The features this module implements; register calls for 64-bit callers
 * of the architectures that have them (a 32-bit caller gets none).
 */
#if defined(__x86_64__) && !defined(__ILP32__) || defined(__aarch64__)
#define REGS_FEATURE XIPC_FEATURE_LRPC_REGS
#else
#define REGS_FEATURE 0
#endif
#define KNOWN_FEATURES \
	(XIPC_FEATURE_MAILBOX | XIPC_FEATURE_LRPC | XIPC_FEATURE_NAMING | \
	 REGS_FEATURE)

/* GET_INFO: a valid request has flags and reserved 0; the rest is output. */
static void info_build(struct fx *f, void *req)
{
	struct xipc_info *info = req;

	(void)f;
	info->flags = 0;
	memset(info->reserved, 0, sizeof(info->reserved));
}

static void info_check(struct fx *f, void *req, int ret)
{
	struct xipc_info *info = req;

	ck_assert_int_eq(ret, 0);
	ck_assert_uint_eq(info->flags, 0);
	ck_assert_uint_eq(info->abi_version, XIPC_ABI_VERSION);
	ck_assert_uint_eq(info->features, KNOWN_FEATURES);
	ck_assert_uint_eq(info->space_id, xipc_test_space_id(f->space));
	ck_assert_uint_eq(info->reserved[0] | info->reserved[1] |
			  info->reserved[2], 0);
}

#define INFO(field, value) FX_BAD(struct xipc_info, field, value, EINVAL)
static const struct fx_row info_rows[] = {
	FX_BAD_BITS(struct xipc_info, flags, 0, EINVAL),
	INFO(reserved[0], 1), INFO(reserved[0], 1ULL << 63), INFO(reserved[0], ~0ULL),
	INFO(reserved[1], 1), INFO(reserved[1], 1ULL << 63), INFO(reserved[1], ~0ULL),
	INFO(reserved[2], 1), INFO(reserved[2], 1ULL << 63), INFO(reserved[2], ~0ULL),
	FX_BAD_POINTER(0, EFAULT),
	FX_BAD_POINTER(FX_UNMAPPED, EFAULT),
	/* Readable zeros, so the input is valid, but the result can't land. */
	FX_BAD_POINTER(FX_READONLY, EFAULT),
	/* The struct straddles the end of the mapping. */
	FX_BAD_POINTER(FX_EDGE, EFAULT),
};

static const struct fx_out info_outs[] = {
	FX_OUTS(struct xipc_info, abi_version, features, space_id),
};

FX_TABLE("info", test_get_info_refuses, info_table, XIPC_IOC_GET_INFO,
	 struct xipc_info, .build = info_build, .check = info_check,
	 .rows = FX_ARRAY(info_rows), .outs = FX_ARRAY(info_outs))

/* Every command the module defines; anything else must be ENOTTY. */
static const unsigned long known_commands[] = {
	XIPC_IOC_GET_INFO, XIPC_IOC_HANDLE_CLOSE, XIPC_IOC_HANDLE_DUP,
	XIPC_IOC_HANDLE_REVOKE, XIPC_IOC_HANDLE_INFO, XIPC_IOC_MAILBOX_CREATE,
	XIPC_IOC_MAILBOX_DESTROY, XIPC_IOC_MAILBOX_FD, XIPC_IOC_MAILBOX_OPEN,
	XIPC_IOC_MAILBOX_UNLINK, XIPC_IOC_SEND, XIPC_IOC_RECV, XIPC_IOC_RPC,
	XIPC_IOC_REPLY, XIPC_IOC_SERVICE_CREATE, XIPC_IOC_SERVICE_DESTROY,
	XIPC_IOC_BIND, XIPC_IOC_LRPC_CALL, XIPC_IOC_LRPC_SERVE,
	XIPC_IOC_NAMESERVER_CLAIM, XIPC_IOC_BOOTSTRAP, XIPC_IOC_WATCH,
};

static void assert_unknown(int space, unsigned long cmd, void *arg)
{
	unsigned int i;

	for (i = 0; i < sizeof(known_commands) / sizeof(known_commands[0]); i++)
		if (cmd == known_commands[i])
			return;
	xipc_test_assert_ioctl_fails(space, cmd, arg, ENOTTY);
}

FX_TEST("info", test_unknown_commands)
{
	int space = xipc_test_open();
	struct xipc_info info = { 0 };
	char big[256] = { 0 };
	unsigned int nr;

	/* Every number of our type byte, in every direction, but ours. */
	for (nr = 0; nr < 256; nr++) {
		assert_unknown(space, _IO(XIPC_IOCTL_TYPE, nr), NULL);
		assert_unknown(space, _IOR(XIPC_IOCTL_TYPE, nr, struct xipc_info), &info);
		assert_unknown(space, _IOW(XIPC_IOCTL_TYPE, nr, struct xipc_info), &info);
		assert_unknown(space, _IOWR(XIPC_IOCTL_TYPE, nr, struct xipc_info), &info);
		assert_unknown(space, _IOWR(XIPC_IOCTL_TYPE, nr, char[40]), big);
	}
	/* A known command with another size is another command. */
	xipc_test_assert_ioctl_fails(space, _IOWR(XIPC_IOCTL_TYPE, 0, char[56]), big, ENOTTY);
	xipc_test_assert_ioctl_fails(space, _IOW(XIPC_IOCTL_TYPE, 0x20, char[64]), big, ENOTTY);
	/* Another driver's type byte, and commands of the tty layer. */
	xipc_test_assert_ioctl_fails(space, _IOWR(XIPC_IOCTL_TYPE + 1, 0, struct xipc_info),
			   &info, ENOTTY);
	xipc_test_assert_ioctl_fails(space, 0, NULL, ENOTTY);
	xipc_test_assert_ioctl_fails(space, TCGETS, big, ENOTTY);
	xipc_test_assert_ioctl_fails(space, FIONREAD, big, ENOTTY);
}
END_TEST

FX_TEST("info", test_not_seekable_nor_readable)
{
	int space = xipc_test_open();
	char byte;

	ck_assert_int_eq(lseek(space, 0, SEEK_SET), -1);
	ck_assert_int_eq(errno, ESPIPE);
	ck_assert_int_eq(read(space, &byte, 1), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(write(space, &byte, 1), -1);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

int main(void)
{
	return fx_main("info");
}
