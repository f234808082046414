/* cli.c: appforge-sandbox, the command-line face of the sandbox.
 *
 *   appforge-sandbox run  --app-id ID --code DIR --data DIR --port N --log FILE [limits]
 *   appforge-sandbox exec ...same options... -- /path/inside/sandbox [ARGS...]
 *   appforge-sandbox doctor
 *   appforge-sandbox call SOCKET JSON   (one request to appforge-supervisor)
 *
 * run/exec bind 127.0.0.1:N, run the app in a sandbox in the foreground and print two
 * JSON lines on stdout: {"event":"started",...} and {"event":"exited",...}. SIGTERM,
 * SIGINT or SIGHUP stop the app gracefully (reason "stopped"). Exit status: 0 when the
 * app ran (whatever its own status), 1 on a setup failure (message on stderr), 2 on
 * wrong usage. */
#include "sandbox/sandbox.h"
#include "sandbox/supervisor_client.h"
#include "common/sblimits.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: appforge-sandbox run --app-id ID --code DIR --data DIR --port N --log FILE\n"
		"           [--memory-mb N] [--pids N] [--cpu-percent N] [--cpu-boost-ms N]\n"
		"           [--wall-seconds N]\n"
		"           [--cpu-seconds N] [--data-mb N] [--tmp-mb N] [--nofile N]\n"
		"           [--fsize-mb N] [--log-bytes N] [--log-rate BYTES_PER_S]\n"
		"           [--log-burst BYTES] [--uid N] [--grace-ms N] [--node PATH]\n"
		"           [--image-cache DIR]\n"
		"       appforge-sandbox exec ...the same options... -- PROGRAM [ARGS...]\n"
		"       appforge-sandbox doctor\n"
		"       appforge-sandbox call SUPERVISOR_SOCKET JSON\n");
}

static int parse_long(const char *opt, const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = s ? strtol(s, &end, 10) : 0;
	if (!s || errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "appforge-sandbox: %s needs an integer in %ld..%ld\n", opt, min,
			max);
		return -1;
	}
	*out = v;
	return 0;
}

/* Whether the argument a is the option "--" name, with '-' in a for '_' in name. */
static int option_is(const char *a, const char *name)
{
	if (strncmp(a, "--", 2) != 0)
		return 0;
	for (a += 2; *a && *name; a++, name++)
		if (*a != (*name == '_' ? '-' : *name))
			return 0;
	return !*a && !*name;
}

/* A JSON string of s (paths, messages) on f. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* A stable unprivileged uid per app id when none is given: 200000 + hash % 100000. */
static uid_t default_uid(const char *app_id)
{
	uint32_t h = 2166136261u;
	for (const char *p = app_id; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return (uid_t)(200000 + h % 100000);
}

struct opts {
	struct sandbox_spec spec;
	long uid, grace_ms;
};

static int parse(int argc, char **argv, struct opts *o, int exec_mode)
{
	struct sandbox_spec *s = &o->spec;
	struct sandbox_limits *l = &s->lim;
	long v;
	o->uid = -1;
	o->grace_ms = 3000;
	int i;
	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strncmp(a, "--", 2) != 0 || !val) {
			fprintf(stderr, "appforge-sandbox: unexpected argument '%s'\n", a);
			return -1;
		}
		i++;
		if (strcmp(a, "--app-id") == 0)
			s->app_id = val;
		else if (strcmp(a, "--code") == 0)
			s->code_dir = val;
		else if (strcmp(a, "--data") == 0)
			s->data_dir = val;
		else if (strcmp(a, "--log") == 0)
			s->log_path = val;
		else if (strcmp(a, "--image-cache") == 0)
			s->image_cache = val;
		else if (strcmp(a, "--node") == 0)
			s->node_path = val;
		else if (strcmp(a, "--init") == 0)
			s->init_path = val;
		else if (strcmp(a, "--port") == 0) {
			if (parse_long(a, val, 1, 65535, &v) < 0)
				return -1;
			s->port = (int)v;
		}
#define LIM(name, field, lo, hi) \
	else if (strcmp(a, name) == 0) \
	{ \
		if (parse_long(a, val, lo, hi, &v) < 0) \
			return -1; \
		field = v; \
	}
#define SBLIM_OPT(name, kind, def, min, max, conf_def, conf_min, conf_max) \
	else if (option_is(a, #name)) \
	{ \
		if (parse_long(a, val, min, max, &v) < 0) \
			return -1; \
		l->name = v; \
	}
		SBLIM_TABLE(SBLIM_OPT) /* --memory-mb .. --log-bytes: common/sblimits.h */
#undef SBLIM_OPT
		LIM("--log-rate", l->log_rate, 1, 1L << 40)
		LIM("--log-burst", l->log_burst, 1, 1L << 40)
		LIM("--uid", o->uid, 1000, 0x7fffffffL)
		LIM("--grace-ms", o->grace_ms, 0, 600000)
#undef LIM
		else
		{
			fprintf(stderr, "appforge-sandbox: unknown option '%s'\n", a);
			return -1;
		}
	}
	if (!s->app_id || !s->code_dir || !s->data_dir || !s->log_path || !s->port) {
		fprintf(stderr, "appforge-sandbox: --app-id, --code, --data, --port and --log "
				"are required\n");
		return -1;
	}
	if (!cgroup_name_valid(s->app_id)) {
		fprintf(stderr, "appforge-sandbox: invalid --app-id (1-63 of [A-Za-z0-9_.-])\n");
		return -1;
	}
	if (exec_mode) {
		if (i >= argc) {
			fprintf(stderr, "appforge-sandbox: exec needs '-- PROGRAM [ARGS...]'\n");
			return -1;
		}
		s->argv = argv + i;
	} else if (i < argc) {
		fprintf(stderr, "appforge-sandbox: run takes no command (use exec)\n");
		return -1;
	}
	uid_t uid = o->uid >= 0 ? (uid_t)o->uid : default_uid(s->app_id);
	s->uid = uid;
	s->gid = (gid_t)uid;
	return 0;
}

static int run(int argc, char **argv, int exec_mode)
{
	struct opts o;
	memset(&o, 0, sizeof o);
	sandbox_limits_default(&o.spec.lim);
	o.spec.echo_fd = exec_mode ? 2 : -1;
	o.spec.listen_fd = -1;
	if (parse(argc, argv, &o, exec_mode) < 0) {
		usage(stderr);
		return 2;
	}
	/* Stop requests arrive as signals; read them through a signalfd. */
	int sfd = sandbox_stop_signalfd();
	if (sfd < 0) {
		fprintf(stderr, "appforge-sandbox: signalfd: %s\n", strerror(errno));
		return 1;
	}
	int lfd = sandbox_listen_loopback(o.spec.port);
	if (lfd < 0) {
		fprintf(stderr, "appforge-sandbox: cannot listen on 127.0.0.1:%d: %s\n",
			o.spec.port, strerror(errno));
		return 1;
	}
	o.spec.listen_fd = lfd;
	struct sandbox sb;
	char err[1024];
	if (sandbox_start(&o.spec, &sb, err, sizeof err) < 0) {
		fprintf(stderr, "appforge-sandbox: %s\n", err);
		close(lfd);
		return 1;
	}
	close(lfd); /* the sandbox holds the only copy: the port closes with it */
	printf("{\"event\":\"started\",\"pid\":%d,\"port\":%d,\"cgroup\":", (int)sb.pid,
	       o.spec.port);
	json_str(stdout, sb.cg.dir[CG_MEMORY]);
	printf("}\n");
	fflush(stdout);

	sandbox_wait(&sb, sfd, (int)o.grace_ms);
	int rc = 0;
	if (sandbox_destroy(&sb, err, sizeof err) < 0) {
		fprintf(stderr, "appforge-sandbox: cleanup: %s\n", err);
		rc = 1;
	}
	printf("{\"event\":\"exited\",\"exit_code\":");
	if (sb.exit_code >= 0)
		printf("%d", sb.exit_code);
	else
		printf("null");
	printf(",\"signal\":");
	if (sb.signal)
		printf("%d", sb.signal);
	else
		printf("null");
	printf(",\"reason\":\"%s\",\"cpu_usec\":%llu,\"memory_peak\":%llu}\n", sb.reason,
	       (unsigned long long)sb.cpu_usec, (unsigned long long)sb.memory_peak);
	fflush(stdout);
	close(sfd);
	return rc;
}

/* call SOCKET JSON: one request to appforge-supervisor, its reply on stdout. */
static int call(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: appforge-sandbox call SOCKET JSON\n");
		return 2;
	}
	struct json_object *req = json_tokener_parse(argv[3]), *resp = NULL;
	if (!req || !json_object_is_type(req, json_type_object)) {
		json_object_put(req);
		fprintf(stderr, "appforge-sandbox: the request must be a JSON object\n");
		return 2;
	}
	char err[512];
	int rc = supervisor_call(argv[2], req, &resp, 60000, err, sizeof err);
	json_object_put(req);
	if (rc < 0) {
		fprintf(stderr, "appforge-sandbox: %s\n", err);
		return 1;
	}
	printf("%s\n", json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PLAIN));
	json_object_put(resp);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "run") == 0)
		return run(argc, argv, 0);
	if (strcmp(argv[1], "exec") == 0)
		return run(argc, argv, 1);
	if (strcmp(argv[1], "call") == 0)
		return call(argc, argv);
	if (strcmp(argv[1], "doctor") == 0)
		return sandbox_doctor(1) == 0 ? 0 : 1;
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "appforge-sandbox: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
