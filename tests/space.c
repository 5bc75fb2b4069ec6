// SPDX-License-Identifier: MIT
/*
 * Capability spaces: open and close, one space per open, sharing through
 * dup() and fork(), close-on-exec, and the module pinned while a space is open.
 */
#include <inttypes.h>
#include <sys/resource.h>

#include "fixture.h"

#define MANY_SPACES 1000

/* Exit codes of this program when run as the exec probe (see main). */
#define PROBE_NO_FD 3
#define PROBE_ERROR 5

/* How many references the module has: one per open space, plus holders. */
static long module_refcnt(void)
{
	FILE *f = fopen("/sys/module/xipc/refcnt", "r");
	long refcnt = -1;

	ck_assert_msg(f, "open /sys/module/xipc/refcnt: %s", strerror(errno));
	ck_assert_int_eq(fscanf(f, "%ld", &refcnt), 1);
	fclose(f);
	return refcnt;
}

START_TEST(test_open_close)
{
	int space = ipc_open(0);

	ck_assert_int_ge(space, 0);
	ck_assert_int_eq(fcntl(space, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	ck_assert_uint_ne(xipc_test_space_id(space), 0);
	ck_assert_int_eq(ipc_close(space), 0);
	ck_assert_int_eq(ipc_close(space), -EBADF);
}
END_TEST

START_TEST(test_each_open_is_a_new_space)
{
	int a = xipc_test_open(), b = xipc_test_open();
	uint64_t id_a = xipc_test_space_id(a);

	ck_assert_uint_ne(id_a, xipc_test_space_id(b));
	/* Ids are not reused, not even the id of a space just freed. */
	ck_assert_int_eq(ipc_close(a), 0);
	ck_assert_uint_ne(xipc_test_space_id(xipc_test_open()), id_a);
}
END_TEST

static int compare_ids(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

START_TEST(test_many_spaces)
{
	static int spaces[MANY_SPACES];
	static uint64_t ids[MANY_SPACES];
	long before = module_refcnt();
	struct rlimit limit;
	int i, n;

	/* As many as the descriptor limit allows, up to MANY_SPACES. */
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &limit), 0);
	limit.rlim_cur = limit.rlim_max;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &limit), 0);
	n = limit.rlim_max - 16 < MANY_SPACES ? (int)limit.rlim_max - 16 : MANY_SPACES;

	for (i = 0; i < n; i++) {
		spaces[i] = xipc_test_open();
		ids[i] = xipc_test_space_id(spaces[i]);
	}
	ck_assert_int_eq(module_refcnt(), before + n);
	qsort(ids, n, sizeof(ids[0]), compare_ids);
	for (i = 1; i < n; i++)
		ck_assert_uint_ne(ids[i], ids[i - 1]);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(ipc_close(spaces[i]), 0);
	ck_assert_int_eq(module_refcnt(), before);
}
END_TEST

START_TEST(test_dup_shares_the_space)
{
	int space = xipc_test_open();
	uint64_t id = xipc_test_space_id(space);
	long before = module_refcnt();
	int copy = dup(space);

	ck_assert_int_ge(copy, 0);
	ck_assert_uint_eq(xipc_test_space_id(copy), id);
	/* A second descriptor is not a second space. */
	ck_assert_int_eq(module_refcnt(), before);
	ck_assert_int_eq(ipc_close(space), 0);
	ck_assert_uint_eq(xipc_test_space_id(copy), id);
	ck_assert_int_eq(ipc_close(copy), 0);
	ck_assert_int_eq(module_refcnt(), before - 1);
}
END_TEST

START_TEST(test_fork_shares_the_space)
{
	int space = xipc_test_open(), go[2];
	uint64_t id = xipc_test_space_id(space);
	long before = module_refcnt();
	pid_t pid;

	ck_assert_int_eq(pipe(go), 0);
	pid = fx_fork_waiter();
	if (pid == 0) {
		struct xipc_info info;

		/* Still the same space after the parent closed its copy. */
		fx_waiter_ready();
		if (xipc_test_await(go[0]) != 0)
			_exit(PROBE_ERROR);
		if (ipc_info(space, &info) != 0 || info.space_id != id)
			_exit(PROBE_ERROR);
		_exit(ipc_close(space) == 0 ? 0 : PROBE_ERROR);
	}
	fx_await_asleep(pid);
	ck_assert_int_eq(ipc_close(space), 0);
	/* The child's descriptor keeps the space, and so the module, alive. */
	ck_assert_int_eq(module_refcnt(), before);
	ck_assert_int_eq(xipc_test_notify(go[1]), 0);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	ck_assert_int_eq(module_refcnt(), before - 1);
}
END_TEST

/*
 * Execs this program as a probe that reports on descriptor @fd: exit 0 and the
 * space id on stdout if it is a space, PROBE_NO_FD if the descriptor is closed.
 */
static int exec_probe(int space, uint64_t *id)
{
	char fd_arg[16], line[32] = "";
	int out[2], code;
	pid_t pid;

	snprintf(fd_arg, sizeof(fd_arg), "%d", space);
	ck_assert_int_eq(pipe(out), 0);
	pid = xipc_test_fork();
	if (pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		execl("/proc/self/exe", "probe", "--probe-space", fd_arg, NULL);
		_exit(PROBE_ERROR);
	}
	close(out[1]);
	ck_assert_int_ge(read(out[0], line, sizeof(line) - 1), 0);
	close(out[0]);
	code = xipc_test_wait(pid);
	*id = strtoull(line, NULL, 10);
	return code;
}

START_TEST(test_close_on_exec)
{
	int space = xipc_test_open();
	uint64_t id = xipc_test_space_id(space), seen = 0;

	ck_assert_int_eq(exec_probe(space, &seen), PROBE_NO_FD);
	ck_assert_int_eq(fcntl(space, F_SETFD, 0), 0);
	ck_assert_int_eq(exec_probe(space, &seen), 0);
	ck_assert_uint_eq(seen, id);
}
END_TEST

START_TEST(test_unload_refused_while_open)
{
	int space = xipc_test_open();
	uint64_t id = xipc_test_space_id(space);

	ck_assert_int_eq(syscall(SYS_delete_module, "xipc", O_NONBLOCK), -1);
	ck_assert_int_eq(errno, EWOULDBLOCK);
	/* Still loaded and still serving the space that pinned it. */
	ck_assert_uint_eq(xipc_test_space_id(space), id);
}
END_TEST

static int probe_space(const char *fd_arg)
{
	struct xipc_info info;
	int ret = ipc_info(atoi(fd_arg), &info);

	if (ret)
		return ret == -EBADF ? PROBE_NO_FD : PROBE_ERROR;
	printf("%" PRIu64 "\n", (uint64_t)info.space_id);
	return 0;
}

int main(int argc, char **argv)
{
	const TTest *tests[] = {
		test_open_close, test_each_open_is_a_new_space, test_many_spaces,
		test_dup_shares_the_space, test_fork_shares_the_space,
		test_close_on_exec,
	};
	Suite *suite = suite_create("space");
	TCase *tcase = xipc_tcase(suite, "space");
	unsigned int i;

	if (argc == 3 && strcmp(argv[1], "--probe-space") == 0)
		return probe_space(argv[2]);
	for (i = 0; i < FX_NR(tests); i++)
		tcase_add_test(tcase, tests[i]);
	if (geteuid() == 0)
		tcase_add_test(tcase, test_unload_refused_while_open);
	else
		printf("# SKIP unload test: needs root (CAP_SYS_MODULE)\n");
	return xipc_test_main(suite);
}
