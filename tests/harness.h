/* SPDX-License-Identifier: MIT */
/*
 * What every xipc test program shares: a main() that runs a libcheck suite
 * and prints TAP, the kselftest exit codes, and small helpers.
 */
#ifndef XIPC_TEST_HARNESS_H
#define XIPC_TEST_HARNESS_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <unistd.h>

#include <linux/types.h>
#include <linux/xipc.h>

/* kselftest's exit codes, which tests/run-tests counts. */
#define KSFT_PASS 0
#define KSFT_FAIL 1
#define KSFT_SKIP 4

/* A byte the kernel never writes by chance: output structs start full of it. */
#define POISON_BYTE 0xcc

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

/*
 * Timeouts of the tests' blocking calls. A wait that should end well is
 * bounded by XIPC_TEST_LONG_NS, so that a bug fails the test rather than
 * hanging it; XIPC_TEST_SHORT_NS is for waits that are meant to time out.
 * Tests never assert on how long anything took: under TCG it varies widely.
 */
#define XIPC_TEST_LONG_NS	(60ULL * 1000 * 1000 * 1000)
#define XIPC_TEST_SHORT_NS	(50ULL * 1000 * 1000)

/* Fails the test unless ioctl(@space, @cmd, @arg) fails with errno @error. */
void xipc_test_assert_ioctl_fails(int space, unsigned long cmd, void *arg,
				  int error);

/* A mailbox with these limits (0: the default), failing the test if refused. */
__u32 xipc_test_mailbox(int space, __u32 max_msg_size, __u32 max_msgs,
			__u64 max_bytes);

/* An LRPC service of the smallest shape: its handle, with every right. */
__u32 xipc_test_service(int space);

/* What XIPC_IOC_HANDLE_INFO says of @handle, failing the test if it fails. */
struct xipc_handle_info xipc_test_handle_info(int space, __u32 handle);

/*
 * The arguments of a send of @size bytes at @data with @type on @mailbox,
 * carrying no handles and waiting at most @timeout_ns while it is full.
 */
struct xipc_send xipc_test_send_args(__u32 mailbox, __s64 type,
				     const void *data, size_t size,
				     __u64 timeout_ns);

/* ipc_send() of xipc_test_send_args(): returns its result. */
int xipc_test_send(int space, __u32 mailbox, __s64 type, const void *data,
		   size_t size, __u64 timeout_ns);

/*
 * The arguments of a receive of @type on @mailbox into @buf (@size bytes),
 * with no room for handles and waiting at most @timeout_ns. Every field the
 * kernel only writes, and the badge and pid it only reads with a FROM_ flag,
 * hold POISON_BYTE, so a test sees what the kernel wrote.
 */
struct xipc_recv xipc_test_recv_args(__u32 mailbox, __s64 type, void *buf,
				     size_t size, __u64 timeout_ns);

/* ipc_recv() of xipc_test_recv_args() into @msg: returns its result. */
int xipc_test_recv(int space, __u32 mailbox, __s64 type, void *buf,
		   size_t size, __u64 timeout_ns, struct xipc_recv *msg);

/* Fails the test unless @mailbox holds no message (a receive finds none). */
void xipc_test_assert_empty(int space, __u32 mailbox);

/*
 * How many of the handle numbers 1..XIPC_TEST_HANDLE_SCAN exist in @space.
 * Comparing it before and after a call that must change nothing shows that
 * the call neither installed nor closed a handle.
 */
#define XIPC_TEST_HANDLE_SCAN	1024
unsigned int xipc_test_count_handles(int space);

/*
 * A mailbox name no other test process uses, "xipc-test-<pid>-<tag>", into
 * @buf. Spaces reach each other's mailboxes only through messages on a
 * mailbox both hold a handle to, and a named mailbox is how two spaces that
 * share nothing yet get one: make the name before fork(), so that parent and
 * child agree on it, and unlink it when done.
 */
#define XIPC_TEST_NAME_SIZE	64
void xipc_test_name(char *buf, const char *tag);

/*
 * The path of the project's program @name (xipcs, xipc-named): ../bin/@name
 * from this test program when staged, ../tools/@name in the build tree.
 * Fails the test if neither is there.
 */
void xipc_test_tool_path(const char *name, char *path, size_t size);

/*
 * Runs the program @name (see xipc_test_tool_path()) with @arg (or none),
 * its standard output into @out (NUL-terminated, at most @size - 1 bytes),
 * its standard error to /dev/null when @quiet: its wait status.
 */
int xipc_test_run_tool(const char *name, const char *arg, char *out,
		       size_t size, bool quiet);

/* CLOCK_MONOTONIC now plus @delta_ns: a deadline for XIPC_ABSTIME. */
__u64 xipc_test_deadline(__u64 delta_ns);

/*
 * fork() for a child that must not outlive the test: it gets SIGKILL when the
 * test's process dies, so a child blocked forever cannot hang the run or keep
 * a space (and so the module) alive. Fails the test if fork fails.
 *
 * A child must not call ck_assert (failures belong to the test's own
 * process); it checks with CHILD_EXPECT and ends with _exit().
 */
pid_t xipc_test_fork(void);

/*
 * In a forked child: take the credentials of @uid, @gid and the @nr_groups
 * supplementary @groups (none: NULL, 0), in the order that leaves no
 * privilege behind, and keep the parent-death signal that xipc_test_fork()
 * set and a credential change clears. Exits 120 to 124 on failure.
 */
void xipc_test_become(uid_t uid, gid_t gid, const gid_t *groups,
		      size_t nr_groups);

/*
 * In a forked child: become uid and gid @inner of a new user namespace that
 * @creator (uid and gid) creates, whose ids 0 to XIPC_TEST_MAP_COUNT - 1
 * are XIPC_TEST_MAP_BASE onwards outside, as newuidmap would map a
 * subordinate range. Needs root. Exits 125 to 132 on failure.
 */
#define XIPC_TEST_MAP_BASE	200000
#define XIPC_TEST_MAP_COUNT	100
void xipc_test_become_in_userns(uid_t creator, uid_t inner);

/*
 * In a forked child: unless @cond holds, says on stderr which check failed
 * and exits with @code, which the parent asserts on (each check of a child
 * has its own code, so the parent's failure message names it).
 */
#define CHILD_EXPECT(cond, code)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: child %d: exit %d: %s\n",	\
				__FILE__, __LINE__, (int)getpid(), (code),	\
				#cond);					\
			_exit(code);					\
		}							\
	} while (0)

/*
 * In a forked child: unless @expr evaluates to @want, say what it gave on
 * stderr and exit with @code (CHILD_EXPECT for a value).
 */
#define CHILD_EXPECT_RET(expr, want, code)					\
	do {								\
		long long got_ = (long long)(expr);			\
		if (got_ != (long long)(want)) {			\
			fprintf(stderr, "%s:%d: child %d: exit %d: %s is %lld, expected %lld\n", \
				__FILE__, __LINE__, (int)getpid(), (int)(code),	\
				#expr, got_, (long long)(want));		\
			_exit(code);					\
		}							\
	} while (0)

/*
 * One byte through a pipe, to order the steps of a test and its children;
 * both work in children. xipc_test_await() waits at most XIPC_TEST_LONG_NS.
 * They return 0, or -EPIPE (the other end was closed: the peer is gone),
 * -ETIMEDOUT, or another -errno.
 */
int xipc_test_notify(int fd);
int xipc_test_await(int fd);

/*
 * Waits for child @pid: its exit code; fails the test if a signal killed it.
 * A child still running after XIPC_TEST_CHILD_NS is killed and fails the
 * test: every child of a test is meant to end by then (it waits at most
 * XIPC_TEST_LONG_NS per call, or is woken by its parent).
 */
#define XIPC_TEST_CHILD_NS	(2 * XIPC_TEST_LONG_NS)
int xipc_test_wait(pid_t pid);

/* The same, but returns the raw wait status. */
int xipc_test_wait_status(pid_t pid);

/* The state letter of thread @tid in /proc (R, S, D, Z, ...), or 0. */
char xipc_test_thread_state(pid_t tid);

/*
 * Waits until thread @tid (a process or a thread of this one) is in @state
 * (S: it sleeps interruptibly, D: uninterruptibly or killably), failing the
 * test if it exits or is in another state after XIPC_TEST_LONG_NS. A test
 * that wants a call to be blocked when it acts makes that call the only
 * thing that can sleep after the child signalled it is about to make it,
 * then waits here.
 */
void xipc_test_wait_state(pid_t tid, char state);
#define xipc_test_wait_asleep(tid)	xipc_test_wait_state(tid, 'S')

/*
 * The module parameter @param (/sys/module/xipc/parameters/): 0, or -errno.
 */
int xipc_test_param_read(const char *param, unsigned long long *value);
int xipc_test_param_write(const char *param, unsigned long long value);

/* What /proc/xipc/users says one user has charged. */
struct xipc_test_charges {
	unsigned long long handles;
	unsigned long long msgs;
	unsigned long long bytes;
	unsigned long long mailboxes;
};

/*
 * The charges of @uid (as this process's user namespace sees it): 0, or
 * -ENOENT if it has none (no line), or another -errno. Works in children.
 */
int xipc_test_charges(unsigned int uid, struct xipc_test_charges *c);

#endif /* XIPC_TEST_HARNESS_H */
