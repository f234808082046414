/* supproto.c: the supervisor protocol's one encoder and decoder (see supproto.h). */
#include "sandbox/supproto.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_DEPTH 8

/* clang-format off */
static const char *const op_names[SUP_OP_COUNT] = {
	[SUP_PING] = "ping", [SUP_START] = "start", [SUP_WAIT] = "wait",
	[SUP_STOP] = "stop", [SUP_STATUS] = "status", [SUP_LIST] = "list",
	[SUP_SNAPSHOT] = "snapshot", [SUP_RESTORE_DATA] = "restore_data", [SUP_PREPARE] = "prepare",
};
/* clang-format on */

static bool takes_rev(enum sup_op op)
{
	return op == SUP_SNAPSHOT || op == SUP_RESTORE_DATA;
}

const char *sup_op_name(enum sup_op op)
{
	return (unsigned)op < SUP_OP_COUNT ? op_names[op] : "?";
}

void sup_request_init(struct sup_request *r, enum sup_op op)
{
	memset(r, 0, sizeof *r);
	r->op = op;
	r->grace_ms = -1;
}

/* ---- shared helpers ---- */

/* Parses exactly one JSON object filling [line, line+len); NULL otherwise. */
static struct json_object *parse_object(const char *line, size_t len)
{
	struct json_tokener *tok = json_tokener_new_ex(JSON_DEPTH);
	struct json_object *o;
	int complete;

	if (!tok || len > (size_t)SUP_REPLY_MAX) {
		if (tok)
			json_tokener_free(tok);
		return NULL;
	}
	o = json_tokener_parse_ex(tok, line, (int)len);
	complete = json_tokener_get_error(tok) == json_tokener_success &&
		   json_tokener_get_parse_end(tok) == len;
	json_tokener_free(tok);
	if (!o || !complete || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static char *to_line(struct json_object *o, size_t *len)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	size_t n = s ? strlen(s) : 0;
	char *line = s ? malloc(n + 2) : NULL;

	if (line) {
		memcpy(line, s, n);
		line[n] = '\n';
		line[n + 1] = 0;
		*len = n + 1;
	}
	json_object_put(o);
	return line;
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v && *v ? json_object_new_string(v) : NULL);
}

static void add_int(struct json_object *o, const char *k, long long v, bool present)
{
	json_object_object_add(o, k, present ? json_object_new_int64(v) : NULL);
}

/* ---- requests ---- */

/* The packed env as a JSON array of "NAME=value" strings (new reference). */
static struct json_object *env_to_json(const struct sup_request *r)
{
	struct json_object *a = json_object_new_array();
	size_t off = 0;

	for (int i = 0; a && i < r->nenv && off < r->env_len; i++) {
		size_t n = strlen(r->env + off);
		json_object_array_add(a, json_object_new_string_len(r->env + off, (int)n));
		off += n + 1;
	}
	return a;
}

char *sup_request_encode(const struct sup_request *r, size_t *len, char *err, size_t errlen)
{
	struct json_object *o;
	char *line;

	if ((unsigned)r->op >= SUP_OP_COUNT) {
		snprintf(err, errlen, "unknown op %d", (int)r->op);
		return NULL;
	}
	o = json_object_new_object();
	json_object_object_add(o, "op", json_object_new_string(op_names[r->op]));
	if (r->op != SUP_PING && r->op != SUP_LIST)
		json_object_object_add(o, "app_id", json_object_new_string(r->app_id));
	if (r->op == SUP_START) {
		json_object_object_add(o, "code_dir", json_object_new_string(r->code_dir));
		json_object_object_add(o, "data_dir", json_object_new_string(r->data_dir));
		if (r->nenv > 0)
			json_object_object_add(o, "env", env_to_json(r));
	} else if (r->op == SUP_PREPARE) {
		json_object_object_add(o, "data_dir", json_object_new_string(r->data_dir));
	} else if (r->op == SUP_WAIT) {
		json_object_object_add(o, "wait_ms", json_object_new_int(r->wait_ms));
	} else if (r->op == SUP_STOP) {
		if (r->grace_ms >= 0)
			json_object_object_add(o, "grace_ms", json_object_new_int(r->grace_ms));
		json_object_object_add(o, "reason",
				       json_object_new_string(r->deleted ? "deleted" : "stopped"));
	} else if (takes_rev(r->op)) {
		if (r->rev < 1 || r->rev > SUP_REV_MAX) {
			json_object_put(o);
			snprintf(err, errlen, "rev %lld out of bounds", r->rev);
			return NULL;
		}
		json_object_object_add(o, "rev", json_object_new_int64(r->rev));
	}
	line = to_line(o, len);
	if (!line)
		snprintf(err, errlen, "out of memory");
	else if (*len > SUP_LINE_MAX + 1) {
		snprintf(err, errlen, "request longer than %d bytes", SUP_LINE_MAX);
		free(line);
		line = NULL;
	}
	return line;
}

int sup_request_env_add(struct sup_request *r, const char *name, const char *value, size_t vlen,
			char *err, size_t errlen)
{
	size_t nlen = strlen(name);

	if (!appenv_name_valid(name, nlen) || !appenv_value_valid(value, vlen) ||
	    memchr(value, 0, vlen)) {
		snprintf(err, errlen, "variable %.64s: bad name or value", name);
		return -1;
	}
	if (r->nenv >= APPENV_MAX_VARS || r->env_len + nlen + vlen + 2 > sizeof r->env) {
		snprintf(err, errlen, "too many or too long variables");
		return -1;
	}
	memcpy(r->env + r->env_len, name, nlen);
	r->env[r->env_len + nlen] = '=';
	memcpy(r->env + r->env_len + nlen + 1, value, vlen);
	r->env_len += nlen + vlen + 1;
	r->env[r->env_len++] = 0;
	r->nenv++;
	return 0;
}

struct field {
	const char *name;
	unsigned ops; /* bit per enum sup_op that takes it */
};

#define OPBIT(x) (1u << (x))
/* clang-format off */
static const struct field fields[] = {
	{ "op", ~0u },
	{ "app_id", OPBIT(SUP_START) | OPBIT(SUP_WAIT) | OPBIT(SUP_STOP) | OPBIT(SUP_STATUS) |
		    OPBIT(SUP_SNAPSHOT) | OPBIT(SUP_RESTORE_DATA) | OPBIT(SUP_PREPARE) },
	{ "code_dir", OPBIT(SUP_START) },
	{ "data_dir", OPBIT(SUP_START) | OPBIT(SUP_PREPARE) },
	{ "env", OPBIT(SUP_START) },
	{ "wait_ms", OPBIT(SUP_WAIT) },
	{ "grace_ms", OPBIT(SUP_STOP) },
	{ "reason", OPBIT(SUP_STOP) },
	{ "rev", OPBIT(SUP_SNAPSHOT) | OPBIT(SUP_RESTORE_DATA) },
};
/* clang-format on */

/* Every member of o must be one the op takes. */
static int check_members(struct json_object *o, enum sup_op op, char *err, size_t errlen)
{
	json_object_object_foreach (o, key, val) {
		size_t i;
		(void)val;
		for (i = 0; i < sizeof fields / sizeof fields[0]; i++)
			if (strcmp(fields[i].name, key) == 0 && (fields[i].ops & OPBIT(op)))
				break;
		if (i == sizeof fields / sizeof fields[0]) {
			snprintf(err, errlen, "%s takes no member \"%.40s\"", op_names[op], key);
			return -1;
		}
	}
	return 0;
}

/* A string member, or NULL when absent, of another type, or holding a NUL (which
 * would cut what we check from what we use). */
static const char *get_str(struct json_object *o, const char *k)
{
	struct json_object *v;
	const char *s;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	return strlen(s) == (size_t)json_object_get_string_len(v) ? s : NULL;
}

/* A required string of at most cap-1 bytes copied to out. */
static int take_str(struct json_object *o, const char *k, char *out, size_t cap, char *err,
		    size_t errlen)
{
	const char *s = get_str(o, k);
	if (!s || !*s || strlen(s) >= cap) {
		snprintf(err, errlen, "%s must be a string of 1 to %zu bytes", k, cap - 1);
		return -1;
	}
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

/* An optional integer member in lo..hi; absent leaves *out alone. */
static int take_int(struct json_object *o, const char *k, int lo, int hi, int *out, bool required,
		    char *err, size_t errlen)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, k, &v)) {
		if (!required)
			return 0;
	} else if (json_object_is_type(v, json_type_int) && json_object_get_int64(v) >= lo &&
		   json_object_get_int64(v) <= hi) {
		*out = (int)json_object_get_int64(v);
		return 0;
	}
	snprintf(err, errlen, "%s must be an integer from %d to %d", k, lo, hi);
	return -1;
}

/* The required revision number of a snapshot or restore_data. */
static int take_rev(struct json_object *o, long long *out, char *err, size_t errlen)
{
	struct json_object *v;

	if (json_object_object_get_ex(o, "rev", &v) && json_object_is_type(v, json_type_int) &&
	    json_object_get_int64(v) >= 1 && json_object_get_int64(v) <= SUP_REV_MAX) {
		*out = json_object_get_int64(v);
		return 0;
	}
	snprintf(err, errlen, "rev must be an integer from 1 to %lld", SUP_REV_MAX);
	return -1;
}

/* The optional env of a start: an array of "NAME=value" strings, packed into r and
 * checked as a whole (appenv_packed_check: the supervisor trusts no caller's rules). */
static int take_env(struct json_object *o, struct sup_request *r, char *err, size_t errlen)
{
	struct json_object *a;
	size_t i, n;

	if (!json_object_object_get_ex(o, "env", &a))
		return 0;
	if (!json_object_is_type(a, json_type_array) ||
	    (n = json_object_array_length(a)) > APPENV_MAX_VARS) {
		snprintf(err, errlen, "env must be an array of at most %d strings",
			 APPENV_MAX_VARS);
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(a, i);
		size_t len;
		if (!json_object_is_type(v, json_type_string) ||
		    (len = (size_t)json_object_get_string_len(v)) + 1 >
			    sizeof r->env - r->env_len ||
		    memchr(json_object_get_string(v), 0, len)) {
			snprintf(err, errlen, "env[%zu] must be a NAME=value string", i);
			return -1;
		}
		memcpy(r->env + r->env_len, json_object_get_string(v), len + 1);
		r->env_len += len + 1;
	}
	r->nenv = (int)n;
	return appenv_packed_check(r->env, r->env_len, r->nenv, err, errlen);
}

static int decode_fields(struct json_object *o, struct sup_request *r, char *err, size_t errlen)
{
	if (r->op != SUP_PING && r->op != SUP_LIST) {
		const char *id = get_str(o, "app_id");
		if (!id || !id_valid_app(id)) {
			snprintf(err, errlen, "app_id (a valid app id string) is required");
			return -1;
		}
		util_copy(r->app_id, sizeof r->app_id, id);
	}
	if (r->op == SUP_START)
		return take_str(o, "code_dir", r->code_dir, sizeof r->code_dir, err, errlen) < 0 ||
				       take_str(o, "data_dir", r->data_dir, sizeof r->data_dir, err,
						errlen) < 0 ||
				       take_env(o, r, err, errlen) < 0
			       ? -1
			       : 0;
	if (r->op == SUP_PREPARE)
		return take_str(o, "data_dir", r->data_dir, sizeof r->data_dir, err, errlen);
	if (r->op == SUP_WAIT)
		return take_int(o, "wait_ms", 1, SUP_WAIT_MAX_MS, &r->wait_ms, true, err, errlen);
	if (takes_rev(r->op))
		return take_rev(o, &r->rev, err, errlen);
	if (r->op == SUP_STOP) {
		struct json_object *v;
		if (take_int(o, "grace_ms", 0, SUP_GRACE_MAX_MS, &r->grace_ms, false, err, errlen) <
		    0)
			return -1;
		if (json_object_object_get_ex(o, "reason", &v)) {
			const char *s = get_str(o, "reason");
			if (!s || (strcmp(s, "stopped") != 0 && strcmp(s, "deleted") != 0)) {
				snprintf(err, errlen, "reason must be stopped or deleted");
				return -1;
			}
			r->deleted = strcmp(s, "deleted") == 0;
		}
	}
	return 0;
}

int sup_request_decode(const char *line, size_t len, struct sup_request *r, char *code,
		       size_t codelen, char *err, size_t errlen)
{
	struct json_object *o;
	const char *op;
	int i, rc = -1;

	sup_request_init(r, SUP_PING);
	util_copy(code, codelen, "bad_request");
	if (len > SUP_LINE_MAX) {
		util_copy(code, codelen, "too_long");
		snprintf(err, errlen, "request line longer than %d bytes", SUP_LINE_MAX);
		return -1;
	}
	if (!(o = parse_object(line, len))) {
		snprintf(err, errlen, "each line must be one JSON object");
		return -1;
	}
	op = get_str(o, "op");
	for (i = 0; op && i < SUP_OP_COUNT; i++)
		if (strcmp(op, op_names[i]) == 0)
			break;
	if (!op || i == SUP_OP_COUNT) {
		util_copy(code, codelen, "unknown_op");
		snprintf(err, errlen,
			 "op must be ping, start, wait, stop, status, list, snapshot "
			 "or restore_data");
		goto out;
	}
	r->op = (enum sup_op)i;
	if (check_members(o, r->op, err, errlen) < 0 || decode_fields(o, r, err, errlen) < 0)
		goto out;
	rc = 0;
out:
	json_object_put(o);
	return rc;
}

/* ---- replies ---- */

/* The known start marks as "timings":{name:us}; nothing when none is known. */
static void add_timings(struct json_object *o, const long long *t)
{
	struct json_object *m = NULL;

	for (int i = 0; i < SM_COUNT; i++) {
		if (t[i] <= 0)
			continue;
		if (!m)
			m = json_object_new_object();
		json_object_object_add(m, startmark_name((enum startmark)i),
				       json_object_new_int64(t[i]));
	}
	if (m)
		json_object_object_add(o, "timings", m);
}

static struct json_object *run_to_json(const struct sup_run *s, struct json_object *o)
{
	bool live = run_state_live(s->state);

	add_str(o, "app_id", s->app_id);
	json_object_object_add(o, "state", json_object_new_string(run_state_name(s->state)));
	json_object_object_add(o, "running", json_object_new_boolean(s->state == RUN_RUNNING));
	if (s->already)
		json_object_object_add(o, "already", json_object_new_boolean(1));
	add_str(o, "reason", run_reason_name(s->reason));
	add_int(o, "port", s->port, s->port > 0);
	add_int(o, "pid", s->pid, s->pid > 0);
	add_int(o, "uid", s->uid, s->uid > 0);
	add_int(o, "run_id", s->run_id, s->run_id > 0);
	add_int(o, "started_at", s->started_at, s->started_at > 0);
	add_int(o, "expires_at", s->expires_at, s->expires_at > 0);
	add_int(o, "ended_at", s->ended_at, s->ended_at > 0);
	add_int(o, "exit_code", s->exit_code, s->has_exit_code);
	add_int(o, "signal", s->signal, s->signal > 0);
	add_str(o, "cgroup", s->cgroup);
	add_str(o, "log_path", s->log_path);
	add_int(o, "cpu_usec", s->cpu_usec, live);
	add_int(o, "memory_bytes", s->memory_bytes, live);
	add_int(o, "memory_peak", s->memory_peak, live);
	add_int(o, "pids", s->pids, live);
	add_timings(o, s->timings);
	return o;
}

char *sup_reply_encode(enum sup_op op, const struct sup_reply *r, size_t *len)
{
	struct json_object *o = json_object_new_object(), *e, *arr;

	json_object_object_add(o, "ok", json_object_new_boolean(r->ok));
	if (!r->ok) {
		e = json_object_new_object();
		json_object_object_add(e, "code", json_object_new_string(r->code));
		json_object_object_add(e, "message", json_object_new_string(r->message));
		json_object_object_add(o, "error", e);
	} else if (op == SUP_PING) {
		json_object_object_add(o, "pong", json_object_new_boolean(1));
		json_object_object_add(o, "running", json_object_new_int(r->nrunning));
		json_object_object_add(o, "held_ports", json_object_new_int(r->nheld));
		json_object_object_add(o, "waiting", json_object_new_int(r->nwaiting));
	} else if (takes_rev(op)) {
		json_object_object_add(o, "rev", json_object_new_int64(r->rev));
		json_object_object_add(o, "bytes", json_object_new_int64(r->bytes));
		json_object_object_add(o, "kept", json_object_new_boolean(r->kept));
	} else if (op == SUP_LIST) {
		arr = json_object_new_array();
		for (size_t i = 0; i < r->nlist; i++)
			json_object_array_add(arr,
					      run_to_json(&r->list[i], json_object_new_object()));
		json_object_object_add(o, "sandboxes", arr);
	} else {
		run_to_json(&r->run, o);
	}
	return to_line(o, len);
}

static long long get_ll(struct json_object *o, const char *k)
{
	struct json_object *v;
	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_int)
		       ? json_object_get_int64(v)
		       : 0;
}

static bool get_bool(struct json_object *o, const char *k)
{
	struct json_object *v;
	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_boolean) &&
	       json_object_get_boolean(v);
}

static void get_timings(struct json_object *o, long long *t)
{
	struct json_object *m;

	if (!json_object_object_get_ex(o, "timings", &m) ||
	    !json_object_is_type(m, json_type_object))
		return;
	for (int i = 0; i < SM_COUNT; i++) {
		long long v = get_ll(m, startmark_name((enum startmark)i));
		t[i] = v > 0 ? v : 0;
	}
}

static int run_from_json(struct json_object *o, struct sup_run *s, char *err, size_t errlen)
{
	const char *id = get_str(o, "app_id"), *st = get_str(o, "state"),
		   *rs = get_str(o, "reason");
	int state = run_state_parse(st), reason = rs ? run_reason_parse(rs) : RUN_REASON_NONE;
	struct json_object *v;

	memset(s, 0, sizeof *s);
	if (state < 0 || reason < 0 || (id && !id_valid_app(id))) {
		snprintf(err, errlen, "supervisor reply: bad state, reason or app_id");
		return -1;
	}
	util_copy(s->app_id, sizeof s->app_id, id ? id : "");
	s->state = (enum run_state)state;
	s->reason = (enum run_reason)reason;
	s->already = get_bool(o, "already");
	s->port = (int)get_ll(o, "port");
	s->pid = (int)get_ll(o, "pid");
	s->uid = (int)get_ll(o, "uid");
	s->pids = (int)get_ll(o, "pids");
	s->signal = (int)get_ll(o, "signal");
	s->has_exit_code = json_object_object_get_ex(o, "exit_code", &v) &&
			   json_object_is_type(v, json_type_int);
	s->exit_code = (int)get_ll(o, "exit_code");
	s->run_id = get_ll(o, "run_id");
	s->started_at = get_ll(o, "started_at");
	s->ended_at = get_ll(o, "ended_at");
	s->expires_at = get_ll(o, "expires_at");
	s->cpu_usec = get_ll(o, "cpu_usec");
	s->memory_bytes = get_ll(o, "memory_bytes");
	s->memory_peak = get_ll(o, "memory_peak");
	util_copy(s->cgroup, sizeof s->cgroup, get_str(o, "cgroup") ? get_str(o, "cgroup") : "");
	util_copy(s->log_path, sizeof s->log_path,
		  get_str(o, "log_path") ? get_str(o, "log_path") : "");
	get_timings(o, s->timings);
	return 0;
}

static int list_from_json(struct json_object *o, struct sup_reply *r, char *err, size_t errlen)
{
	struct json_object *arr;
	size_t n;

	if (!json_object_object_get_ex(o, "sandboxes", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		snprintf(err, errlen, "supervisor reply: no sandboxes array");
		return -1;
	}
	n = json_object_array_length(arr);
	r->list = n ? calloc(n, sizeof *r->list) : NULL;
	if (n && !r->list) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(e, json_type_object) ||
		    run_from_json(e, &r->list[i], err, errlen) < 0)
			return -1;
		r->nlist = i + 1;
	}
	return 0;
}

int sup_reply_decode(enum sup_op op, const char *line, size_t len, struct sup_reply *r, char *err,
		     size_t errlen)
{
	struct json_object *o = parse_object(line, len), *e;
	int rc = -1;

	memset(r, 0, sizeof *r);
	if (!o) {
		snprintf(err, errlen, "supervisor sent a malformed reply");
		return -1;
	}
	r->ok = get_bool(o, "ok");
	if (!r->ok) {
		const char *code = NULL, *msg = NULL;
		if (json_object_object_get_ex(o, "error", &e) &&
		    json_object_is_type(e, json_type_object)) {
			code = get_str(e, "code");
			msg = get_str(e, "message");
		}
		util_copy(r->code, sizeof r->code, code ? code : "internal");
		util_copy(r->message, sizeof r->message, msg ? msg : "refused without a reason");
		rc = 0;
	} else if (op == SUP_PING) {
		r->nrunning = (int)get_ll(o, "running");
		r->nheld = (int)get_ll(o, "held_ports");
		r->nwaiting = (int)get_ll(o, "waiting");
		rc = get_bool(o, "pong") ? 0 : -1;
		if (rc < 0)
			snprintf(err, errlen, "supervisor reply: no pong");
	} else if (takes_rev(op)) {
		r->rev = get_ll(o, "rev");
		r->bytes = get_ll(o, "bytes");
		r->kept = get_bool(o, "kept");
		rc = r->rev >= 1 && r->bytes >= 0 ? 0 : -1;
		if (rc < 0)
			snprintf(err, errlen, "supervisor reply: no rev");
	} else if (op == SUP_LIST) {
		rc = list_from_json(o, r, err, errlen);
	} else {
		rc = run_from_json(o, &r->run, err, errlen);
	}
	json_object_put(o);
	if (rc < 0)
		sup_reply_clear(r);
	return rc;
}

void sup_reply_error(struct sup_reply *r, const char *code, const char *fmt, ...)
{
	va_list ap;

	sup_reply_clear(r);
	r->ok = false;
	util_copy(r->code, sizeof r->code, code);
	va_start(ap, fmt);
	vsnprintf(r->message, sizeof r->message, fmt, ap);
	va_end(ap);
}

void sup_reply_clear(struct sup_reply *r)
{
	free(r->list);
	memset(r, 0, sizeof *r);
}
