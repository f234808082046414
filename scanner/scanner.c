/* scanner.c: runs scanner/scan.js in a confined child process, feeds it an app's files,
 * reads and strictly validates its verdict, and applies the scan policy. See scanner.h
 * for the contract; scan.js and its modules (scan_rules.js ...) hold the rules. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "scanner.h"
#include "confine.h"
#include "clock.h"
#include "errfmt.h"
#include "spawn.h"
#include "conf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef AF_PKGDATADIR
#define AF_PKGDATADIR "/usr/local/share/appforge"
#endif
#ifndef AF_NODE
#define AF_NODE "/usr/bin/node"
#endif

const char *scanner_script_path(void)
{
	const char *e = getenv("AF_SCANNER_JS");

	return e && *e ? e : AF_PKGDATADIR "/scanner/scan.js";
}

/* ------------------------------------------------------------ result shape --- */

static int is_rule_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 40)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || *s == '-'))
			return 0;
	return 1;
}

static int check_keys(struct json_object *o, const char *const *keys, size_t nkeys)
{
	size_t seen = 0;

	json_object_object_foreach (o, k, v) {
		size_t i;

		(void)v;
		for (i = 0; i < nkeys; i++)
			if (strcmp(k, keys[i]) == 0)
				break;
		if (i == nkeys)
			return -1;
		seen++;
	}
	return seen == nkeys ? 0 : -1;
}

static int get_string(struct json_object *o, const char *key, size_t max, const char **out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return -1;
	if ((size_t)json_object_get_string_len(v) > max)
		return -1;
	*out = json_object_get_string(v);
	return 0;
}

static int get_count(struct json_object *o, const char *key)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return -1;
	n = json_object_get_int64(v);
	return n < 0 || n > INT_MAX ? -1 : 0;
}

int scanner_validate_result(struct json_object *obj, char *err, size_t errlen)
{
	static const char *const top_keys[] = { "verdict", "findings" };
	static const char *const f_keys[] = { "rule", "severity", "file",
					      "line", "column",   "message" };
	struct json_object *list;
	const char *verdict, *want = "pass";
	size_t i, n;

	if (!obj || !json_object_is_type(obj, json_type_object) ||
	    check_keys(obj, top_keys, 2) < 0) {
		errfmt(err, errlen, "result is not an object with exactly verdict and findings");
		return -1;
	}
	if (get_string(obj, "verdict", 8, &verdict) < 0 ||
	    (strcmp(verdict, "pass") && strcmp(verdict, "warn") && strcmp(verdict, "block"))) {
		errfmt(err, errlen, "verdict is not pass, warn or block");
		return -1;
	}
	json_object_object_get_ex(obj, "findings", &list);
	if (!json_object_is_type(list, json_type_array)) {
		errfmt(err, errlen, "findings is not an array");
		return -1;
	}
	n = json_object_array_length(list);
	if (n > SCANNER_MAX_FINDINGS) {
		errfmt(err, errlen, "more than %d findings", SCANNER_MAX_FINDINGS);
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct json_object *f = json_object_array_get_idx(list, i);
		const char *rule, *sev, *file, *msg;

		if (!json_object_is_type(f, json_type_object) || check_keys(f, f_keys, 6) < 0 ||
		    get_string(f, "rule", 40, &rule) < 0 || !is_rule_id(rule) ||
		    get_string(f, "severity", 8, &sev) < 0 ||
		    (strcmp(sev, "block") && strcmp(sev, "warn")) ||
		    get_string(f, "file", 4096, &file) < 0 ||
		    get_string(f, "message", 2000, &msg) < 0 || !*msg || get_count(f, "line") < 0 ||
		    get_count(f, "column") < 0) {
			errfmt(err, errlen, "finding %zu is malformed", i);
			return -1;
		}
		if (strcmp(sev, "block") == 0)
			want = "block";
		else if (strcmp(want, "pass") == 0)
			want = "warn";
	}
	if (strcmp(verdict, want) != 0) {
		errfmt(err, errlen, "verdict %s does not match the findings (%s)", verdict, want);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------- the child side --- */

struct child_io {
	pid_t pid;
	int in_fd; /* socket: our end of its stdin (send with MSG_NOSIGNAL, no SIGPIPE) */
	int out_fd;
	int err_fd;
};

static void set_limit(int res, rlim_t soft, rlim_t hard)
{
	struct rlimit rl = { soft, hard };

	setrlimit(res, &rl);
}

struct child_setup {
	const struct scanner_limits *lim;
	const struct scan_jail *jail;
};

/* spawn's pre_exec hook, in the forked child (only async-signal-safe calls): the
 * limits, then, last, the jail, whose seccomp filter refuses what the steps before may
 * still need. spawn has set stdio and marked every other descriptor close-on-exec, so
 * the jail's Landlock ruleset is there until the exec. */
static int child_setup(void *arg)
{
	const struct child_setup *cs = arg;
	static const char msg[] = "cannot enter the scanner's jail (seccomp, Landlock)\n";

	set_limit(RLIMIT_AS, (rlim_t)cs->lim->as_mb << 20, (rlim_t)cs->lim->as_mb << 20);
	set_limit(RLIMIT_CPU, (rlim_t)cs->lim->cpu_seconds, (rlim_t)cs->lim->cpu_seconds + 1);
	set_limit(RLIMIT_CORE, 0, 0);
	if (scan_jail_enter(cs->jail) < 0) {
		if (write(2, msg, sizeof msg - 1) < 0)
			return 1;
		return 1;
	}
	return 0;
}

static int spawn_scanner(const char *node, const char *script, const struct scanner_limits *lim,
			 size_t input_len, struct child_io *io, char *err, size_t errlen)
{
	char heap[48], semi[48], maxb[64];
	char *argv[] = { (char *)node,  heap,
			 semi,          "--disallow-code-generation-from-strings",
			 "--no-addons", (char *)script,
			 NULL };
	char *envp[] = { "PATH=/usr/bin:/bin",
			 "NODE_PATH=/usr/share/nodejs",
			 "LANG=C.UTF-8",
			 "HOME=/",
			 maxb,
			 NULL };
	int sv[2] = { -1, -1 }, op[2] = { -1, -1 }, ep[2] = { -1, -1 };
	struct scan_jail jail;
	struct child_setup cs = { lim, &jail };
	struct spawn sp;
	pid_t pid;

	snprintf(heap, sizeof heap, "--max-old-space-size=%d", lim->heap_mb);
	snprintf(semi, sizeof semi, "--max-semi-space-size=16");
	snprintf(maxb, sizeof maxb, "AF_SCAN_MAX_BYTES=%zu", input_len + 1024);
	if (access(script, R_OK) < 0) {
		errfmt(err, errlen, "scanner script %s: %s", script, strerror(errno));
		return -1;
	}
	if (access(node, X_OK) < 0) {
		errfmt(err, errlen, "node %s: %s", node, strerror(errno));
		return -1;
	}
	if (scan_jail_prepare(&jail, script, err, errlen) < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 ||
	    pipe2(op, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
		errfmt(err, errlen, "scanner pipes: %s", strerror(errno));
		goto fail;
	}
	spawn_init(&sp, argv);
	sp.envp = envp;
	sp.fd[0] = sv[1];
	sp.fd[1] = op[1];
	sp.fd[2] = ep[1];
	sp.pdeathsig = true;
	sp.new_pgroup = true;
	sp.no_new_privs = true;
	sp.cwd = "/";
	sp.pre_exec = child_setup;
	sp.pre_exec_arg = &cs;
	if ((pid = spawn_start(&sp, err, errlen)) < 0)
		goto fail;
	scan_jail_release(&jail);
	close(sv[1]);
	close(op[1]);
	close(ep[1]);
	io->pid = pid;
	io->in_fd = sv[0];
	io->out_fd = op[0];
	io->err_fd = ep[0];
	fcntl(io->in_fd, F_SETFL, O_NONBLOCK);
	fcntl(io->out_fd, F_SETFL, O_NONBLOCK);
	fcntl(io->err_fd, F_SETFL, O_NONBLOCK);
	return 0;
fail:
	scan_jail_release(&jail);
	for (int i = 0; i < 2; i++) {
		if (sv[i] >= 0)
			close(sv[i]);
		if (op[i] >= 0)
			close(op[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	return -1;
}

/* What happened to the child. */
enum run_outcome { RUN_EXITED, RUN_TIMEOUT, RUN_OUTPUT_TOO_BIG };

struct run_result {
	enum run_outcome outcome;
	int status; /* waitpid status when RUN_EXITED */
	char *out;  /* stdout, NUL-terminated, malloc'd */
	size_t out_len;
	char errtxt[512]; /* start of stderr */
	size_t err_len;
};

/* Feeds input, collects output, waits; kills the child at the deadline. The child is
 * always reaped on return. Returns -1 only when memory runs out. */
static int pump(struct child_io *io, const char *input, size_t input_len,
		const struct scanner_limits *lim, struct run_result *r)
{
	long long deadline = clock_mono_ms() + lim->timeout_ms;
	size_t sent = 0, cap = 65536;
	int rc = 0, status = 0;

	r->out = malloc(cap);
	if (!r->out) {
		spawn_kill(io->pid);
		rc = -1;
		goto reap;
	}
	r->out_len = 0;
	r->err_len = 0;
	r->outcome = RUN_EXITED;
	while (io->out_fd >= 0 || io->err_fd >= 0) {
		struct pollfd pf[3];
		int nf = 0, left = (int)(deadline - clock_mono_ms());

		if (left <= 0) {
			r->outcome = RUN_TIMEOUT;
			spawn_kill(io->pid);
			goto reap;
		}
		if (io->in_fd >= 0)
			pf[nf++] = (struct pollfd){ io->in_fd, POLLOUT, 0 };
		if (io->out_fd >= 0)
			pf[nf++] = (struct pollfd){ io->out_fd, POLLIN, 0 };
		if (io->err_fd >= 0)
			pf[nf++] = (struct pollfd){ io->err_fd, POLLIN, 0 };
		if (poll(pf, (nfds_t)nf, left) < 0) {
			if (errno == EINTR)
				continue;
			r->outcome = RUN_TIMEOUT;
			spawn_kill(io->pid);
			goto reap;
		}
		for (int i = 0; i < nf; i++) {
			if (!pf[i].revents)
				continue;
			if (pf[i].fd == io->in_fd) {
				ssize_t w = send(io->in_fd, input + sent, input_len - sent,
						 MSG_NOSIGNAL);

				if (w > 0)
					sent += (size_t)w;
				if ((w < 0 && errno != EAGAIN && errno != EINTR) ||
				    sent == input_len) {
					close(io->in_fd);
					io->in_fd = -1;
				}
			} else if (pf[i].fd == io->out_fd) {
				ssize_t n;

				if (r->out_len + 65536 + 1 > cap) {
					char *p;

					if (cap >= lim->max_output + 65536) {
						r->outcome = RUN_OUTPUT_TOO_BIG;
						spawn_kill(io->pid);
						goto reap;
					}
					p = realloc(r->out, cap * 2);
					if (!p) {
						spawn_kill(io->pid);
						rc = -1;
						goto reap;
					}
					r->out = p;
					cap *= 2;
				}
				n = read(io->out_fd, r->out + r->out_len, 65536);
				if (n > 0) {
					r->out_len += (size_t)n;
					if (r->out_len > lim->max_output) {
						r->outcome = RUN_OUTPUT_TOO_BIG;
						spawn_kill(io->pid);
						goto reap;
					}
				} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
					close(io->out_fd);
					io->out_fd = -1;
				}
			} else {
				char buf[4096];
				ssize_t n = read(io->err_fd, buf, sizeof buf);

				if (n > 0) {
					size_t room = sizeof r->errtxt - 1 - r->err_len;
					size_t k = (size_t)n < room ? (size_t)n : room;

					memcpy(r->errtxt + r->err_len, buf, k);
					r->err_len += k;
				} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
					close(io->err_fd);
					io->err_fd = -1;
				}
			}
		}
	}
	/* Both pipes closed: the child is exiting; give it until the deadline. */
	for (;;) {
		pid_t w = waitpid(io->pid, &status, WNOHANG);

		if (w == io->pid) {
			r->status = status;
			goto done;
		}
		if (w < 0 && errno != EINTR)
			goto done;
		if (clock_mono_ms() >= deadline) {
			r->outcome = RUN_TIMEOUT;
			spawn_kill(io->pid);
			break;
		}
		nanosleep(&(struct timespec){ 0, 2 * 1000 * 1000 }, NULL);
	}
reap:
	while (waitpid(io->pid, &status, 0) < 0 && errno == EINTR)
		;
	r->status = status;
done:
	r->errtxt[r->err_len] = 0;
	if (r->out)
		r->out[r->out_len] = 0;
	if (io->in_fd >= 0)
		close(io->in_fd);
	if (io->out_fd >= 0)
		close(io->out_fd);
	if (io->err_fd >= 0)
		close(io->err_fd);
	io->in_fd = io->out_fd = io->err_fd = -1;
	return rc;
}

/* ---------------------------------------------------------------- results ---- */

static struct json_object *make_result(const char *verdict)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "verdict", json_object_new_string(verdict));
	json_object_object_add(o, "findings", json_object_new_array());
	return o;
}

/* A block verdict with one scan-failed finding saying why. */
static struct json_object *failed_result(const char *why)
{
	struct json_object *o = make_result("block"), *f, *list;

	if (!o)
		return NULL;
	f = json_object_new_object();
	json_object_object_add(f, "rule", json_object_new_string("scan-failed"));
	json_object_object_add(f, "severity", json_object_new_string("block"));
	json_object_object_add(f, "file", json_object_new_string(""));
	json_object_object_add(f, "line", json_object_new_int(0));
	json_object_object_add(f, "column", json_object_new_int(0));
	json_object_object_add(f, "message", json_object_new_string(why));
	json_object_object_get_ex(o, "findings", &list);
	json_object_array_add(list, f);
	return o;
}

static struct json_object *parse_output(char *out, size_t len, char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *obj;

	while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' '))
		len--;
	if (len == 0 || len > INT_MAX) {
		errfmt(err, errlen, "malformed scanner output: empty");
		return NULL;
	}
	tok = json_tokener_new_ex(8);
	if (!tok) {
		errfmt(err, errlen, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, out, (int)len);
	if (!obj || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		errfmt(err, errlen, "malformed scanner output: not one JSON value");
		json_object_put(obj);
		json_tokener_free(tok);
		return NULL;
	}
	json_tokener_free(tok);
	return obj;
}

static int apply_policy(struct json_object *res, const char *policy)
{
	struct json_object *v;

	if (strcmp(policy, "warn") == 0 && json_object_object_get_ex(res, "verdict", &v) &&
	    strcmp(json_object_get_string(v), "block") == 0)
		json_object_object_add(res, "verdict", json_object_new_string("warn"));
	return 0;
}

static int check_files(struct json_object *files, char *err, size_t errlen)
{
	if (!files || !json_object_is_type(files, json_type_object)) {
		errfmt(err, errlen, "files must be an object of path to content");
		return -1;
	}
	json_object_object_foreach (files, k, v) {
		if (!json_object_is_type(v, json_type_string)) {
			errfmt(err, errlen, "file %.200s: content must be a string", k);
			return -1;
		}
	}
	return 0;
}

/* Turns a finished run into a result or an error. */
static int interpret(struct run_result *r, const struct scanner_limits *lim,
		     struct json_object **res, char *err, size_t errlen)
{
	char why[256];

	*res = NULL;
	if (r->outcome == RUN_TIMEOUT) {
		snprintf(why, sizeof why, "the scanner did not finish within %d s on these files",
			 (lim->timeout_ms + 999) / 1000);
		*res = failed_result(why);
		return *res ? 0 : -1;
	}
	if (r->outcome == RUN_OUTPUT_TOO_BIG) {
		errfmt(err, errlen, "malformed scanner output: larger than %zu bytes",
		       lim->max_output);
		return -1;
	}
	if (WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0) {
		char verr[160];
		struct json_object *obj = parse_output(r->out, r->out_len, err, errlen);

		if (!obj)
			return -1;
		if (scanner_validate_result(obj, verr, sizeof verr) < 0) {
			errfmt(err, errlen, "malformed scanner output: %s", verr);
			json_object_put(obj);
			return -1;
		}
		*res = obj;
		return 0;
	}
	if (WIFEXITED(r->status) &&
	    (WEXITSTATUS(r->status) == 2 || WEXITSTATUS(r->status) >= 126)) {
		char *nl = strchr(r->errtxt, '\n');

		if (nl)
			*nl = 0;
		errfmt(err, errlen, "scanner failed (exit %d): %s", WEXITSTATUS(r->status),
		       r->err_len ? r->errtxt : "no message");
		return -1;
	}
	/* A crash, an abort (V8 out of memory), SIGXCPU or an uncaught exception on these
	 * files: fail closed. */
	if (WIFSIGNALED(r->status))
		snprintf(
			why, sizeof why,
			WTERMSIG(r->status) == SIGXCPU
				? "the scanner used more than %d s of CPU time on these files"
				: "the scanner was stopped by signal %d on these files (memory or CPU limit)",
			WTERMSIG(r->status) == SIGXCPU ? lim->cpu_seconds : WTERMSIG(r->status));
	else
		snprintf(why, sizeof why, "the scanner failed on these files (exit status %d)",
			 WEXITSTATUS(r->status));
	*res = failed_result(why);
	return *res ? 0 : -1;
}

int scanner_scan_ex(const struct conf *c, const struct scanner_limits *lim,
		    struct json_object *files, struct json_object **result_out, char *err,
		    size_t errlen)
{
	static const struct scanner_limits defaults = { SCANNER_TIMEOUT_MS, SCANNER_CPU_SECONDS,
							SCANNER_MAX_INPUT,  SCANNER_MAX_OUTPUT,
							SCANNER_HEAP_MB,    SCANNER_AS_MB };
	const char *policy = c && c->scan_policy ? c->scan_policy : "block";
	const char *node = c && c->node_path && *c->node_path ? c->node_path : AF_NODE;
	struct json_object *wrap = NULL, *res = NULL;
	struct child_io io = { -1, -1, -1, -1 };
	struct run_result r = { 0 };
	const char *input;
	size_t input_len;
	int rc = -1;

	if (!lim)
		lim = &defaults;
	if (strcmp(policy, "block") && strcmp(policy, "warn") && strcmp(policy, "off")) {
		errfmt(err, errlen, "unknown scan_policy '%.40s' (block, warn or off)", policy);
		return -1;
	}
	if (check_files(files, err, errlen) < 0)
		return -1;
	if (strcmp(policy, "off") == 0) {
		res = make_result("pass");
		if (!res) {
			errfmt(err, errlen, "out of memory");
			return -1;
		}
		*result_out = res;
		return 0;
	}
	wrap = json_object_new_object();
	if (!wrap || json_object_object_add(wrap, "files", json_object_get(files)) < 0) {
		errfmt(err, errlen, "out of memory");
		goto out;
	}
	input = json_object_to_json_string_length(
		wrap, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &input_len);
	if (!input) {
		errfmt(err, errlen, "out of memory");
		goto out;
	}
	if (input_len > lim->max_input) {
		char why[160];

		snprintf(why, sizeof why,
			 "the app's files are too large to scan (%zu bytes, at most %zu)",
			 input_len, lim->max_input);
		res = failed_result(why);
	} else {
		if (spawn_scanner(node, scanner_script_path(), lim, input_len, &io, err, errlen) <
		    0)
			goto out;
		if (pump(&io, input, input_len, lim, &r) < 0) {
			errfmt(err, errlen, "out of memory");
			goto out;
		}
		if (interpret(&r, lim, &res, err, errlen) < 0)
			goto out;
	}
	if (!res) {
		errfmt(err, errlen, "out of memory");
		goto out;
	}
	apply_policy(res, policy);
	*result_out = res;
	res = NULL;
	rc = 0;
out:
	free(r.out);
	json_object_put(res);
	json_object_put(wrap);
	return rc;
}

int scanner_scan(const struct conf *c, struct json_object *files, struct json_object **result_out,
		 char *err, size_t errlen)
{
	return scanner_scan_ex(c, NULL, files, result_out, err, errlen);
}
