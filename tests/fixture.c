// SPDX-License-Identifier: MIT
/*
 * The shared fixtures and the table driver of the test programs; see
 * fixture.h.
 */

#include "fixture.h"

__u32 fx_dup(int space, __u32 handle, __u32 rights, __u32 flags, __u64 badge)
{
	int ret = ipc_handle_dup(space, handle, rights, flags, badge);

	ck_assert_msg(ret > 0, "dup %u rights %#x: %d", handle, rights, ret);
	return ret;
}

__u64 fx_object_id(int space, __u32 handle)
{
	return xipc_test_handle_info(space, handle).object_id;
}

__u32 fx_unused_handle(int space)
{
	struct xipc_handle_info info;
	__u32 handle;

	for (handle = XIPC_TEST_HANDLE_SCAN; handle > 0; handle--)
		if (ipc_handle_info(space, handle, &info) == -EBADF)
			return handle;
	ck_abort_msg("no free handle number in %d", space);
	return 0;
}

int fx_lowest_free_fd(void)
{
	int fd = dup(STDIN_FILENO);

	ck_assert_int_ge(fd, 0);
	close(fd);
	return fd;
}

void fx_fill(void *buf, size_t size, unsigned int seed)
{
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i < size; i++)
		p[i] = (unsigned char)(seed * 131 + i * 7 + (i >> 8));
}

void fx_send(int space, __u32 mailbox, __s64 type, const void *data,
	     size_t size)
{
	int ret = xipc_test_send(space, mailbox, type, data, size, 0);

	ck_assert_msg(ret == 0, "send type %lld on %u: %d", (long long)type,
		      mailbox, ret);
}

__u64 fx_deliver(int space, __u32 sender, __u32 receiver)
{
	static const char payload[] = "through a handle";
	char buf[sizeof(payload)];
	struct xipc_recv msg;

	fx_send(space, sender, 1, payload, sizeof(payload));
	ck_assert_int_eq(xipc_test_recv(space, receiver, 0, buf, sizeof(buf), 0,
					&msg), sizeof(payload));
	ck_assert_mem_eq(buf, payload, sizeof(payload));
	return msg.badge;
}

static int waiter_pipe[2] = { -1, -1 };

pid_t fx_fork_waiter(void)
{
	pid_t pid;

	ck_assert_int_eq(pipe2(waiter_pipe, O_CLOEXEC), 0);
	pid = xipc_test_fork();
	close(waiter_pipe[pid == 0 ? 0 : 1]);
	return pid;
}

void fx_waiter_ready(void)
{
	CHILD_EXPECT(xipc_test_notify(waiter_pipe[1]) == 0, FX_EXIT_SYNC);
	close(waiter_pipe[1]);
}

void fx_await_asleep(pid_t pid)
{
	ck_assert_int_eq(xipc_test_await(waiter_pipe[0]), 0);
	close(waiter_pipe[0]);
	xipc_test_wait_asleep(pid);
}

pid_t fx_fork_blocked(int space, __u32 handle, bool send, int error,
		      bool handler)
{
	pid_t pid = fx_fork_waiter();

	if (pid == 0) {
		unsigned char byte = 0x77;
		struct xipc_recv msg;
		int ret;

		CHILD_EXPECT(!handler || fx_catch_sigusr1() == 0, FX_EXIT_SYNC);
		fx_waiter_ready();
		if (send)
			ret = xipc_test_send(space, handle, 1, &byte, 1,
					     XIPC_TIMEOUT_INFINITE);
		else
			ret = xipc_test_recv(space, handle, 2, &byte, 1,
					     XIPC_TIMEOUT_INFINITE, &msg);
		if (ret != error)
			fprintf(stderr, "blocked %s: %d, expected %d\n",
				send ? "send" : "recv", ret, error);
		CHILD_EXPECT(ret == error, 1);
		CHILD_EXPECT(!handler || fx_signals == 1, 2);
		_exit(0);
	}
	fx_await_asleep(pid);
	return pid;
}

static void *blocked_recv(void *arg)
{
	struct fx_blocked *t = arg;
	struct xipc_recv msg;
	char byte;

	t->tid = syscall(SYS_gettid);
	if (xipc_test_notify(t->ready[1]) == 0)
		t->result = xipc_test_recv(t->space, t->handle, 0, &byte, 1,
					   XIPC_TIMEOUT_INFINITE, &msg);
	return NULL;
}

void fx_block_thread(struct fx_blocked *t, int space, __u32 handle)
{
	*t = (struct fx_blocked){ .space = space, .handle = handle,
				  .result = 1 };
	ck_assert_int_eq(pipe(t->ready), 0);
	ck_assert_int_eq(pthread_create(&t->thread, NULL, blocked_recv, t), 0);
	ck_assert_int_eq(xipc_test_await(t->ready[0]), 0);
	close(t->ready[0]);
	close(t->ready[1]);
	xipc_test_wait_asleep(t->tid);
}

int fx_join_thread(struct fx_blocked *t)
{
	struct timespec deadline;

	/* Bounded: a thread nothing woke must not hang the test. */
	ck_assert_int_eq(clock_gettime(CLOCK_REALTIME, &deadline), 0);
	deadline.tv_sec += XIPC_TEST_LONG_NS / 1000000000ULL;
	ck_assert_int_eq(pthread_timedjoin_np(t->thread, NULL, &deadline), 0);
	return t->result;
}

bool fx_write_u64(int fd, __u64 value)
{
	return xipc_test_notify(fd) == 0 &&
	       write(fd, &value, sizeof(value)) == sizeof(value);
}

int fx_read_u64(int fd, __u64 *value)
{
	int ret = xipc_test_await(fd);
	ssize_t len;

	if (ret)
		return ret;
	do
		len = read(fd, value, sizeof(*value));
	while (len < 0 && errno == EINTR);
	return len == sizeof(*value) ? 0 : -EPIPE;
}

int fx_send_handle(int space, __u32 mailbox, __u32 handle, __u32 rights,
		   __u32 flags, __u64 timeout_ns)
{
	struct xipc_transfer transfer = {
		.handle = handle, .rights = rights, .flags = flags,
	};
	struct xipc_send msg = xipc_test_send_args(mailbox, 1, "h", 1,
						   timeout_ns);

	msg.transfers = ipc_ptr(&transfer);
	msg.nr_transfers = 1;
	return ipc_send(space, &msg);
}

int fx_recv_handle(int space, __u32 mailbox, __u64 timeout_ns)
{
	__u32 handle = 0;
	char byte;
	struct xipc_recv msg = xipc_test_recv_args(mailbox, 0, &byte, 1,
						   timeout_ns);
	int ret;

	msg.handles = ipc_ptr(&handle);
	msg.max_handles = 1;
	ret = ipc_recv(space, &msg);
	if (ret < 0)
		return ret;
	return msg.nr_handles == 1 && handle > 0 ? (int)handle : -EPROTO;
}

__u32 fx_pass(int from, __u32 handle, __u32 rights, int to)
{
	char name[XIPC_TEST_NAME_SIZE];
	__u32 out = fx_named(from, name, "pass");
	int in = ipc_mailbox_open(to, name, 0, 0, XIPC_RIGHT_RECV), got;

	ck_assert_int_gt(in, 0);
	ck_assert_int_eq(fx_send_handle(from, out, handle, rights, 0, 0), 0);
	got = fx_recv_handle(to, in, 0);
	ck_assert_int_gt(got, 0);
	ck_assert_int_eq(ipc_mailbox_unlink(from, name), 0);
	ck_assert_int_eq(ipc_handle_close(from, out), 0);
	ck_assert_int_eq(ipc_handle_close(to, in), 0);
	return got;
}

__u32 fx_named(int space, char name[XIPC_TEST_NAME_SIZE], const char *tag)
{
	int handle;

	xipc_test_name(name, tag);
	handle = ipc_mailbox_open(space, name, XIPC_OPEN_CREATE | XIPC_OPEN_EXCL,
				  0600, 0);
	ck_assert_msg(handle > 0, "create %s: %d", name, handle);
	return handle;
}

__u32 fx_child_open(const char *name, __u32 rights, int *space, int code)
{
	int handle;

	*space = ipc_open(0);
	CHILD_EXPECT(*space >= 0, code);
	handle = ipc_mailbox_open(*space, name, 0, 0, rights);
	CHILD_EXPECT(handle > 0, code);
	return handle;
}

volatile int fx_signals;

static void count_signal(int signo)
{
	(void)signo;
	fx_signals++;
}

int fx_catch_sigusr1(void)
{
	struct sigaction action = { .sa_handler = count_signal };

	sigemptyset(&action.sa_mask);
	return sigaction(SIGUSR1, &action, NULL);
}

int fx_poisoned(const void *p, size_t size)
{
	const unsigned char *bytes = p;
	size_t i;

	for (i = 0; i < size; i++)
		if (bytes[i] != POISON_BYTE)
			return 0;
	return 1;
}

static char *map_page(long page, int prot)
{
	char *p = mmap(NULL, page, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert_ptr_ne(p, MAP_FAILED);
	return p;
}

void fx_space(struct fx *f)
{
	__u32 middle;

	memset(f, 0, sizeof(*f));
	f->space = xipc_test_open();
	f->mailbox = xipc_test_mailbox(f->space, FX_MSG, FX_MSGS, FX_BYTES);
	f->other = xipc_test_mailbox(f->space, 0, 0, 0);
	f->send_only = fx_dup(f->space, f->mailbox, XIPC_RIGHT_SEND, 0, 0);
	f->no_send = fx_dup(f->space, f->mailbox,
			    XIPC_RIGHTS_ALL & ~XIPC_RIGHT_SEND, 0, 0);
	f->no_recv = fx_dup(f->space, f->mailbox,
			    XIPC_RIGHTS_ALL & ~XIPC_RIGHT_RECV, 0, 0);
	f->no_grant = fx_dup(f->space, f->mailbox,
			     XIPC_RIGHTS_ALL & ~XIPC_RIGHT_GRANT, 0, 0);
	f->no_manage = fx_dup(f->space, f->mailbox,
			      XIPC_RIGHTS_ALL & ~XIPC_RIGHT_MANAGE, 0, 0);
	f->badged = fx_dup(f->space, f->mailbox,
			   XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT, XIPC_DUP_BADGE,
			   FX_BADGE);
	f->no_io = fx_dup(f->space, f->mailbox,
			  XIPC_RIGHT_GRANT | XIPC_RIGHT_MANAGE, 0, 0);
	middle = fx_dup(f->space, f->other, XIPC_RIGHTS_ALL, 0, 0);
	f->revoked = fx_dup(f->space, middle, XIPC_RIGHTS_ALL, 0, 0);
	ck_assert_int_eq(ipc_handle_revoke(f->space, middle), 0);
	ck_assert_int_eq(ipc_handle_close(f->space, middle), 0);
	f->destroyed = xipc_test_mailbox(f->space, 0, 0, 0);
	ck_assert_int_eq(ipc_mailbox_destroy(f->space, f->destroyed), 0);
	middle = xipc_test_mailbox(f->space, 0, 0, 0);
	f->orphan = fx_dup(f->space, middle, XIPC_RIGHT_SEND, 0, 0);
	ck_assert_int_eq(ipc_handle_close(f->space, middle), 0);
	f->closed = fx_dup(f->space, f->mailbox, XIPC_RIGHTS_ALL, 0, 0);
	ck_assert_int_eq(ipc_handle_close(f->space, f->closed), 0);
	f->unused = fx_unused_handle(f->space);

	/* Inaccessible pages stay mapped, so that no later mmap() reuses them. */
	f->page = sysconf(_SC_PAGESIZE);
	f->unmapped = map_page(f->page, PROT_NONE);
	f->readonly = map_page(f->page, PROT_READ);
	f->edge = map_page(2 * f->page, PROT_READ | PROT_WRITE);
	ck_assert_int_eq(mprotect(f->edge + f->page, f->page, PROT_NONE), 0);
	f->edge += f->page - 4;
}

/* Procedure 1 of fx_service(): regs[0] + 1, status 0. */
static int fx_increment(struct ipc_request *req, void *cookie)
{
	(void)cookie;
	req->astack->regs[0] = req->args->regs[0] + 1;
	return 0;
}

void fx_service(struct fx *f, const struct ipc_service_attr *attr)
{
	static const struct ipc_service_attr defaults;
	__u32 middle;

	fx_space(f);
	ck_assert_int_eq(ipc_service_create(f->space, attr ? attr : &defaults,
					    &f->svc), 0);
	ck_assert_int_eq(ipc_service_register(f->svc, 1, fx_increment, NULL), 0);
	f->service = ipc_service_handle(f->svc);
	f->service_send = fx_dup(f->space, f->service, XIPC_RIGHT_SEND, 0, 0);
	f->service_recv = fx_dup(f->space, f->service, XIPC_RIGHT_RECV, 0, 0);
	middle = fx_dup(f->space, f->service, XIPC_RIGHTS_ALL, 0, 0);
	f->service_revoked = fx_dup(f->space, middle, XIPC_RIGHTS_ALL, 0, 0);
	ck_assert_int_eq(ipc_handle_revoke(f->space, middle), 0);
	ck_assert_int_eq(ipc_handle_close(f->space, middle), 0);
	ck_assert_int_eq(ipc_bind(f->space, f->service_send, &f->binding), 0);
	f->bind = (struct xipc_bind){ .service = f->service_send };
	ck_assert_int_eq(fx_ioctl(f, XIPC_IOC_BIND, &f->bind), 0);
	f->binding_handle = f->bind.handle;
	fx_reclose(f);
}

void fx_reclose(struct fx *f)
{
	f->closed = fx_dup(f->space, f->mailbox, XIPC_RIGHTS_ALL, 0, 0);
	ck_assert_int_eq(ipc_handle_close(f->space, f->closed), 0);
}

/* Where in struct fx each handle token's handle is. */
#define FX_AT(token, member) \
	[(token) - FX_TOKEN(0)] = offsetof(struct fx, member)
static const size_t fx_handle_at[] = {
	FX_AT(FX_MAILBOX, mailbox), FX_AT(FX_OTHER, other),
	FX_AT(FX_SEND_ONLY, send_only), FX_AT(FX_NO_SEND, no_send),
	FX_AT(FX_NO_RECV, no_recv), FX_AT(FX_NO_GRANT, no_grant),
	FX_AT(FX_NO_MANAGE, no_manage), FX_AT(FX_BADGED, badged),
	FX_AT(FX_REVOKED, revoked), FX_AT(FX_DESTROYED, destroyed),
	FX_AT(FX_CLOSED, closed), FX_AT(FX_UNUSED, unused),
	FX_AT(FX_SERVICE, service), FX_AT(FX_SERVICE_SEND, service_send),
	FX_AT(FX_BINDING, binding_handle), FX_AT(FX_NO_IO, no_io),
	FX_AT(FX_ORPHAN, orphan), FX_AT(FX_SERVICE_RECV, service_recv),
	FX_AT(FX_SERVICE_REVOKED, service_revoked),
};

static void *serve(void *svc)
{
	return (void *)(long)ipc_service_run(svc);
}

void fx_serve(struct fx *f)
{
	pthread_t thread;

	ck_assert_int_eq(pthread_create(&thread, NULL, serve, f->svc), 0);
	ck_assert_int_eq(pthread_detach(thread), 0);
}

__u64 fx_value(const struct fx *f, __u64 value)
{
	__u64 n = value - FX_TOKEN(0);

	if (value == FX_UNMAPPED)
		return ipc_ptr(f->unmapped);
	if (value == FX_READONLY)
		return ipc_ptr(f->readonly);
	if (value == FX_EDGE)
		return ipc_ptr(f->edge);
	if (value > FX_TOKEN(0) && n < sizeof(fx_handle_at) / sizeof(size_t))
		return *(const __u32 *)((const char *)f + fx_handle_at[n]);
	return value;
}

/*
 * The columns of /proc/xipc/mailboxes a refused call may change: the
 * traffic counters (sent, received) count attempts too.
 */
#define SENT_COLUMN	14
#define RECEIVED_COLUMN	15

/* @line without the columns SENT_COLUMN and RECEIVED_COLUMN. */
static void drop_traffic(char *line)
{
	char copy[1024], *tok, *save;
	size_t used = 0;
	int col = 0;

	strcpy(copy, line);
	line[0] = 0;
	for (tok = strtok_r(copy, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save), col++)
		if (col != SENT_COLUMN && col != RECEIVED_COLUMN)
			used += sprintf(line + used, "%s ", tok);
	strcpy(line + used, "\n");
}

/*
 * Appends to @buf the lines of @path whose first field is in @ids; with
 * @traffic false, without the traffic counters.
 */
static void proc_lines(const char *path, const __u64 *ids, unsigned int nr,
		       bool traffic, char *buf, size_t size)
{
	char line[1024];
	size_t used = 0;
	FILE *file = fopen(path, "re");

	ck_assert_msg(file != NULL, "%s: %s", path, strerror(errno));
	buf[0] = 0;
	while (fgets(line, sizeof(line), file)) {
		unsigned long long id;
		unsigned int i;

		if (sscanf(line, "%llu", &id) != 1)
			continue;
		for (i = 0; i < nr && ids[i] != id; i++)
			;
		if (i == nr)
			continue;
		if (!traffic)
			drop_traffic(line);
		ck_assert_msg(used + strlen(line) < size, "%s: too long", path);
		strcpy(buf + used, line);
		used += strlen(line);
	}
	fclose(file);
}

void fx_snapshot(const struct fx *f, struct fx_state *state)
{
	__u64 ids[XIPC_TEST_HANDLE_SCAN], uid = geteuid();
	unsigned int nr = 0;
	__u32 handle;

	memset(state, 0, sizeof(*state));
	for (handle = 1; handle <= XIPC_TEST_HANDLE_SCAN; handle++) {
		struct xipc_handle_info *info = &state->handles[handle - 1];
		int ret = ipc_handle_info(f->space, handle, info);

		ck_assert_msg(ret == 0 || ret == -EBADF, "handle info %u: %s",
			      handle, strerror(-ret));
		if (ret)
			memset(info, 0, sizeof(*info));
		else if (info->type == XIPC_OBJECT_MAILBOX)
			ids[nr++] = info->object_id;
	}
	proc_lines("/proc/xipc/mailboxes", ids, nr, false, state->mailboxes,
		   sizeof(state->mailboxes));
	proc_lines("/proc/xipc/users", &uid, 1, true, state->user,
		   sizeof(state->user));
	state->free_fd = fx_lowest_free_fd();
}

void fx_assert_unchanged(const struct fx *f, const struct fx_state *before,
			 const char *what)
{
	static struct fx_state after;
	unsigned int i;

	fx_snapshot(f, &after);
	for (i = 0; i < XIPC_TEST_HANDLE_SCAN; i++)
		ck_assert_msg(!memcmp(&after.handles[i], &before->handles[i],
				      sizeof(after.handles[i])),
			      "%s: handle %u changed (type %u -> %u, state %#x -> %#x)",
			      what, i + 1, before->handles[i].type,
			      after.handles[i].type, before->handles[i].state,
			      after.handles[i].state);
	ck_assert_msg(!strcmp(after.mailboxes, before->mailboxes),
		      "%s: the mailboxes changed:\n%s-> \n%s", what,
		      before->mailboxes, after.mailboxes);
	ck_assert_msg(!strcmp(after.user, before->user),
		      "%s: the user's charges changed: %s-> %s", what,
		      before->user, after.user);
	ck_assert_msg(after.free_fd == before->free_fd,
		      "%s: descriptor %d was opened", what, before->free_fd);
}

int fx_ioctl(struct fx *f, unsigned long cmd, void *req)
{
	int ret = ioctl(f->space, cmd, req);

	return ret < 0 ? -errno : ret;
}

/* A value no call of the library sets errno to. */
#define ERRNO_CANARY	7777

static int table_call(const struct fx_table *t, struct fx *f, void *req)
{
	int ret;

	errno = ERRNO_CANARY;
	ret = t->call ? t->call(f, req) : fx_ioctl(f, t->cmd, req);
	if (t->lib)
		ck_assert_msg(errno == ERRNO_CANARY, "%s changed errno to %d",
			      t->name, errno);
	return ret;
}

/* A valid request of @t in @req, its output fields poisoned. */
static void table_build(const struct fx_table *t, struct fx *f, void *req)
{
	memset(req, POISON_BYTE, t->size);
	t->build(f, req);
}

static void set_field(void *req, unsigned int offset, unsigned int width,
		      __u64 value)
{
	char *p = (char *)req + offset;

	switch (width) {
	case 1: *(__u8 *)p = value; break;
	case 2: *(__u16 *)p = value; break;
	case 4: *(__u32 *)p = value; break;
	case 8: *(__u64 *)p = value; break;
	default: ck_abort_msg("field at %u: width %u", offset, width);
	}
}

void fx_break(void *req, const struct fx_row *row)
{
	if (row->with)
		set_field(req, row->with_offset, row->with_width,
			  row->with_value);
	set_field(req, row->offset, row->width, row->value);
}

/* Calls with @r's field set to @value: it must fail and write nothing. */
static void refused(const struct fx_table *t, struct fx *f,
		    const struct fx_row *r, __u64 value)
{
	_Alignas(8) char req[FX_REQUEST_MAX], copy[FX_REQUEST_MAX];
	int ret;

	table_build(t, f, req);
	if (!r->width) {
		/* The request's own address is the bad value. */
		ck_assert_uint_ne(t->cmd, 0);
		ret = fx_ioctl(f, t->cmd, (void *)(uintptr_t)value);
		ck_assert_msg(ret == -r->error,
			      "%s at %#llx: returned %d (%s), expected %s",
			      t->name, (unsigned long long)value, ret,
			      ret < 0 ? strerror(-ret) : "success",
			      strerror(r->error));
		return;
	}
	if (r->with)
		set_field(req, r->with_offset, r->with_width,
			  fx_value(f, r->with_value));
	set_field(req, r->offset, r->width, value);
	memcpy(copy, req, t->size);
	ret = table_call(t, f, req);
	ck_assert_msg(ret == -r->error,
		      "%s with %s = %#llx%s%s: returned %d (%s), expected %s",
		      t->name, r->field, (unsigned long long)value,
		      r->with ? " and " : "", r->with ? r->with : "", ret,
		      ret < 0 ? strerror(-ret) : "success", strerror(r->error));
	ck_assert_msg(!memcmp(req, copy, t->size),
		      "%s with %s = %#llx: the refused request was written",
		      t->name, r->field, (unsigned long long)value);
}

void fx_table_run(const struct fx_table *t, unsigned int row)
{
	_Alignas(8) char req[FX_REQUEST_MAX];
	static struct fx_state before;
	const struct fx_row *r = &t->rows[row];
	struct fx f;
	unsigned int i;
	char what[160];
	int ret;

	ck_assert_uint_le(t->size, FX_REQUEST_MAX);
	if (t->setup)
		t->setup(&f);
	else
		fx_space(&f);
	/* What the setup made after fx_space() may have taken its number. */
	fx_reclose(&f);
	fx_snapshot(&f, &before);
	if (!r->each_bit) {
		refused(t, &f, r, fx_value(&f, r->value));
	} else {
		for (i = 0; i < 8U * r->width; i++)
			if (!(r->value & 1ULL << i))
				refused(t, &f, r, 1ULL << i);
	}
	snprintf(what, sizeof(what), "%s refused for its %s", t->name, r->field);
	fx_assert_unchanged(&f, &before, what);

	/* The request it broke is good. */
	table_build(t, &f, req);
	ret = t->valid ? t->valid(&f, req) : table_call(t, &f, req);
	ck_assert_msg(ret >= 0, "%s, valid: %d (%s)", t->name, ret,
		      strerror(-ret));
	for (i = 0; i < t->nr_outs; i++)
		ck_assert_msg(!fx_poisoned(req + t->outs[i].offset,
					   t->outs[i].width),
			      "%s did not write its %s", t->name,
			      t->outs[i].field);
	if (t->check)
		t->check(&f, req, ret);
	ipc_close(f.space);
}

/* The tests of this program, as FX_CASE() registered them. */
struct fx_case {
	const char *group;
	const TTest *test;
	int start;
	int end;
	int line;
};

static struct fx_case fx_cases[256];
static unsigned int fx_nr_cases;

struct fx_group {
	const char *name;
	TCase *tcase;
	SFun setup;
	SFun teardown;
	double timeout;		/* 0: xipc_tcase()'s */
};

static struct fx_group fx_groups[16];
static unsigned int fx_nr_groups;

void fx_register(const char *group, const TTest *test, int start, int end,
		 int line)
{
	unsigned int i;

	if (fx_nr_cases == sizeof(fx_cases) / sizeof(fx_cases[0])) {
		fprintf(stderr, "too many tests: %s\n", test->name);
		_exit(KSFT_FAIL);
	}
	/* In the order of the source, whatever order constructors run in. */
	for (i = fx_nr_cases++; i > 0 && fx_cases[i - 1].line > line; i--)
		fx_cases[i] = fx_cases[i - 1];
	fx_cases[i] = (struct fx_case){ group, test, start, end, line };
}

static struct fx_group *fx_group(const char *name)
{
	unsigned int i;

	for (i = 0; i < fx_nr_groups; i++)
		if (!strcmp(fx_groups[i].name, name))
			return &fx_groups[i];
	if (fx_nr_groups == sizeof(fx_groups) / sizeof(fx_groups[0])) {
		fprintf(stderr, "too many tcases: %s\n", name);
		_exit(KSFT_FAIL);
	}
	fx_groups[fx_nr_groups] = (struct fx_group){ .name = name };
	return &fx_groups[fx_nr_groups++];
}

void fx_timeout(const char *group, double seconds)
{
	fx_group(group)->timeout = seconds;
}

void fx_fixture(const char *group, SFun setup, SFun teardown)
{
	struct fx_group *g = fx_group(group);

	g->setup = setup;
	g->teardown = teardown;
}

int fx_main(const char *name)
{
	Suite *suite = suite_create(name);
	unsigned int i;

	for (i = 0; i < fx_nr_cases; i++) {
		struct fx_group *g = fx_group(fx_cases[i].group);

		if (!g->tcase) {
			g->tcase = xipc_tcase(suite, g->name);
			if (g->timeout)
				tcase_set_timeout(g->tcase, g->timeout);
			if (g->setup || g->teardown)
				tcase_add_unchecked_fixture(g->tcase, g->setup,
							    g->teardown);
		}
		tcase_add_loop_test(g->tcase, fx_cases[i].test,
				    fx_cases[i].start, fx_cases[i].end);
	}
	return xipc_test_main(suite);
}

/* What a handle must be, for the tests of handles (issue 17). */
void fx_expect_handle(int space, __u32 handle, __u64 type, __u64 object_id,
		      __u64 rights, __u64 badge, __u64 state)
{
	struct xipc_handle_info info = xipc_test_handle_info(space, handle);
	const struct {
		const char *name;
		__u64 got, want;
	} fields[] = {
		{ "type", info.type, type },
		{ "object", info.object_id, object_id },
		{ "rights", info.rights, rights },
		{ "badge", info.badge, badge },
		{ "state", info.state, state },
	};
	unsigned int i;

	for (i = 0; i < FX_NR(fields); i++)
		ck_assert_msg(fields[i].want == FX_ANY ||
			      fields[i].got == fields[i].want,
			      "handle %u: %s %#llx, expected %#llx", handle,
			      fields[i].name, (unsigned long long)fields[i].got,
			      (unsigned long long)fields[i].want);
}

/* LRPC without libipc (tests/lrpc*.c). */

struct xipc_service_create fx_service_create(int space, __u32 flags,
					     __u32 astack_size,
					     __u32 nr_astacks,
					     __u32 max_bindings)
{
	struct xipc_service_create req = {
		.flags = flags, .astack_size = astack_size,
		.nr_astacks = nr_astacks, .max_bindings = max_bindings,
	};

	ck_assert_msg(ioctl(space, XIPC_IOC_SERVICE_CREATE, &req) == 0,
		      "SERVICE_CREATE: %s", strerror(errno));
	return req;
}

int fx_bind(int space, __u32 service, struct xipc_bind *req)
{
	*req = (struct xipc_bind){ .service = service };
	return ioctl(space, XIPC_IOC_BIND, req) ? -errno : 0;
}

int fx_service_destroy(int space, __u32 handle)
{
	struct xipc_handle_op op = { .handle = handle };

	return ioctl(space, XIPC_IOC_SERVICE_DESTROY, &op) ? -errno : 0;
}

void *fx_map(int space, size_t size, __u64 offset)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, space,
		       (off_t)offset);

	return p == MAP_FAILED ? NULL : p;
}

void *fx_must_map(int space, size_t size, __u64 offset)
{
	void *p = fx_map(space, size, offset);

	ck_assert_msg(p, "mmap of %zu bytes at %#llx: %s", size,
		      (unsigned long long)offset, strerror(errno));
	return p;
}

void fx_kill(pid_t pid)
{
	int status = kill(pid, SIGKILL) ? -errno : xipc_test_wait_status(pid);

	ck_assert_msg(status >= 0 && WIFSIGNALED(status) &&
		      WTERMSIG(status) == SIGKILL, "kill %d: %#x", (int)pid,
		      status);
}

/* A name server of the test's own: for tests/faults.c and tests/storm.c. */

pid_t fx_start_named(int space)
{
	char path[256];
	pid_t pid;
	int h;

	xipc_test_tool_path("xipc-named", path, sizeof(path));
	pid = xipc_test_fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDERR_FILENO);
		execl(path, path, (char *)NULL);
		_exit(126);
	}
	h = ipc_bootstrap(space, XIPC_TEST_LONG_NS);
	ck_assert_int_gt(h, 0);
	ck_assert_int_eq(ipc_handle_close(space, h), 0);
	return pid;
}

void fx_stop_named(pid_t pid)
{
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
}

/* Checksums of test messages: for tests/storm.c and tests/stress.c. */

__u64 fx_fnv1a(const void *p, size_t size, __u64 hash)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < size; i++)
		hash = (hash ^ b[i]) * 0x100000001b3ULL;
	return hash;
}

/*
 * Other users in forked children (tests/naming.c, name.c, view.c)
 */

int fx_child_space(uid_t uid, gid_t gid, const gid_t *groups,
		   size_t nr_groups)
{
	int space;

	xipc_test_become(uid, gid, groups, nr_groups);
	space = ipc_open(0);
	CHILD_EXPECT(space >= 0, 125);
	return space;
}

pid_t fx_fork_reporter(struct fx_link *l)
{
	pid_t pid;

	ck_assert_int_eq(pipe(l->to_parent), 0);
	ck_assert_int_eq(pipe(l->to_child), 0);
	signal(SIGPIPE, SIG_IGN);
	pid = xipc_test_fork();
	close(pid == 0 ? l->to_parent[0] : l->to_parent[1]);
	close(pid == 0 ? l->to_child[1] : l->to_child[0]);
	return pid;
}

void fx_report(struct fx_link *l, __u64 value, int code)
{
	CHILD_EXPECT(fx_write_u64(l->to_parent[1], value), code);
	CHILD_EXPECT(xipc_test_await(l->to_child[0]) == 0, code + 1);
}

void fx_release(struct fx_link *l, pid_t pid, int got)
{
	if (got == 0)
		xipc_test_notify(l->to_child[1]);
	close(l->to_child[1]);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	ck_assert_int_eq(got, 0);
}

/* Shared by the stress tests (tests/storm.c, stress.c, ...): issue 17. */

void *fx_shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	ck_assert_msg(p != MAP_FAILED, "mmap: %s", strerror(errno));
	return p;
}
