// SPDX-License-Identifier: MIT
/*
 * libipc's error convention: every function returns -errno on failure and
 * leaves errno as it found it, on success and on failure alike; and it
 * never ends the process itself.
 */
#include "fixture.h"

/* A value no call of the library would set errno to. */
#define ERRNO_CANARY 7777

FX_TEST("lib", test_success_keeps_errno)
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

FX_TEST("lib", test_info_fills_input_fields_itself)
{
	int space = xipc_test_open();
	struct xipc_info info;

	/* Garbage in flags and reserved is the library's job to clear. */
	memset(&info, POISON_BYTE, sizeof(info));
	ck_assert_int_eq(ipc_info(space, &info), 0);
	ck_assert_uint_eq(info.abi_version, XIPC_ABI_VERSION);
	ck_assert_uint_eq(info.flags, 0);
	ck_assert_uint_eq(info.reserved[0] | info.reserved[1] | info.reserved[2], 0);
}
END_TEST

FX_TEST("lib", test_info_on_other_descriptors)
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
}
END_TEST

FX_TEST("lib", test_close_bad_descriptor)
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
FX_TEST("lib", test_copy_in_serve_without_keys_fails_and_lives)
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
}
END_TEST

/*
 * libipc's own argument checks, as tables whose request is the function's
 * arguments (see fixture.h): each returns -errno, leaves errno alone, and
 * changes nothing.
 */
static void open_build(struct fx *f, void *req)
{
	(void)f;
	((__u64 *)req)[0] = 0;
}

static int open_call(struct fx *f, void *req)
{
	(void)f;
	return ipc_open(((__u64 *)req)[0]);
}

static void open_check(struct fx *f, void *req, int ret)
{
	(void)f;
	(void)req;
	ck_assert_int_ge(ret, 0);
	ck_assert_int_eq(ipc_close(ret), 0);
}

static const struct fx_row open_rows[] = {
	{ .field = "flags", .width = 4, .error = EINVAL, .each_bit = 1 },
};

FX_CALL_TABLE("lib", test_open_refuses, open_table, "ipc_open()", __u64,
	      .lib = 1, .build = open_build, .call = open_call,
	      .check = open_check, .rows = FX_ARRAY(open_rows))

static void service_setup(struct fx *f)
{
	fx_service(f, NULL);
}

/* ipc_service_register(svc, proc, handler, NULL): procedure 2. */
static void register_build(struct fx *f, void *req)
{
	(void)f;
	((__u64 *)req)[0] = 2;
}

static int increment(struct ipc_request *req, void *cookie)
{
	(void)cookie;
	req->astack->regs[0] = req->args->regs[0] + 2;
	return 0;
}

static int register_call(struct fx *f, void *req)
{
	return ipc_service_register(f->svc, ((__u64 *)req)[0], increment, NULL);
}

static void register_check(struct fx *f, void *req, int ret)
{
	struct xipc_astack *a;

	(void)req;
	ck_assert_int_eq(ret, 0);
	fx_serve(f);
	ck_assert_int_eq(ipc_astack_get(f->binding, &a), 0);
	a->regs[0] = 40;
	ck_assert_int_eq(ipc_call(f->binding, a, 2, XIPC_TEST_LONG_NS), 0);
	ck_assert_int_eq(a->status, 0);
	ck_assert_uint_eq(a->regs[0], 42);
	ipc_astack_put(f->binding, a);
}

static const struct fx_row register_rows[] = {
	FX_BAD_ARG(0, "proc", 1024, EINVAL),
	FX_BAD_ARG(0, "proc", ~0U, EINVAL),
};

FX_CALL_TABLE("lib", test_register_refuses, register_table,
	      "ipc_service_register()", __u64, .lib = 1,
	      .setup = service_setup, .build = register_build,
	      .call = register_call, .check = register_check,
	      .rows = FX_ARRAY(register_rows))

/* ipc_call(binding, astack, 1, timeout): an A-stack of the binding. */
static struct xipc_astack *astack;

static void call_build(struct fx *f, void *req)
{
	__u64 *args = req;

	if (!astack)
		ck_assert_int_eq(ipc_astack_get(f->binding, &astack), 0);
	astack->regs[0] = 6;
	args[0] = ipc_ptr(astack);
	args[1] = XIPC_TEST_LONG_NS;
}

static int call_call(struct fx *f, void *req)
{
	__u64 *args = req;

	return ipc_call(f->binding, (struct xipc_astack *)(uintptr_t)args[0], 1,
			args[1]);
}

static int call_valid(struct fx *f, void *req)
{
	fx_serve(f);
	return call_call(f, req);
}

static void call_check(struct fx *f, void *req, int ret)
{
	(void)f;
	(void)req;
	ck_assert_int_eq(ret, 0);
	ck_assert_int_eq(astack->status, 0);
	ck_assert_uint_eq(astack->regs[0], 7);
}

static const struct fx_row call_rows[] = {
	/* Not an A-stack of the binding. */
	FX_BAD_ARG(0, "astack", FX_READONLY, EINVAL),
	FX_BAD_ARG(0, "astack", FX_UNMAPPED, EINVAL),
};

FX_CALL_TABLE("lib", test_call_refuses, call_table, "ipc_call()", __u64[2],
	      .lib = 1, .setup = service_setup, .build = call_build,
	      .call = call_call, .valid = call_valid, .check = call_check,
	      .rows = FX_ARRAY(call_rows))

int main(void)
{
	return fx_main("lib");
}
