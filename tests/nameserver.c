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
#include "fixture.h"

#define NOBODY 65534

/* A fresh IPC namespace for the test: no name server yet. */
static void own_namespace(void)
{
	ck_assert_msg(unshare(CLONE_NEWIPC) == 0, "unshare: %s", strerror(errno));
}

/*
 * Moves the test into a new IPC namespace, whose name server @space becomes:
 * the mailbox it claimed the role with.
 */
static __u32 serve_own_namespace(int space)
{
	__u32 mailbox;

	own_namespace();
	mailbox = xipc_test_mailbox(space, 0, 0, 0);
	ck_assert_int_eq(ipc_nameserver_claim(space, mailbox), 0);
	return mailbox;
}

static void drop_privileges(void)
{
	CHILD_EXPECT(setgid(NOBODY) == 0, 90);
	CHILD_EXPECT(setuid(NOBODY) == 0, 91);
}

FX_TEST("nameserver", test_claim_then_bootstrap_reaches_the_name_server)
{
	int server = xipc_test_open(), client = xipc_test_open();
	struct xipc_handle_info info;
	struct xipc_recv msg;
	__u32 mailbox;
	char buf[16];
	int boot;

	mailbox = serve_own_namespace(server);

	boot = ipc_bootstrap(client, 0);
	ck_assert_int_gt(boot, 0);
	ck_assert_int_eq(ipc_handle_info(client, boot, &info), 0);
	ck_assert_uint_eq(info.type, XIPC_OBJECT_MAILBOX);
	ck_assert_uint_eq(info.rights, XIPC_RIGHT_SEND);
	ck_assert_uint_eq(info.badge, 0);
	ck_assert_uint_eq(info.object_id, fx_object_id(server, mailbox));
	ck_assert_int_eq(xipc_test_send(client, boot, 1, "hello", 5, 0), 0);
	ck_assert_int_eq(xipc_test_recv(server, mailbox, 0, buf, sizeof(buf),
					0, &msg), 5);
	ck_assert_int_eq(msg.pid, getpid());
	ck_assert_uint_eq(msg.uid, geteuid());
}
END_TEST

FX_TEST("nameserver", test_requests_carry_the_requesters_credentials)
{
	int server = xipc_test_open();
	struct xipc_recv msg;
	__u32 mailbox;
	char buf[16];
	pid_t child;

	mailbox = serve_own_namespace(server);
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

FX_TEST("nameserver", test_second_claim_is_busy_while_the_first_lives)
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

/* Claiming needs CAP_SYS_ADMIN over the namespace. */
FX_TEST("nameserver", test_claim_refused_to_the_unprivileged)
{
	int space = xipc_test_open();
	__u32 mailbox;
	pid_t child;

	own_namespace();
	mailbox = xipc_test_mailbox(space, 0, 0, 0);
	child = xipc_test_fork();
	if (child == 0) {
		drop_privileges();
		CHILD_EXPECT(ipc_nameserver_claim(space, mailbox) == -EPERM, 1);
		_exit(0);
	}
	ck_assert_int_eq(xipc_test_wait(child), 0);
	ck_assert_int_eq(ipc_bootstrap(space, 0), -ENOENT);
	ck_assert_int_eq(ipc_nameserver_claim(space, mailbox), 0);
}
END_TEST

FX_TEST("nameserver", test_bootstrap_without_name_server)
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
	ck_assert_uint_eq(xipc_test_count_handles(space), before);
}
END_TEST

FX_TEST("nameserver", test_bootstrap_waits_for_a_claim)
{
	int space = xipc_test_open();
	struct xipc_recv msg;
	__u32 mailbox;
	pid_t child;

	own_namespace();
	child = fx_fork_waiter();
	if (child == 0) {
		int boot;

		fx_waiter_ready();
		boot = ipc_bootstrap(space, XIPC_TEST_LONG_NS);
		CHILD_EXPECT(boot > 0, 2);
		CHILD_EXPECT(xipc_test_send(space, boot, 7, NULL, 0, 0) == 0, 3);
		_exit(0);
	}
	fx_await_asleep(child);
	mailbox = xipc_test_mailbox(space, 0, 0, 0);
	ck_assert_int_eq(ipc_nameserver_claim(space, mailbox), 0);
	ck_assert_int_eq(xipc_test_wait(child), 0);
	ck_assert_int_eq(xipc_test_recv(space, mailbox, 7, NULL, 0, 0, &msg), 0);
	ck_assert_int_eq(msg.pid, child);
}
END_TEST

FX_TEST("nameserver", test_namespaces_have_their_own_name_servers)
{
	int space = xipc_test_open();
	__u32 mailbox;
	pid_t child;

	mailbox = serve_own_namespace(space);
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

/*
 * NAMESERVER_CLAIM and BOOTSTRAP, each field of a valid request set to a
 * bad value (see fixture.h), in an IPC namespace of the test's own: none
 * takes the role or gives a handle.
 */
static void claim_setup(struct fx *f)
{
	own_namespace();
	fx_space(f);
}

static void claim_build(struct fx *f, void *req)
{
	*(struct xipc_handle_op *)req = (struct xipc_handle_op){
		.handle = f->mailbox,
	};
}

/* No refused claim took the role, or this one would be EBUSY. */
static void claim_check(struct fx *f, void *req, int ret)
{
	int boot = ipc_bootstrap(f->space, 0);

	(void)req;
	ck_assert_int_eq(ret, 0);
	ck_assert_int_gt(boot, 0);
	ck_assert_uint_eq(fx_object_id(f->space, boot),
			  fx_object_id(f->space, f->mailbox));
}

#define CLAIM(value, error) FX_BAD(struct xipc_handle_op, handle, value, error)
static const struct fx_row claim_rows[] = {
	FX_BAD_BITS(struct xipc_handle_op, flags, 0, EINVAL),
	CLAIM(0, EBADF), CLAIM(FX_UNUSED, EBADF), CLAIM(FX_CLOSED, EBADF),
	CLAIM(999, EBADF), CLAIM(FX_REVOKED, EKEYREVOKED),
	/* No RECV. */
	CLAIM(FX_SEND_ONLY, EPERM), CLAIM(FX_NO_RECV, EPERM),
	CLAIM(FX_DESTROYED, EIDRM),
	FX_BAD_POINTER(0, EFAULT),
};

FX_TABLE("nameserver", test_claim_refuses, claim_table,
	 XIPC_IOC_NAMESERVER_CLAIM, struct xipc_handle_op, .setup = claim_setup,
	 .build = claim_build, .check = claim_check,
	 .rows = FX_ARRAY(claim_rows))

/* The other mailbox is the name server's. */
static void bootstrap_setup(struct fx *f)
{
	claim_setup(f);
	ck_assert_int_eq(ipc_nameserver_claim(f->space, f->other), 0);
}

static void bootstrap_build(struct fx *f, void *req)
{
	struct xipc_bootstrap *boot = req;

	(void)f;
	boot->flags = 0;
	boot->timeout_ns = 0;
}

static void bootstrap_check(struct fx *f, void *req, int ret)
{
	struct xipc_bootstrap *boot = req;
	struct xipc_handle_info info = xipc_test_handle_info(f->space, boot->handle);

	ck_assert_int_eq(ret, 0);
	ck_assert_uint_eq(info.type, XIPC_OBJECT_MAILBOX);
	ck_assert_uint_eq(info.rights, XIPC_RIGHT_SEND);
	ck_assert_uint_eq(info.badge, 0);
	ck_assert_uint_eq(info.object_id, fx_object_id(f->space, f->other));
}

static const struct fx_row bootstrap_rows[] = {
	FX_BAD_BITS(struct xipc_bootstrap, flags, XIPC_ABSTIME, EINVAL),
	FX_BAD_POINTER(0, EFAULT),
};

static const struct fx_out bootstrap_outs[] = {
	FX_OUT(struct xipc_bootstrap, handle),
};

FX_TABLE("nameserver", test_bootstrap_refuses, bootstrap_table,
	 XIPC_IOC_BOOTSTRAP, struct xipc_bootstrap, .setup = bootstrap_setup,
	 .build = bootstrap_build, .check = bootstrap_check,
	 .rows = FX_ARRAY(bootstrap_rows), .outs = FX_ARRAY(bootstrap_outs))

int main(void)
{
	return fx_main("nameserver");
}
