/* conf.c: the configuration table, the parser of appforge.conf and the dump (see
 * conf.h). Every key is one row of conf_table: its type, where it lives in struct
 * conf, its bounds and its default (the sandbox limits' rows are expanded from
 * sblimits.h, their one table). Defaults go through the same parser as the file,
 * so they are validated like any value. */
#include "conf.h"
#include "sblimits.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef AF_SYSCONFDIR
#define AF_SYSCONFDIR "/etc"
#endif
#ifndef AF_NODE
#define AF_NODE "/usr/bin/node"
#endif

enum ctype {
	C_INT,     /* int, min..max */
	C_LONG,    /* long, min..max */
	C_STR,     /* free text without control characters, length min..max */
	C_PATH,    /* a path: no spaces, quotes or ;{}$\ (it ends up in nginx.conf) */
	C_HOST,    /* [A-Za-z0-9.-] or an IPv4/IPv6 literal's characters */
	C_ORIGINS, /* space-separated origins "scheme://host[:port]" */
	C_URL,     /* http(s)://... without spaces or quotes */
	C_ENUM,    /* one of the '|'-separated words in choices */
	C_NAME,    /* a user or group name: [a-z_][a-z0-9_-]*, as useradd takes it */
};

struct ckey {
	const char *key;
	enum ctype type;
	size_t offset;
	long long min, max;  /* numbers: bounds; strings: length bounds */
	const char *def;     /* default, parsed like a file value */
	const char *choices; /* C_ENUM only */
};

#define O(f) offsetof(struct conf, f)
/* A row of the sandbox limits' table (sblimits.h), as a deployment configures it. */
#define SBLIM_CONF_ROW(name, kind, def, min, max, conf_def, conf_min, conf_max) \
	{ "sandbox_" #name, C_##kind, O(sandbox_##name), conf_min, conf_max, #conf_def, NULL },
#define KB 1024LL
#define MB (1024LL * 1024)

/* clang-format off */
static const struct ckey conf_table[] = {
	{ "state_dir", C_PATH, O(state_dir), 1, 4000, "./state", NULL },
	{ "socket_path", C_PATH, O(socket_path), 0, 100, "", NULL },
	{ "resolve_socket_path", C_PATH, O(resolve_socket_path), 0, 100, "", NULL },
	{ "supervisor_socket", C_PATH, O(supervisor_socket), 0, 100, "", NULL },
	{ "db_path", C_PATH, O(db_path), 0, 4000, "", NULL },
	{ "apps_dir", C_PATH, O(apps_dir), 0, 4000, "", NULL },
	{ "log_dir", C_PATH, O(log_dir), 0, 4000, "", NULL },
	{ "node_path", C_PATH, O(node_path), 0, 4000, AF_NODE, NULL },
	{ "run_as_user", C_NAME, O(run_as_user), 1, 32, "appforge", NULL },
	{ "socket_group", C_NAME, O(socket_group), 1, 32, "www-data", NULL },
	{ "workers", C_INT, O(workers), 1, 64, "4", NULL },
	{ "resolve_workers", C_INT, O(resolve_workers), 1, 16, "2", NULL },
	{ "max_body_bytes", C_LONG, O(max_body_bytes), 1 * KB, 64 * MB, "1048576", NULL },
	{ "log_level", C_ENUM, O(log_level), 0, 0, "info", "debug|info|warn|error" },
	{ "public_host", C_HOST, O(public_host), 1, 253, "localhost", NULL },
	{ "apps_domain", C_HOST, O(apps_domain), 1, 200, "localhost", NULL },
	{ "listen_address", C_HOST, O(listen_address), 1, 64, "127.0.0.1", NULL },
	{ "https_port", C_INT, O(https_port), 1, 65535, "8443", NULL },
	{ "http_port", C_INT, O(http_port), 1, 65535, "8080", NULL },
	{ "cors_origins", C_ORIGINS, O(cors_origins), 0, 4000, "https://localhost:8443", NULL },
	{ "rate_ip_per_sec", C_INT, O(rate_ip_per_sec), 1, 1000000, "100", NULL },
	{ "rate_token_per_sec", C_INT, O(rate_token_per_sec), 1, 1000000, "50", NULL },
	{ "rate_generate_per_min", C_INT, O(rate_generate_per_min), 1, 100000, "10", NULL },
	{ "app_bandwidth_bytes", C_LONG, O(app_bandwidth_bytes), 0, 1024 * MB, "1048576", NULL },
	{ "app_rate_ip_per_sec", C_INT, O(app_rate_ip_per_sec), 1, 1000000, "50", NULL },
	{ "app_rate_per_sec", C_INT, O(app_rate_per_sec), 1, 1000000, "200", NULL },
	{ "app_conns_ip", C_INT, O(app_conns_ip), 1, 1000000, "64", NULL },
	{ "app_conns", C_INT, O(app_conns), 1, 1000000, "256", NULL },
	{ "app_read_timeout_seconds", C_INT, O(app_read_timeout_seconds), 1, 3600, "60", NULL },
	{ "jwt_alg", C_ENUM, O(jwt_alg), 0, 0, "HS256", "HS256|RS256|ES256" },
	{ "jwt_secret_file", C_PATH, O(jwt_secret_file), 0, 4000, "", NULL },
	{ "jwt_public_key_file", C_PATH, O(jwt_public_key_file), 0, 4000, "", NULL },
	{ "jwt_issuer", C_STR, O(jwt_issuer), 1, 200, "appforge", NULL },
	{ "jwt_audience", C_STR, O(jwt_audience), 1, 200, "appforge-api", NULL },
	{ "jwt_ttl_seconds", C_INT, O(jwt_ttl_seconds), 60, 30 * 86400, "3600", NULL },
	{ "jwt_leeway_seconds", C_INT, O(jwt_leeway_seconds), 0, 60, "30", NULL },
	{ "token_max_days", C_INT, O(token_max_days), 1, 3650, "365", NULL },
	{ "port_min", C_INT, O(port_min), 1024, 65535, "9000", NULL },
	{ "port_max", C_INT, O(port_max), 1024, 65535, "9999", NULL },
	{ "sandbox_uid_base", C_INT, O(sandbox_uid_base), 1000, 2000000000, "200000", NULL },
	SBLIM_TABLE(SBLIM_CONF_ROW)   /* sblimits.h: memory_mb .. log_bytes */
	{ "sandbox_stop_grace_ms", C_INT, O(sandbox_stop_grace_ms), 0, 60000, "2000", NULL },
	{ "sandbox_max_running", C_INT, O(sandbox_max_running), 1, 65536, "100", NULL },
	{ "sandbox_start_timeout_ms", C_INT, O(sandbox_start_timeout_ms), 100, 120000, "10000", NULL },
	{ "sandbox_netns_pool", C_INT, O(sandbox_netns_pool), 0, SBLIM_NETNS_POOL_MAX, "2", NULL },
	{ "sandbox_total_memory_percent", C_INT, O(sandbox_total_memory_percent), 0, 100, "80", NULL },
	{ "sandbox_total_cpu_percent", C_INT, O(sandbox_total_cpu_percent), 0, 100, "90", NULL },
	{ "sandbox_total_pids", C_INT, O(sandbox_total_pids), 0, 4194304, "16384", NULL },
	{ "snapshots_per_app", C_INT, O(snapshots_per_app), 0, 100, "5", NULL },
	{ "snapshots_app_mb", C_LONG, O(snapshots_app_mb), 1, 1048576, "1024", NULL },
	{ "generator", C_ENUM, O(generator), 0, 0, "template", "template|openai" },
	{ "openai_base_url", C_URL, O(openai_base_url), 0, 2000, "https://api.openai.com/v1", NULL },
	{ "openai_model", C_STR, O(openai_model), 1, 200, "gpt-4o-mini", NULL },
	{ "openai_key_file", C_PATH, O(openai_key_file), 0, 4000, "", NULL },
	{ "openai_timeout_seconds", C_INT, O(openai_timeout_seconds), 1, 3600, "120", NULL },
	{ "openai_concurrency", C_INT, O(openai_concurrency), 1, 64, "2", NULL },
	{ "openai_max_waiting", C_INT, O(openai_max_waiting), 0, 100000, "32", NULL },
	{ "scan_policy", C_ENUM, O(scan_policy), 0, 0, "block", "block|warn|off" },
	{ "quota_apps", C_INT, O(quota_apps), 0, 1000000, "20", NULL },
	{ "quota_running", C_INT, O(quota_running), 0, 100000, "3", NULL },
	{ "quota_generations_per_hour", C_INT, O(quota_generations_per_hour), 0, 1000000, "30", NULL },
};
/* clang-format on */

#define NKEYS (sizeof conf_table / sizeof conf_table[0])

static int enum_has(const char *choices, const char *v)
{
	size_t n = strlen(v);
	const char *p = choices;

	while (n > 0 && (p = strstr(p, v)) != NULL) {
		int start = p == choices || p[-1] == '|';
		int end = p[n] == '\0' || p[n] == '|';
		if (start && end)
			return 1;
		p += n;
	}
	return 0;
}

static int chars_ok(enum ctype t, const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		unsigned char c = *p;
		int alnum =
			(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (c < 0x20 || c == 0x7f)
			return 0;
		switch (t) {
		case C_HOST:
			if (!alnum && !strchr(".-:[]", c))
				return 0;
			break;
		case C_PATH:
		case C_URL:
			if (c == ' ' || strchr("\"'`;{}$\\", c))
				return 0;
			break;
		case C_ORIGINS:
			if (!alnum && !strchr(".-:/ ", c))
				return 0;
			break;
		case C_NAME:
			if (!(c >= 'a' && c <= 'z') && c != '_' &&
			    (p == (const unsigned char *)v ||
			     !((c >= '0' && c <= '9') || c == '-')))
				return 0;
			break;
		default: break;
		}
	}
	return 1;
}

static int origins_ok(const char *v)
{
	char buf[4096], *save = NULL;

	if (util_copy(buf, sizeof buf, v) < 0)
		return 0;
	for (char *o = strtok_r(buf, " ", &save); o; o = strtok_r(NULL, " ", &save)) {
		const char *h = NULL;
		if (strncmp(o, "https://", 8) == 0)
			h = o + 8;
		else if (strncmp(o, "http://", 7) == 0)
			h = o + 7;
		if (!h || !*h || strchr(h, '/'))
			return 0;
	}
	return 1;
}

/* Parses v for key k into c. Returns 0, or -1 with the reason in why. */
static int set_value(struct conf *c, const struct ckey *k, const char *v, char *why, size_t wl)
{
	char *base = (char *)c + k->offset;
	long long n;
	size_t len = strlen(v);

	switch (k->type) {
	case C_INT:
	case C_LONG:
		if (util_parse_ll(v, k->min, k->max, &n) < 0) {
			snprintf(why, wl, "must be an integer between %lld and %lld", k->min,
				 k->max);
			return -1;
		}
		if (k->type == C_INT)
			*(int *)base = (int)n;
		else
			*(long *)base = (long)n;
		return 0;
	case C_ENUM:
		if (!enum_has(k->choices, v)) {
			snprintf(why, wl, "must be one of %s", k->choices);
			return -1;
		}
		break;
	default:
		if ((long long)len < k->min || (long long)len > k->max) {
			snprintf(why, wl, "must be %lld to %lld characters long", k->min, k->max);
			return -1;
		}
		if (!chars_ok(k->type, v) || (k->type == C_ORIGINS && !origins_ok(v)) ||
		    (k->type == C_URL && len && strncmp(v, "http://", 7) &&
		     strncmp(v, "https://", 8))) {
			snprintf(why, wl, "contains characters or a form not allowed here");
			return -1;
		}
	}
	char *copy = strdup(v);
	if (!copy) {
		snprintf(why, wl, "out of memory");
		return -1;
	}
	free(*(char **)base);
	*(char **)base = copy;
	return 0;
}

void conf_free(struct conf *c)
{
	for (size_t i = 0; i < NKEYS; i++) {
		if (conf_table[i].type == C_INT || conf_table[i].type == C_LONG)
			continue;
		char **p = (char **)((char *)c + conf_table[i].offset);
		free(*p);
		*p = NULL;
	}
}

static int apply_defaults(struct conf *c, char *err, size_t errlen)
{
	char why[160];

	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < NKEYS; i++)
		if (set_value(c, &conf_table[i], conf_table[i].def, why, sizeof why) < 0) {
			snprintf(err, errlen, "default of %s: %s", conf_table[i].key, why);
			return -1;
		}
	return 0;
}

static const struct ckey *find_key(const char *key)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(conf_table[i].key, key) == 0)
			return &conf_table[i];
	return NULL;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* Handles one line: blank, comment, or "key = value [# comment]". */
static int parse_line(struct conf *c, char *line, unsigned char *seen, const char *file, int lineno,
		      char *err, size_t errlen)
{
	char why[160], *eq, *key, *val, *hash;
	const struct ckey *k;

	line = trim(line);
	if (*line == '\0' || *line == '#')
		return 0;
	eq = strchr(line, '=');
	if (!eq) {
		snprintf(err, errlen, "%s:%d: expected \"key = value\"", file, lineno);
		return -1;
	}
	*eq = '\0';
	key = trim(line);
	val = eq + 1;
	for (hash = strchr(val, '#'); hash; hash = strchr(hash + 1, '#'))
		if (hash == val || hash[-1] == ' ' || hash[-1] == '\t') {
			*hash = '\0';
			break;
		}
	val = trim(val);
	k = find_key(key);
	if (!k) {
		snprintf(err, errlen, "%s:%d: unknown key '%.64s'", file, lineno, key);
		return -1;
	}
	if (seen[k - conf_table]++) {
		snprintf(err, errlen, "%s:%d: duplicate key '%s'", file, lineno, k->key);
		return -1;
	}
	if (set_value(c, k, val, why, sizeof why) < 0) {
		snprintf(err, errlen, "%s:%d: bad value for '%s': %s", file, lineno, k->key, why);
		return -1;
	}
	return 0;
}

static int parse_file(struct conf *c, const char *path, char *err, size_t errlen)
{
	unsigned char seen[NKEYS] = { 0 };
	char line[8192];
	int lineno = 0, rc = 0;
	FILE *f = fopen(path, "re");

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof line, f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(err, errlen, "%s:%d: line too long", path, lineno);
			rc = -1;
			break;
		}
		rc = parse_line(c, line, seen, path, lineno, err, errlen);
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		rc = -1;
	}
	fclose(f);
	return rc;
}

/* Makes *p absolute against the cwd ("./x" and "x" both become "<cwd>/x"). */
static int absolutize(char **p, char *err, size_t errlen)
{
	char cwd[4096], *s = *p, *n;

	if (s[0] == '\0' || s[0] == '/')
		return 0;
	if (!getcwd(cwd, sizeof cwd)) {
		snprintf(err, errlen, "getcwd: %s", strerror(errno));
		return -1;
	}
	while (s[0] == '.' && s[1] == '/')
		s += 2;
	if (strcmp(s, ".") == 0)
		s += 1;
	if (asprintf(&n, "%s%s%s", cwd, *s ? "/" : "", s) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	free(*p);
	*p = n;
	return 0;
}

static int derive(char **p, const char *dir, const char *name, char *err, size_t errlen)
{
	char *n;

	if ((*p)[0] != '\0')
		return 0;
	if (asprintf(&n, "%s/%s", dir, name) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	free(*p);
	*p = n;
	return 0;
}

static int finish_paths(struct conf *c, char *err, size_t errlen)
{
	char **paths[] = { &c->state_dir,
			   &c->socket_path,
			   &c->resolve_socket_path,
			   &c->supervisor_socket,
			   &c->db_path,
			   &c->apps_dir,
			   &c->log_dir,
			   &c->node_path,
			   &c->jwt_secret_file,
			   &c->jwt_public_key_file,
			   &c->openai_key_file };

	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
		if (absolutize(paths[i], err, errlen) < 0)
			return -1;
	if (derive(&c->socket_path, c->state_dir, "appforged.sock", err, errlen) < 0 ||
	    derive(&c->resolve_socket_path, c->state_dir, "resolve.sock", err, errlen) < 0 ||
	    derive(&c->supervisor_socket, c->state_dir, "supervisor.sock", err, errlen) < 0 ||
	    derive(&c->db_path, c->state_dir, "appforge.db", err, errlen) < 0 ||
	    derive(&c->apps_dir, c->state_dir, "apps", err, errlen) < 0 ||
	    derive(&c->log_dir, c->state_dir, "log", err, errlen) < 0 ||
	    derive(&c->jwt_secret_file, c->state_dir, "jwt.secret", err, errlen) < 0 ||
	    derive(&c->openai_key_file, c->state_dir, "openai.key", err, errlen) < 0)
		return -1;
	/* sockaddr_un.sun_path holds 108 bytes */
	if (strlen(c->socket_path) > 107 || strlen(c->supervisor_socket) > 107 ||
	    strlen(c->resolve_socket_path) > 107) {
		snprintf(
			err, errlen,
			"socket path longer than 107 bytes: use a shorter state_dir or set socket_path");
		return -1;
	}
	return 0;
}

/* Rules that involve more than one key. */
static int cross_check(const struct conf *c, const char *file, char *err, size_t errlen)
{
	const char *why = NULL;

	if (c->port_min > c->port_max)
		why = "port_min must not be greater than port_max";
	else if (c->https_port == c->http_port)
		why = "https_port and http_port must differ";
	else if ((c->https_port >= c->port_min && c->https_port <= c->port_max) ||
		 (c->http_port >= c->port_min && c->http_port <= c->port_max))
		why = "https_port and http_port must be outside port_min..port_max";
	else if (strcmp(c->jwt_alg, "HS256") != 0 && c->jwt_public_key_file[0] == '\0')
		why = "jwt_alg RS256/ES256 needs jwt_public_key_file";
	if (why) {
		snprintf(err, errlen, "%s: %s", file, why);
		return -1;
	}
	return 0;
}

int conf_load(struct conf *c, const char *path, char *err, size_t errlen)
{
	if (apply_defaults(c, err, errlen) < 0)
		goto fail;
	if (path && parse_file(c, path, err, errlen) < 0)
		goto fail;
	if (finish_paths(c, err, errlen) < 0)
		goto fail;
	if (cross_check(c, path ? path : "defaults", err, errlen) < 0)
		goto fail;
	return 0;
fail:
	conf_free(c);
	return -1;
}

size_t conf_nkeys(void)
{
	return NKEYS;
}

const char *conf_key_text(const struct conf *c, size_t i, const char **value, char *num,
			  size_t numlen)
{
	const struct ckey *k = &conf_table[i];
	const char *base = (const char *)c + k->offset;

	if (k->type == C_INT) {
		snprintf(num, numlen, "%d", *(const int *)base);
		*value = num;
	} else if (k->type == C_LONG) {
		snprintf(num, numlen, "%ld", *(const long *)base);
		*value = num;
	} else {
		*value = *(char *const *)base ? *(char *const *)base : "";
	}
	return k->key;
}

void conf_dump(const struct conf *c, int fd)
{
	char num[32];
	const char *value;

	for (size_t i = 0; i < NKEYS; i++) {
		const char *key = conf_key_text(c, i, &value, num, sizeof num);
		dprintf(fd, "%s = %s\n", key, value);
	}
}

const char *conf_default_path(void)
{
	const char *env = getenv("APPFORGE_CONFIG");

	if (env && *env)
		return env;
	if (access("appforge.conf", F_OK) == 0)
		return "appforge.conf";
	return AF_SYSCONFDIR "/appforge.conf";
}
