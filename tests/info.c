// SPDX-License-Identifier: MIT
/*
 * The raw ioctl interface: XIPC_IOC_GET_INFO, its validation of flags and
 * reserved fields, bad pointers, and ENOTTY for every command that is not one.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libipc.h"
#include "harness.h"

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

static struct xipc_info poisoned_info(void)
{
	struct xipc_info info;

	memset(&info, POISON_BYTE, sizeof(info));
	info.flags = 0;
	memset(info.reserved, 0, sizeof(info.reserved));
	return info;
}

/* Asserts that ioctl(@space, @cmd, @arg) fails with @error. */
static void assert_ioctl_fails(int space, unsigned long cmd, void *arg, int error)
{
	int ret = ioctl(space, cmd, arg);

	ck_assert_msg(ret == -1 && errno == error,
		      "ioctl %#lx: returned %d, errno %s; expected %s", cmd, ret,
		      strerror(errno), strerror(error));
}

START_TEST(test_get_info)
{
	int space = xipc_test_open();
	struct xipc_info info = poisoned_info();
	unsigned int i;

	ck_assert_int_eq(ioctl(space, XIPC_IOC_GET_INFO, &info), 0);
	ck_assert_uint_eq(info.flags, 0);
	ck_assert_uint_eq(info.abi_version, XIPC_ABI_VERSION);
	ck_assert_uint_eq(info.features, KNOWN_FEATURES);
	ck_assert_uint_ne(info.space_id, 0);
	for (i = 0; i < sizeof(info.reserved) / sizeof(info.reserved[0]); i++)
		ck_assert_uint_eq(info.reserved[i], 0);
	ipc_close(space);
}
END_TEST

START_TEST(test_get_info_rejects_each_flag)
{
	int space = xipc_test_open();
	unsigned int bit;

	for (bit = 0; bit < 32; bit++) {
		struct xipc_info info = poisoned_info(), before;

		info.flags = 1u << bit;
		before = info;
		assert_ioctl_fails(space, XIPC_IOC_GET_INFO, &info, EINVAL);
		/* A rejected call writes nothing. */
		ck_assert_mem_eq(&info, &before, sizeof(info));
	}
	ipc_close(space);
}
END_TEST

START_TEST(test_get_info_rejects_each_reserved_field)
{
	static const __u64 patterns[] = { 1, 1ull << 63, ~0ull };
	int space = xipc_test_open();
	unsigned int slot, p;

	for (slot = 0; slot < 3; slot++) {
		for (p = 0; p < 3; p++) {
			struct xipc_info info = poisoned_info(), before;

			info.reserved[slot] = patterns[p];
			before = info;
			assert_ioctl_fails(space, XIPC_IOC_GET_INFO, &info, EINVAL);
			ck_assert_mem_eq(&info, &before, sizeof(info));
		}
	}
	ipc_close(space);
}
END_TEST

START_TEST(test_get_info_bad_pointers)
{
	int space = xipc_test_open();
	long page = sysconf(_SC_PAGESIZE);
	void *readonly, *unmapped;

	assert_ioctl_fails(space, XIPC_IOC_GET_INFO, NULL, EFAULT);

	unmapped = mmap(NULL, page, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(unmapped, MAP_FAILED);
	ck_assert_int_eq(munmap(unmapped, page), 0);
	assert_ioctl_fails(space, XIPC_IOC_GET_INFO, unmapped, EFAULT);

	/* Readable zeros, so the input is valid, but the result can't land. */
	readonly = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(readonly, MAP_FAILED);
	assert_ioctl_fails(space, XIPC_IOC_GET_INFO, readonly, EFAULT);
	munmap(readonly, page);

	/* The struct straddles the end of the mapping. */
	unmapped = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(unmapped, MAP_FAILED);
	ck_assert_int_eq(munmap((char *)unmapped + page, page), 0);
	assert_ioctl_fails(space, XIPC_IOC_GET_INFO,
			   (char *)unmapped + page - sizeof(struct xipc_info) / 2,
			   EFAULT);
	munmap(unmapped, page);
	ipc_close(space);
}
END_TEST

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
	assert_ioctl_fails(space, cmd, arg, ENOTTY);
}

START_TEST(test_unknown_commands)
{
	int space = xipc_test_open();
	struct xipc_info info = poisoned_info();
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
	assert_ioctl_fails(space, _IOWR(XIPC_IOCTL_TYPE, 0, char[56]), big, ENOTTY);
	assert_ioctl_fails(space, _IOW(XIPC_IOCTL_TYPE, 0x20, char[64]), big, ENOTTY);
	/* Another driver's type byte, and commands of the tty layer. */
	assert_ioctl_fails(space, _IOWR(XIPC_IOCTL_TYPE + 1, 0, struct xipc_info),
			   &info, ENOTTY);
	assert_ioctl_fails(space, 0, NULL, ENOTTY);
	assert_ioctl_fails(space, TCGETS, big, ENOTTY);
	assert_ioctl_fails(space, FIONREAD, big, ENOTTY);
	ipc_close(space);
}
END_TEST

START_TEST(test_not_seekable_nor_readable)
{
	int space = xipc_test_open();
	char byte;

	ck_assert_int_eq(lseek(space, 0, SEEK_SET), -1);
	ck_assert_int_eq(errno, ESPIPE);
	ck_assert_int_eq(read(space, &byte, 1), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(write(space, &byte, 1), -1);
	ck_assert_int_eq(errno, EINVAL);
	ipc_close(space);
}
END_TEST

int main(void)
{
	Suite *suite = suite_create("info");
	TCase *tcase = xipc_tcase(suite, "info");

	tcase_add_test(tcase, test_get_info);
	tcase_add_test(tcase, test_get_info_rejects_each_flag);
	tcase_add_test(tcase, test_get_info_rejects_each_reserved_field);
	tcase_add_test(tcase, test_get_info_bad_pointers);
	tcase_add_test(tcase, test_unknown_commands);
	tcase_add_test(tcase, test_not_seekable_nor_readable);
	return xipc_test_main(suite);
}
