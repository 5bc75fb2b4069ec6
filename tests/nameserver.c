// SPDX-License-Identifier: MIT
/*
 * The name-server role and the bootstrap handle: one claim per IPC
 * namespace, refused while its mailbox lives and to the unprivileged; a
 * bootstrap that finds the name server, waits for one, or says there is
 * none; requests that reach the name server stamped with the requester's
 * credentials. Each test runs in an IPC namespace of its own.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libipc.h"
#include "harness.h"

#define NOBODY 65534

/* A fresh IPC namespace for the test: no name server yet. */
static void own_namespace(void)
{
	ck_assert_msg(unshare(CLONE_NEWIPC) == 0, "unshare: %s", strerror(errno));
}

static __u64 object_id(int space, __u32 handle)
{
	struct xipc_handle_info info;

	ck_assert_int_eq(ipc_handle_info(space, handle, &info), 0);
	return info.object_id;
}

static void drop_privileges(void)
{
	CHILD_EXPECT(setgid(NOBODY) == 0, 90);
	CHILD_EXPECT(setuid(NOBODY) == 0, 91);
}

START_TEST(test_claim_then_bootstrap_reaches_the_name_server)
{
	int server = xipc_test_open(), client = xipc_test_open();
	struct xipc_handle_info info;
	struct xipc_recv msg;
	__u32 mailbox;
	char buf[16];
	int boot;

	own_namespace();
	mailbox = xipc_test_mailbox(server, 0, 0, 0);
	ck_assert_int_eq(ipc_nameserver_claim(server, mailbox), 0);

	boot = ipc_bootstrap(client, 0);
	ck_assert_int_gt(boot, 0);
	ck_assert_int_eq(ipc_handle_info(client, boot, &info), 0);
	ck_assert_uint_eq(info.type, XIPC_OBJECT_MAILBOX);
	ck_assert_uint_eq(info.rights, XIPC_RIGHT_SEND);
	ck_assert_uint_eq(info.badge, 0);
	ck_assert_uint_eq(info.object_id, object_id(server, mailbox));
	ck_assert_int_eq(xipc_test_send(client, boot, 1, "hello", 5, 0), 0);
	ck_assert_int_eq(xipc_test_recv(server, mailbox, 0, buf, sizeof(buf),
					0, &msg), 5);
	ck_assert_int_eq(msg.pid, getpid());
	ck_assert_uint_eq(msg.uid, geteuid());
}
END_TEST

START_TEST(test_requests_carry_the_requesters_credentials)
{
	int server = xipc_test_open();
	struct xipc_recv msg;
	__u32 mailbox;
	char buf[16];
	pid_t child;

	own_namespace();
	mailbox = xipc_test_mailbox(server, 0, 0, 0);
	ck_assert_int_eq(ipc_nameserver_claim(server, mailbox), 0);
	child = xipc_test_fork();
	if (child == 0) {
		int space, boot;

		drop_privileges();
		space = ipc_open(0);
		CHILD_EXPECT(space >= 0, 1);
		boot = ipc_bootstrap(space, 0);
		CHILD_EXPECT(boot > 0, 2);
		CHILD_EXPECT(xipc_test_send(space, boot, 1, "req", 3, 0) == 0, 3);
		_exit(0);
	}
	ck_assert_int_eq(xipc_test_wait(child), 0);
	ck_assert_int_eq(xipc_test_recv(server, mailbox, 0, buf, sizeof(buf),
					XIPC_TEST_LONG_NS, &msg), 3);
	ck_assert_int_eq(msg.pid, child);
	ck_assert_uint_eq(msg.uid, NOBODY);
	ck_assert_uint_eq(msg.gid, NOBODY);
}
END_TEST

START_TEST(test_second_claim_is_busy_while_the_first_lives)
{
	int first = xipc_test_open(), second = xipc_test_open();
	__u32 a, b;

	own_namespace();
	a = xipc_test_mailbox(first, 0, 0, 0);
	b = xipc_test_mailbox(second, 0, 0, 0);
	ck_assert_int_eq(ipc_nameserver_claim(first, a), 0);
	ck_assert_int_eq(ipc_nameserver_claim(second, b), -EBUSY);
	ck_assert_int_eq(ipc_nameserver_claim(first, a), -EBUSY);
	/* A bootstrap handle, a sender, does not keep the role alive. */
	ck_assert_int_gt(ipc_bootstrap(second, 0), 0);
	/* Its last receive right gone, the first holder is dead. */
	ck_assert_int_eq(ipc_handle_close(first, a), 0);
	ck_assert_int_eq(ipc_bootstrap(second, 0), -ENOENT);
	ck_assert_int_eq(ipc_nameserver_claim(second, b), 0);
	/* A destroyed mailbox ends the role too. */
	ck_assert_int_eq(ipc_mailbox_destroy(second, b), 0);
	a = xipc_test_mailbox(first, 0, 0, 0);
	ck_assert_int_eq(ipc_nameserver_claim(first, a), 0);
}
END_TEST

START_TEST(test_claim_rejects_each_bad_argument)
{
	int space = xipc_test_open();
	__u32 mailbox, send_only, destroyed;
	struct xipc_handle_op op;
	pid_t child;

	own_namespace();
	mailbox = xipc_test_mailbox(space, 0, 0, 0);
	send_only = ipc_handle_dup(space, mailbox, XIPC_RIGHT_SEND, 0, 0);
	ck_assert_int_gt(send_only, 0);
	destroyed = xipc_test_mailbox(space, 0, 0, 0);
	ck_assert_int_eq(ipc_mailbox_destroy(space, destroyed), 0);

	op = (struct xipc_handle_op){ .flags = 1, .handle = mailbox };
	xipc_test_assert_ioctl_fails(space, XIPC_IOC_NAMESERVER_CLAIM, &op, EINVAL);
	ck_assert_int_eq(ipc_nameserver_claim(space, 999), -EBADF);
	ck_assert_int_eq(ipc_nameserver_claim(space, send_only), -EPERM);
	ck_assert_int_eq(ipc_nameserver_claim(space, destroyed), -EIDRM);
	xipc_test_assert_ioctl_fails(space, XIPC_IOC_NAMESERVER_CLAIM, NULL,
				     EFAULT);
	child = xipc_test_fork();
	if (child == 0) {
		drop_privileges();
		CHILD_EXPECT(ipc_nameserver_claim(space, mailbox) == -EPERM, 1);
		_exit(0);
	}
	ck_assert_int_eq(xipc_test_wait(child), 0);
	/* None of it took the role. */
	ck_assert_int_eq(ipc_bootstrap(space, 0), -ENOENT);
	ck_assert_int_eq(ipc_nameserver_claim(space, mailbox), 0);
}
END_TEST

START_TEST(test_bootstrap_without_name_server)
{
	int space = xipc_test_open();
	unsigned int before = xipc_test_count_handles(space);
	struct xipc_bootstrap req;

	own_namespace();
	ck_assert_int_eq(ipc_bootstrap(space, 0), -ENOENT);
	ck_assert_int_eq(ipc_bootstrap(space, XIPC_TEST_SHORT_NS), -ETIMEDOUT);
	req = (struct xipc_bootstrap){ .flags = XIPC_ABSTIME,
				       .timeout_ns = xipc_test_deadline(0) };
	xipc_test_assert_ioctl_fails(space, XIPC_IOC_BOOTSTRAP, &req, ETIMEDOUT);
	req = (struct xipc_bootstrap){ .flags = 1 };
	xipc_test_assert_ioctl_fails(space, XIPC_IOC_BOOTSTRAP, &req, EINVAL);
	xipc_test_assert_ioctl_fails(space, XIPC_IOC_BOOTSTRAP, NULL, EFAULT);
	ck_assert_uint_eq(xipc_test_count_handles(space), before);
}
END_TEST

START_TEST(test_bootstrap_waits_for_a_claim)
{
	int space = xipc_test_open();
	struct xipc_recv msg;
	int ready[2];
	__u32 mailbox;
	pid_t child;

	own_namespace();
	ck_assert_int_eq(pipe(ready), 0);
	child = xipc_test_fork();
	if (child == 0) {
		int boot;

		CHILD_EXPECT(xipc_test_notify(ready[1]) == 0, 1);
		boot = ipc_bootstrap(space, XIPC_TEST_LONG_NS);
		CHILD_EXPECT(boot > 0, 2);
		CHILD_EXPECT(xipc_test_send(space, boot, 7, NULL, 0, 0) == 0, 3);
		_exit(0);
	}
	ck_assert_int_eq(xipc_test_await(ready[0]), 0);
	xipc_test_wait_asleep(child);
	mailbox = xipc_test_mailbox(space, 0, 0, 0);
	ck_assert_int_eq(ipc_nameserver_claim(space, mailbox), 0);
	ck_assert_int_eq(xipc_test_wait(child), 0);
	ck_assert_int_eq(xipc_test_recv(space, mailbox, 7, NULL, 0, 0, &msg), 0);
	ck_assert_int_eq(msg.pid, child);
}
END_TEST

START_TEST(test_namespaces_have_their_own_name_servers)
{
	int space = xipc_test_open();
	__u32 mailbox;
	pid_t child;

	own_namespace();
	mailbox = xipc_test_mailbox(space, 0, 0, 0);
	ck_assert_int_eq(ipc_nameserver_claim(space, mailbox), 0);
	child = xipc_test_fork();
	if (child == 0) {
		__u32 other;

		CHILD_EXPECT(unshare(CLONE_NEWIPC) == 0, 1);
		CHILD_EXPECT(ipc_bootstrap(space, 0) == -ENOENT, 2);
		other = ipc_mailbox_create(space, 0, 0, 0);
		CHILD_EXPECT(ipc_nameserver_claim(space, other) == 0, 3);
		_exit(0);
	}
	ck_assert_int_eq(xipc_test_wait(child), 0);
	/* Ours is untouched by the child's. */
	ck_assert_int_gt(ipc_bootstrap(space, 0), 0);
	ck_assert_int_eq(ipc_nameserver_claim(space, mailbox), -EBUSY);
}
END_TEST

int main(void)
{
	Suite *suite = suite_create("nameserver");
	TCase *tcase = xipc_tcase(suite, "nameserver");

	tcase_add_test(tcase, test_claim_then_bootstrap_reaches_the_name_server);
	tcase_add_test(tcase, test_requests_carry_the_requesters_credentials);
	tcase_add_test(tcase, test_second_claim_is_busy_while_the_first_lives);
	tcase_add_test(tcase, test_claim_rejects_each_bad_argument);
	tcase_add_test(tcase, test_bootstrap_without_name_server);
	tcase_add_test(tcase, test_bootstrap_waits_for_a_claim);
	tcase_add_test(tcase, test_namespaces_have_their_own_name_servers);
	return xipc_test_main(suite);
}
