// SPDX-License-Identifier: MIT
/*
 * The name-server role and the bootstrap handle: one claim per IPC
 * namespace, refused while its mailbox lives and to the unprivileged; a
 * bootstrap that finds the name server, waits for one, or says there is
 * none; requests that reach the name server stamped with the requester's
 * credentials. Each test runs in an IPC namespace of its own.
 */

#include "fixture.h"

#define NOBODY 65534

/*
 * A fresh IPC namespace for the test, with no name server yet, and a space
 * in it: the space.
 */
static int own_namespace(void)
{
	int space = xipc_test_open();

	ck_assert_msg(unshare(CLONE_NEWIPC) == 0, "unshare: %s", strerror(errno));
	return space;
}

/* own_namespace(), whose name server @space is: the mailbox it claimed. */
static __u32 serve_own_namespace(int *space)
{
	__u32 mailbox;

	*space = own_namespace();
	mailbox = xipc_test_mailbox(*space, 0, 0, 0);
	ck_assert_int_eq(ipc_nameserver_claim(*space, mailbox), 0);
	return mailbox;
}

/* @boot, a handle of @space, is a bootstrap handle to the object @id. */
#define assert_bootstrap(space, boot, id) fx_expect_handle((space), (boot), \
	XIPC_OBJECT_MAILBOX, (id), XIPC_RIGHT_SEND, 0, FX_ANY)

/*
 * A bootstrap by root (row 0) or by nobody (row 1), from a space of its
 * own, reaches the name server's mailbox with SEND alone, and its request
 * arrives stamped with the requester's pid, uid and gid.
 */
FX_LOOP_TEST("nameserver", test_bootstrap_reaches_the_name_server, 0, 2)
{
	uid_t uid = _i ? NOBODY : 0;
	int server;
	__u32 mailbox = serve_own_namespace(&server);
	__u64 id = fx_object_id(server, mailbox);
	struct xipc_recv msg;
	char buf[16];
	pid_t child = xipc_test_fork();

	if (child == 0) {
		int space = fx_child_space(uid, uid, NULL, 0);
		int boot = ipc_bootstrap(space, 0);
		struct xipc_handle_info info;

		CHILD_EXPECT(boot > 0, 2);
		CHILD_EXPECT(ipc_handle_info(space, boot, &info) == 0, 3);
		CHILD_EXPECT(info.type == XIPC_OBJECT_MAILBOX, 4);
		CHILD_EXPECT(info.object_id == id, 5);
		CHILD_EXPECT(info.rights == XIPC_RIGHT_SEND, 6);
		CHILD_EXPECT(info.badge == 0, 7);
		CHILD_EXPECT(xipc_test_send(space, boot, 1, "req", 3, 0) == 0, 8);
		_exit(0);
	}
	ck_assert_int_eq(xipc_test_wait(child), 0);
	ck_assert_int_eq(xipc_test_recv(server, mailbox, 0, buf, sizeof(buf),
					XIPC_TEST_LONG_NS, &msg), 3);
	ck_assert_int_eq(msg.pid, child);
	ck_assert_uint_eq(msg.uid, uid);
	ck_assert_uint_eq(msg.gid, uid);
}
END_TEST

FX_TEST("nameserver", test_second_claim_is_busy_while_the_first_lives)
{
	int first = own_namespace(), second = xipc_test_open();
	__u32 a = xipc_test_mailbox(first, 0, 0, 0);
	__u32 b = xipc_test_mailbox(second, 0, 0, 0);

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
	int space = own_namespace();
	__u32 mailbox = xipc_test_mailbox(space, 0, 0, 0);
	pid_t child = xipc_test_fork();

	if (child == 0) {
		fx_child_space(NOBODY, NOBODY, NULL, 0);
		CHILD_EXPECT(ipc_nameserver_claim(space, mailbox) == -EPERM, 2);
		_exit(0);
	}
	ck_assert_int_eq(xipc_test_wait(child), 0);
	ck_assert_int_eq(ipc_bootstrap(space, 0), -ENOENT);
	ck_assert_int_eq(ipc_nameserver_claim(space, mailbox), 0);
}
END_TEST

FX_TEST("nameserver", test_bootstrap_without_name_server)
{
	int space = own_namespace();
	unsigned int before = xipc_test_count_handles(space);
	struct xipc_bootstrap req = {
		.flags = XIPC_ABSTIME, .timeout_ns = xipc_test_deadline(0),
	};

	ck_assert_int_eq(ipc_bootstrap(space, 0), -ENOENT);
	ck_assert_int_eq(ipc_bootstrap(space, XIPC_TEST_SHORT_NS), -ETIMEDOUT);
	xipc_test_assert_ioctl_fails(space, XIPC_IOC_BOOTSTRAP, &req, ETIMEDOUT);
	ck_assert_uint_eq(xipc_test_count_handles(space), before);
}
END_TEST

FX_TEST("nameserver", test_bootstrap_waits_for_a_claim)
{
	int space = own_namespace();
	struct xipc_recv msg;
	__u32 mailbox;
	pid_t child = fx_fork_waiter();

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
	int space;
	__u32 mailbox = serve_own_namespace(&space);
	pid_t child = xipc_test_fork();

	if (child == 0) {
		CHILD_EXPECT(unshare(CLONE_NEWIPC) == 0, 1);
		CHILD_EXPECT(ipc_bootstrap(space, 0) == -ENOENT, 2);
		CHILD_EXPECT(ipc_nameserver_claim(space, ipc_mailbox_create(space,
				     0, 0, 0)) == 0, 3);
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
	ck_assert_msg(unshare(CLONE_NEWIPC) == 0, "unshare: %s", strerror(errno));
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
	assert_bootstrap(f->space, boot, fx_object_id(f->space, f->mailbox));
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
	 .build = claim_build, .check = claim_check, .rows = FX_ARRAY(claim_rows))

/* The other mailbox is the name server's. */
static void bootstrap_setup(struct fx *f)
{
	claim_setup(f);
	ck_assert_int_eq(ipc_nameserver_claim(f->space, f->other), 0);
}

/* A bootstrap that does not wait. */
static void bootstrap_build(struct fx *f, void *req)
{
	(void)f;
	((struct xipc_bootstrap *)req)->flags = 0;
	((struct xipc_bootstrap *)req)->timeout_ns = 0;
}

static void bootstrap_check(struct fx *f, void *req, int ret)
{
	ck_assert_int_eq(ret, 0);
	assert_bootstrap(f->space, ((struct xipc_bootstrap *)req)->handle,
			 fx_object_id(f->space, f->other));
}

static const struct fx_row bootstrap_rows[] = {
	FX_BAD_BITS(struct xipc_bootstrap, flags, XIPC_ABSTIME, EINVAL),
	FX_BAD_POINTER(0, EFAULT),
};

static const struct fx_out bootstrap_outs[] = {
	FX_OUTS(struct xipc_bootstrap, handle),
};

FX_TABLE("nameserver", test_bootstrap_refuses, bootstrap_table,
	 XIPC_IOC_BOOTSTRAP, struct xipc_bootstrap, .setup = bootstrap_setup,
	 .build = bootstrap_build, .check = bootstrap_check,
	 .rows = FX_ARRAY(bootstrap_rows), .outs = FX_ARRAY(bootstrap_outs))

int main(void)
{
	return fx_main("nameserver");
}
