/* SPDX-License-Identifier: MIT */
/*
 * The handshake between separate programs: this process creates and offers
 * a segment, peer_handshake (fork+exec) joins, checks the pattern and writes
 * an answer.  Fake servers and clients speak the raw protocol to check that
 * every malformed message is an error and no fd leaks.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <dirent.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <uipc/uipc.h>

#include "testutil.h"

#define NOBODY 65534
#define SEG_BYTES (64 * 1024)
#define JOIN_MS 10000 /* generous: the machine is shared */

/* ------------------------------------------------------------- helpers */


static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* A fresh directory that `nobody` may traverse, and a socket path in it. */
struct tmp_path {
	char dir[64];
	char path[80];
};

static void tmp_path_init(struct tmp_path *t)
{
	strcpy(t->dir, "/tmp/uipc-hs-XXXXXX");
	cr_assert_not_null(mkdtemp(t->dir));
	cr_assert_eq(chmod(t->dir, 0755), 0);
	snprintf(t->path, sizeof(t->path), "%s/sock", t->dir);
}

static void tmp_path_fini(struct tmp_path *t)
{
	unlink(t->path);
	rmdir(t->dir);
}

static void abstract_name(char *buf, size_t len, const char *what)
{
	static int n;

	snprintf(buf, len, "@uipc-hs-%d-%s-%d", (int)getpid(), what, n++);
}

static const char *helper(void)
{
	static char path[PATH_MAX];
	const char *dir = getenv("UIPC_TEST_BUILDDIR");
	char *slash;

	if (dir) {
		snprintf(path, sizeof(path), "%s/peer_handshake", dir);
		return path;
	}
	/* Run by hand: the helper is built next to this program. */
	cr_assert_gt(readlink("/proc/self/exe", path, sizeof(path) - 32), 0);
	slash = strrchr(path, '/');
	strcpy(slash + 1, "peer_handshake");
	return path;
}

/*
 * fork+exec peer_handshake.  @as_nobody drops to uid/gid 65534 between
 * fork and exec (the caller checked that we are root).
 */
static pid_t spawn_peer(const char *addr, int timeout_ms, uint64_t seed, const char *then,
			bool any, bool as_nobody)
{
	char tmo[16], sd[24];
	const char *exe = helper();
	pid_t pid;

	snprintf(tmo, sizeof(tmo), "%d", timeout_ms);
	snprintf(sd, sizeof(sd), "%llu", (unsigned long long)seed);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		if (as_nobody && (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY)))
			_exit(126);
		execl(exe, "peer_handshake", addr, tmo, sd, then, any ? "any" : NULL,
		      (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Exit status of @pid, or 1000 + signal number. */
static int wait_status(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		cr_assert_eq(errno, EINTR);
	if (WIFSIGNALED(st))
		return 1000 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

/* A published RAW segment whose region 0 holds the pattern of @seed. */
struct pat_seg {
	struct uipc_seg *seg;
	uint8_t *p;
	uint64_t size;
};

static void pat_seg_init(struct pat_seg *s, uint64_t seed)
{
	struct uipc_seg_opts o = UIPC_SEG_OPTS_INIT;
	uint32_t kind;
	uint64_t i;

	o.name = "hs-test";
	o.size = SEG_BYTES;
	o.huge = UIPC_HUGE_NEVER; /* tests must not depend on hugepages */
	cr_assert_eq(uipc_seg_create(&o, &s->seg, NULL), 0);
	cr_assert_eq(uipc_seg_region(s->seg, 0, (void **)&s->p, &s->size, &kind), 0);
	cr_assert_geq(s->size, SEG_BYTES);
	for (i = 0; i < s->size - 8; i++)
		s->p[i] = hs_byte(seed, i);
	memset(s->p + s->size - 8, 0, 8);
	cr_assert_eq(uipc_seg_publish(s->seg), 0);
}

/* The peer's answer: the checksum of what it read. */
static void pat_seg_check_answer(const struct pat_seg *s)
{
	uint64_t answer;

	memcpy(&answer, s->p + s->size - 8, sizeof(answer));
	cr_assert_eq(answer, hs_fnv(s->p, s->size - 8), "the peer's answer is wrong");
}

static bool path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/*
 * One full exchange with a separate program.  @peer_first starts the peer
 * before the listener exists, so it must retry.
 */
static void exchange(const char *addr, bool peer_first)
{
	struct uipc_hs_opts opts = { .timeout_ms = JOIN_MS };
	struct uipc_peer peer;
	struct pat_seg s;
	uint64_t seed = 0x1234567ull + (uint64_t)getpid();
	pid_t pid = -1;
	int lfd;

	pat_seg_init(&s, seed);
	opts.user = seed;
	if (peer_first) {
		pid = spawn_peer(addr, JOIN_MS, seed, "exit", false, false);
		/* Give it time to fail a few connects; if it has not started
		 * yet the test still passes, it just proves less. */
		poll(NULL, 0, 150);
	}
	lfd = uipc_hs_listen(addr, NULL);
	cr_assert_geq(lfd, 0, "listen %s: %d", addr, lfd);
	if (!peer_first)
		pid = spawn_peer(addr, JOIN_MS, seed, "exit", false, false);

	cr_assert_eq(uipc_hs_offer(lfd, s.seg, &opts, &peer), 0);
	cr_assert_eq(peer.pid, pid);
	cr_assert_eq(peer.uid, geteuid());
	cr_assert_eq(peer.gid, getegid());
	cr_assert_geq(peer.sock, 0);
	cr_assert_geq(peer.pidfd, 0, "pidfd_open exists on this kernel");
	cr_assert_eq(peer.hello.magic, UIPC_HELLO_MAGIC);
	cr_assert_eq(peer.hello.seg_size, uipc_seg_size(s.seg));
	cr_assert_eq(peer.hello.user, seed);

	cr_assert_eq(wait_status(pid), 0, "peer_handshake failed");
	pat_seg_check_answer(&s);
	/* It exited: both signals are down by the time waitpid returns. */
	cr_assert_eq(uipc_peer_alive(&peer), 0);

	uipc_peer_close(&peer);
	cr_assert_eq(uipc_hs_close_listener(lfd, addr), 0);
	uipc_seg_close(s.seg);
	if (addr[0] != '@')
		cr_assert_not(path_exists(addr), "socket file left behind");
}

/* ------------------------------------------------------------- exchanges */

Test(handshake, path_exec, .timeout = 30)
{
	struct tmp_path t;

	tmp_path_init(&t);
	exchange(t.path, false);
	tmp_path_fini(&t);
}

Test(handshake, abstract_exec, .timeout = 30)
{
	char addr[64];

	abstract_name(addr, sizeof(addr), "abs");
	exchange(addr, false);
}

Test(handshake, path_peer_starts_first, .timeout = 30)
{
	struct tmp_path t;

	tmp_path_init(&t);
	exchange(t.path, true);
	tmp_path_fini(&t);
}

Test(handshake, abstract_peer_starts_first, .timeout = 30)
{
	char addr[64];

	abstract_name(addr, sizeof(addr), "first");
	exchange(addr, true);
}

/* ------------------------------------------------------------- credentials */

static void skip_unless_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root to start a peer as uid 65534");
}

/* An abstract name has no file permissions, so only SO_PEERCRED stops nobody. */
Test(handshake, wrong_uid_refused, .timeout = 30)
{
	struct uipc_hs_opts opts = { .timeout_ms = JOIN_MS };
	struct uipc_peer peer;
	struct pat_seg s;
	char addr[64];
	pid_t pid;
	int lfd, fds;

	skip_unless_root();
	abstract_name(addr, sizeof(addr), "uid");
	pat_seg_init(&s, 7);
	lfd = uipc_hs_listen(addr, NULL);
	cr_assert_geq(lfd, 0);
	fds = count_fds();
	pid = spawn_peer(addr, JOIN_MS, 7, "exit", false, true);

	cr_assert_eq(uipc_hs_offer(lfd, s.seg, &opts, &peer), -EACCES);
	cr_assert_eq(peer.sock, -1);
	cr_assert_eq(peer.pidfd, -1);
	cr_assert_eq(count_fds(), fds, "offer leaked an fd");
	cr_assert_eq(wait_status(pid), EACCES, "the refused peer must see EACCES");
	cr_assert_eq(s.p[s.size - 1], 0, "the refused peer wrote into the segment");

	uipc_hs_close_listener(lfd, addr);
	uipc_seg_close(s.seg);
}

Test(handshake, uid_any_admits, .timeout = 30)
{
	struct uipc_hs_opts opts = { .timeout_ms = JOIN_MS, .allow_uid = UIPC_UID_ANY };
	struct uipc_peer peer;
	struct pat_seg s;
	char addr[64];
	pid_t pid;
	int lfd;

	skip_unless_root();
	abstract_name(addr, sizeof(addr), "any");
	pat_seg_init(&s, 8);
	opts.user = 8;
	lfd = uipc_hs_listen(addr, NULL);
	cr_assert_geq(lfd, 0);
	pid = spawn_peer(addr, JOIN_MS, 8, "exit", false, true);

	cr_assert_eq(uipc_hs_offer(lfd, s.seg, &opts, &peer), 0);
	cr_assert_eq(peer.uid, NOBODY);
	cr_assert_eq(peer.gid, NOBODY);
	cr_assert_eq(wait_status(pid), 0);
	pat_seg_check_answer(&s);

	uipc_peer_close(&peer);
	uipc_hs_close_listener(lfd, addr);
	uipc_seg_close(s.seg);
}

/*
 * Companion of the two above that needs no root: an allow_uid naming some
 * other uid refuses our own (same-uid) peer, and the peer hears why.
 */
Test(handshake, allow_uid_mismatch_refused, .timeout = 30)
{
	struct uipc_hs_opts opts = { .timeout_ms = JOIN_MS };
	struct uipc_peer peer;
	struct pat_seg s;
	char addr[64];
	pid_t pid;
	int lfd;

	opts.allow_uid = geteuid() == 4242 ? 4243 : 4242;
	abstract_name(addr, sizeof(addr), "allow");
	pat_seg_init(&s, 18);
	lfd = uipc_hs_listen(addr, NULL);
	cr_assert_geq(lfd, 0);
	pid = spawn_peer(addr, JOIN_MS, 18, "exit", false, false);
	cr_assert_eq(uipc_hs_offer(lfd, s.seg, &opts, &peer), -EACCES);
	cr_assert_eq(wait_status(pid), EACCES);
	uipc_hs_close_listener(lfd, addr);
	uipc_seg_close(s.seg);
}

/*
 * The joiner checks the creator too: a creator of a uid it does not allow
 * (nobody when we are root, else a uid named that is not ours) is refused
 * before anything it sends is read.
 */
Test(handshake, join_refuses_foreign_creator, .timeout = 30)
{
	struct uipc_hs_opts o = { .timeout_ms = JOIN_MS };
	struct uipc_peer peer;
	struct uipc_seg *seg;
	char addr[64];
	pid_t pid;
	int fds, sync[2];
	char c;

	if (geteuid() != 0)
		o.allow_uid = geteuid() == 4242 ? 4243 : 4242;
	abstract_name(addr, sizeof(addr), "foreign");
	cr_assert_eq(pipe2(sync, O_CLOEXEC), 0);
	fds = count_fds();
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct uipc_hs_opts co = { .timeout_ms = JOIN_MS, .allow_uid = UIPC_UID_ANY };
		struct uipc_peer p;
		struct pat_seg s;
		int lfd;

		alarm(25); /* never outlive the test */
		if (geteuid() == 0 && (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY)))
			_exit(1);
		pat_seg_init(&s, 19);
		lfd = uipc_hs_listen(addr, NULL);
		if (lfd < 0 || write(sync[1], "l", 1) != 1)
			_exit(2);
		uipc_hs_offer(lfd, s.seg, &co, &p);
		_exit(0);
	}
	cr_assert_eq(read(sync[0], &c, 1), 1);
	cr_assert_eq(uipc_hs_join(addr, &o, &seg, &peer), -EACCES);
	cr_assert_eq(count_fds(), fds);
	kill(pid, SIGKILL);
	wait_status(pid);
	close(sync[0]);
	close(sync[1]);
}

/* A 0600 socket file keeps another uid out before any credential check. */
Test(handshake, path_mode_keeps_other_uid_out, .timeout = 30)
{
	struct uipc_hs_opts opts = { .timeout_ms = 300, .allow_uid = UIPC_UID_ANY };
	struct uipc_peer peer;
	struct pat_seg s;
	struct tmp_path t;
	pid_t pid;
	int lfd;

	skip_unless_root();
	tmp_path_init(&t);
	pat_seg_init(&s, 9);
	lfd = uipc_hs_listen(t.path, NULL);
	cr_assert_geq(lfd, 0);
	pid = spawn_peer(t.path, 2000, 9, "exit", true, true);
	cr_assert_eq(wait_status(pid), EACCES);
	/* Nobody got through: even an allow-all offer finds no peer. */
	cr_assert_eq(uipc_hs_offer(lfd, s.seg, &opts, &peer), -ETIMEDOUT);

	uipc_hs_close_listener(lfd, t.path);
	uipc_seg_close(s.seg);
	tmp_path_fini(&t);
}

/* With a 0666 file the credential check is what refuses. */
Test(handshake, path_open_mode_uid_refused, .timeout = 30)
{
	struct uipc_hs_opts lopts = { .mode = 0666 };
	struct uipc_hs_opts opts = { .timeout_ms = JOIN_MS };
	struct uipc_peer peer;
	struct pat_seg s;
	struct tmp_path t;
	pid_t pid;
	int lfd;

	skip_unless_root();
	tmp_path_init(&t);
	pat_seg_init(&s, 10);
	lfd = uipc_hs_listen(t.path, &lopts);
	cr_assert_geq(lfd, 0);
	pid = spawn_peer(t.path, JOIN_MS, 10, "exit", true, true);
	cr_assert_eq(uipc_hs_offer(lfd, s.seg, &opts, &peer), -EACCES);
	cr_assert_eq(wait_status(pid), EACCES);

	uipc_hs_close_listener(lfd, t.path);
	uipc_seg_close(s.seg);
	tmp_path_fini(&t);
}

Test(handshake, socket_file_mode, .timeout = 10)
{
	struct uipc_hs_opts lopts = { .mode = 0640 };
	struct tmp_path t;
	struct stat st;
	mode_t old;
	int lfd;

	tmp_path_init(&t);
	/* With umask 0 bind alone would make the file 0777. */
	old = umask(0);
	lfd = uipc_hs_listen(t.path, NULL);
	umask(old);
	cr_assert_geq(lfd, 0);
	cr_assert_eq(stat(t.path, &st), 0);
	cr_assert(S_ISSOCK(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0600);
	cr_assert_eq(uipc_hs_close_listener(lfd, t.path), 0);

	old = umask(0);
	lfd = uipc_hs_listen(t.path, &lopts);
	umask(old);
	cr_assert_geq(lfd, 0);
	cr_assert_eq(stat(t.path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0640);
	cr_assert_eq(uipc_hs_close_listener(lfd, t.path), 0);
	cr_assert_not(path_exists(t.path));
	tmp_path_fini(&t);
}

/* ------------------------------------------------------------- listener */

static int raw_connect(const char *addr)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	if (addr[0] == '@') {
		memcpy(sa.sun_path + 1, addr + 1, strlen(addr) - 1);
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(addr));
	} else {
		strcpy(sa.sun_path, addr);
		len = sizeof(sa);
	}
	if (connect(fd, (struct sockaddr *)&sa, len) < 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	return fd;
}

/* Bind a socket at @path and close it without unlinking: a dead owner. */
static void make_stale(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	cr_assert_geq(fd, 0);
	strcpy(sa.sun_path, path);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(fd, 1), 0);
	close(fd);
	cr_assert(path_exists(path));
}

Test(handshake, stale_socket_replaced, .timeout = 10)
{
	struct uipc_hs_opts jopts = { .timeout_ms = 0 };
	struct uipc_peer peer;
	struct uipc_seg *seg;
	struct tmp_path t;
	int lfd, c;

	tmp_path_init(&t);
	make_stale(t.path);
	cr_assert_eq(raw_connect(t.path), -ECONNREFUSED);
	cr_assert_eq(uipc_hs_join(t.path, &jopts, &seg, &peer), -ECONNREFUSED);

	lfd = uipc_hs_listen(t.path, NULL);
	cr_assert_geq(lfd, 0, "stale socket not replaced: %d", lfd);
	c = raw_connect(t.path);
	cr_assert_geq(c, 0, "the new listener does not answer");
	close(c);
	cr_assert_eq(uipc_hs_close_listener(lfd, t.path), 0);
	cr_assert_not(path_exists(t.path));
	tmp_path_fini(&t);
}

Test(handshake, non_socket_file_kept, .timeout = 10)
{
	struct tmp_path t;
	struct stat st;
	int fd;

	tmp_path_init(&t);
	fd = open(t.path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "keep", 4), 4);
	close(fd);
	cr_assert_eq(uipc_hs_listen(t.path, NULL), -EADDRINUSE);
	cr_assert_eq(stat(t.path, &st), 0);
	cr_assert(S_ISREG(st.st_mode));
	cr_assert_eq(st.st_size, 4);
	tmp_path_fini(&t);
}

/*
 * A second listen on a live address fails, leaves the first alone, and its
 * probe connection does not become the first listener's peer.
 */
static void live_listener(const char *addr)
{
	struct uipc_hs_opts opts = { .timeout_ms = JOIN_MS, .user = 11 };
	struct uipc_peer peer;
	struct pat_seg s;
	pid_t pid;
	int lfd;

	pat_seg_init(&s, 11);
	lfd = uipc_hs_listen(addr, NULL);
	cr_assert_geq(lfd, 0);
	cr_assert_eq(uipc_hs_listen(addr, NULL), -EADDRINUSE);
	if (addr[0] != '@')
		cr_assert(path_exists(addr), "a failed listen removed the live socket");

	pid = spawn_peer(addr, JOIN_MS, 11, "exit", false, false);
	cr_assert_eq(uipc_hs_offer(lfd, s.seg, &opts, &peer), 0);
	cr_assert_eq(peer.pid, pid, "offer took the probe for a peer");
	cr_assert_eq(wait_status(pid), 0);
	pat_seg_check_answer(&s);

	uipc_peer_close(&peer);
	uipc_hs_close_listener(lfd, addr);
	uipc_seg_close(s.seg);
}

Test(handshake, live_path_eaddrinuse, .timeout = 30)
{
	struct tmp_path t;

	tmp_path_init(&t);
	live_listener(t.path);
	tmp_path_fini(&t);
}

Test(handshake, live_abstract_eaddrinuse, .timeout = 30)
{
	char addr[64];

	abstract_name(addr, sizeof(addr), "live");
	live_listener(addr);
}

Test(handshake, bad_arguments, .timeout = 10)
{
	struct uipc_hs_opts bad_mode = { .mode = 010000 };
	struct uipc_peer peer;
	struct uipc_seg *seg;
	char longname[200], maxabs[109];
	int lfd;

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	cr_assert_eq(uipc_hs_listen(NULL, NULL), -EINVAL);
	cr_assert_eq(uipc_hs_listen("", NULL), -EINVAL);
	cr_assert_eq(uipc_hs_listen("@", NULL), -EINVAL);
	longname[0] = '/';
	cr_assert_eq(uipc_hs_listen(longname, NULL), -EINVAL);
	longname[0] = '@';
	cr_assert_eq(uipc_hs_listen(longname, NULL), -EINVAL);
	cr_assert_eq(uipc_hs_listen("@uipc-bad-mode", &bad_mode), -EINVAL);
	cr_assert_eq(uipc_hs_join(longname, NULL, &seg, &peer), -EINVAL);
	cr_assert_eq(uipc_hs_join("@x", NULL, NULL, &peer), -EINVAL);
	cr_assert_eq(uipc_hs_offer(-1, NULL, NULL, &peer), -EINVAL);
	cr_assert_eq(peer.sock, -1);

	/* The longest abstract name that fits: '@' + 107 bytes. */
	snprintf(maxabs, sizeof(maxabs), "@%d-", (int)getpid());
	memset(maxabs + strlen(maxabs), 'm', sizeof(maxabs) - 1 - strlen(maxabs));
	maxabs[sizeof(maxabs) - 1] = 0;
	lfd = uipc_hs_listen(maxabs, NULL);
	cr_assert_geq(lfd, 0, "%d", lfd);
	cr_assert_eq(uipc_hs_close_listener(lfd, maxabs), 0);
}

/* ------------------------------------------------------------- timeouts */

Test(handshake, join_timeout0_no_listener, .timeout = 10)
{
	struct uipc_hs_opts o = { .timeout_ms = 0 };
	struct uipc_peer peer;
	struct uipc_seg *seg = (struct uipc_seg *)&o;
	struct tmp_path t;
	char addr[64];
	int fds = count_fds();

	abstract_name(addr, sizeof(addr), "none");
	cr_assert_eq(uipc_hs_join(addr, &o, &seg, &peer), -ECONNREFUSED);
	cr_assert_null(seg);
	cr_assert_eq(peer.sock, -1);
	tmp_path_init(&t);
	cr_assert_eq(uipc_hs_join(t.path, &o, &seg, &peer), -ECONNREFUSED);
	tmp_path_fini(&t);
	cr_assert_eq(count_fds(), fds);
}

Test(handshake, join_timeout_expires, .timeout = 20)
{
	struct uipc_hs_opts o = { .timeout_ms = 300 };
	struct uipc_peer peer;
	struct uipc_seg *seg;
	char addr[64];
	int64_t t0, dt;

	abstract_name(addr, sizeof(addr), "tmo");
	t0 = now_ms();
	cr_assert_eq(uipc_hs_join(addr, &o, &seg, &peer), -ETIMEDOUT);
	dt = now_ms() - t0;
	/* Correctness, not speed: it must not give up early, and must not
	 * hang far beyond its deadline. */
	cr_assert_geq(dt, 300);
	cr_assert_lt(dt, 10000, "took %lld ms", (long long)dt);
}

/* The listener exists but never offers: the exchange times out, nothing leaks. */
Test(handshake, join_listener_never_offers, .timeout = 20)
{
	struct uipc_hs_opts o = { .timeout_ms = 100 };
	struct uipc_peer peer;
	struct uipc_seg *seg;
	char addr[64];
	int lfd, fds;

	abstract_name(addr, sizeof(addr), "mute");
	lfd = uipc_hs_listen(addr, NULL);
	cr_assert_geq(lfd, 0);
	fds = count_fds();
	cr_assert_eq(uipc_hs_join(addr, &o, &seg, &peer), -ETIMEDOUT);
	cr_assert_eq(count_fds(), fds);
	uipc_hs_close_listener(lfd, addr);
}

Test(handshake, offer_timeout, .timeout = 20)
{
	struct uipc_hs_opts o = { .timeout_ms = 100 };
	struct uipc_peer peer;
	struct pat_seg s;
	char addr[64];
	int lfd;

	pat_seg_init(&s, 12);
	abstract_name(addr, sizeof(addr), "lonely");
	lfd = uipc_hs_listen(addr, NULL);
	cr_assert_geq(lfd, 0);
	cr_assert_eq(uipc_hs_offer(lfd, s.seg, &o, &peer), -ETIMEDOUT);
	o.timeout_ms = 0;
	cr_assert_eq(uipc_hs_offer(lfd, s.seg, &o, &peer), -ETIMEDOUT);
	uipc_hs_close_listener(lfd, addr);
	uipc_seg_close(s.seg);
}

/* ------------------------------------------------------------- liveness */

Test(handshake, peer_killed_seen_dead, .timeout = 30)
{
	struct uipc_hs_opts opts = { .timeout_ms = JOIN_MS, .user = 13 };
	struct uipc_peer peer;
	struct pat_seg s;
	char addr[64];
	pid_t pid;
	int lfd, alive = 1, i;

	pat_seg_init(&s, 13);
	abstract_name(addr, sizeof(addr), "kill");
	lfd = uipc_hs_listen(addr, NULL);
	cr_assert_geq(lfd, 0);
	pid = spawn_peer(addr, JOIN_MS, 13, "hold", false, false);
	cr_assert_eq(uipc_hs_offer(lfd, s.seg, &opts, &peer), 0);
	cr_assert_eq(uipc_peer_alive(&peer), 1);

	cr_assert_eq(kill(pid, SIGKILL), 0);
	/* Bounded wait (a hang guard, not a speed check). */
	for (i = 0; i < 5000 && (alive = uipc_peer_alive(&peer)) == 1; i++)
		poll(NULL, 0, 1);
	cr_assert_eq(alive, 0, "a killed peer still looks alive");
	cr_assert_eq(wait_status(pid), 1000 + SIGKILL);

	uipc_peer_close(&peer);
	cr_assert_eq(uipc_peer_alive(&peer), -EBADF);
	uipc_peer_close(&peer); /* twice is harmless */
	uipc_hs_close_listener(lfd, addr);
	uipc_seg_close(s.seg);
}

/* The joiner sees the creator's close (peer_handshake "hold" checks it). */
Test(handshake, creator_close_seen_by_joiner, .timeout = 30)
{
	struct uipc_hs_opts opts = { .timeout_ms = JOIN_MS, .user = 14 };
	struct uipc_peer peer;
	struct pat_seg s;
	char addr[64];
	pid_t pid;
	int lfd;

	pat_seg_init(&s, 14);
	abstract_name(addr, sizeof(addr), "close");
	lfd = uipc_hs_listen(addr, NULL);
	cr_assert_geq(lfd, 0);
	pid = spawn_peer(addr, JOIN_MS, 14, "hold", false, false);
	cr_assert_eq(uipc_hs_offer(lfd, s.seg, &opts, &peer), 0);
	uipc_peer_close(&peer);
	cr_assert_eq(wait_status(pid), 0, "the joiner did not see the close as a death");
	pat_seg_check_answer(&s);
	uipc_hs_close_listener(lfd, addr);
	uipc_seg_close(s.seg);
}

/* The joiner sees a killed creator, through the socket and its pidfd. */
Test(handshake, creator_killed_seen_by_joiner, .timeout = 30)
{
	struct uipc_hs_opts o = { .timeout_ms = JOIN_MS };
	struct uipc_peer peer;
	struct uipc_seg *seg;
	char addr[64];
	pid_t pid;
	int alive = 1, i;

	abstract_name(addr, sizeof(addr), "creator");
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct uipc_peer p;
		struct pat_seg s;
		int lfd;

		alarm(25); /* never outlive the test */
		pat_seg_init(&s, 15);
		lfd = uipc_hs_listen(addr, NULL);
		if (lfd < 0 || uipc_hs_offer(lfd, s.seg, &o, &p))
			_exit(1);
		for (;;)
			pause();
	}
	cr_assert_eq(uipc_hs_join(addr, &o, &seg, &peer), 0);
	cr_assert_eq(peer.pid, pid);
	cr_assert_geq(peer.pidfd, 0);
	cr_assert_eq(peer.uid, geteuid());
	cr_assert_eq(uipc_peer_alive(&peer), 1);
	cr_assert_eq(kill(pid, SIGKILL), 0);
	for (i = 0; i < 5000 && (alive = uipc_peer_alive(&peer)) == 1; i++)
		poll(NULL, 0, 1);
	cr_assert_eq(alive, 0);
	cr_assert_eq(wait_status(pid), 1000 + SIGKILL);
	uipc_peer_close(&peer);
	uipc_seg_close(seg);
}

/*
 * The socket alone can miss a death: here a grandchild inherited the
 * creator's end, so it stays open after the creator is killed.  The pidfd
 * still says the creator is gone.
 */
Test(handshake, creator_death_seen_through_pidfd, .timeout = 30)
{
	struct uipc_hs_opts o = { .timeout_ms = JOIN_MS };
	struct uipc_peer peer;
	struct uipc_seg *seg;
	struct pollfd pfd;
	char addr[64];
	pid_t pid, grandchild;
	int alive = 1, i, gp[2];

	abstract_name(addr, sizeof(addr), "heir");
	cr_assert_eq(pipe2(gp, O_CLOEXEC), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct uipc_peer p;
		struct pat_seg s;
		pid_t g;
		int lfd;

		alarm(25); /* never outlive the test */
		pat_seg_init(&s, 20);
		lfd = uipc_hs_listen(addr, NULL);
		if (lfd < 0 || uipc_hs_offer(lfd, s.seg, &o, &p))
			_exit(1);
		g = fork();
		if (g == 0) {
			alarm(25);
			for (;;)
				pause(); /* holds p.sock open */
		}
		if (write(gp[1], &g, sizeof(g)) != sizeof(g))
			_exit(2);
		for (;;)
			pause();
	}
	cr_assert_eq(uipc_hs_join(addr, &o, &seg, &peer), 0);
	cr_assert_geq(peer.pidfd, 0);
	cr_assert_eq(read(gp[0], &grandchild, sizeof(grandchild)), (ssize_t)sizeof(grandchild));
	cr_assert_eq(kill(pid, SIGKILL), 0);
	for (i = 0; i < 5000 && (alive = uipc_peer_alive(&peer)) == 1; i++)
		poll(NULL, 0, 1);
	cr_assert_eq(alive, 0, "the pidfd did not report the creator's death");
	/* Proof that the socket could not have told: it is still up. */
	pfd = (struct pollfd){ .fd = peer.sock, .events = POLLRDHUP };
	cr_assert_eq(poll(&pfd, 1, 0), 0, "the socket hung up: the test proves nothing");

	kill(grandchild, SIGKILL);
	wait_status(pid);
	uipc_peer_close(&peer);
	uipc_seg_close(seg);
	close(gp[0]);
	close(gp[1]);
}

/* ------------------------------------------------------------- hostile peers */

enum fake {
	FAKE_GARBAGE,
	FAKE_NO_FD,
	FAKE_EXTRA_FDS,
	FAKE_TOO_MANY_FDS,
	FAKE_SHORT,
	FAKE_PIPE_FD,
	FAKE_SIZE_MISMATCH,
	FAKE_BAD_VERSION,
	FAKE_BAD_FLAGS,
	FAKE_BAD_LAYOUT,
	FAKE_NOT_A_SEGMENT,
	FAKE_UNSEALED,
	FAKE_KIND_MISMATCH,
	FAKE_REFUSED,
	FAKE_SILENT,
};

static void fake_send(int sock, const void *buf, size_t len, const int *fds, int nfds)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 16)];
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (nfds) {
		memset(cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)nfds);
	}
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) != (ssize_t)len)
		_exit(2);
}

/* The forked fake creator: answers one join with message @kind. */
static void fake_server(const char *addr, enum fake kind)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct uipc_hello h = { .magic = UIPC_HELLO_MAGIC, .version = UIPC_HELLO_VERSION,
				.layout = UIPC_LAYOUT_VERSION, .seg_size = SEG_BYTES };
	char req[sizeof(struct uipc_hello)], junk[sizeof(h)];
	int lfd, s, fds[16], i, p[2];

	alarm(15); /* never outlive a test whose joiner gave up */
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	memcpy(sa.sun_path + 1, addr + 1, strlen(addr) - 1);
	if (bind(lfd, (struct sockaddr *)&sa,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(addr))) ||
	    listen(lfd, 4))
		_exit(3);
	s = accept(lfd, NULL, NULL);
	if (s < 0 || recv(s, req, sizeof(req), MSG_WAITALL) != sizeof(req))
		_exit(4);
	for (i = 0; i < 16; i++) {
		fds[i] = memfd_create("fake", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (fds[i] < 0 || ftruncate(fds[i], SEG_BYTES))
			_exit(5);
	}
	for (i = 0; i < (int)sizeof(junk); i++)
		junk[i] = (char)(i * 37 + 11);

	switch (kind) {
	case FAKE_GARBAGE:
		fake_send(s, junk, sizeof(junk), fds, 1);
		break;
	case FAKE_NO_FD:
		fake_send(s, &h, sizeof(h), NULL, 0);
		break;
	case FAKE_EXTRA_FDS:
		fake_send(s, &h, sizeof(h), fds, 3);
		break;
	case FAKE_TOO_MANY_FDS:
		fake_send(s, &h, sizeof(h), fds, 16);
		break;
	case FAKE_SHORT:
		fake_send(s, &h, 20, fds, 1);
		break;
	case FAKE_PIPE_FD:
		if (pipe(p))
			_exit(6);
		fake_send(s, &h, sizeof(h), p, 1);
		break;
	case FAKE_SIZE_MISMATCH:
		h.seg_size = 2 * SEG_BYTES;
		fake_send(s, &h, sizeof(h), fds, 1);
		break;
	case FAKE_BAD_VERSION:
		h.version = UIPC_HELLO_VERSION + 1;
		fake_send(s, &h, sizeof(h), fds, 1);
		break;
	case FAKE_BAD_FLAGS:
		h.flags = 0x80000000u;
		fake_send(s, &h, sizeof(h), fds, 1);
		break;
	case FAKE_BAD_LAYOUT:
		h.layout = (UIPC_LAYOUT_MAJOR + 1) << 16;
		fake_send(s, &h, sizeof(h), fds, 1);
		break;
	case FAKE_NOT_A_SEGMENT:
		/* A well-formed hello with a sealed zero-filled memfd: only
		 * attach's look at the contents can say no. */
		if (fcntl(fds[0], F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL))
			_exit(7);
		fake_send(s, &h, sizeof(h), fds, 1);
		break;
	case FAKE_UNSEALED:
		fake_send(s, &h, sizeof(h), fds, 1);
		break;
	case FAKE_KIND_MISMATCH: {
		/* A real, valid segment, but the hello lies about its kind. */
		struct uipc_seg_opts so = UIPC_SEG_OPTS_INIT;
		struct uipc_seg *seg;
		int fd;

		so.size = SEG_BYTES;
		so.huge = UIPC_HUGE_NEVER;
		if (uipc_seg_create(&so, &seg, NULL) || uipc_seg_publish(seg))
			_exit(8);
		fd = uipc_seg_fd(seg);
		h.seg_size = uipc_seg_size(seg);
		h.kind = UIPC_KIND_RING;
		fake_send(s, &h, sizeof(h), &fd, 1);
		break;
	}
	case FAKE_REFUSED:
		h.flags = UIPC_HELLO_F_REFUSED;
		fake_send(s, &h, sizeof(h), NULL, 0);
		break;
	case FAKE_SILENT:
		break;
	}
	/* Close at once: the joiner must cope with data followed by EOF. */
	_exit(0);
}

static int join_fake(enum fake kind)
{
	struct uipc_hs_opts o = { .timeout_ms = JOIN_MS };
	struct uipc_peer peer;
	struct uipc_seg *seg = (struct uipc_seg *)&o;
	char addr[64];
	pid_t pid;
	int fds, rc;

	abstract_name(addr, sizeof(addr), "fake");
	fds = count_fds();
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		fake_server(addr, kind);
	rc = uipc_hs_join(addr, &o, &seg, &peer);
	cr_assert_eq(wait_status(pid), 0, "the fake server failed");
	cr_assert_eq(count_fds(), fds, "join leaked an fd (rc %d)", rc);
	cr_assert_null(seg);
	cr_assert_eq(peer.sock, -1);
	cr_assert_eq(peer.pidfd, -1);
	return rc;
}

Test(handshake_hostile, garbage_hello, .timeout = 30)
{
	cr_assert_eq(join_fake(FAKE_GARBAGE), -EPROTO);
}

Test(handshake_hostile, hello_without_fd, .timeout = 30)
{
	cr_assert_eq(join_fake(FAKE_NO_FD), -EPROTO);
}

Test(handshake_hostile, hello_with_extra_fds, .timeout = 30)
{
	cr_assert_eq(join_fake(FAKE_EXTRA_FDS), -EPROTO);
}

Test(handshake_hostile, hello_with_too_many_fds, .timeout = 30)
{
	cr_assert_eq(join_fake(FAKE_TOO_MANY_FDS), -EPROTO);
}

Test(handshake_hostile, short_hello, .timeout = 30)
{
	cr_assert_eq(join_fake(FAKE_SHORT), -EPROTO);
}

Test(handshake_hostile, pipe_instead_of_memfd, .timeout = 30)
{
	cr_assert_eq(join_fake(FAKE_PIPE_FD), -EPROTO);
}

Test(handshake_hostile, size_mismatch, .timeout = 30)
{
	cr_assert_eq(join_fake(FAKE_SIZE_MISMATCH), -EPROTO);
}

Test(handshake_hostile, other_hello_version, .timeout = 30)
{
	cr_assert_eq(join_fake(FAKE_BAD_VERSION), -EPROTO);
}

Test(handshake_hostile, unknown_flags, .timeout = 30)
{
	cr_assert_eq(join_fake(FAKE_BAD_FLAGS), -EPROTO);
}

Test(handshake_hostile, other_layout_major, .timeout = 30)
{
	cr_assert_eq(join_fake(FAKE_BAD_LAYOUT), -EPROTONOSUPPORT);
}

Test(handshake_hostile, fd_not_a_segment, .timeout = 30)
{
	int rc = join_fake(FAKE_NOT_A_SEGMENT);

	/* Zero-filled: unpublished version word or bad magic, by check order. */
	cr_assert(rc == -EAGAIN || rc == -ENOEXEC, "rc %d", rc);
}

/* The creator could shrink an unsealed file under us: attach refuses it. */
Test(handshake_hostile, unsealed_memfd, .timeout = 30)
{
	cr_assert_eq(join_fake(FAKE_UNSEALED), -EPERM);
}

Test(handshake_hostile, hello_kind_contradicts_header, .timeout = 30)
{
	cr_assert_eq(join_fake(FAKE_KIND_MISMATCH), -EPROTO);
}

Test(handshake_hostile, refusal_message, .timeout = 30)
{
	cr_assert_eq(join_fake(FAKE_REFUSED), -EACCES);
}

Test(handshake_hostile, server_closes_silently, .timeout = 30)
{
	cr_assert_eq(join_fake(FAKE_SILENT), -ECONNRESET);
}

/* Fake joiners against a real offer. */
Test(handshake_hostile, offer_garbage_request, .timeout = 20)
{
	struct uipc_hs_opts o = { .timeout_ms = JOIN_MS };
	struct uipc_peer peer;
	struct pat_seg s;
	char addr[64], junk[sizeof(struct uipc_hello)];
	int lfd, c, fds;

	pat_seg_init(&s, 16);
	abstract_name(addr, sizeof(addr), "gjoin");
	lfd = uipc_hs_listen(addr, NULL);
	cr_assert_geq(lfd, 0);
	memset(junk, 0x5a, sizeof(junk));
	c = raw_connect(addr);
	cr_assert_geq(c, 0);
	cr_assert_eq(send(c, junk, sizeof(junk), MSG_NOSIGNAL), (ssize_t)sizeof(junk));
	fds = count_fds();
	cr_assert_eq(uipc_hs_offer(lfd, s.seg, &o, &peer), -EPROTO);
	cr_assert_eq(count_fds(), fds);
	/* And it sent nothing back: no fd reached the garbage speaker. */
	cr_assert_eq(recv(c, junk, sizeof(junk), MSG_DONTWAIT), 0);
	close(c);
	uipc_hs_close_listener(lfd, addr);
	uipc_seg_close(s.seg);
}

/* A connection that closes without a word is skipped, not offered to. */
Test(handshake_hostile, offer_skips_silent_connection, .timeout = 20)
{
	struct uipc_hs_opts o = { .timeout_ms = 200 };
	struct uipc_peer peer;
	struct pat_seg s;
	char addr[64];
	int lfd, c, fds;

	pat_seg_init(&s, 17);
	abstract_name(addr, sizeof(addr), "silent");
	lfd = uipc_hs_listen(addr, NULL);
	cr_assert_geq(lfd, 0);
	c = raw_connect(addr);
	cr_assert_geq(c, 0);
	close(c);
	fds = count_fds();
	cr_assert_eq(uipc_hs_offer(lfd, s.seg, &o, &peer), -ETIMEDOUT);
	cr_assert_eq(count_fds(), fds);
	uipc_hs_close_listener(lfd, addr);
	uipc_seg_close(s.seg);
}
