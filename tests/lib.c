// SPDX-License-Identifier: MIT
/*
 * libipc's error convention: every function returns -errno on failure and
 * leaves errno as it found it, on success and on failure alike; and it
 * never ends the process itself.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "libipc.h"
#include "harness.h"

/* A value no call of the library would set errno to. */
#define ERRNO_CANARY 7777

START_TEST(test_open_rejects_each_flag)
{
	unsigned int bit;

	for (bit = 0; bit < 32; bit++) {
		errno = ERRNO_CANARY;
		ck_assert_int_eq(ipc_open(1u << bit), -EINVAL);
		ck_assert_int_eq(errno, ERRNO_CANARY);
	}
}
END_TEST

START_TEST(test_success_keeps_errno)
{
	struct xipc_info info;
	int space;

	errno = ERRNO_CANARY;
	space = ipc_open(0);
	ck_assert_int_ge(space, 0);
	ck_assert_int_eq(ipc_info(space, &info), 0);
	ck_assert_int_eq(ipc_close(space), 0);
	ck_assert_int_eq(errno, ERRNO_CANARY);
}
END_TEST

START_TEST(test_info_fills_input_fields_itself)
{
	int space = xipc_test_open();
	struct xipc_info info;

	/* Garbage in flags and reserved is the library's job to clear. */
	memset(&info, POISON_BYTE, sizeof(info));
	ck_assert_int_eq(ipc_info(space, &info), 0);
	ck_assert_uint_eq(info.abi_version, XIPC_ABI_VERSION);
	ck_assert_uint_eq(info.flags, 0);
	ck_assert_uint_eq(info.reserved[0] | info.reserved[1] | info.reserved[2], 0);
	ipc_close(space);
}
END_TEST

START_TEST(test_info_on_other_descriptors)
{
	struct xipc_info info;
	int fds[2];

	ck_assert_int_eq(pipe(fds), 0);
	errno = ERRNO_CANARY;
	ck_assert_int_eq(ipc_info(fds[0], &info), -ENOTTY);
	ck_assert_int_eq(ipc_info(-1, &info), -EBADF);
	close(fds[0]);
	ck_assert_int_eq(ipc_info(fds[0], &info), -EBADF);
	ck_assert_int_eq(errno, ERRNO_CANARY);
	close(fds[1]);
}
END_TEST

START_TEST(test_close_bad_descriptor)
{
	errno = ERRNO_CANARY;
	ck_assert_int_eq(ipc_close(-1), -EBADF);
	ck_assert_int_eq(errno, ERRNO_CANARY);
}
END_TEST

/*
 * A process that has used up its thread-specific keys gets -ENOMEM from a
 * serve of a copy-in service (whose copy is kept by such a key), and lives:
 * the library once called abort() there.
 */
START_TEST(test_copy_in_serve_without_keys_fails_and_lives)
{
	int space = xipc_test_open();
	pid_t child = xipc_test_fork();

	if (child == 0) {
		struct ipc_service_attr attr = { .flags = XIPC_SERVICE_COPY_IN };
		struct ipc_request req = { 0 };
		struct ipc_service *svc;
		pthread_key_t key;
		int keys = 0;

		CHILD_EXPECT(ipc_service_create(space, &attr, &svc) == 0, 11);
		while (!pthread_key_create(&key, NULL))
			keys++;
		CHILD_EXPECT(keys > 0, 12);
		errno = ERRNO_CANARY;
		CHILD_EXPECT(ipc_service_next(svc, &req, 0, 0) == -ENOMEM, 13);
		CHILD_EXPECT(errno == ERRNO_CANARY, 14);
		ipc_service_free(svc);
		_exit(0);
	}
	ck_assert_int_eq(xipc_test_wait(child), 0);
	ipc_close(space);
}
END_TEST

int main(void)
{
	Suite *suite = suite_create("lib");
	TCase *tcase = xipc_tcase(suite, "lib");

	tcase_add_test(tcase, test_open_rejects_each_flag);
	tcase_add_test(tcase, test_success_keeps_errno);
	tcase_add_test(tcase, test_info_fills_input_fields_itself);
	tcase_add_test(tcase, test_info_on_other_descriptors);
	tcase_add_test(tcase, test_close_bad_descriptor);
	tcase_add_test(tcase, test_copy_in_serve_without_keys_fails_and_lives);
	return xipc_test_main(suite);
}
