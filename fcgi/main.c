/* main.c: appforged, the appforge FastCGI daemon.
 *
 *   appforged [--config FILE] [--foreground] [--print-config] [--log FILE]
 *
 * The master reads the configuration once; while still root it gives the state
 * directory to run_as_user, takes the FastCGI socket (refusing to start when another
 * instance holds it) and hands it to socket_group, opens its log and writes its pid
 * file; then it drops root for good (common/privsep.h) and, unprivileged, loads the JWT
 * key, migrates the database, and preforks and supervises the workers (master.c).
 * Started unprivileged (systemd User=), it only does the same without the drop; it
 * never serves as root. Without --foreground it detaches and reports success only
 * once the socket is ready. */
#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/afjwt.h"
#include "common/conf.h"
#include "common/log.h"
#include "common/privsep.h"
#include "db/db.h"
#include "fcgi/daemon.h"
#include "fcgi/jobs.h"
#include "fcgi/listener.h"
#include "scanner/scanner.h"

const char *master_config_path;
/* A worker allocates and frees many small objects of one size per request (the JSON
 * of a list): with glibc's default of 7 cached chunks per size most of them go
 * through the slower bins (bench/api: 72 us of worker CPU per GET /api/apps; 56 us
 * with 256). The cache depth is only read at process start, from
 * GLIBC_TUNABLES, so appforged starts itself again once with it set (same pid, same
 * arguments, same descriptors). An operator's own glibc.malloc.tcache_count wins;
 * APPFORGED_MALLOC_TUNE=0 turns this off; if the exec fails nothing changes. */
#define MALLOC_TUNABLE "glibc.malloc.tcache_count=256"

static void malloc_tune(char **argv)
{
	const char *off = getenv("APPFORGED_MALLOC_TUNE"), *old = getenv("GLIBC_TUNABLES");
	char val[1024];

	if ((off && strcmp(off, "0") == 0) || (old && strstr(old, "glibc.malloc.tcache_count")))
		return;
	if (snprintf(val, sizeof val, "%s%s%s", old ? old : "", old && *old ? ":" : "",
		     MALLOC_TUNABLE) >= (int)sizeof val ||
	    setenv("GLIBC_TUNABLES", val, 1) < 0)
		return;
	/* The program's own path, not /proc/self/exe: that would name the process "exe"
	 * in ps, top and the doctor's report. */
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = 0;
		execv(self, argv);
	}
	/* Not re-executed: go on with the defaults, and with the environment as it was. */
	if (old)
		setenv("GLIBC_TUNABLES", old, 1);
	else
		unsetenv("GLIBC_TUNABLES");
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: appforged [--config FILE] [--foreground] [--print-config] [--log FILE]\n");
}

static int redirect_stderr(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0) {
		fprintf(stderr, "appforged: cannot open log %s: %s\n", path, strerror(errno));
		return -1;
	}
	dup2(fd, STDERR_FILENO);
	close(fd);
	return 0;
}

static int make_dir(const char *path, mode_t mode)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST) {
		log_error("cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int write_pidfile(const char *path)
{
	char buf[32];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	int n = snprintf(buf, sizeof buf, "%d\n", (int)getpid());
	if (fd < 0 || write(fd, buf, (size_t)n) != n) {
		log_error("cannot write pid file %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Forks; the parent waits for the child's "ready" byte and exits with 0, or 1 when
 * the child died before saying so. Returns the write end of the pipe in the child. */
static int detach(void)
{
	int p[2];
	pid_t pid;
	char b;

	if (pipe2(p, O_CLOEXEC) < 0) {
		log_error("pipe: %s", strerror(errno));
		exit(1);
	}
	pid = fork();
	if (pid < 0) {
		log_error("fork: %s", strerror(errno));
		exit(1);
	}
	if (pid > 0) {
		close(p[1]);
		_exit(read(p[0], &b, 1) == 1 ? 0 : 1);
	}
	close(p[0]);
	setsid();
	return p[1];
}

/* The code scanner's script: installed under pkgdatadir, or $AF_SCANNER_JS. An
 * uninstalled build (make check, development from the build tree) falls back to the
 * source tree's copy. A missing script is only a warning here: every app creation
 * then fails closed with 503 and the log says why. */
static void find_scanner(const struct conf *c)
{
	const char *env = getenv("AF_SCANNER_JS");

	if (strcmp(c->scan_policy, "off") == 0)
		return;
#ifdef AF_SRCDIR_SCANNER_JS
	if ((!env || !*env) && access(scanner_script_path(), R_OK) != 0 &&
	    access(AF_SRCDIR_SCANNER_JS, R_OK) == 0) {
		setenv("AF_SCANNER_JS", AF_SRCDIR_SCANNER_JS, 1);
		log_info("code scanner: using the source tree's %s", AF_SRCDIR_SCANNER_JS);
	}
#endif
	(void)env;
	if (access(scanner_script_path(), R_OK) != 0)
		log_warn("code scanner %s is missing: creating apps will fail (503)",
			 scanner_script_path());
}

/* As root: the identities to drop to, and the state directory made theirs. Started
 * unprivileged: the identities only (the socket's group), where they exist. */
static int prepare_privileges(const struct conf *cp, struct privsep_ids *ids)
{
	char err[512];

	if (privsep_lookup(cp, ids, err, sizeof err) < 0) {
		if (geteuid() == 0) {
			log_error("%s: refusing to run as root", err);
			return -1;
		}
		ids->uid = geteuid();
		ids->gid = ids->socket_gid = getegid();
		ids->socket_group_found = false;
	}
	if (make_dir(cp->state_dir, 0700) < 0 || make_dir(cp->apps_dir, 0711) < 0 ||
	    make_dir(cp->log_dir, 0750) < 0)
		return -1;
	if (geteuid() == 0 && privsep_own_state(cp, ids, err, sizeof err) < 0) {
		log_error("state directory: %s", err);
		return -1;
	}
	return 0;
}

/* Unprivileged from here on: root is dropped (when we had it), or refused. */
static int drop_privileges(const struct privsep_ids *ids)
{
	char err[512];

	if (privsep_undumpable(err, sizeof err) < 0) {
		log_error("%s", err);
		return -1;
	}
	if (geteuid() != 0 && getuid() != 0)
		return 0;
	if (privsep_drop(ids, err, sizeof err) < 0) {
		log_error("cannot drop root: %s: refusing to run as root", err);
		return -1;
	}
	log_info("running as uid %d gid %d, without capabilities", (int)ids->uid, (int)ids->gid);
	return 0;
}

/* Everything after the configuration: returns the exit status; frees what it took. */
static int serve(const struct conf *cp, int foreground, const char *logfile)
{
	char err[512], pidfile[4096];
	struct afjwt_ctx jwt;
	struct listener l, lr;
	struct privsep_ids ids;
	struct db *db = NULL;
	int ready_fd = -1, status = 1;

	memset(&jwt, 0, sizeof jwt);
	if (logfile && redirect_stderr(logfile) < 0)
		return 1;
	if (prepare_privileges(cp, &ids) < 0)
		return 1;
	if (listener_open(&l, cp->socket_path, err, sizeof err) < 0) {
		log_error("%s", err);
		return 1;
	}
	if (!l.activated && privsep_own_socket(cp->socket_path, &ids, err, sizeof err) < 0)
		log_warn("%s: nginx's group %s may not reach the socket", err, cp->socket_group);
	if (listener_open_extra(&lr, cp->resolve_socket_path, err, sizeof err) < 0) {
		log_error("resolve socket: %s", err);
		listener_close(&l);
		return 1;
	}
	if (privsep_own_socket(cp->resolve_socket_path, &ids, err, sizeof err) < 0)
		log_warn("%s: nginx's group %s may not reach the resolve socket", err,
			 cp->socket_group);
	if (!foreground) {
		char path[4096];
		int null;
		ready_fd = detach();
		if (!logfile) {
			snprintf(path, sizeof path, "%s/appforged.log", cp->log_dir);
			if (redirect_stderr(path) < 0)
				goto out_listener;
		}
		null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			close(null);
		}
	}
	snprintf(pidfile, sizeof pidfile, "%s/appforged.pid", cp->state_dir);
	if (write_pidfile(pidfile) < 0)
		goto out_listener;
	if (drop_privileges(&ids) < 0)
		goto out_pidfile;
	if (afjwt_ctx_load(&jwt, cp, err, sizeof err) < 0) {
		log_error("JWT key: %s (run 'appforgectl init' to create one)", err);
		goto out_pidfile;
	}
	worker_jwt = &jwt;
	find_scanner(cp);
	/* The generation jobs read it as this user; say so now rather than per generation. */
	if (strcmp(cp->generator, "openai") == 0 && access(cp->openai_key_file, R_OK) != 0)
		log_warn("openai_key_file %s: %s: generations will fail (it must be readable by "
			 "uid %d)",
			 cp->openai_key_file, strerror(errno), (int)geteuid());
	/* Migrations run once here, before any worker opens its own connection. */
	if (db_open(&db, cp->db_path, err, sizeof err) != DB_OK) {
		log_error("database: %s", err);
		goto out_pidfile;
	}
	/* Generations of a previous daemon whose jobs died with it fail now, not never. */
	if (jobs_sweep(cp, db, err, sizeof err) < 0)
		log_warn("generation job sweep: %s", err);
	db_close(db);
	if (FCGX_Init() != 0) {
		log_error("FCGX_Init failed");
		goto out_pidfile;
	}
	log_info("listening on %s", l.activated ? "socket-activated fd 3" : cp->socket_path);
	if (ready_fd >= 0) {
		if (write(ready_fd, "1", 1) != 1)
			log_warn("could not signal readiness to the parent");
		close(ready_fd);
	}
	status = master_run(cp, l.fd, lr.fd);
out_pidfile:
	unlink(pidfile);
out_listener:
	listener_close(&lr);
	listener_close(&l);
	afjwt_ctx_free(&jwt);
	worker_jwt = NULL;
	return status;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "print-config", no_argument, NULL, 'p' },
		{ "log", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		/* internal: the asynchronous generation of one app (jobs.c) */
		{ "generation-job", required_argument, NULL, 'g' },
		{ "generation-job-keep-name", required_argument, NULL, 'G' },
		{ "generation-start", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *logfile = NULL;
	char *abs_config = NULL;
	const char *job = NULL;
	bool job_keep_name = false, job_start = false;
	int foreground = 0, print = 0, opt, status, lvl;
	char err[512];
	struct conf c;

	malloc_tune(argv);
	log_init("appforged", AF_LOG_INFO);
	while ((opt = getopt_long(argc, argv, "c:fpl:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': config = optarg; break;
		case 'f': foreground = 1; break;
		case 'p': print = 1; break;
		case 'l': logfile = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'g':
			job = optarg;
			job_keep_name = false;
			break;
		case 'G':
			job = optarg;
			job_keep_name = true;
			break;
		case 'S': job_start = true; break;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (!config) {
		config = conf_default_path();
		if (access(config, F_OK) != 0) {
			log_info("no configuration file (%s): using the built-in defaults", config);
			config = NULL;
		}
	}
	if (conf_load(&c, config, err, sizeof err) < 0) {
		log_error("%s", err);
		return 1;
	}
	lvl = log_level_parse(c.log_level);
	if (lvl >= 0)
		log_set_level((enum log_level)lvl);
	if (job) {
		/* Started by a worker, it is unprivileged already; by hand as root, it drops. */
		struct privsep_ids ids;
		if (geteuid() == 0 && (privsep_lookup(&c, &ids, err, sizeof err) < 0 ||
				       privsep_drop(&ids, err, sizeof err) < 0)) {
			log_error("%s: refusing to run as root", err);
			conf_free(&c);
			return 1;
		}
		/* It holds the OpenAI key; its scanner child runs as the same uid. */
		if (privsep_undumpable(err, sizeof err) < 0) {
			log_error("%s", err);
			conf_free(&c);
			return 1;
		}
		status = jobs_run(&c, job, job_keep_name, job_start);
		conf_free(&c);
		return status;
	}
	if (print) {
		conf_dump(&c, STDOUT_FILENO);
		conf_free(&c);
		return 0;
	}
	/* Generation jobs read the same file; detach() may change the directory. */
	if (config) {
		abs_config = realpath(config, NULL);
		master_config_path = abs_config ? abs_config : config;
	}
	status = serve(&c, foreground, logfile);
	free(abs_config);
	conf_free(&c);
	return status;
}
