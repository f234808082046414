/* appforgectl: the administrator's command line for appforge. It works on the same
 * configuration file as the daemon and speaks to the database through db/ only.
 *
 *   appforgectl [--config FILE] COMMAND ...
 *
 * Exit status: 0 success, 1 a failure explained on stderr, 2 wrong usage (API.md). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/afjwt.h"
#include "common/apitoken.h"
#include "common/appfiles.h"
#include "common/applayout.h"
#include "common/conf.h"
#include "common/json.h"
#include "common/jsonw.h"
#include "common/log.h"
#include "common/password.h"
#include "common/privsep.h"
#include "common/secretbox.h"
#include "common/spawn.h"
#include "common/util.h"
#include "db/db.h"
#include "sandbox/supervisor_client.h"
#include "fcgi/names.h"
#include "tools/doctor.h"

#define EXIT_USAGE 2

static struct conf cf;
static char actor[64];

static void usage(FILE *f)
{
	fputs("usage: appforgectl [--config FILE] COMMAND\n"
	      "commands:\n"
	      "  init                                   create state dir, database, JWT secret, dev TLS cert\n"
	      "  user add NAME [--role admin|user] --password-stdin\n"
	      "  user del NAME                          delete a user and all their apps\n"
	      "  token create NAME [--days N] [--name LABEL]   print a new API token for NAME\n"
	      "  apps [--all]                           running apps (--all: every app)\n"
	      "  config [--json | --get KEY]            print the effective configuration (as\n"
	      "                                         one JSON object, or KEY's value alone)\n"
	      "  doctor [--nginx-pid FILE]              check the host and the processes' users\n",
	      f);
}

static int fail(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "appforgectl: ");
	fprintf(stderr, fmt, a, b ? b : "");
	fputc('\n', stderr);
	return 1;
}

/* config: the effective configuration, for people ("key = value" lines), for programs
 * (--json: one object of every key's value as a string; nginx/render, bench/api,
 * scripts/smoke read it) or for a shell (--get KEY: the value alone; scripts/dev-start). */
static int cmd_config(const struct conf *c, int argc, char **argv)
{
	char num[32];
	const char *value;

	if (argc == 1) {
		conf_dump(c, STDOUT_FILENO);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--json") == 0) {
		struct strbuf b = { 0 };
		strbuf_puts(&b, "{");
		for (size_t i = 0; i < conf_nkeys(); i++) {
			const char *key = conf_key_text(c, i, &value, num, sizeof num);
			if (i)
				strbuf_puts(&b, ",");
			jsonw_string(&b, key);
			strbuf_puts(&b, ":");
			jsonw_string(&b, value);
		}
		strbuf_puts(&b, "}\n");
		char *text = strbuf_take(&b);
		if (!text)
			return fail("out of memory%s%s", "", NULL);
		int rc = fputs(text, stdout) < 0 || fflush(stdout) != 0;
		free(text);
		return rc;
	}
	if (argc == 3 && strcmp(argv[1], "--get") == 0) {
		for (size_t i = 0; i < conf_nkeys(); i++)
			if (strcmp(conf_key_text(c, i, &value, num, sizeof num), argv[2]) == 0)
				return printf("%s\n", value) < 0 || fflush(stdout) != 0;
		return fail("config: no key %s%s", argv[2], NULL);
	}
	usage(stderr);
	return EXIT_USAGE;
}

static int open_db(struct db **db)
{
	char err[512];
	if (db_open(db, cf.db_path, err, sizeof err) != DB_OK)
		return fail("database %s: %s", cf.db_path, err);
	return 0;
}

/* ---- init ---- */

static int ensure_dir(const char *path, mode_t mode)
{
	struct stat st;
	if (mkdir(path, mode) == 0) {
		printf("created %s\n", path);
		return 0;
	}
	if (errno != EEXIST || lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return fail("cannot create directory %s: %s", path,
			    strerror(errno ? errno : ENOTDIR));
	if ((st.st_mode & 07777) != mode && chmod(path, mode) < 0)
		return fail("cannot chmod %s: %s", path, strerror(errno));
	return 0;
}

/* Runs argv (a full path), its stdin, stdout and stderr /dev/null, for at most a
 * minute: its exit status, or -1 with the reason in why. */
static int run_quiet(char *const argv[], char *why, size_t whylen)
{
	struct spawn s;
	int rc;

	spawn_init(&s, argv);
	s.fd[2] = SPAWN_DEVNULL;
	rc = spawn_run(&s, 60000, why, whylen);
	if (rc > 0)
		snprintf(why, whylen, "exit status %d", rc);
	return rc;
}

/* A self-signed certificate for localhost, the public host and *.apps_domain, for
 * development only (a deployment brings its own). With the default apps_domain
 * `localhost`, OpenSSL and Chromium refuse to match `*.localhost` (a wildcard over a
 * single label), so a browser is told to accept the certificate of each app host. */
static int make_dev_cert(void)
{
	char dir[4096], crt[4200], key[4200], subj[600], san[1200], tmpkey[4300];
	struct stat st;

	snprintf(dir, sizeof dir, "%s/tls", cf.state_dir);
	snprintf(crt, sizeof crt, "%s/cert.pem", dir);
	snprintf(key, sizeof key, "%s/key.pem", dir);
	if (ensure_dir(dir, 0700))
		return 1;
	if (stat(crt, &st) == 0 && stat(key, &st) == 0) {
		printf("TLS certificate %s exists\n", crt);
		return 0;
	}
	snprintf(tmpkey, sizeof tmpkey, "%s.tmp", key);
	snprintf(subj, sizeof subj, "/CN=%s", cf.public_host);
	/* Each name once: public_host and apps_domain are often both localhost. */
	int n = snprintf(san, sizeof san, "subjectAltName=DNS:localhost");
	if (strcmp(cf.public_host, "localhost") != 0)
		n += snprintf(san + n, sizeof san - n, ",DNS:%s", cf.public_host);
	if (strcmp(cf.apps_domain, "localhost") != 0 && strcmp(cf.apps_domain, cf.public_host) != 0)
		n += snprintf(san + n, sizeof san - n, ",DNS:%s", cf.apps_domain);
	snprintf(san + n, sizeof san - n, ",DNS:*.%s,IP:127.0.0.1", cf.apps_domain);
	char *argv[] = { "/usr/bin/openssl",
			 "req",
			 "-x509",
			 "-newkey",
			 "ec",
			 "-pkeyopt",
			 "ec_paramgen_curve:prime256v1",
			 "-nodes",
			 "-days",
			 "825",
			 "-subj",
			 subj,
			 "-addext",
			 san,
			 "-keyout",
			 tmpkey,
			 "-out",
			 crt,
			 NULL };
	mode_t old = umask(077);
	char why[256];
	int rc = run_quiet(argv, why, sizeof why);
	umask(old);
	if (rc != 0) {
		unlink(tmpkey);
		return fail("openssl could not create the development certificate: %s%s", why,
			    NULL);
	}
	if (rename(tmpkey, key) < 0)
		return fail("cannot install %s: %s", key, strerror(errno));
	chmod(crt, 0644);
	printf("created development TLS certificate %s (localhost, *.%s)\n", crt, cf.apps_domain);
	return 0;
}

/* The key that seals apps' environment values (common/secretbox.h); never replaced, since
 * the values sealed under it would be lost. */
static int make_secrets_key(void)
{
	char path[4200], err[512];
	struct stat st;

	if (secretbox_key_path(&cf, path, sizeof path) < 0)
		return fail("state_dir too long%s%s", "", NULL);
	if (stat(path, &st) == 0) {
		printf("secrets key %s exists\n", path);
		return 0;
	}
	if (secretbox_key_create(path, err, sizeof err) < 0)
		return fail("secrets key: %s%s", err, NULL);
	printf("created secrets key %s\n", path);
	return 0;
}

/* As root: the system user appforged drops to, and the state directory made its own
 * (common/privsep.h). Unprivileged, there is nobody to hand anything to. */
static int init_owners(void)
{
	struct privsep_ids ids;
	char err[512];

	if (geteuid() != 0) {
		printf("not root: %s keeps its owner (appforged runs as this user)\n",
		       cf.state_dir);
		return 0;
	}
	if (privsep_ensure_user(&cf, err, sizeof err) < 0 ||
	    privsep_lookup(&cf, &ids, err, sizeof err) < 0 ||
	    privsep_own_state(&cf, &ids, err, sizeof err) < 0)
		return fail("%s%s", err, NULL);
	printf("%s belongs to %s (uid %d)\n", cf.state_dir, cf.run_as_user, (int)ids.uid);
	return 0;
}

static int cmd_init(int argc, char **argv)
{
	char err[512];
	struct db *db = NULL;
	struct stat st;

	(void)argv;
	if (argc != 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (ensure_dir(cf.state_dir, 0700) || ensure_dir(cf.apps_dir, 0711) ||
	    ensure_dir(cf.log_dir, 0750))
		return 1;
	if (open_db(&db))
		return 1;
	printf("database %s at schema version %d\n", cf.db_path, db_schema_version(db));
	db_close(db);
	if (strcmp(cf.jwt_alg, "HS256") == 0) {
		if (stat(cf.jwt_secret_file, &st) == 0) {
			printf("JWT secret %s exists\n", cf.jwt_secret_file);
		} else if (afjwt_secret_create(cf.jwt_secret_file, err, sizeof err) < 0) {
			return fail("JWT secret: %s%s", err, NULL);
		} else {
			printf("created JWT secret %s\n", cf.jwt_secret_file);
		}
	}
	if (make_secrets_key() || make_dev_cert())
		return 1;
	return init_owners();
}

/* ---- users ---- */

/* Reads the password from stdin: one line, its newline removed. 0 or 1. */
static int read_password(char *buf, size_t size)
{
	size_t n = 0;
	int c;
	while ((c = getchar()) != EOF && c != '\n') {
		if (n + 1 >= size) {
			explicit_bzero(buf, size);
			return fail("password too long (at most %s bytes)%s", "1024", NULL);
		}
		buf[n++] = (char)c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = 0;
	return 0;
}

static int user_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "password-stdin", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *role = "user", *name;
	int pwstdin = 0, opt, rc;
	char pw[PASSWORD_MAX_LEN + 2], err[512], detail[200];
	struct db_user u;
	struct db *db = NULL;

	optind = 0; /* reinitialise GNU getopt; permuting: options may follow NAME */
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'r')
			role = optarg;
		else if (opt == 'p')
			pwstdin = 1;
		else
			return EXIT_USAGE;
	}
	if (optind != argc - 1 || !pwstdin || (strcmp(role, "user") && strcmp(role, "admin"))) {
		fprintf(stderr,
			"usage: appforgectl user add NAME [--role admin|user] --password-stdin\n");
		return EXIT_USAGE;
	}
	name = argv[optind];
	if (!names_username_valid(name))
		return fail("%s%s", NAMES_USERNAME_RULE, NULL);
	if (read_password(pw, sizeof pw))
		return 1;
	if (password_init(err, sizeof err) < 0 || password_check_policy(pw, err, sizeof err) < 0) {
		explicit_bzero(pw, sizeof pw);
		return fail("%s%s", err, NULL);
	}
	memset(&u, 0, sizeof u);
	rc = id_new_user(u.id) < 0 || password_hash(pw, u.password_hash, err, sizeof err) < 0;
	explicit_bzero(pw, sizeof pw);
	if (rc)
		return fail("cannot hash the password%s%s", "", NULL);
	util_copy(u.username, sizeof u.username, name);
	util_copy(u.role, sizeof u.role, role);
	if (open_db(&db))
		return 1;
	snprintf(detail, sizeof detail, "{\"username\":\"%s\",\"role\":\"%s\"}", name, role);
	rc = db_begin(db, err, sizeof err);
	if (rc == DB_OK)
		rc = db_user_insert(db, &u, err, sizeof err);
	if (rc == DB_OK)
		rc = db_audit_append(db, "", actor, "user.create", u.id, detail, err, sizeof err);
	if (rc == DB_OK)
		rc = db_commit(db, err, sizeof err);
	if (rc != DB_OK)
		db_rollback(db);
	db_close(db);
	if (rc == DB_CONFLICT)
		return fail("user %s already exists%s", name, NULL);
	if (rc != DB_OK)
		return fail("cannot add user: %s%s", err, NULL);
	printf("%s\n", u.id);
	return 0;
}

/* Asks the sandbox supervisor to kill a deleted app's processes (not running, or no
 * supervisor at all because the daemon is stopped: nothing runs then). */
static void stop_deleted_app(const char *id)
{
	char err[256];
	struct sup_request q;
	struct sup_reply rep;

	sup_request_init(&q, SUP_STOP);
	util_copy(q.app_id, sizeof q.app_id, id);
	q.grace_ms = 0;
	q.deleted = true;
	if (sup_call(cf.supervisor_socket, &q, &rep, 15000, err, sizeof err) < 0 &&
	    access(cf.supervisor_socket, F_OK) == 0)
		fprintf(stderr, "appforgectl: warning: app %s: %s\n", id, err);
	sup_reply_clear(&rep);
}

static int user_del(int argc, char **argv)
{
	char err[512], cursor[DB_CURSOR_BUFSZ] = "", next[DB_CURSOR_BUFSZ];
	struct db *db = NULL;
	struct db_user u;
	char(*ids)[ID_APP_BUFSZ] = NULL;
	size_t nids = 0;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: appforgectl user del NAME\n");
		return EXIT_USAGE;
	}
	if (open_db(&db))
		return 1;
	rc = db_begin(db, err, sizeof err);
	if (rc == DB_OK)
		rc = db_user_get_by_name(db, argv[1], &u, err, sizeof err);
	/* The app ids, to remove their directories once the rows are gone. */
	while (rc == DB_OK) {
		struct db_app *apps = NULL;
		size_t n = 0;
		rc = db_app_list(db, u.id, cursor, DB_LIST_MAX, &apps, &n, next, err, sizeof err);
		if (rc != DB_OK)
			break;
		void *g = realloc(ids, (nids + n + 1) * sizeof *ids);
		if (!g) {
			db_app_list_free(apps, n);
			rc = DB_ERR;
			snprintf(err, sizeof err, "out of memory");
			break;
		}
		ids = g;
		for (size_t i = 0; i < n; i++)
			memcpy(ids[nids++], apps[i].id, ID_APP_BUFSZ);
		db_app_list_free(apps, n);
		if (!next[0])
			break;
		memcpy(cursor, next, sizeof cursor);
	}
	if (rc == DB_OK)
		rc = db_user_delete(db, u.id, err, sizeof err);
	if (rc == DB_OK)
		rc = db_audit_append(db, "", actor, "user.delete", u.id, NULL, err, sizeof err);
	if (rc == DB_OK)
		rc = db_commit(db, err, sizeof err);
	if (rc != DB_OK)
		db_rollback(db);
	db_close(db);
	if (rc == DB_NOTFOUND) {
		free(ids);
		return fail("no user %s%s", argv[1], NULL);
	}
	if (rc != DB_OK) {
		free(ids);
		return fail("cannot delete user: %s%s", err, NULL);
	}
	for (size_t i = 0; i < nids; i++) {
		/* The rows are gone, so no new run can start: kill what runs, then remove
		 * everything else of the app (applayout.h). */
		stop_deleted_app(ids[i]);
		if (applayout_purge(&cf, ids[i], err, sizeof err) < 0)
			fprintf(stderr, "appforgectl: warning: app %s: %s\n", ids[i], err);
	}
	printf("deleted user %s and %zu apps\n", argv[1], nids);
	free(ids);
	return 0;
}

/* ---- tokens ---- */

static int token_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "days", required_argument, NULL, 'd' },
		{ "name", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *label = "cli token";
	long long days = cf.token_max_days, now = (long long)time(NULL);
	int opt, rc;
	char err[512], secret[APITOKEN_BUFSZ], hash[APITOKEN_HASH_BUFSZ],
		shown[APITOKEN_SHOWN_BUFSZ];
	struct db *db = NULL;
	struct db_user u;
	struct db_token t;

	optind = 0; /* reinitialise GNU getopt; permuting: options may follow NAME */
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'd') {
			if (util_parse_ll(optarg, 1, cf.token_max_days, &days) < 0) {
				fprintf(stderr, "appforgectl: --days must be 1..%d\n",
					cf.token_max_days);
				return EXIT_USAGE;
			}
		} else if (opt == 'n') {
			label = optarg;
		} else {
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: appforgectl token create NAME [--days N] [--name LABEL]\n");
		return EXIT_USAGE;
	}
	if (!*label || strlen(label) > DB_TOKEN_NAME_MAX || !names_display_valid(label) ||
	    !util_utf8_valid(label, strlen(label))) {
		fprintf(stderr, "appforgectl: --name must be 1..%d printable characters\n",
			DB_TOKEN_NAME_MAX);
		return EXIT_USAGE;
	}
	if (open_db(&db))
		return 1;
	rc = db_user_get_by_name(db, argv[optind], &u, err, sizeof err);
	if (rc == DB_NOTFOUND) {
		db_close(db);
		return fail("no user %s%s", argv[optind], NULL);
	}
	memset(&t, 0, sizeof t);
	if (rc == DB_OK && (id_new_token(t.id) < 0 || apitoken_new(secret, hash, shown) < 0)) {
		rc = DB_ERR;
		snprintf(err, sizeof err, "no randomness");
	}
	util_copy(t.user_id, sizeof t.user_id, u.id);
	util_copy(t.name, sizeof t.name, label);
	util_copy(t.prefix, sizeof t.prefix, shown);
	t.expires_at = now + days * 86400;
	if (rc == DB_OK)
		rc = db_begin(db, err, sizeof err);
	if (rc == DB_OK)
		rc = db_token_insert(db, &t, hash, err, sizeof err);
	if (rc == DB_OK)
		rc = db_audit_append(db, "", actor, "token.create", t.id, NULL, err, sizeof err);
	if (rc == DB_OK)
		rc = db_commit(db, err, sizeof err);
	if (rc != DB_OK)
		db_rollback(db);
	db_close(db);
	if (rc != DB_OK) {
		explicit_bzero(secret, sizeof secret);
		return fail("cannot create token: %s%s", err, NULL);
	}
	printf("%s\n", secret);
	explicit_bzero(secret, sizeof secret);
	return 0;
}

/* ---- apps ---- */

/* The username of id among users[n], or id itself. */
static const char *username_of(const struct db_user *users, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(users[i].id, id) == 0)
			return users[i].username;
	return id;
}

static int cmd_apps(int argc, char **argv)
{
	char err[512], cursor[DB_CURSOR_BUFSZ] = "", next[DB_CURSOR_BUFSZ], t[TIME_RFC3339_BUFSZ];
	struct db *db = NULL;
	struct db_user *users = NULL;
	size_t nusers = 0;
	int all = 0, rc = DB_OK;

	if (argc == 2 && strcmp(argv[1], "--all") == 0)
		all = 1;
	else if (argc != 1) {
		fprintf(stderr, "usage: appforgectl apps [--all]\n");
		return EXIT_USAGE;
	}
	if (open_db(&db))
		return 1;
	rc = db_user_list(db, &users, &nusers, err, sizeof err);
	printf("%-16s  %-18s  %-10s  %-8s  %-5s  %-20s  %s\n", "ID", "OWNER", "STATUS", "RUN",
	       "PORT", "CREATED", "NAME");
	while (rc == DB_OK) {
		struct db_app *apps = NULL;
		size_t n = 0;
		rc = db_app_list(db, NULL, cursor, DB_LIST_MAX, &apps, &n, next, err, sizeof err);
		if (rc != DB_OK)
			break;
		for (size_t i = 0; i < n; i++) {
			struct db_run r;
			int has = db_run_current(db, apps[i].id, &r, err, sizeof err) == DB_OK;
			int active = has && run_state_live(r.state);
			char port[8] = "-";
			if (!all && !active)
				continue;
			if (has && r.port)
				snprintf(port, sizeof port, "%d", r.port);
			util_time_format(apps[i].created_at, t, sizeof t);
			printf("%-16s  %-18s  %-10s  %-8s  %-5s  %-20s  %s\n", apps[i].id,
			       username_of(users, nusers, apps[i].owner),
			       app_status_name(apps[i].status),
			       has ? run_state_name(r.state) : "stopped", port, t, apps[i].name);
		}
		db_app_list_free(apps, n);
		memcpy(cursor, next, sizeof cursor);
		if (!cursor[0])
			break;
	}
	if (users)
		explicit_bzero(users, nusers * sizeof *users); /* password hashes */
	free(users);
	db_close(db);
	if (rc != DB_OK)
		return fail("cannot list apps: %s%s", err, NULL);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *cmd;
	char err[512];
	int opt, rc;
	struct passwd *pw;

	log_init("appforgectl", AF_LOG_WARN);
	while ((opt = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		if (opt == 'c') {
			config = optarg;
		} else if (opt == 'h') {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!config) {
		config = conf_default_path();
		if (access(config, F_OK) != 0)
			config = NULL; /* no file anywhere: the built-in defaults */
	}
	if (conf_load(&cf, config, err, sizeof err) < 0) {
		fprintf(stderr, "appforgectl: %s\n", err);
		return 1;
	}
	pw = getpwuid(getuid());
	snprintf(actor, sizeof actor, "cli:%.32s", pw ? pw->pw_name : "unknown");

	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	if (strcmp(cmd, "init") == 0)
		rc = cmd_init(argc, argv);
	else if (strcmp(cmd, "user") == 0 && argc >= 2 && strcmp(argv[1], "add") == 0)
		rc = user_add(argc - 1, argv + 1);
	else if (strcmp(cmd, "user") == 0 && argc >= 2 && strcmp(argv[1], "del") == 0)
		rc = user_del(argc - 1, argv + 1);
	else if (strcmp(cmd, "token") == 0 && argc >= 2 && strcmp(argv[1], "create") == 0)
		rc = token_create(argc - 1, argv + 1);
	else if (strcmp(cmd, "apps") == 0)
		rc = cmd_apps(argc, argv);
	else if (strcmp(cmd, "config") == 0)
		rc = cmd_config(&cf, argc, argv);
	else if (strcmp(cmd, "doctor") == 0 && argc == 1)
		rc = doctor_run(&cf, NULL);
	else if (strcmp(cmd, "doctor") == 0 && argc == 3 && strcmp(argv[1], "--nginx-pid") == 0)
		rc = doctor_run(&cf, argv[2]);
	else {
		usage(stderr);
		rc = EXIT_USAGE;
	}
	conf_free(&cf);
	return rc;
}
