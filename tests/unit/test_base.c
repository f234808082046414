/* test_base.c: the shared small base of common/: the monotonic clock, the error
 * formatter, mkdir_p, the fork/exec helper (spawn.h) with its hardening, and the
 * creation of a secret file. */
#include "tap.h"
#include "clock.h"
#include "errfmt.h"
#include "mkdirp.h"
#include "secretfile.h"
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_clock_errfmt(void)
{
	int64_t a = clock_mono_ms(), b;
	char err[8] = "x";

	usleep(20000);
	b = clock_mono_ms();
	ok(b - a >= 20 && b - a < 5000, "clock_mono_ms advances (%lld ms)", (long long)(b - a));
	ok(clock_mono_s() > 0, "clock_mono_s");
	ok(errfmt(err, sizeof err, "n=%d %s", 42, "long text") == -1, "errfmt returns -1");
	ok(strcmp(err, "n=42 lo") == 0, "errfmt truncates and terminates (%s)", err);
	ok(errfmt(NULL, 0, "nothing") == -1, "errfmt with no buffer");
}

static void test_mkdir_p(void)
{
	char base[] = "/tmp/af-test-base.XXXXXX", path[PATH_MAX], file[PATH_MAX];
	struct stat st;

	if (!mkdtemp(base)) {
		skip("mkdtemp failed");
		return;
	}
	snprintf(path, sizeof path, "%s/a/b/c", base);
	ok(mkdir_p(path, 0750) == 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode),
	   "mkdir_p makes the parents");
	ok(mkdir_p(path, 0750) == 0, "mkdir_p of an existing tree");
	snprintf(file, sizeof file, "%s/f", base);
	close(open(file, O_CREAT | O_WRONLY, 0600));
	ok(mkdir_p(file, 0750) == -1 && errno == ENOTDIR, "a file in the way is ENOTDIR");
	snprintf(path, sizeof path, "%s/f/sub", base);
	ok(mkdir_p(path, 0750) == -1, "a file as a parent fails");

	char err[256], buf[16] = "";
	snprintf(path, sizeof path, "%s/secret", base);
	ok(secretfile_create(path, "0123456789", 10, err, sizeof err) == 0 &&
		   stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_size == 10,
	   "secretfile_create: 0600, the bytes written");
	int fd = open(path, O_RDONLY);
	ok(fd >= 0 && read(fd, buf, sizeof buf) == 10 && memcmp(buf, "0123456789", 10) == 0,
	   "secretfile content");
	if (fd >= 0)
		close(fd);
	ok(secretfile_create(path, "x", 1, err, sizeof err) == -1 && strstr(err, "exists") &&
		   stat(path, &st) == 0 && st.st_size == 10,
	   "an existing secret is never replaced (%s)", err);
	snprintf(path, sizeof path, "%s/nodir/secret", base);
	ok(secretfile_create(path, "x", 1, err, sizeof err) == -1, "missing directory fails");
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof cmd, "rm -rf %s", base);
	if (system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", base);
}

static char *const *sh_argv(const char *script)
{
	static char *argv[4];
	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = (char *)script;
	argv[3] = NULL;
	return argv;
}

static int run_sh(const char *script, int timeout_ms, char *out, size_t outlen, char *err,
		  size_t errlen)
{
	struct spawn s;
	spawn_init(&s, sh_argv(script));
	return spawn_capture(&s, timeout_ms, out, outlen, err, errlen);
}

/* The value of "Key:" in /proc/self/status as the child saw it. */
static const char *status_field(const char *status, const char *key, char *val, size_t n)
{
	const char *p = strstr(status, key);
	val[0] = 0;
	if (p && sscanf(p + strlen(key), " %31s", val) == 1 && n > 0)
		return val;
	return "";
}

static void test_spawn_basics(void)
{
	char out[256], err[256];
	char *const missing[] = { "/nonexistent/program", NULL };
	struct spawn s;

	ok(run_sh("exit 7", 5000, out, sizeof out, err, sizeof err) == 7, "exit status");
	ok(run_sh("echo out; echo err >&2", 5000, out, sizeof out, err, sizeof err) == 0 &&
		   strcmp(out, "out\nerr\n") == 0,
	   "stdout and stderr captured (%s)", out);
	ok(run_sh("head -c 100000 /dev/zero; exit 3", 5000, out, 16, err, sizeof err) == 3 &&
		   strlen(out) == 0,
	   "output beyond the buffer dropped, child not blocked");
	spawn_init(&s, missing);
	ok(spawn_run(&s, 5000, err, sizeof err) == -1 && strstr(err, "exec") &&
		   strstr(err, "No such file"),
	   "a failed exec is reported (%s)", err);
	int64_t t0 = clock_mono_ms();
	ok(run_sh("sleep 30", 300, out, sizeof out, err, sizeof err) == -1 &&
		   strstr(err, "timed out"),
	   "timeout kills (%s)", err);
	ok(clock_mono_ms() - t0 < 10000, "the timeout ended the wait");
	spawn_init(&s, sh_argv("kill -9 $$"));
	ok(spawn_run(&s, 5000, err, sizeof err) == -1 && strstr(err, "signal 9"),
	   "death by signal is an error (%s)", err);
	char *const envp[] = { "ONLY=this", NULL };
	spawn_init(&s, sh_argv("echo \"$ONLY:$HOME\""));
	s.envp = envp;
	ok(spawn_capture(&s, 5000, out, sizeof out, err, sizeof err) == 0 &&
		   strcmp(out, "this:\n") == 0,
	   "envp is the whole environment (%s)", out);
}

static int hook_fails(void *arg)
{
	(void)arg;
	return 1;
}

static void test_spawn_hardening(void)
{
	char out[4096], err[256], v[32];
	char *const cat[] = { "/bin/cat", "/proc/self/status", NULL };
	struct spawn s;
	sigset_t term, old;
	int leak = open("/dev/null", O_RDONLY); /* not close-on-exec */

	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &old);
	signal(SIGPIPE, SIG_IGN);
	spawn_init(&s, cat);
	s.no_new_privs = true;
	ok(spawn_capture(&s, 5000, out, sizeof out, err, sizeof err) == 0, "cat status");
	ok(strcmp(status_field(out, "SigBlk:", v, sizeof v), "0000000000000000") == 0,
	   "the child's signal mask is empty (%s)", v);
	ok(strcmp(status_field(out, "SigIgn:", v, sizeof v), "0000000000000000") == 0,
	   "no signal ignored in the child (%s)", v);
	ok(strcmp(status_field(out, "NoNewPrivs:", v, sizeof v), "1") == 0, "no_new_privs");
	signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_SETMASK, &old, NULL);

	char script[64];
	snprintf(script, sizeof script, "test -e /proc/self/fd/%d && echo leaked", leak);
	ok(run_sh(script, 5000, out, sizeof out, err, sizeof err) != -1 &&
		   strstr(out, "leaked") == NULL,
	   "descriptors beyond 0-2 closed (fd %d)", leak);
	close(leak);

	int p[2];
	if (pipe(p) < 0) {
		skip("pipe");
		return;
	}
	spawn_init(&s, sh_argv("echo three >&3"));
	s.fd[3] = p[1];
	ok(spawn_run(&s, 5000, err, sizeof err) == 0, "fd 3 handed over");
	close(p[1]);
	ssize_t n = read(p[0], out, sizeof out - 1);
	out[n > 0 ? n : 0] = 0;
	ok(strcmp(out, "three\n") == 0, "fd 3 written by the child (%s)", out);
	close(p[0]);

	spawn_init(&s, sh_argv("exit 0"));
	s.pre_exec = hook_fails;
	ok(spawn_run(&s, 5000, err, sizeof err) == 126, "a failing pre_exec hook exits 126");
	spawn_init(&s, sh_argv("pwd"));
	s.cwd = "/";
	ok(spawn_capture(&s, 5000, out, sizeof out, err, sizeof err) == 0 &&
		   strcmp(out, "/\n") == 0,
	   "cwd");
}

static void test_spawn_detached(void)
{
	char out[512], err[256];
	struct spawn s;
	int p[2], pid = 0, sid = -1;

	if (pipe(p) < 0) {
		skip("pipe");
		return;
	}
	spawn_init(&s, sh_argv("cat /proc/$$/stat >&3"));
	s.fd[3] = p[1];
	ok(spawn_detached(&s, err, sizeof err) == 0, "detached start (%s)", err);
	close(p[1]);
	size_t got = 0;
	ssize_t n;
	while ((n = read(p[0], out + got, sizeof out - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = 0;
	close(p[0]);
	const char *rp = strrchr(out, ')');
	int parsed =
		sscanf(out, "%d", &pid) == 1 && rp && sscanf(rp + 2, "%*c %*d %*d %d", &sid) == 1;
	ok(parsed && sid == pid, "the detached program leads its own session (pid %d sid %d)", pid,
	   sid);
	char *const missing[] = { "/nonexistent/program", NULL };
	spawn_init(&s, missing);
	ok(spawn_detached(&s, err, sizeof err) == -1 && strstr(err, "exec"),
	   "a detached exec failure is reported (%s)", err);
}

int main(void)
{
	test_clock_errfmt();
	test_mkdir_p();
	test_spawn_basics();
	test_spawn_hardening();
	test_spawn_detached();
	return tap_done();
}
