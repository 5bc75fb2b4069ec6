// SPDX-License-Identifier: MIT
/*
 * xipc-named: the name server of an IPC namespace.
 *
 * It claims the name-server role for a mailbox of its own, so that every
 * capability space reaches it through the bootstrap handle, and answers the
 * requests of lib/ns-protocol.h: register, unregister, lookup (which may
 * wait for the name), list. Each registration keeps a handle derived from
 * the registrant's and a death watch through it, whose notices come to a
 * second mailbox that only this daemon holds: a notice is the kernel's word
 * that a registered object lost its last receiver, and the name goes.
 *
 * One thread, one poll() loop; no request can block it: receives and
 * replies never wait, and a lookup that waits for a name is kept aside with
 * its reply handle until the name comes or its deadline passes. Its state is
 * in memory only. docs/naming.md describes what it promises.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "libipc.h"
#include "ns-protocol.h"

#define USAGE \
"usage: xipc-named [-d] [-p FILE] [-n N] [-u N] [-w N] [-l N] [-v] [-h]\n" \
"\n" \
"The name server of this IPC namespace: servers register names for their\n" \
"mailboxes and LRPC services, clients look them up (ipc_ns_* in libipc).\n" \
"It needs CAP_SYS_ADMIN over the IPC namespace and the xipc module loaded.\n" \
"\n" \
"  -d       detach once it serves (the parent exits 0 then); logs still go\n" \
"           to standard error, which the caller redirects\n" \
"  -p FILE  write the pid to FILE, and remove it on exit\n" \
"  -n N     most names kept in all (default 16384)\n" \
"  -u N     most names one user may register (default 256)\n" \
"  -w N     most lookups one user may have waiting (default 64)\n" \
"  -l N     most lines a minute about clients' requests (default 120; 0: no\n" \
"           limit); the number of lines left out is logged with the next\n" \
"           line, or at exit. No line waits for a log that cannot take it.\n" \
"  -v       log every request (lines that -l counts too)\n" \
"  -h       print this text\n" \
"\n" \
"SIGTERM or SIGINT stops it (exit 0); SIGUSR1 logs every name.\n" \
"Exit status: 0 stopped; 1 could not start (another name server runs,\n" \
"not privileged, no /dev/xipc) or failed; 2 bad usage.\n"

/* The message type of death notices, on the notices mailbox. */
#define NOTICE_TYPE 1
/* Requests one round of the loop takes before it looks at notices again. */
#define BATCH 64
/* The request mailbox: room for requests from everyone, one size for all. */
#define MAILBOX_MSG_SIZE 1024
#define MAILBOX_MSGS 1024

_Static_assert(sizeof(struct ipc_ns_request) <= MAILBOX_MSG_SIZE,
	       "a request fits the mailbox");

struct limits {
	unsigned int names;		/* -n */
	unsigned int names_per_uid;	/* -u */
	unsigned int waits_per_uid;	/* -w */
};

/*
 * The per-uid limits count by quota uid (struct xipc_recv.quota_uid): a
 * user namespace's uids all count as the user who created it.
 */

/* One registered name. */
struct entry {
	struct ipc_ns_entry info;	/* what a list shows */
	uid_t quota_uid;		/* the registrant's, for -u */
	__u32 handle;			/* ours, derived from the registrant's */
	__u64 cookie;			/* of the watch made through @handle */
};

/* A lookup waiting for its name. */
struct waiter {
	char name[IPC_NS_NAME_MAX + 1];
	__u32 reply;
	uid_t uid;
	gid_t gid;
	uid_t quota_uid;	/* for -w */
	__u32 rights;
	__u64 deadline;
};

/* A request as received: the kernel's stamp, and what it carried. */
struct request {
	__s64 op;
	uid_t uid;
	gid_t gid;
	uid_t quota_uid;
	pid_t pid;
	__u32 reply;
	__u32 handles[XIPC_MAX_TRANSFERS];
	__u32 nr_handles;
	union {
		struct ipc_ns_request req;
		char raw[MAILBOX_MSG_SIZE];
	};
	size_t size;
};

static struct named {
	int space;
	__u32 mailbox;		/* the name server's: requests */
	__u32 notices;		/* ours alone: death notices */
	struct limits limits;
	bool verbose;
	/* Sorted by name, for lookups by bsearch() and lists in order. */
	struct entry **entries;
	size_t nr_entries;
	struct waiter *waiters;
	size_t nr_waiters;
	size_t sweep_next;	/* where waiters_sweep() looks first */
	__u64 next_cookie;
	/* An answer: its header, and list entries after it. */
	struct {
		struct ipc_ns_reply head;
		struct ipc_ns_entry entries[IPC_NS_LIST_MAX];
	} answer;
} named = {
	.limits = { .names = 16384, .names_per_uid = 256, .waits_per_uid = 64 },
};

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000 + (__u64)ts.tv_nsec;
}

/*
 * The log is standard error, and the daemon never waits for it: a log
 * that is slow or stalled (a full pipe, a journal that is behind) must not
 * stop the serving of requests. A line it cannot take at once is left out.
 * Lines about what clients do (note()) are rate-limited as well, so that a
 * client in a loop cannot flood the log: up to a minute's worth (-l) at
 * once, then one every minute / -l. What was left out is counted, and the
 * counts go out before the next line that does, or at exit.
 */
#define MINUTE_NS	(60ULL * 1000000000)
#define LOG_LINE_MAX	512

static struct {
	__u64 per_line_ns;	/* a minute / -l; 0: no limit */
	__u64 credit_ns;	/* time earned towards lines, at most a minute */
	__u64 last_ns;		/* when credit_ns was brought up to date */
	unsigned long over_rate;	/* lines left out by the rate limit */
	unsigned long unwritten;	/* lines the log could not take */
} logger = { .per_line_ns = MINUTE_NS / 120, .credit_ns = MINUTE_NS };

/* Writes one whole line to standard error if that needs no waiting. */
static bool log_write(const char *line, size_t len)
{
	struct pollfd out = { .fd = STDERR_FILENO, .events = POLLOUT };
	ssize_t n;

	/* A socket (the journal's) takes MSG_DONTWAIT; anything else, a poll. */
	n = send(STDERR_FILENO, line, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0 && errno == ENOTSOCK) {
		if (poll(&out, 1, 0) != 1 || !(out.revents & POLLOUT))
			return false;
		n = write(STDERR_FILENO, line, len);
	}
	return n == (ssize_t)len;
}

/* Says how many lines were left out since it last could. */
static void log_left_out(void)
{
	char line[LOG_LINE_MAX];
	int len;

	if (!logger.over_rate && !logger.unwritten)
		return;
	len = snprintf(line, sizeof(line),
		       "xipc-named: left out %lu lines over the rate limit (-l) and %lu that the log could not take\n",
		       logger.over_rate, logger.unwritten);
	if (log_write(line, (size_t)len))
		logger.over_rate = logger.unwritten = 0;
}

static void log_line(const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	const size_t room = sizeof(line) - 1;	/* for the newline */
	size_t len = (size_t)snprintf(line, room, "xipc-named: ");
	int n = vsnprintf(line + len, room - len, fmt, ap);

	log_left_out();
	if (n < 0)
		n = 0;
	len += (size_t)n;
	if (len >= room) {	/* cut short, and says so */
		len = room - 1;
		memcpy(line + len - 3, "...", 3);
	}
	line[len++] = '\n';
	if (!log_write(line, len))
		logger.unwritten++;
}

/* Whether the rate limit lets one more line about clients go now. */
static bool log_allowed(void)
{
	__u64 now;

	if (!logger.per_line_ns)
		return true;
	now = now_ns();
	logger.credit_ns += now - logger.last_ns;
	if (logger.credit_ns > MINUTE_NS)
		logger.credit_ns = MINUTE_NS;
	logger.last_ns = now;
	if (logger.credit_ns < logger.per_line_ns)
		return false;
	logger.credit_ns -= logger.per_line_ns;
	return true;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A line for the operator: starting, stopping, failing. */
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(fmt, ap);
	va_end(ap);
}

/* A line about what a client did: rate-limited. */
static void note(const char *fmt, ...)
{
	va_list ap;

	if (!log_allowed()) {
		logger.over_rate++;
		return;
	}
	va_start(ap, fmt);
	log_line(fmt, ap);
	va_end(ap);
}

static int entry_cmp(const void *key, const void *elem)
{
	const struct entry *const *e = elem;

	return strcmp(key, (*e)->info.name);
}

/* The index of @name in the sorted entries, or where it would go. */
static size_t entry_index(const char *name, bool *found)
{
	size_t lo = 0, hi = named.nr_entries;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = entry_cmp(name, &named.entries[mid]);

		if (!cmp) {
			*found = true;
			return mid;
		}
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*found = false;
	return lo;
}

static struct entry *entry_find(const char *name)
{
	bool found;
	size_t i = entry_index(name, &found);

	return found ? named.entries[i] : NULL;
}

/* Forgets entry @i: closing its handle also ends its watch. */
static void entry_remove(size_t i, const char *why)
{
	struct entry *e = named.entries[i];

	note("forgot \"%s\" of uid %u: %s", e->info.name, e->info.uid, why);
	ipc_handle_close(named.space, e->handle);
	memmove(&named.entries[i], &named.entries[i + 1],
		(named.nr_entries - i - 1) * sizeof(*named.entries));
	named.nr_entries--;
	free(e);
}

/* The rights @e's policy grants a requester with @uid and @gid. */
static __u32 granted(const struct entry *e, uid_t uid, gid_t gid)
{
	__u32 rights = 0;

	for (__u32 i = 0; i < e->info.nr_rules; i++) {
		const struct ipc_ns_rule *rule = &e->info.rules[i];

		if (rule->who == IPC_NS_EVERYONE ||
		    (rule->who == IPC_NS_UID && rule->id == uid) ||
		    (rule->who == IPC_NS_GID && rule->id == gid))
			rights |= rule->rights;
	}
	return rights;
}

/*
 * Answers the request of @reply with @error and, for a list, @count entries
 * of named.answer, or the handle @transfer. Returns 0, or the error of the
 * reply when it is about @transfer (the reply handle then stays, for
 * another answer); on any other failure the reply handle is closed, since
 * nobody waits for it or it cannot take this answer.
 */
static int answer(__u32 reply, int error, __u32 count,
		  const struct xipc_transfer *transfer)
{
	struct xipc_reply req = {
		.reply = reply,
		.data = ipc_ptr(&named.answer),
		.size = sizeof(named.answer.head) +
			count * sizeof(named.answer.entries[0]),
		.transfers = ipc_ptr(transfer),
		.nr_transfers = transfer ? 1 : 0,
	};
	int ret;

	named.answer.head.error = error;
	named.answer.head.count = count;
	ret = ipc_reply(named.space, &req);
	if (!ret || ret == -ECANCELED)
		return 0;
	if (transfer && (ret == -EKEYREVOKED || ret == -EIDRM))
		return ret;
	if (named.verbose)
		note("answer dropped: %s", strerror(-ret));
	ipc_handle_close(named.space, reply);
	return 0;
}

/*
 * Answers a lookup of @e by @uid/@gid wanting @rights (0 = all granted):
 * with a handle, or EACCES. Returns 0, or -ENOENT without answering when
 * @e's handle turned out revoked or its object destroyed: @e is forgotten
 * then, and the caller answers ENOENT or lets the lookup wait for the name.
 */
/*
 * Whether the object @handle names is dead: destroyed, or a mailbox or
 * service nobody can receive from or serve any more (EIDRM or EPIPE for a
 * sender). Its death notice may not be queued yet: the state is set first.
 */
static int object_dead(__u32 handle)
{
	struct xipc_handle_info info;
	int ret = ipc_handle_info(named.space, handle, &info);

	if (ret)
		return ret;
	if (info.state & XIPC_STATE_DESTROYED)
		return -EIDRM;
	return (info.state & XIPC_STATE_NO_RECEIVER) ? -EPIPE : 0;
}

static int answer_lookup(__u32 reply, struct entry *e, uid_t uid, gid_t gid,
			 __u32 rights)
{
	__u32 grant = granted(e, uid, gid);
	struct xipc_transfer transfer = { .handle = e->handle };
	/* Dead before its notice was queued (which a sender may see first). */
	const char *why = "dead";
	bool found;
	size_t i;
	int ret;

	if (!object_dead(e->handle)) {
		if (!rights)
			rights = grant;
		if (!grant || (rights & ~grant)) {
			answer(reply, -EACCES, 0, NULL);
			return 0;
		}
		transfer.rights = rights;
		ret = answer(reply, 0, 0, &transfer);
		if (!ret)
			return 0;
		why = ret == -EIDRM ? "destroyed" : "revoked";
	}
	i = entry_index(e->info.name, &found);
	if (found)
		entry_remove(i, why);
	return -ENOENT;
}

static void waiter_remove(size_t i)
{
	named.waiters[i] = named.waiters[--named.nr_waiters];
}

/* Waiting lookups one request may make us check (one ioctl each). */
#define SWEEP_MAX 4

/*
 * Lets go of waiting lookups of quota uid @uid (any if -1) whose caller
 * gave up, checking at most SWEEP_MAX of them, where the last sweep
 * stopped: a request over its limit costs us a few ioctls, not one per
 * lookup waiting. The others go when their deadline passes, or later.
 */
static void waiters_sweep(uid_t uid)
{
	size_t i = named.sweep_next, seen = 0, checked = 0;

	while (seen++ < named.nr_waiters && checked < SWEEP_MAX) {
		struct waiter *w;
		struct xipc_handle_info info;

		if (i >= named.nr_waiters)
			i = 0;
		w = &named.waiters[i];
		if (uid != (uid_t)-1 && w->quota_uid != uid) {
			i++;
			continue;
		}
		checked++;
		if (ipc_handle_info(named.space, w->reply, &info) ||
		    info.state & XIPC_STATE_CANCELED) {
			ipc_handle_close(named.space, w->reply);
			waiter_remove(i);	/* the last one moved to @i */
		} else {
			i++;
		}
	}
	named.sweep_next = i;
}

static size_t waiters_of(uid_t uid)
{
	size_t n = 0;

	for (size_t i = 0; i < named.nr_waiters; i++)
		n += named.waiters[i].quota_uid == uid;
	return n;
}

/* Puts a lookup aside until its name comes; false: over the quota. */
static int waiter_add(const struct request *r)
{
	struct waiter *w;
	/* Bounded by the uid quota times the uids, and by names. */
	size_t cap = named.limits.names;

	if (waiters_of(r->quota_uid) >= named.limits.waits_per_uid)
		waiters_sweep(r->quota_uid);
	if (waiters_of(r->quota_uid) >= named.limits.waits_per_uid)
		return -EDQUOT;
	if (named.nr_waiters >= cap)
		waiters_sweep((uid_t)-1);
	if (named.nr_waiters >= cap)
		return -ENOSPC;
	w = realloc(named.waiters, (named.nr_waiters + 1) * sizeof(*w));
	if (!w)
		return -ENOMEM;
	named.waiters = w;
	w = &named.waiters[named.nr_waiters++];
	memcpy(w->name, r->req.name, sizeof(w->name));
	w->reply = r->reply;
	w->uid = r->uid;
	w->gid = r->gid;
	w->quota_uid = r->quota_uid;
	w->rights = r->req.rights;
	w->deadline = r->req.deadline_ns;
	return 0;
}

/* @e was just registered: answers the lookups waiting for it. */
static void waiters_wake(struct entry *e)
{
	for (size_t i = 0; i < named.nr_waiters;) {
		struct waiter w = named.waiters[i];

		if (strcmp(w.name, e->info.name)) {
			i++;
			continue;
		}
		/* Revoked already: this lookup and the rest wait on. */
		if (answer_lookup(w.reply, e, w.uid, w.gid, w.rights))
			break;
		waiter_remove(i);
	}
}

/* Answers the waiting lookups whose deadline passed; returns the next one. */
static __u64 waiters_expire(void)
{
	__u64 now = now_ns(), next = XIPC_TIMEOUT_INFINITE;

	for (size_t i = 0; i < named.nr_waiters;) {
		struct waiter *w = &named.waiters[i];

		if (w->deadline <= now) {
			answer(w->reply, -ETIMEDOUT, 0, NULL);
			waiter_remove(i);
			continue;
		}
		if (w->deadline < next)
			next = w->deadline;
		i++;
	}
	return next;
}

/* Is @name a name (ipc_ns_check_name()), padded with NULs? */
static int check_name(const char *name, bool empty_ok)
{
	size_t len;
	int ret = ipc_ns_check_name(name, empty_ok, &len);

	if (ret)
		return ret;
	for (size_t i = len; i <= IPC_NS_NAME_MAX; i++)
		if (name[i])
			return -EBADMSG;
	return 0;
}

static int check_rules(const struct ipc_ns_request *req, __u32 held)
{
	static const struct ipc_ns_rule unused;

	if (req->nr_rules > IPC_NS_MAX_RULES)
		return -EINVAL;
	for (__u32 i = 0; i < IPC_NS_MAX_RULES; i++) {
		const struct ipc_ns_rule *rule = &req->rules[i];

		if (i >= req->nr_rules) {
			if (memcmp(rule, &unused, sizeof(unused)))
				return -EBADMSG;
			continue;
		}
		if (rule->reserved || !rule->rights ||
		    (rule->rights & ~XIPC_RIGHTS_ALL) ||
		    (rule->who == IPC_NS_EVERYONE && rule->id) ||
		    (rule->who != IPC_NS_EVERYONE && rule->who != IPC_NS_UID &&
		     rule->who != IPC_NS_GID))
			return -EINVAL;
		if (rule->rights & ~held)
			return -EPERM;
	}
	return 0;
}

/*
 * Narrows the handle a register request carried to @rights, the rights its
 * rules give out: holding more, the name server could keep the object alive
 * (a receive right) or destroy it (manage), which no rule asked of it.
 */
static int keep_only(struct request *r, __u32 rights,
		     struct xipc_handle_info *info)
{
	int ret;

	if (info->rights == rights)
		return 0;
	ret = ipc_handle_dup(named.space, r->handles[0], rights, 0, 0);
	if (ret < 0)
		return ret;
	ipc_handle_close(named.space, r->handles[0]);
	r->handles[0] = (__u32)ret;
	info->rights = rights;
	return 0;
}

static size_t names_of(uid_t uid)
{
	size_t n = 0;

	for (size_t i = 0; i < named.nr_entries; i++)
		n += named.entries[i]->quota_uid == uid;
	return n;
}

/* register: on success the request's handle is the entry's (taken). */
static int do_register(struct request *r)
{
	const struct ipc_ns_request *req = &r->req;
	static const struct ipc_ns_rule everyone_send = {
		.who = IPC_NS_EVERYONE, .rights = XIPC_RIGHT_SEND,
	};
	struct xipc_handle_info info;
	struct entry *e, *old, **entries;
	bool found;
	size_t i;
	int ret;

	if (r->nr_handles != 1)
		return -EINVAL;
	ret = ipc_handle_info(named.space, r->handles[0], &info);
	if (ret)
		return ret;
	if (info.state & XIPC_STATE_REVOKED)
		return -EKEYREVOKED;
	if (info.type != XIPC_OBJECT_MAILBOX && info.type != XIPC_OBJECT_SERVICE)
		return -EINVAL;
	ret = object_dead(r->handles[0]);
	if (ret)
		return ret;
	if (!(info.rights & XIPC_RIGHT_GRANT))
		return -EPERM;
	ret = check_rules(req, info.rights);
	if (ret)
		return ret;
	if (!req->nr_rules && !(info.rights & XIPC_RIGHT_SEND))
		return -EPERM;
	ret = keep_only(r, ipc_ns_given_out(req->rules, req->nr_rules), &info);
	if (ret)
		return ret;

	i = entry_index(req->name, &found);
	old = found ? named.entries[i] : NULL;
	if (old && old->info.uid != r->uid)
		return -EEXIST;
	if (!old && names_of(r->quota_uid) >= named.limits.names_per_uid)
		return -EDQUOT;
	if (!old && named.nr_entries >= named.limits.names)
		return -ENOSPC;

	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	memcpy(e->info.name, req->name, sizeof(e->info.name));
	e->info.uid = r->uid;
	e->info.gid = r->gid;
	e->quota_uid = r->quota_uid;
	e->info.object_id = info.object_id;
	e->info.type = info.type;
	e->info.rights = info.rights;
	e->info.nr_rules = req->nr_rules ? req->nr_rules : 1;
	if (req->nr_rules)
		memcpy(e->info.rules, req->rules,
		       req->nr_rules * sizeof(req->rules[0]));
	else
		e->info.rules[0] = everyone_send;
	e->handle = r->handles[0];
	e->cookie = ++named.next_cookie;
	/* Dead already? Then the notice is queued at once. */
	ret = ipc_watch(named.space, e->handle, named.notices, NOTICE_TYPE,
			e->cookie);
	if (ret) {
		free(e);
		return ret;
	}
	if (old) {
		note("\"%s\" of uid %u replaced", old->info.name, old->info.uid);
		ipc_handle_close(named.space, old->handle);
		free(old);
		named.entries[i] = e;
	} else {
		entries = realloc(named.entries,
				  (named.nr_entries + 1) * sizeof(*entries));
		if (!entries) {
			free(e);	/* the caller closes the handle: no watch */
			return -ENOMEM;
		}
		named.entries = entries;
		memmove(&entries[i + 1], &entries[i],
			(named.nr_entries - i) * sizeof(*entries));
		entries[i] = e;
		named.nr_entries++;
	}
	r->nr_handles = 0;	/* taken */
	note("\"%s\" registered by uid %u (pid %d), object %llu", e->info.name,
	    r->uid, r->pid, (unsigned long long)e->info.object_id);
	answer(r->reply, 0, 0, NULL);
	waiters_wake(e);
	return 0;
}

static int do_unregister(struct request *r)
{
	bool found;
	size_t i = entry_index(r->req.name, &found);

	if (!found)
		return -ENOENT;
	if (named.entries[i]->info.uid != r->uid)
		return -EPERM;
	entry_remove(i, "unregistered");
	answer(r->reply, 0, 0, NULL);
	return 0;
}

static int do_lookup(struct request *r)
{
	struct entry *e = entry_find(r->req.name);
	int ret;

	if (r->req.rights & ~XIPC_RIGHTS_ALL)
		return -EINVAL;
	/* (An entry found revoked is gone now: the lookup goes on without.) */
	if (e && !answer_lookup(r->reply, e, r->uid, r->gid, r->req.rights))
		return 0;
	if (!r->req.deadline_ns)
		return -ENOENT;
	if (r->req.deadline_ns <= now_ns())
		return -ETIMEDOUT;
	ret = waiter_add(r);
	if (ret)
		return ret;
	return 0;	/* answered later */
}

static int do_list(struct request *r)
{
	bool found;
	size_t i = entry_index(r->req.name, &found);
	__u32 count = 0;

	if (!r->req.max_entries || r->req.max_entries > IPC_NS_LIST_MAX)
		return -EINVAL;
	for (i += found; i < named.nr_entries; i++) {
		const struct entry *e = named.entries[i];

		if (e->info.uid != r->uid && !granted(e, r->uid, r->gid))
			continue;
		named.answer.entries[count++] = e->info;
		if (count == r->req.max_entries)
			break;
	}
	answer(r->reply, 0, count, NULL);
	return 0;
}

/* Checks the parts every request shares; the op checks its own. */
static int check_request(const struct request *r)
{
	const struct ipc_ns_request *req = &r->req;
	bool is_list = r->op == IPC_NS_OP_LIST;
	int ret;

	if (r->op < IPC_NS_OP_REGISTER || r->op > IPC_NS_OP_LIST)
		return -EOPNOTSUPP;
	if (r->size != sizeof(*req) || req->protocol != IPC_NS_PROTOCOL ||
	    req->reserved || req->reserved2)
		return -EBADMSG;
	ret = check_name(req->name, is_list);
	if (ret)
		return ret;
	/* Each op's fields, and no other. */
	if ((r->op != IPC_NS_OP_REGISTER && (req->nr_rules || r->nr_handles)) ||
	    (r->op != IPC_NS_OP_LOOKUP && (req->rights || req->deadline_ns)) ||
	    (!is_list && req->max_entries))
		return -EBADMSG;
	if (r->op != IPC_NS_OP_REGISTER)
		return check_rules(req, 0);	/* all zero */
	return 0;
}

static const char *op_name(__s64 op)
{
	static const char *const names[] = {
		[IPC_NS_OP_REGISTER] = "register",
		[IPC_NS_OP_UNREGISTER] = "unregister",
		[IPC_NS_OP_LOOKUP] = "lookup",
		[IPC_NS_OP_LIST] = "list",
	};

	return op >= IPC_NS_OP_REGISTER && op <= IPC_NS_OP_LIST ? names[op] :
	       "unknown request";
}

/* Did the requester give up while its request waited in the queue? */
static bool abandoned(__u32 reply)
{
	struct xipc_handle_info info;

	return !ipc_handle_info(named.space, reply, &info) &&
	       info.state & XIPC_STATE_CANCELED;
}

/*
 * Answers one request; the handles it carried and did not keep are closed.
 * A register or unregister its caller gave up on is not carried out: the
 * caller was told it failed (ETIMEDOUT, EINTR), so it must not have
 * happened. (A lookup or list needs no look: its answer just goes nowhere.)
 */
static void serve(struct request *r)
{
	int ret = check_request(r);
	bool changes = r->op == IPC_NS_OP_REGISTER ||
		       r->op == IPC_NS_OP_UNREGISTER;

	if (!ret && changes && abandoned(r->reply)) {
		ipc_handle_close(named.space, r->reply);
		ret = -ECANCELED;
		r->reply = 0;
	} else if (!ret) {
		switch (r->op) {
		case IPC_NS_OP_REGISTER:
			ret = do_register(r);
			break;
		case IPC_NS_OP_UNREGISTER:
			ret = do_unregister(r);
			break;
		case IPC_NS_OP_LOOKUP:
			ret = do_lookup(r);
			break;
		default:
			ret = do_list(r);
			break;
		}
	}
	/* A name is logged once checked: it is printable then. */
	if (named.verbose)
		note("%s \"%s\" from uid %u (pid %d): %s", op_name(r->op),
		    check_name(r->req.name, true) ? "?" : r->req.name, r->uid,
		    r->pid, ret ? strerror(-ret) : "ok");
	if (ret && r->reply)
		answer(r->reply, ret, 0, NULL);
	for (__u32 i = 0; i < r->nr_handles; i++)
		ipc_handle_close(named.space, r->handles[i]);
}

/* Forgets the names whose objects died. */
static int take_notices(void)
{
	for (;;) {
		struct xipc_death_notice notice;
		struct xipc_recv msg = {
			.handle = named.notices,
			.data = ipc_ptr(&notice),
			.size = sizeof(notice),
		};
		int ret = ipc_recv(named.space, &msg);

		if (ret == -EAGAIN)
			return 0;
		if (ret < 0)
			return ret;
		/* A replaced or unregistered entry's watch ended untold. */
		for (size_t i = 0; i < named.nr_entries; i++) {
			if (named.entries[i]->cookie == notice.cookie) {
				entry_remove(i, "its object died");
				break;
			}
		}
	}
}

/*
 * Takes and answers up to BATCH requests. Returns 0, or an error no request
 * can cause (the daemon then stops: a name server it cannot trust itself to
 * be is worse than none, since libipc waits for the next).
 */
static int serve_requests(void)
{
	static struct request r;

	for (int n = 0; n < BATCH; n++) {
		struct xipc_recv msg = {
			.handle = named.mailbox,
			.data = ipc_ptr(r.raw),
			.size = sizeof(r.raw),
			.handles = ipc_ptr(r.handles),
			.max_handles = XIPC_MAX_TRANSFERS,
		};
		int ret = ipc_recv(named.space, &msg), err;

		/* No request: the notices that woke us, if any. */
		if (ret == -EAGAIN)
			return take_notices();
		if (ret < 0)
			return ret;
		/*
		 * The notices after the request, before its answer: a lookup
		 * sent after a server's last receiver went never finds its
		 * name, since the kernel queued the notice before the sender
		 * could send. (Taken before the receive, a notice queued
		 * between the two would be missed.) So an answer and the
		 * next receive are not one ipc_batch().
		 */
		err = take_notices();
		if (err)
			return err;
		memset(r.raw + ret, 0, sizeof(r.raw) - (size_t)ret);
		r.op = msg.type;
		r.uid = msg.uid;
		r.gid = msg.gid;
		r.quota_uid = msg.quota_uid;
		r.pid = msg.pid;
		r.reply = msg.reply;
		r.nr_handles = msg.nr_handles;
		r.size = (size_t)ret;
		if (r.reply) {
			serve(&r);
			continue;
		}
		/* Not an RPC: nobody to answer. */
		if (named.verbose)
			note("dropped a message of type %lld from uid %u (pid %d)",
			    (long long)r.op, r.uid, r.pid);
		for (__u32 i = 0; i < r.nr_handles; i++)
			ipc_handle_close(named.space, r.handles[i]);
	}
	return 0;
}

static void log_names(void)
{
	say("%zu names, %zu lookups waiting", named.nr_entries,
	    named.nr_waiters);
	for (size_t i = 0; i < named.nr_entries; i++) {
		const struct ipc_ns_entry *e = &named.entries[i]->info;

		say("  \"%s\" uid %u gid %u object %llu rights %#x, %u rules",
		    e->name, e->uid, e->gid, (unsigned long long)e->object_id,
		    e->rights, e->nr_rules);
	}
}

/* Serves until a signal stops it; returns the exit status. */
static int run(int signals)
{
	int mailbox_fd = ipc_mailbox_fd(named.space, named.mailbox);
	int notices_fd = ipc_mailbox_fd(named.space, named.notices);

	if (mailbox_fd < 0 || notices_fd < 0) {
		say("mailbox fd: %s", strerror(-(mailbox_fd < 0 ? mailbox_fd :
							   notices_fd)));
		return 1;
	}
	for (;;) {
		struct pollfd fds[] = {
			{ .fd = signals, .events = POLLIN },
			{ .fd = notices_fd, .events = POLLIN },
			{ .fd = mailbox_fd, .events = POLLIN },
		};
		__u64 next = waiters_expire();
		int timeout_ms = -1, ret = 0;

		if (next != XIPC_TIMEOUT_INFINITE) {
			__u64 now = now_ns(), ms;

			ms = next > now ? (next - now + 999999) / 1000000 : 0;
			timeout_ms = ms > INT_MAX ? INT_MAX : (int)ms;
		}
		if (poll(fds, 3, timeout_ms) < 0) {
			if (errno == EINTR)
				continue;
			say("poll: %s", strerror(errno));
			return 1;
		}
		if (fds[0].revents) {
			struct signalfd_siginfo si;

			if (read(signals, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGUSR1) {
				log_names();
				continue;
			}
			say("stopped by signal %u", si.ssi_signo);
			return 0;
		}
		if (fds[1].revents || fds[2].revents)
			ret = serve_requests();
		if (ret == -EMFILE || ret == -ENOMEM || ret == -ENOBUFS) {
			/* Out of handles or memory for now: wait, then retry. */
			say("receive: %s; pausing 100 ms", strerror(-ret));
			usleep(100000);
		} else if (ret) {
			say("receive: %s", strerror(-ret));
			return 1;
		}
	}
}

/*
 * The handles the daemon may hold: one per name, one per waiting lookup (at
 * most as many as names), the handles and the reply handle of the request
 * it is taking, and its two mailboxes. Over the space's limit, a request
 * could not be taken.
 */
static int check_handle_budget(void)
{
	unsigned long long need = 2ULL * named.limits.names +
				  XIPC_MAX_TRANSFERS + 1 + 2;
	unsigned long long limit = 0;
	FILE *f = fopen("/sys/module/xipc/parameters/max_handles", "r");

	if (!f)
		return 0;	/* built in without sysfs: the default is ample */
	if (fscanf(f, "%llu", &limit) != 1)
		limit = 0;
	fclose(f);
	if (limit && need > limit) {
		say("-n %u needs %llu handles; a space may hold %llu (module parameter max_handles)",
		    named.limits.names, need, limit);
		return -EINVAL;
	}
	return 0;
}

static int start(void)
{
	int ret = check_handle_budget();

	if (ret)
		return ret;

	named.space = ipc_open(0);
	if (named.space < 0) {
		say("cannot open %s: %s", LIBIPC_DEVICE,
		    strerror(-named.space));
		return named.space;
	}
	ret = ipc_mailbox_create(named.space, MAILBOX_MSG_SIZE, MAILBOX_MSGS, 0);
	if (ret > 0) {
		named.mailbox = (__u32)ret;
		ret = ipc_mailbox_create(named.space, 0, 0, 0);
	}
	if (ret < 0) {
		say("cannot create a mailbox: %s", strerror(-ret));
		return ret;
	}
	named.notices = (__u32)ret;
	ret = ipc_nameserver_claim(named.space, named.mailbox);
	if (ret == -EBUSY)
		say("another name server runs in this IPC namespace");
	else if (ret == -EPERM)
		say("claiming the name-server role needs CAP_SYS_ADMIN");
	else if (ret)
		say("cannot claim the name-server role: %s", strerror(-ret));
	return ret;
}

static bool parse_count(const char *arg, unsigned int *out)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || !n || n > 1000000)
		return false;
	*out = (unsigned int)n;
	return true;
}

/*
 * With -d: forks, and the parent exits once the child serves (0) or failed
 * to start (1). Returns, in the child, the pipe to report on.
 */
static int detach(void)
{
	int pipefd[2], null;
	char status = 1;
	pid_t pid;

	if (pipe(pipefd) || (pid = fork()) < 0) {
		say("cannot detach: %s", strerror(errno));
		exit(1);
	}
	if (pid > 0) {
		close(pipefd[1]);
		if (read(pipefd[0], &status, 1) != 1)
			status = 1;
		exit(status);
	}
	close(pipefd[0]);
	setsid();
	if (chdir("/"))
		say("chdir /: %s", strerror(errno));
	null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	return pipefd[1];
}

int main(int argc, char **argv)
{
	const char *pidfile = NULL;
	unsigned int lines_per_minute;
	int opt, signals, ready = -1, status;
	sigset_t mask;

	while ((opt = getopt(argc, argv, "dp:n:u:w:l:vh")) != -1) {
		switch (opt) {
		case 'd':
			ready = 0;
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 'n':
		case 'u':
		case 'w':
			if (!parse_count(optarg, opt == 'n' ? &named.limits.names :
					 opt == 'u' ? &named.limits.names_per_uid :
					 &named.limits.waits_per_uid))
				goto usage;
			break;
		case 'l':
			if (!strcmp(optarg, "0"))
				logger.per_line_ns = 0;
			else if (parse_count(optarg, &lines_per_minute))
				logger.per_line_ns = MINUTE_NS / lines_per_minute;
			else
				goto usage;
			break;
		case 'v':
			named.verbose = true;
			break;
		case 'h':
			fputs(USAGE, stdout);
			return 0;
		default:
			goto usage;
		}
	}
	if (optind != argc)
		goto usage;

	if (!ready)
		ready = detach();
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	/* A log whose reader went away is a log that takes nothing. */
	signal(SIGPIPE, SIG_IGN);
	logger.last_ns = now_ns();
	signals = signalfd(-1, &mask, SFD_CLOEXEC);
	if (signals < 0) {
		say("signalfd: %s", strerror(errno));
		return 1;
	}
	if (start())
		return 1;
	if (pidfile) {
		FILE *f = fopen(pidfile, "w");

		if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f)) {
			say("cannot write %s: %s", pidfile, strerror(errno));
			return 1;
		}
	}
	say("serving (pid %d; at most %u names, %u per uid, %u waits per uid)",
	    (int)getpid(), named.limits.names, named.limits.names_per_uid,
	    named.limits.waits_per_uid);
	if (ready >= 0) {
		if (write(ready, "", 1) != 1)
			say("cannot report readiness: %s", strerror(errno));
		close(ready);
	}
	status = run(signals);
	log_left_out();
	if (pidfile)
		unlink(pidfile);
	return status;

usage:
	fputs(USAGE, stderr);
	return 2;
}
