/* SPDX-License-Identifier: MIT */
/*
 * What the test programs set up alike, and the one driver of their
 * validation tables.
 *
 * A fixture (struct fx) is a space with a mailbox and a handle of each kind
 * a refusal needs (send-only, closed, revoked, ...), and with fx_service() a
 * service with a client bound to it. A snapshot (struct fx_state) is what a
 * refused call must leave as it was: the space's handles, its mailboxes'
 * lines in /proc/xipc/mailboxes (but for the traffic counters, which count
 * attempts too), the user's line in /proc/xipc/users, the lowest free
 * descriptor.
 *
 * A table (struct fx_table) is one command or libipc function: how to build
 * a valid request, and one row per field and bad value with the errno it
 * must get. fx_table_run() runs one row: it builds the request (output
 * fields poisoned with POISON_BYTE), breaks the row's field, calls, checks
 * the errno, that the request was not written and that nothing changed;
 * then it calls with the valid request, which must succeed and write every
 * output field. Adding a field to the ABI means adding rows.
 */
#ifndef XIPC_TEST_FIXTURE_H
#define XIPC_TEST_FIXTURE_H

/* The C library every test program uses, so that none lists it again. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libipc.h"
#include "harness.h"

/* The limits of struct fx's @mailbox: room for two of its largest messages. */
#define FX_MSG		8192
#define FX_MSGS		16
#define FX_BYTES	(2 * FX_MSG)
#define FX_BADGE	77

struct fx {
	int space;
	__u32 mailbox;		/* every right, the limits above */
	__u32 other;		/* a second mailbox, every right, default limits */
	__u32 send_only;	/* @mailbox with XIPC_RIGHT_SEND alone */
	__u32 no_send;		/* @mailbox with every right but SEND */
	__u32 no_recv;		/* @mailbox with every right but RECV */
	__u32 no_grant;		/* @mailbox with every right but GRANT */
	__u32 no_manage;	/* @mailbox with every right but MANAGE */
	__u32 badged;		/* @mailbox, SEND and GRANT, badge FX_BADGE */
	__u32 no_io;		/* @mailbox, GRANT and MANAGE: no SEND, no RECV */
	__u32 orphan;		/* SEND to a mailbox nobody can receive from */
	__u32 revoked;		/* a revoked descendant of @other */
	__u32 destroyed;	/* a destroyed mailbox, every right */
	__u32 closed;		/* a number that named a handle, closed */
	__u32 unused;		/* a number that never named one */
	char *unmapped;		/* a page that cannot be read or written */
	char *readonly;		/* a page of zeros that cannot be written */
	char *edge;		/* the last 4 bytes before such a page */
	long page;
	/* fx_service(): */
	struct ipc_service *svc;
	__u32 service;		/* every right */
	__u32 service_send;	/* @service with XIPC_RIGHT_SEND alone */
	__u32 service_recv;	/* @service with XIPC_RIGHT_RECV alone */
	__u32 service_revoked;	/* a revoked descendant of @service */
	struct ipc_binding *binding;	/* bound through @service_send */
	struct xipc_bind bind;	/* another binding, made with the ioctl */
	__u32 binding_handle;	/* its handle */
};

/* Sets @f up in a new space; every handle above but the service's. */
void fx_space(struct fx *f);

/*
 * fx_space(), and a service of @attr (NULL: the defaults) bound to twice,
 * with libipc and with the ioctl. Its procedure 1 returns regs[0] + 1.
 */
void fx_service(struct fx *f, const struct ipc_service_attr *attr);

/* Makes @f->closed a number free again, after handles were made. */
void fx_reclose(struct fx *f);

/* A thread that serves @f's service until it dies. */
void fx_serve(struct fx *f);

/* ipc_handle_dup() that fails the test instead of returning an error. */
__u32 fx_dup(int space, __u32 handle, __u32 rights, __u32 flags, __u64 badge);

/* The object @handle names (xipc_test_handle_info(), the object id). */
__u64 fx_object_id(int space, __u32 handle);

/* A handle number that names nothing in @space (and is not 0). */
__u32 fx_unused_handle(int space);

/* The descriptor the next open() would get. */
int fx_lowest_free_fd(void);

/* @size bytes that depend on @seed, so that a mix-up shows. */
void fx_fill(void *buf, size_t size, unsigned int seed);

/* A send of @size bytes that must succeed, without waiting. */
void fx_send(int space, __u32 mailbox, __s64 type, const void *data,
	     size_t size);

/*
 * Sends a message through @sender and takes it through @receiver, which must
 * otherwise be empty: the badge it arrived with.
 */
__u64 fx_deliver(int space, __u32 sender, __u32 receiver);

/*
 * A SIGUSR1 handler without SA_RESTART (an interrupted call fails, EINTR)
 * that counts in fx_signals: 0 or -1 (works in children).
 */
extern volatile int fx_signals;
int fx_catch_sigusr1(void);

/*
 * A child that must be asleep in a call before the test acts on it:
 * fx_fork_waiter() forks it (0 in the child), the child calls
 * fx_waiter_ready() just before that call, and the parent's
 * fx_await_asleep() returns once the child sleeps in it. One such child at
 * a time is between the fork and the await.
 */
#define FX_EXIT_SYNC	119	/* the child's exit code if it cannot tell */
pid_t fx_fork_waiter(void);
void fx_waiter_ready(void);
void fx_await_asleep(pid_t pid);

/*
 * A child (sharing the space) blocked in a receive of type 2 on @handle, or
 * in a send of type 1 on it (@send), with an infinite timeout; it exits 0
 * if the call ends with @error (and, with @handler, after one SIGUSR1 was
 * caught: see fx_catch_sigusr1()). Returns once the child sleeps in the call.
 */
pid_t fx_fork_blocked(int space, __u32 handle, bool send, int error,
		      bool handler);

/*
 * A thread of this process blocked in a receive on @handle, with an
 * infinite timeout: fx_block_thread() returns once it sleeps there;
 * fx_join_thread() waits for it to end (failing the test after
 * XIPC_TEST_LONG_NS): what the receive returned.
 */
struct fx_blocked {
	pthread_t thread;
	int space;
	__u32 handle;
	int ready[2];
	pid_t tid;
	int result;
};
void fx_block_thread(struct fx_blocked *t, int space, __u32 handle);
int fx_join_thread(struct fx_blocked *t);

/*
 * One 8-byte value through a pipe (after a byte of xipc_test_notify()):
 * fx_read_u64() waits at most XIPC_TEST_LONG_NS for it: 0, or -EPIPE (the
 * writer is gone), -ETIMEDOUT or another -errno. Both work in children.
 */
bool fx_write_u64(int fd, __u64 value);
int fx_read_u64(int fd, __u64 *value);

/*
 * A one-byte message of type 1 on @mailbox carrying @handle with @rights and
 * the transfer @flags, waiting at most @timeout_ns: 0 or -errno.
 * fx_recv_handle() takes it: the handle it carried (> 0), or -errno
 * (-EPROTO if it carried none). Both work in children.
 */
int fx_send_handle(int space, __u32 mailbox, __u32 handle, __u32 rights,
		   __u32 flags, __u64 timeout_ns);
int fx_recv_handle(int space, __u32 mailbox, __u64 timeout_ns);

/*
 * A handle in space @to derived from @handle of space @from, with @rights:
 * passed in a message on a named mailbox, as between spaces that share
 * nothing else.
 */
__u32 fx_pass(int from, __u32 handle, __u32 rights, int to);

/*
 * A mailbox named xipc_test_name(@name, @tag), created with every right
 * (mode 0600) and failing the test if refused: its handle.
 */
__u32 fx_named(int space, char name[XIPC_TEST_NAME_SIZE], const char *tag);

/*
 * In a child: a space of its own (into @space), and @name opened in it with
 * @rights: the handle. Exits with @code if either fails.
 */
__u32 fx_child_open(const char *name, __u32 rights, int *space, int code);

/* Fails the test unless every byte of @size at @p is POISON_BYTE. */
#define fx_assert_poisoned(p, size) \
	ck_assert_msg(fx_poisoned((p), (size)), "%s was written", #p)
int fx_poisoned(const void *p, size_t size);

/* What a refused call must leave as it was. */
struct fx_state {
	struct xipc_handle_info handles[XIPC_TEST_HANDLE_SCAN];
	char mailboxes[8192];
	char user[256];
	int free_fd;
};

void fx_snapshot(const struct fx *f, struct fx_state *state);
void fx_assert_unchanged(const struct fx *f, const struct fx_state *before,
			 const char *what);

/*
 * A bad value a row can name that only exists at run time: a handle or an
 * address of the fixture. Any other value is used as it is.
 */
#define FX_TOKEN(n)	(0xf1c5f1c500000000ULL | (n))
#define FX_MAILBOX	FX_TOKEN(1)
#define FX_OTHER	FX_TOKEN(2)
#define FX_SEND_ONLY	FX_TOKEN(3)
#define FX_NO_SEND	FX_TOKEN(4)
#define FX_NO_RECV	FX_TOKEN(5)
#define FX_NO_GRANT	FX_TOKEN(6)
#define FX_NO_MANAGE	FX_TOKEN(7)
#define FX_BADGED	FX_TOKEN(8)
#define FX_REVOKED	FX_TOKEN(9)
#define FX_DESTROYED	FX_TOKEN(10)
#define FX_CLOSED	FX_TOKEN(11)
#define FX_UNUSED	FX_TOKEN(12)
#define FX_UNMAPPED	FX_TOKEN(13)
#define FX_READONLY	FX_TOKEN(14)
#define FX_EDGE		FX_TOKEN(15)	/* 4 bytes, then no mapping */
#define FX_SERVICE	FX_TOKEN(16)
#define FX_SERVICE_SEND	FX_TOKEN(17)
#define FX_BINDING	FX_TOKEN(18)
#define FX_NO_IO	FX_TOKEN(19)
#define FX_ORPHAN	FX_TOKEN(20)
#define FX_SERVICE_RECV	FX_TOKEN(21)
#define FX_SERVICE_REVOKED FX_TOKEN(22)
__u64 fx_value(const struct fx *f, __u64 value);

/*
 * One bad field: the field, the bad value and the errno it must get. With
 * @each_bit, @value holds the field's known bits, and every other bit, one
 * at a time, is a bad value.
 */
struct fx_row {
	const char *field;
	unsigned short offset;
	unsigned short width;
	__u64 value;
	int error;
	int each_bit;
	/* With FX_BAD_WITH: another field set first, that makes @value bad. */
	const char *with;
	unsigned short with_offset;
	unsigned short with_width;
	__u64 with_value;
};

#define FX_FIELD_OF(type, f_) \
	.field = #f_, .offset = offsetof(type, f_), \
	.width = sizeof(((type *)0)->f_)
#define FX_BAD(type, f_, bad, errno_) \
	{ FX_FIELD_OF(type, f_), .value = (__u64)(bad), .error = (errno_) }
#define FX_BAD_BITS(type, f_, known, errno_) \
	{ FX_FIELD_OF(type, f_), .value = (__u64)(known), \
	  .error = (errno_), .each_bit = 1 }
#define FX_BAD_WITH(type, f_, bad, with_field, with_bad, errno_) \
	{ FX_FIELD_OF(type, f_), .value = (__u64)(bad), .error = (errno_), \
	  .with = #with_field, .with_offset = offsetof(type, with_field), \
	  .with_width = sizeof(((type *)0)->with_field), \
	  .with_value = (__u64)(with_bad) }
/* Argument @i of a libipc function, in a table whose request is __u64[]. */
#define FX_BAD_ARG(i, name, bad, errno_) \
	{ .field = (name), .offset = (i) * sizeof(__u64), \
	  .width = sizeof(__u64), .value = (__u64)(bad), .error = (errno_) }

/* The handle numbers that name nothing, in @field: EBADF. */
#define FX_NO_HANDLE(type, field) \
	FX_BAD(type, field, 0, EBADF), FX_BAD(type, field, FX_UNUSED, EBADF), \
	FX_BAD(type, field, FX_CLOSED, EBADF), FX_BAD(type, field, ~0U, EBADF)
/*
 * The handles that name a mailbox the call cannot use, in @field: revoked
 * (EKEYREVOKED), without the right it needs (@no_right: EPERM), destroyed
 * (EIDRM).
 */
#define FX_DEAD_HANDLE(type, field, no_right) \
	FX_BAD(type, field, FX_REVOKED, EKEYREVOKED), \
	FX_BAD(type, field, no_right, EPERM), \
	FX_BAD(type, field, FX_DESTROYED, EIDRM)

/*
 * The rows every request that sends a message (struct xipc_send, struct
 * xipc_rpc) has, built to send FX_MSG bytes at most through @mailbox: its
 * flags, the mailbox's handle (SEND needed; nobody to receive is EPIPE),
 * the type, data, size, transfers and reserved fields.
 */
#define FX_MESSAGE_ROWS(type_) \
	FX_BAD_BITS(type_, flags, XIPC_ABSTIME, EINVAL), \
	FX_NO_HANDLE(type_, handle), \
	FX_DEAD_HANDLE(type_, handle, FX_NO_SEND), \
	FX_BAD(type_, handle, FX_ORPHAN, EPIPE), \
	FX_BAD(type_, type, 0, EINVAL), FX_BAD(type_, type, -1, EINVAL), \
	FX_BAD(type_, data, 0, EFAULT), FX_BAD(type_, data, FX_UNMAPPED, EFAULT), \
	FX_BAD(type_, size, FX_MSG + 1, EMSGSIZE), \
	FX_BAD(type_, transfers, 0, EFAULT), \
	FX_BAD(type_, nr_transfers, XIPC_MAX_TRANSFERS + 1, EINVAL), \
	FX_BAD(type_, reserved, 1, EINVAL), \
	FX_BAD(type_, reserved, 1U << 31, EINVAL)

/*
 * Sets @row's field of @req to its bad value (and first its FX_BAD_WITH
 * field), for a table of one's own.
 */
void fx_break(void *req, const struct fx_row *row);

/* The request itself at a bad address (@bad), for a raw ioctl. */
#define FX_BAD_POINTER(bad, errno_) \
	{ .field = "(the request)", .value = (__u64)(bad), .error = (errno_) }

/* An output field, that the valid call must write. */
struct fx_out {
	const char *field;
	unsigned short offset;
	unsigned short width;
};
#define FX_OUT(type, field_) \
	{ .field = #field_, .offset = offsetof(type, field_), \
	  .width = sizeof(((type *)0)->field_) }

/*
 * The output fields of a @type, one FX_OUT each (one to eight of them):
 *   FX_OUTS(struct xipc_bind, handle, slot)
 */
#define FX_OUTS(type, ...) \
	FX_OUTS_N(__VA_ARGS__, 8, 7, 6, 5, 4, 3, 2, 1)(type, __VA_ARGS__)
#define FX_OUTS_N(f1, f2, f3, f4, f5, f6, f7, f8, n, ...) FX_OUTS_ ## n
#define FX_OUTS_1(t, f) FX_OUT(t, f)
#define FX_OUTS_2(t, f, ...) FX_OUT(t, f), FX_OUTS_1(t, __VA_ARGS__)
#define FX_OUTS_3(t, f, ...) FX_OUT(t, f), FX_OUTS_2(t, __VA_ARGS__)
#define FX_OUTS_4(t, f, ...) FX_OUT(t, f), FX_OUTS_3(t, __VA_ARGS__)
#define FX_OUTS_5(t, f, ...) FX_OUT(t, f), FX_OUTS_4(t, __VA_ARGS__)
#define FX_OUTS_6(t, f, ...) FX_OUT(t, f), FX_OUTS_5(t, __VA_ARGS__)
#define FX_OUTS_7(t, f, ...) FX_OUT(t, f), FX_OUTS_6(t, __VA_ARGS__)
#define FX_OUTS_8(t, f, ...) FX_OUT(t, f), FX_OUTS_7(t, __VA_ARGS__)

#define FX_NR(a)	(sizeof(a) / sizeof((a)[0]))
#define FX_ARRAY(a)	(a), FX_NR(a)

struct fx_table {
	const char *name;
	unsigned long cmd;	/* the ioctl; 0 with @call */
	size_t size;		/* of the request (at most FX_REQUEST_MAX) */
	/* Sets up @f: NULL is fx_space(). */
	void (*setup)(struct fx *f);
	/* Fills every input field of @req, a valid request. */
	void (*build)(struct fx *f, void *req);
	/* Makes the call: >= 0 or -errno. NULL: ioctl(@cmd). */
	int (*call)(struct fx *f, void *req);
	/* Makes the valid call, where it needs a peer: NULL is @call. */
	int (*valid)(struct fx *f, void *req);
	/* After the valid call returned @ret (>= 0): checks what it did. */
	void (*check)(struct fx *f, void *req, int ret);
	const struct fx_row *rows;
	unsigned int nr_rows;
	const struct fx_out *outs;
	unsigned int nr_outs;
	/* A libipc function: it must leave errno as it found it. */
	int lib;
};

#define FX_REQUEST_MAX	256

/* Runs row @row of @table in a fixture of its own. */
void fx_table_run(const struct fx_table *table, unsigned int row);

/*
 * Defines @table_ (a struct fx_table for the command @cmd_ taking a @type,
 * the rest of whose fields follow) and the test @test of tcase @group that
 * runs each of its rows.
 */
#define FX_TABLE(group, test, table_, cmd_, type, ...)			\
	static const struct fx_table table_ = {				\
		.name = #cmd_, .cmd = (cmd_), .size = sizeof(type),	\
		__VA_ARGS__						\
	};								\
	FX_TABLE_TEST(test, table_)					\
	FX_TABLE_CASE(group, test, table_)
/* The test of a table defined otherwise (a libipc function's, say). */
#define FX_TABLE_TEST(test, table_)					\
	START_TEST(test)						\
	{								\
		fx_table_run(&(table_), _i);				\
	}								\
	END_TEST
#define fx_add_table(tcase, test, table) \
	tcase_add_loop_test((tcase), test, 0, (table).nr_rows)

/*
 * A test registers itself in the tcase @group where it is defined:
 *   FX_TEST("group", test_x)
 *   {
 *           ...
 *   }
 *   END_TEST
 * and main() is fx_main("suite"). FX_LOOP_TEST runs it for _i from @start
 * to @end - 1; FX_TABLE_CASE registers a table's test, once per row. They
 * run in the order they are written, each in a process of its own, so what
 * a test opens (its spaces, its descriptors) goes with it: it need not
 * close them at its end.
 */
#define FX_LOOP(group, test, start, end)				\
	static void __attribute__((constructor)) test ## _register(void)	\
	{								\
		fx_register((group), test, (start), (end), __LINE__);	\
	}
#define FX_CASE(group, test)	FX_LOOP(group, test, 0, 1)
#define FX_LOOP_TEST(group, test, start, end)				\
	static const TTest *test;					\
	FX_LOOP(group, test, start, end)				\
	START_TEST(test)
#define FX_TEST(group, test)	FX_LOOP_TEST(group, test, 0, 1)
#define FX_TABLE_CASE(group, test, table) \
	FX_LOOP(group, test, 0, (int)(table).nr_rows)
void fx_register(const char *group, const TTest *test, int start, int end,
		 int line);

/* The timeout of the tcase @group, in seconds: call before fx_main(). */
void fx_timeout(const char *group, double seconds);

/* Unchecked fixtures of the tcase @group: call before fx_main(). */
void fx_fixture(const char *group, SFun setup, SFun teardown);

/* Runs the suite @name of the registered tests: the exit code. */
int fx_main(const char *name);

/* The usual call of a table: ioctl(@cmd), >= 0 or -errno. */
int fx_ioctl(struct fx *f, unsigned long cmd, void *req);

/*
 * LRPC without libipc (tests/lrpc*.c): a service of a given shape, a binding,
 * the mapping of either; and a child's death.
 */
/* XIPC_IOC_SERVICE_CREATE of this shape, failing the test if refused. */
struct xipc_service_create fx_service_create(int space, __u32 flags,
					     __u32 astack_size,
					     __u32 nr_astacks,
					     __u32 max_bindings);
/* XIPC_IOC_BIND through @service, into @req: 0 or -errno. Works in children. */
int fx_bind(int space, __u32 service, struct xipc_bind *req);
/* XIPC_IOC_SERVICE_DESTROY through @handle: 0 or -errno. Works in children. */
int fx_service_destroy(int space, __u32 handle);
/*
 * A shared read-write mapping of @size bytes of @space at @offset (a region
 * or a binding's A-stacks): NULL, with errno set, if refused. In children
 * too; fx_must_map() fails the test instead.
 */
void *fx_map(int space, size_t size, __u64 offset);
void *fx_must_map(int space, size_t size, __u64 offset);
/* SIGKILL to child @pid, which must die of it, and reaps it. */
void fx_kill(pid_t pid);

/* A name server of the test's own: for tests/faults.c and tests/storm.c. */
/*
 * Starts xipc-named, its standard error to /dev/null (it says so each time
 * it forgets a dead object's name), and waits until @space bootstraps to
 * it: its pid. fx_stop_named() ends it, failing the test unless it exits 0.
 */
pid_t fx_start_named(int space);
void fx_stop_named(pid_t pid);

/* Checksums of test messages: for tests/storm.c and tests/stress.c. */
/* FNV-1a of @size bytes at @p, going on from @hash (first FX_FNV_BASIS). */
#define FX_FNV_BASIS	0xcbf29ce484222325ULL
__u64 fx_fnv1a(const void *p, size_t size, __u64 hash);

/*
 * Other users in forked children (tests/naming.c, name.c, view.c)
 */

/*
 * In a child: xipc_test_become(@uid, @gid, @groups, @nr_groups), then a
 * space of its own (exit 125 if refused): the space.
 */
int fx_child_space(uid_t uid, gid_t gid, const gid_t *groups,
		   size_t nr_groups);

/*
 * A child that reports a value to the test and waits to be let go:
 * fx_fork_reporter() forks it (0 in the child), with two pipes between
 * them and SIGPIPE ignored, so that a gone peer is an error, not a signal.
 * The child calls fx_report() (exit codes @code and @code + 1); the parent
 * reads the value with fx_read_u64(@l->to_parent[0], ...), checks while the
 * child waits, and ends with fx_release() with what the read returned,
 * which waits for the child: it must exit 0.
 */
struct fx_link {
	int to_parent[2], to_child[2];
};
pid_t fx_fork_reporter(struct fx_link *l);
void fx_report(struct fx_link *l, __u64 value, int code);
void fx_release(struct fx_link *l, pid_t pid, int got);

/*
 * What a handle must be, for the tests of handles (issue 17): fails the test
 * unless @handle of @space names an object of @type, @object_id, with
 * @rights, @badge and @state. FX_ANY in any of them: that one is not checked.
 */
#define FX_ANY	(~0ULL)
void fx_expect_handle(int space, __u32 handle, __u64 type, __u64 object_id,
		      __u64 rights, __u64 badge, __u64 state);

/* Shared by the stress tests (tests/storm.c, stress.c, ...): issue 17. */
/*
 * A zeroed MAP_SHARED anonymous mapping of @size bytes, which forked
 * children share with the test: fails the test if refused.
 */
void *fx_shared(size_t size);

/*
 * Shorter tables (issue 17; tests/transfer.c, batch.c, lib.c): FX_TABLE for
 * a table that is no ioctl of its own, named @name_, whose @call makes it.
 */
#define FX_CALL_TABLE(group, test, table_, name_, type, ...)		\
	static const struct fx_table table_ = {				\
		.name = (name_), .size = sizeof(type), __VA_ARGS__	\
	};								\
	FX_TABLE_TEST(test, table_)					\
	FX_TABLE_CASE(group, test, table_)

#endif /* XIPC_TEST_FIXTURE_H */
