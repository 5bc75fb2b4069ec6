// SPDX-License-Identifier: MIT
/*
 * Races made deterministic: a thread is held inside a command (the test
 * hooks of module/hooks.c, built only with XIPC_TEST_HOOKS=y, as make
 * test-debug builds the module) while the test changes what the command
 * looked up; then it goes on, and must notice. Skipped on a module without
 * the hooks.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "libipc.h"
#include "harness.h"

#define PARAMS "/sys/module/xipc/parameters/"

/* The hold points of module/xipc.h (enum xipc_hold_point). */
enum {
	HOLD_DERIVE = 1,
};

static void write_param(const char *name, int value)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	f = fopen(path, "w");
	ck_assert_msg(f != NULL, "open %s: %s", path, strerror(errno));
	ck_assert_int_gt(fprintf(f, "%d\n", value), 0);
	ck_assert_int_eq(fclose(f), 0);
}

static int read_param(const char *name)
{
	char path[128];
	int value = 0;
	FILE *f;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "open %s: %s", path, strerror(errno));
	ck_assert_int_eq(fscanf(f, "%d", &value), 1);
	fclose(f);
	return value;
}

/*
 * A child that shares the test's space and, once told to go, runs one
 * command held at a hook: the pipes that order it and carry its result.
 */
struct held {
	pid_t pid;
	int go[2];
	int result[2];
};

/* Tells @h's child to run its command, held at @point; returns once held. */
static void hold_and_go(struct held *h, int point)
{
	struct timespec pause = { .tv_nsec = 1000 * 1000 };
	__u64 deadline = xipc_test_deadline(XIPC_TEST_LONG_NS);
	struct timespec now;

	write_param("hold_point", point);
	write_param("hold_tid", h->pid);
	ck_assert_int_eq(xipc_test_notify(h->go[1]), 0);
	while (read_param("held") != h->pid) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		ck_assert_msg((__u64)now.tv_sec * 1000000000ULL + now.tv_nsec <
			      deadline, "the command never reached its hold");
		nanosleep(&pause, NULL);
	}
}

/* Lets @h's child go on; returns what its command returned. */
static int release(struct held *h)
{
	int ret = 0;

	write_param("hold_tid", 0);
	ck_assert_int_eq(read(h->result[0], &ret, sizeof(ret)), sizeof(ret));
	ck_assert_int_eq(xipc_test_wait(h->pid), 0);
	close(h->go[1]);
	close(h->result[0]);
	return ret;
}

/* In the child: waits for the go, runs @run, sends its result, exits. */
static pid_t fork_held(struct held *h, int (*run)(int space, __u32 handle),
		       int space, __u32 handle)
{
	ck_assert_int_eq(pipe(h->go), 0);
	ck_assert_int_eq(pipe(h->result), 0);
	h->pid = xipc_test_fork();
	if (h->pid == 0) {
		int ret;

		close(h->go[1]);
		close(h->result[0]);
		CHILD_EXPECT(xipc_test_await(h->go[0]) == 0, 1);
		ret = run(space, handle);
		CHILD_EXPECT(write(h->result[1], &ret, sizeof(ret)) == sizeof(ret),
			     2);
		_exit(0);
	}
	close(h->go[0]);
	close(h->result[1]);
	return h->pid;
}

static int dup_send_recv(int space, __u32 handle)
{
	return ipc_handle_dup(space, handle, XIPC_RIGHT_SEND | XIPC_RIGHT_RECV,
			      0, 0);
}

static int bind_raw(int space, __u32 handle)
{
	struct xipc_bind req = { .service = handle };

	return ioctl(space, XIPC_IOC_BIND, &req) ? -errno : (int)req.handle;
}

static struct xipc_handle_info handle_info(int space, __u32 handle)
{
	struct xipc_handle_info info;

	ck_assert_int_eq(ipc_handle_info(space, handle, &info), 0);
	return info;
}

/*
 * The attack: while a derive waits, the handle it derives from is
 * revoked and closed, and its slot re-created with a narrower handle to the
 * same object. The child would have rights its new parent lacks, beyond the
 * reach of the revoke; it is refused, and nothing is installed.
 */
START_TEST(test_derive_rechecks_rights_after_its_sleep)
{
	int space = xipc_test_open();
	__u32 root = xipc_test_mailbox(space, 0, 0, 0);
	int parent = ipc_handle_dup(space, root, XIPC_RIGHT_SEND | XIPC_RIGHT_RECV |
				    XIPC_RIGHT_GRANT, 0, 0);
	unsigned int handles;
	struct held h;
	int narrow;

	ck_assert_int_gt(parent, 0);
	fork_held(&h, dup_send_recv, space, parent);
	hold_and_go(&h, HOLD_DERIVE);
	ck_assert_int_eq(ipc_handle_revoke(space, root), 0);
	ck_assert_int_eq(ipc_handle_close(space, parent), 0);
	narrow = ipc_handle_dup(space, root, XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT,
				0, 0);
	ck_assert_int_eq(narrow, parent);
	handles = xipc_test_count_handles(space);
	ck_assert_int_eq(release(&h), -EINVAL);
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
	/* The receivers are counted right: the root still receives. */
	ck_assert_int_eq(xipc_test_send(space, narrow, 1, "n", 1, 0), 0);
	{
		struct xipc_recv msg;
		char byte;

		ck_assert_int_eq(xipc_test_recv(space, root, 0, &byte, 1, 0, &msg),
				 1);
	}
	ipc_close(space);
}
END_TEST

/* Revoked while the derive waits, still in its slot: EKEYREVOKED. */
START_TEST(test_derive_from_a_handle_revoked_meanwhile)
{
	int space = xipc_test_open();
	__u32 root = xipc_test_mailbox(space, 0, 0, 0);
	int parent = ipc_handle_dup(space, root, XIPC_RIGHTS_ALL, 0, 0);
	unsigned int handles;
	struct held h;

	ck_assert_int_gt(parent, 0);
	handles = xipc_test_count_handles(space);
	fork_held(&h, dup_send_recv, space, parent);
	hold_and_go(&h, HOLD_DERIVE);
	ck_assert_int_eq(ipc_handle_revoke(space, root), 0);
	ck_assert_int_eq(release(&h), -EKEYREVOKED);
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
	ck_assert_uint_eq(handle_info(space, parent).state, XIPC_STATE_REVOKED);
	ipc_close(space);
}
END_TEST

/* Closed while the derive waits, its slot empty: EBADF. */
START_TEST(test_derive_from_a_handle_closed_meanwhile)
{
	int space = xipc_test_open();
	__u32 root = xipc_test_mailbox(space, 0, 0, 0);
	int parent = ipc_handle_dup(space, root, XIPC_RIGHTS_ALL, 0, 0);
	unsigned int handles;
	struct held h;

	ck_assert_int_gt(parent, 0);
	fork_held(&h, dup_send_recv, space, parent);
	hold_and_go(&h, HOLD_DERIVE);
	ck_assert_int_eq(ipc_handle_close(space, parent), 0);
	handles = xipc_test_count_handles(space);
	ck_assert_int_eq(release(&h), -EBADF);
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
	ipc_close(space);
}
END_TEST

/*
 * Held, and nothing changed meanwhile: the derive succeeds, and its child
 * is under its parent, where a revoke of the parent reaches it.
 */
START_TEST(test_derive_held_without_a_change)
{
	int space = xipc_test_open();
	__u32 root = xipc_test_mailbox(space, 0, 0, 0);
	int parent = ipc_handle_dup(space, root, XIPC_RIGHTS_ALL, 0, 0);
	struct held h;
	int child;

	ck_assert_int_gt(parent, 0);
	fork_held(&h, dup_send_recv, space, parent);
	hold_and_go(&h, HOLD_DERIVE);
	child = release(&h);
	ck_assert_int_gt(child, 0);
	ck_assert_uint_eq(handle_info(space, child).rights,
			  XIPC_RIGHT_SEND | XIPC_RIGHT_RECV);
	ck_assert_int_eq(ipc_handle_revoke(space, parent), 0);
	ck_assert_uint_eq(handle_info(space, child).state, XIPC_STATE_REVOKED);
	ipc_close(space);
}
END_TEST

/*
 * XIPC_IOC_BIND derives through the same code: the service handle is
 * revoked, closed and its slot re-created without the send right while the
 * bind waits. The bind is refused (EPERM: the handle in the slot cannot
 * bind), and no binding is made.
 */
START_TEST(test_bind_rechecks_rights_after_its_sleep)
{
	int space = xipc_test_open();
	struct xipc_service_create svc = {
		.astack_size = 4096, .nr_astacks = 1, .max_bindings = 1,
	};
	unsigned int handles;
	int parent, narrow;
	struct held h;

	ck_assert_int_eq(ioctl(space, XIPC_IOC_SERVICE_CREATE, &svc), 0);
	parent = ipc_handle_dup(space, svc.handle,
				XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT, 0, 0);
	ck_assert_int_gt(parent, 0);
	fork_held(&h, bind_raw, space, parent);
	hold_and_go(&h, HOLD_DERIVE);
	ck_assert_int_eq(ipc_handle_revoke(space, svc.handle), 0);
	ck_assert_int_eq(ipc_handle_close(space, parent), 0);
	narrow = ipc_handle_dup(space, svc.handle, XIPC_RIGHT_GRANT, 0, 0);
	ck_assert_int_eq(narrow, parent);
	handles = xipc_test_count_handles(space);
	ck_assert_int_eq(release(&h), -EPERM);
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
	/* The one slot is free: a bind through the service's own handle gets it. */
	ck_assert_int_gt(bind_raw(space, svc.handle), 0);
	ipc_close(space);
}
END_TEST

int main(void)
{
	Suite *suite = suite_create("race");
	TCase *derive = xipc_tcase(suite, "derive");

	if (access(PARAMS "hold_tid", W_OK)) {
		printf("1..0 # SKIP the module has no test hooks: build it with XIPC_TEST_HOOKS=y (make test-debug)\n");
		return KSFT_SKIP;
	}
	tcase_add_test(derive, test_derive_rechecks_rights_after_its_sleep);
	tcase_add_test(derive, test_derive_from_a_handle_revoked_meanwhile);
	tcase_add_test(derive, test_derive_from_a_handle_closed_meanwhile);
	tcase_add_test(derive, test_derive_held_without_a_change);
	tcase_add_test(derive, test_bind_rechecks_rights_after_its_sleep);
	return xipc_test_main(suite);
}
