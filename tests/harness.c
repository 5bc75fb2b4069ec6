// SPDX-License-Identifier: MIT
/*
 * The shared main of the test programs; see harness.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
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

void xipc_test_assert_ioctl_fails(int space, unsigned long cmd, void *arg,
				  int error)
{
	int ret = ioctl(space, cmd, arg);

	ck_assert_msg(ret == -1 && errno == error,
		      "ioctl %#lx: returned %d, errno %s; expected %s", cmd, ret,
		      strerror(errno), strerror(error));
}

__u32 xipc_test_mailbox(int space, __u32 max_msg_size, __u32 max_msgs,
			__u64 max_bytes)
{
	int handle = ipc_mailbox_create(space, max_msg_size, max_msgs, max_bytes);

	ck_assert_msg(handle > 0, "ipc_mailbox_create(%u, %u, %llu): %d",
		      max_msg_size, max_msgs, (unsigned long long)max_bytes,
		      handle);
	return handle;
}

__u32 xipc_test_service(int space)
{
	struct xipc_service_create req = {
		.astack_size = (__u32)sysconf(_SC_PAGESIZE),
		.nr_astacks = 1,
		.max_bindings = 1,
	};

	ck_assert_msg(ioctl(space, XIPC_IOC_SERVICE_CREATE, &req) == 0,
		      "service create: %s", strerror(errno));
	return req.handle;
}

struct xipc_handle_info xipc_test_handle_info(int space, __u32 handle)
{
	struct xipc_handle_info info;
	int ret = ipc_handle_info(space, handle, &info);

	ck_assert_msg(ret == 0, "handle info %u: %s", handle, strerror(-ret));
	return info;
}

struct xipc_send xipc_test_send_args(__u32 mailbox, __s64 type,
				     const void *data, size_t size,
				     __u64 timeout_ns)
{
	return (struct xipc_send){
		.handle = mailbox,
		.type = type,
		.data = ipc_ptr(data),
		.size = size,
		.timeout_ns = timeout_ns,
	};
}

int xipc_test_send(int space, __u32 mailbox, __s64 type, const void *data,
		   size_t size, __u64 timeout_ns)
{
	struct xipc_send msg = xipc_test_send_args(mailbox, type, data, size,
						   timeout_ns);

	return ipc_send(space, &msg);
}

struct xipc_recv xipc_test_recv_args(__u32 mailbox, __s64 type, void *buf,
				     size_t size, __u64 timeout_ns)
{
	struct xipc_recv msg;

	memset(&msg, POISON_BYTE, sizeof(msg));
	msg.flags = 0;
	msg.handle = mailbox;
	msg.type = type;
	msg.data = ipc_ptr(buf);
	msg.size = size;
	msg.handles = 0;
	msg.max_handles = 0;
	msg.timeout_ns = timeout_ns;
	msg.skip = 0;
	return msg;
}

int xipc_test_recv(int space, __u32 mailbox, __s64 type, void *buf,
		   size_t size, __u64 timeout_ns, struct xipc_recv *msg)
{
	*msg = xipc_test_recv_args(mailbox, type, buf, size, timeout_ns);
	return ipc_recv(space, msg);
}

void xipc_test_assert_empty(int space, __u32 mailbox)
{
	static char buf[1 << 16];
	struct xipc_recv msg = xipc_test_recv_args(mailbox, 0, buf, sizeof(buf), 0);
	int ret;

	/*
	 * A peek, so that a failing check leaves the queue for the next one.
	 * EPIPE says no message is queued as well (and nobody can send one).
	 */
	msg.flags = XIPC_RECV_PEEK;
	ret = ipc_recv(space, &msg);
	ck_assert_msg(ret == -EAGAIN || ret == -EPIPE,
		      "mailbox %u should be empty: receive returned %d (%s)",
		      mailbox, ret, ret < 0 ? strerror(-ret) : "a message");
}

unsigned int xipc_test_count_handles(int space)
{
	struct xipc_handle_info info;
	unsigned int count = 0;
	__u32 handle;

	for (handle = 1; handle <= XIPC_TEST_HANDLE_SCAN; handle++) {
		int ret = ipc_handle_info(space, handle, &info);

		ck_assert_msg(ret == 0 || ret == -EBADF, "handle info %u: %s",
			      handle, strerror(-ret));
		count += ret == 0;
	}
	return count;
}

void xipc_test_name(char *buf, const char *tag)
{
	snprintf(buf, XIPC_TEST_NAME_SIZE, "xipc-test-%d-%s", (int)getpid(), tag);
}

__u64 xipc_test_deadline(__u64 delta_ns)
{
	struct timespec now;

	ck_assert_int_eq(clock_gettime(CLOCK_MONOTONIC, &now), 0);
	return (__u64)now.tv_sec * 1000000000ULL + now.tv_nsec + delta_ns;
}

pid_t xipc_test_fork(void)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid == 0) {
		/* The parent may have died before the prctl took effect. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
			_exit(127);
		return 0;
	}
	/*
	 * In the parent only: a check that passes still writes to libcheck's
	 * message file, and a child killed in that write (tests/storm.c kills
	 * children as they start) would leave half a message in it.
	 */
	ck_assert_msg(pid > 0, "fork: %s", strerror(errno));
	return pid;
}

int xipc_test_notify(int fd)
{
	char byte = 1;
	ssize_t ret;

	do
		ret = write(fd, &byte, 1);
	while (ret < 0 && errno == EINTR);
	return ret == 1 ? 0 : -errno;
}

int xipc_test_await(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int timeout_ms = XIPC_TEST_LONG_NS / 1000000;
	char byte;
	ssize_t ret;

	do
		ret = poll(&pfd, 1, timeout_ms);
	while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	if (ret == 0)
		return -ETIMEDOUT;
	do
		ret = read(fd, &byte, 1);
	while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	return ret == 1 ? 0 : -EPIPE;
}

/* The kernel stack of @pid, on stderr: a hung child's, for the log. */
static void dump_stack_of(pid_t pid)
{
	char path[64], line[256];
	FILE *stack;

	snprintf(path, sizeof(path), "/proc/%d/stack", (int)pid);
	stack = fopen(path, "re");
	if (!stack)
		return;
	while (fgets(line, sizeof(line), stack))
		fprintf(stderr, "# %d: %s", (int)pid, line);
	fclose(stack);
}

int xipc_test_wait_status(pid_t pid)
{
	__u64 deadline = xipc_test_deadline(XIPC_TEST_CHILD_NS);
	struct timespec pause = { .tv_nsec = 100 * 1000 };
	int status;
	pid_t ret;

	for (;;) {
		ret = waitpid(pid, &status, WNOHANG);
		if (ret != 0)
			break;
		if (xipc_test_deadline(0) >= deadline) {
			/*
			 * Stuck: where in the kernel it sleeps, then kill it,
			 * so that it neither hangs nor lingers.
			 */
			dump_stack_of(pid);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			ck_abort_msg("child %d still running after %llu s: killed",
				     (int)pid,
				     (unsigned long long)XIPC_TEST_CHILD_NS /
				     1000000000ULL);
		}
		nanosleep(&pause, NULL);
		if (pause.tv_nsec < 10 * 1000 * 1000)
			pause.tv_nsec *= 2;
	}
	ck_assert_msg(ret == pid, "waitpid %d: %s", (int)pid, strerror(errno));
	return status;
}

int xipc_test_wait(pid_t pid)
{
	int status = xipc_test_wait_status(pid);

	ck_assert_msg(WIFEXITED(status), "child %d died: status %#x", (int)pid,
		      status);
	return WEXITSTATUS(status);
}

/* Maps the ids of the user namespace of @pid ("uid_map" or "gid_map"). */
static int write_map(pid_t pid, const char *map)
{
	char path[64], line[64];
	int fd, len, err = 0;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, map);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(line, sizeof(line), "0 %d %d\n", XIPC_TEST_MAP_BASE,
		       XIPC_TEST_MAP_COUNT);
	if (write(fd, line, len) != len)
		err = -errno;
	close(fd);
	return err;
}

void xipc_test_become_in_userns(uid_t creator, uid_t inner)
{
	pid_t self = getpid(), mapper;
	int go[2], status;

	CHILD_EXPECT(pipe2(go, O_CLOEXEC) == 0, 125);
	/* Root of the initial namespace, as newuidmap is: it writes the maps. */
	mapper = fork();
	CHILD_EXPECT(mapper >= 0, 126);
	if (mapper == 0) {
		CHILD_EXPECT(xipc_test_await(go[0]) == 0, 127);
		CHILD_EXPECT(write_map(self, "uid_map") == 0, 128);
		CHILD_EXPECT(write_map(self, "gid_map") == 0, 129);
		_exit(0);
	}
	close(go[0]);
	xipc_test_become(creator, creator, NULL, 0);
	CHILD_EXPECT(unshare(CLONE_NEWUSER) == 0, 130);
	CHILD_EXPECT(xipc_test_notify(go[1]) == 0, 130);
	close(go[1]);
	CHILD_EXPECT(waitpid(mapper, &status, 0) == mapper && status == 0, 131);
	/* Every capability in the new namespace: any of its ids will do. */
	CHILD_EXPECT(setresgid(inner, inner, inner) == 0, 132);
	CHILD_EXPECT(setresuid(inner, inner, inner) == 0, 132);
}

char xipc_test_thread_state(pid_t tid)
{
	char path[64], line[512], *paren;
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	len = fread(line, 1, sizeof(line) - 1, f);
	fclose(f);
	line[len] = 0;
	/* "tid (comm) S ...": comm may hold spaces and parentheses. */
	paren = strrchr(line, ')');
	return paren && paren[1] == ' ' ? paren[2] : 0;
}

void xipc_test_wait_state(pid_t tid, char want)
{
	const struct timespec pause = { .tv_nsec = 1000 * 1000 };
	__u64 deadline = xipc_test_deadline(XIPC_TEST_LONG_NS);

	for (;;) {
		char state = xipc_test_thread_state(tid);

		ck_assert_msg(state && state != 'Z' && state != 'X',
			      "thread %d exited instead of blocking", (int)tid);
		if (state == want)
			return;
		ck_assert_msg(xipc_test_deadline(0) < deadline,
			      "thread %d never blocked (state %c, not %c)",
			      (int)tid, state, want);
		nanosleep(&pause, NULL);
	}
}

void xipc_test_tool_path(const char *name, char *path, size_t size)
{
	static const char *const places[] = { "../bin", "../tools" };
	char exe[PATH_MAX - 64], *slash;	/* room for a place after it */
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	unsigned int i;

	ck_assert_msg(len > 0, "/proc/self/exe: %s", strerror(errno));
	exe[len] = 0;
	slash = strrchr(exe, '/');
	ck_assert_ptr_nonnull(slash);
	*slash = 0;
	for (i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
		snprintf(path, size, "%s/%s/%s", exe, places[i], name);
		if (access(path, X_OK) == 0)
			return;
	}
	ck_abort_msg("no %s in %s/../bin or %s/../tools", name, exe, exe);
}

int xipc_test_run_tool(const char *name, const char *arg, char *out,
		       size_t size, bool quiet)
{
	char path[PATH_MAX];
	size_t used = 0;
	int pipefd[2];
	ssize_t len;
	pid_t pid;

	xipc_test_tool_path(name, path, sizeof(path));
	ck_assert_int_eq(pipe(pipefd), 0);
	pid = xipc_test_fork();
	if (pid == 0) {
		CHILD_EXPECT(dup2(pipefd[1], STDOUT_FILENO) == STDOUT_FILENO, 125);
		if (quiet) {
			int null = open("/dev/null", O_WRONLY);

			CHILD_EXPECT(null >= 0 && dup2(null, STDERR_FILENO) >= 0, 126);
		}
		close(pipefd[0]);
		close(pipefd[1]);
		execl(path, name, arg, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	for (;;) {
		len = read(pipefd[0], out + used, size - 1 - used);
		if (len < 0 && errno == EINTR)
			continue;
		if (len <= 0)
			break;
		used += len;
		ck_assert_msg(used < size - 1, "%s printed more than %zu bytes",
			      name, size - 1);
	}
	out[used] = 0;
	close(pipefd[0]);
	return xipc_test_wait_status(pid);
}

void xipc_test_become(uid_t uid, gid_t gid, const gid_t *groups,
		      size_t nr_groups)
{
	pid_t parent = getppid();

	CHILD_EXPECT(setgroups(nr_groups, groups) == 0, 120);
	CHILD_EXPECT(setresgid(gid, gid, gid) == 0, 121);
	CHILD_EXPECT(setresuid(uid, uid, uid) == 0, 122);
	/* A credential change clears the parent-death signal: set it again. */
	CHILD_EXPECT(prctl(PR_SET_PDEATHSIG, SIGKILL) == 0, 123);
	CHILD_EXPECT(getppid() == parent, 124);
}

int xipc_test_param_read(const char *param, unsigned long long *value)
{
	char path[128];
	int err = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/xipc/parameters/%s", param);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (fscanf(f, "%llu", value) != 1)
		err = -EIO;
	fclose(f);
	return err;
}

int xipc_test_param_write(const char *param, unsigned long long value)
{
	char path[128], buf[32];
	int fd, len, err = 0;

	snprintf(path, sizeof(path), "/sys/module/xipc/parameters/%s", param);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%llu\n", value);
	if (write(fd, buf, len) != len)
		err = -errno;
	close(fd);
	return err;
}

int xipc_test_charges(unsigned int uid, struct xipc_test_charges *c)
{
	FILE *f = fopen("/proc/xipc/users", "re");
	unsigned long long max;
	char line[256];
	int err = -ENOENT;
	unsigned int u;

	if (!f)
		return -errno;
	while (err && fgets(line, sizeof(line), f))
		if (sscanf(line, "%u %llu %llu %llu %llu %llu %llu %llu", &u,
			   &c->handles, &max, &c->msgs, &max, &c->bytes, &max,
			   &c->mailboxes) == 8 && u == uid)
			err = 0;
	fclose(f);
	return err;
}
