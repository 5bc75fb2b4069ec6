// SPDX-License-Identifier: MIT
/*
 * The shared main of the test programs; see harness.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "libipc.h"
#include "harness.h"

/* Generous: one test may take a minute under software emulation. */
#define TEST_TIMEOUT_SECONDS 300

int xipc_test_main(Suite *suite)
{
	SRunner *runner;
	int fd, failed;

	fd = open(LIBIPC_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("1..0 # SKIP cannot open %s: %s\n", LIBIPC_DEVICE,
		       strerror(errno));
		return KSFT_SKIP;
	}
	close(fd);

	runner = srunner_create(suite);
	srunner_set_fork_status(runner, CK_FORK);
	srunner_set_tap(runner, "-");
	srunner_run_all(runner, CK_SILENT);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed ? KSFT_FAIL : KSFT_PASS;
}

TCase *xipc_tcase(Suite *suite, const char *name)
{
	TCase *tcase = tcase_create(name);

	tcase_set_timeout(tcase, TEST_TIMEOUT_SECONDS);
	suite_add_tcase(suite, tcase);
	return tcase;
}

int xipc_test_open(void)
{
	int space = ipc_open(0);

	ck_assert_msg(space >= 0, "ipc_open: %s", strerror(-space));
	return space;
}

uint64_t xipc_test_space_id(int space)
{
	struct xipc_info info;
	int ret = ipc_info(space, &info);

	ck_assert_msg(ret == 0, "ipc_info: %s", strerror(-ret));
	return info.space_id;
}
