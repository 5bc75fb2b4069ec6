/* SPDX-License-Identifier: MIT */
/*
 * What every xipc test program shares: a main() that runs a libcheck suite
 * and prints TAP, the kselftest exit codes, and small helpers.
 */
#ifndef XIPC_TEST_HARNESS_H
#define XIPC_TEST_HARNESS_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

/* kselftest's exit codes, which tests/run-tests counts. */
#define KSFT_PASS 0
#define KSFT_FAIL 1
#define KSFT_SKIP 4

/* A byte the kernel never writes by chance: output structs start full of it. */
#define POISON_BYTE 0xa5

/*
 * Runs @suite with each test in its own process and prints TAP on stdout.
 * Returns the exit code: KSFT_SKIP when /dev/xipc cannot be opened (module not
 * loaded, or no permission), else KSFT_PASS or KSFT_FAIL.
 */
int xipc_test_main(Suite *suite);

/* A new tcase whose tests may take long: everything is slow under TCG. */
TCase *xipc_tcase(Suite *suite, const char *name);

/* ipc_open(0) that fails the current test instead of returning an error. */
int xipc_test_open(void);

/* The space id of @space, failing the test if GET_INFO fails. */
uint64_t xipc_test_space_id(int space);

#endif /* XIPC_TEST_HARNESS_H */
