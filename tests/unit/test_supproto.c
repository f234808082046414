/* test_supproto.c: the supervisor protocol's encoder and decoder (sandbox/supproto.h):
 * round trips of every op, and malformed, oversized and unknown messages, each refused
 * with its error code. Plus the state tables of common/states.h. */
#include "tap.h"
#include "sandbox/supproto.h"

#include <stdlib.h>
#include <string.h>

#define APP "aabcdefghijklmno"

/* Decodes s; returns the error code ("" when it decoded). */
static const char *decode(const char *s, struct sup_request *r)
{
	static char code[32];
	char err[256];
	if (sup_request_decode(s, strlen(s), r, code, sizeof code, err, sizeof err) == 0)
		return "";
	return code;
}

static void test_request_round_trip(void)
{
	struct sup_request q, d;
	char err[256];
	size_t len;
	char *line;

	for (int op = 0; op < SUP_OP_COUNT; op++) {
		sup_request_init(&q, (enum sup_op)op);
		strcpy(q.app_id, APP);
		strcpy(q.code_dir, "/x/code");
		strcpy(q.data_dir, "/x/data");
		q.wait_ms = 1500;
		q.grace_ms = 250;
		q.deleted = true;
		q.rev = 7;
		line = sup_request_encode(&q, &len, err, sizeof err);
		ok(line && len > 1 && line[len - 1] == '\n' && !memchr(line, '\n', len - 1),
		   "%s: encoded as one line", sup_op_name((enum sup_op)op));
		if (line)
			line[len - 1] = 0; /* the decoder takes a line without its '\n' */
		ok(line && *decode(line, &d) == 0 && (int)d.op == op, "%s: decodes to the same op",
		   sup_op_name((enum sup_op)op));
		if (op == SUP_START)
			ok(strcmp(d.app_id, APP) == 0 && strcmp(d.code_dir, "/x/code") == 0 &&
				   strcmp(d.data_dir, "/x/data") == 0,
			   "start: app and directories kept");
		if (op == SUP_WAIT)
			ok(d.wait_ms == 1500, "wait: wait_ms kept");
		if (op == SUP_PREPARE)
			ok(strcmp(d.app_id, APP) == 0 && strcmp(d.data_dir, "/x/data") == 0 &&
				   !d.code_dir[0],
			   "prepare: app and data directory kept, no code directory");
		if (op == SUP_STOP)
			ok(d.grace_ms == 250 && d.deleted, "stop: grace and reason kept");
		if (op == SUP_SNAPSHOT || op == SUP_RESTORE_DATA)
			ok(d.rev == 7 && strcmp(d.app_id, APP) == 0, "%s: app and rev kept",
			   sup_op_name((enum sup_op)op));
		free(line);
	}
}

static void test_request_errors(void)
{
	struct sup_request r;
	char *big;

	ok(strcmp(decode("{\"op\":\"ping\"", &r), "bad_request") == 0,
	   "truncated JSON: bad_request");
	ok(strcmp(decode("[1,2]", &r), "bad_request") == 0, "an array: bad_request");
	ok(strcmp(decode("\"ping\"", &r), "bad_request") == 0, "a string: bad_request");
	ok(strcmp(decode("{\"op\":\"ping\"} x", &r), "bad_request") == 0,
	   "trailing garbage: bad_request");
	ok(strcmp(decode("{\"op\":\"ping\"}{}", &r), "bad_request") == 0,
	   "two objects: bad_request");
	ok(strcmp(decode("", &r), "bad_request") == 0, "empty: bad_request");
	ok(strcmp(decode("{\"op\":\"reboot\"}", &r), "unknown_op") == 0, "unknown op: unknown_op");
	ok(strcmp(decode("{\"op\":3}", &r), "unknown_op") == 0, "op not a string: unknown_op");
	ok(strcmp(decode("{}", &r), "unknown_op") == 0, "no op: unknown_op");
	ok(strcmp(decode("{\"op\":\"ping\",\"app_id\":\"" APP "\"}", &r), "bad_request") == 0,
	   "a member the op does not take: bad_request");
	ok(strcmp(decode("{\"op\":\"status\"}", &r), "bad_request") == 0, "status without app_id");
	ok(strcmp(decode("{\"op\":\"prepare\",\"app_id\":\"" APP "\"}", &r), "bad_request") == 0,
	   "prepare without data_dir: bad_request");
	ok(strcmp(decode("{\"op\":\"prepare\",\"app_id\":\"" APP "\",\"data_dir\":\"/d\","
			 "\"code_dir\":\"/c\"}",
			 &r),
		  "bad_request") == 0,
	   "prepare with a code_dir (a member it does not take): bad_request");
	ok(strcmp(decode("{\"op\":\"status\",\"app_id\":\"../etc\"}", &r), "bad_request") == 0,
	   "an app_id that is no app id");
	ok(strcmp(decode("{\"op\":\"status\",\"app_id\":5}", &r), "bad_request") == 0,
	   "app_id of the wrong type");
	ok(strcmp(decode("{\"op\":\"status\",\"app_id\":\"" APP "\\u0000x\"}", &r),
		  "bad_request") == 0,
	   "an app_id with a NUL inside: bad_request");
	ok(strcmp(decode("{\"op\":\"start\",\"app_id\":\"" APP "\",\"code_dir\":\"/a\\u0000/../b\","
			 "\"data_dir\":\"/d\"}",
			 &r),
		  "bad_request") == 0,
	   "a path with a NUL inside: bad_request");
	ok(strcmp(decode("{\"op\":\"start\",\"app_id\":\"" APP "\",\"code_dir\":\"/a\"}", &r),
		  "bad_request") == 0,
	   "start without data_dir");
	ok(strcmp(decode("{\"op\":\"start\",\"app_id\":\"" APP
			 "\",\"code_dir\":\"\",\"data_dir\":\"/b\"}",
			 &r),
		  "bad_request") == 0,
	   "start with an empty code_dir");
	ok(strcmp(decode("{\"op\":\"wait\",\"app_id\":\"" APP "\"}", &r), "bad_request") == 0,
	   "wait without wait_ms");
	ok(strcmp(decode("{\"op\":\"wait\",\"app_id\":\"" APP "\",\"wait_ms\":600001}", &r),
		  "bad_request") == 0,
	   "wait_ms above its bound");
	ok(strcmp(decode("{\"op\":\"wait\",\"app_id\":\"" APP "\",\"wait_ms\":1.5}", &r),
		  "bad_request") == 0,
	   "wait_ms not an integer");
	ok(strcmp(decode("{\"op\":\"stop\",\"app_id\":\"" APP "\",\"grace_ms\":-1}", &r),
		  "bad_request") == 0,
	   "negative grace_ms");
	ok(strcmp(decode("{\"op\":\"stop\",\"app_id\":\"" APP "\",\"reason\":\"crashed\"}", &r),
		  "bad_request") == 0,
	   "a stop reason other than stopped/deleted");
	ok(*decode("{\"op\":\"stop\",\"app_id\":\"" APP "\",\"reason\":\"deleted\"}", &r) == 0 &&
		   r.deleted && r.grace_ms == -1,
	   "stop: reason deleted, the configured grace");
	ok(strcmp(decode("{\"op\":\"ping\",\"a\":[[[[[[[[[[[[1]]]]]]]]]]]]}", &r), "bad_request") ==
		   0,
	   "nesting deeper than the bound: bad_request");

	big = malloc(SUP_LINE_MAX + 64);
	snprintf(big, SUP_LINE_MAX + 64, "{\"op\":\"ping\",\"x\":\"%0*d\"}", SUP_LINE_MAX, 0);
	ok(strcmp(decode(big, &r), "too_long") == 0, "a line over SUP_LINE_MAX: too_long");
	free(big);
	big = malloc(SUP_PATH_MAX + 200);
	snprintf(big, SUP_PATH_MAX + 200,
		 "{\"op\":\"start\",\"app_id\":\"" APP "\",\"code_dir\":\"%0*d\","
		 "\"data_dir\":\"/d\"}",
		 SUP_PATH_MAX, 0);
	ok(strcmp(decode(big, &r), "bad_request") == 0, "a path over SUP_PATH_MAX: bad_request");
	free(big);
}

/* snapshot and restore_data: a revision number is required and bounded, both ways. */
static void test_snapshot_ops(void)
{
	struct sup_request q, r;
	struct sup_reply p, d;
	char err[256], *line;
	size_t len;

	ok(strcmp(decode("{\"op\":\"snapshot\",\"app_id\":\"" APP "\"}", &r), "bad_request") == 0,
	   "snapshot without rev: bad_request");
	ok(strcmp(decode("{\"op\":\"snapshot\",\"app_id\":\"" APP "\",\"rev\":0}", &r),
		  "bad_request") == 0,
	   "snapshot of rev 0: bad_request");
	ok(strcmp(decode("{\"op\":\"restore_data\",\"app_id\":\"" APP "\",\"rev\":1000000000}", &r),
		  "bad_request") == 0,
	   "restore_data of a rev above 999999999: bad_request");
	ok(strcmp(decode("{\"op\":\"restore_data\",\"app_id\":\"" APP "\",\"rev\":\"3\"}", &r),
		  "bad_request") == 0,
	   "rev as a string: bad_request");
	ok(strcmp(decode("{\"op\":\"snapshot\",\"app_id\":\"" APP "\",\"rev\":3,"
			 "\"data_dir\":\"/etc\"}",
			 &r),
		  "bad_request") == 0,
	   "snapshot takes no path: bad_request");
	ok(strcmp(decode("{\"op\":\"stop\",\"app_id\":\"" APP "\",\"rev\":3}", &r),
		  "bad_request") == 0,
	   "stop takes no rev: bad_request");
	ok(*decode("{\"op\":\"restore_data\",\"app_id\":\"" APP "\",\"rev\":999999999}", &r) == 0 &&
		   r.op == SUP_RESTORE_DATA && r.rev == 999999999,
	   "restore_data of the largest rev");
	sup_request_init(&q, SUP_SNAPSHOT);
	strcpy(q.app_id, APP);
	ok(!sup_request_encode(&q, &len, err, sizeof err),
	   "a snapshot request without rev is not encoded");

	memset(&p, 0, sizeof p);
	p.ok = true;
	p.rev = 12;
	p.bytes = 1 << 20;
	p.kept = true;
	line = sup_reply_encode(SUP_SNAPSHOT, &p, &len);
	ok(line && sup_reply_decode(SUP_SNAPSHOT, line, len - 1, &d, err, sizeof err) == 0 &&
		   d.ok && d.rev == 12 && d.bytes == 1 << 20 && d.kept,
	   "snapshot reply: rev, bytes, kept");
	free(line);
	ok(sup_reply_decode(SUP_RESTORE_DATA, "{\"ok\":true}", 11, &d, err, sizeof err) < 0,
	   "a restore_data reply without rev is malformed");
}

static void test_reply_round_trip(void)
{
	struct sup_reply r, d;
	char err[256];
	size_t len;
	char *line;

	memset(&r, 0, sizeof r);
	r.ok = true;
	strcpy(r.run.app_id, APP);
	r.run.state = RUN_EXITED;
	r.run.reason = RUN_REASON_START_TIMEOUT;
	r.run.has_exit_code = true;
	r.run.exit_code = 0;
	r.run.run_id = 42;
	line = sup_reply_encode(SUP_WAIT, &r, &len);
	ok(line && sup_reply_decode(SUP_WAIT, line, len - 1, &d, err, sizeof err) == 0 && d.ok &&
		   d.run.state == RUN_EXITED && d.run.reason == RUN_REASON_START_TIMEOUT &&
		   d.run.has_exit_code && d.run.exit_code == 0 && d.run.run_id == 42 &&
		   strcmp(d.run.app_id, APP) == 0,
	   "wait reply: state, reason, exit code 0 kept");
	free(line);

	/* Start marks: the known ones travel as "timings", an unknown one (0) is left out. */
	r.run.timings[SM_RECEIVED] = 1000001;
	r.run.timings[SM_EXEC] = 1004500;
	r.run.timings[SM_READY] = 1040000;
	line = sup_reply_encode(SUP_STATUS, &r, &len);
	ok(line && strstr(line, "\"timings\":{") && strstr(line, "\"exec\":1004500") &&
		   !strstr(line, "\"probe\""),
	   "status reply: known start marks as timings, no unknown one");
	ok(line && sup_reply_decode(SUP_STATUS, line, len - 1, &d, err, sizeof err) == 0 &&
		   d.run.timings[SM_RECEIVED] == 1000001 && d.run.timings[SM_EXEC] == 1004500 &&
		   d.run.timings[SM_READY] == 1040000 && d.run.timings[SM_PROBE] == 0,
	   "status reply: start marks kept");
	free(line);
	memset(r.run.timings, 0, sizeof r.run.timings);
	line = sup_reply_encode(SUP_STATUS, &r, &len);
	ok(line && !strstr(line, "timings"), "no start mark known: no timings member");
	free(line);
	ok(sup_reply_decode(SUP_STATUS,
			    "{\"ok\":true,\"state\":\"running\",\"timings\":"
			    "{\"exec\":-5,\"ready\":\"x\"}}",
			    63, &d, err, sizeof err) == 0 &&
		   d.run.timings[SM_EXEC] == 0 && d.run.timings[SM_READY] == 0,
	   "negative or non-integer marks are read as unknown");

	r.list = calloc(2, sizeof *r.list);
	r.nlist = 2;
	strcpy(r.list[0].app_id, APP);
	r.list[0].state = RUN_RUNNING;
	r.list[0].port = 29000;
	strcpy(r.list[1].app_id, "bbbbbbbbbbbbbbbb");
	r.list[1].state = RUN_STARTING;
	line = sup_reply_encode(SUP_LIST, &r, &len);
	ok(line && sup_reply_decode(SUP_LIST, line, len - 1, &d, err, sizeof err) == 0 &&
		   d.nlist == 2 && d.list[0].port == 29000 && d.list[1].state == RUN_STARTING,
	   "list reply: both entries kept");
	sup_reply_clear(&d);
	free(line);
	sup_reply_clear(&r);

	sup_reply_error(&r, "busy", "%d waits", 3);
	line = sup_reply_encode(SUP_WAIT, &r, &len);
	ok(line && sup_reply_decode(SUP_WAIT, line, len - 1, &d, err, sizeof err) == 0 && !d.ok &&
		   strcmp(d.code, "busy") == 0 && strcmp(d.message, "3 waits") == 0,
	   "error reply kept");
	free(line);

	ok(sup_reply_decode(SUP_STATUS, "{\"ok\":true,\"state\":\"dancing\"}", 30, &d, err,
			    sizeof err) < 0,
	   "a reply with an unknown state is malformed");
	ok(sup_reply_decode(SUP_STATUS, "nope", 4, &d, err, sizeof err) < 0,
	   "a reply that is no JSON is malformed");
	ok(sup_reply_decode(SUP_PING, "{\"ok\":true}", 11, &d, err, sizeof err) < 0,
	   "a ping reply without pong is malformed");
}

static void test_states(void)
{
	int round = 1;
	for (int i = 0; i < APP_STATUS_COUNT; i++)
		round &= app_status_parse(app_status_name((enum app_status)i)) == i;
	for (int i = 0; i < RUN_STATE_COUNT; i++)
		round &= run_state_parse(run_state_name((enum run_state)i)) == i;
	for (int i = 0; i < RUN_REASON_COUNT; i++)
		round &= run_reason_parse(run_reason_name((enum run_reason)i)) == i;
	ok(round, "every state and reason name parses back to itself");
	ok(run_state_parse("Running") < 0 && run_state_parse(NULL) < 0 && app_status_parse("") < 0,
	   "unknown names are refused");
	ok(strcmp(run_state_name((enum run_state)99), "?") == 0,
	   "an out-of-range value names \"?\"");
	ok(run_state_live(RUN_STARTING) && run_state_live(RUN_RUNNING) &&
		   !run_state_live(RUN_EXITED) && !run_state_live(RUN_STOPPED),
	   "live states");
}

/* A start's env: carried whole (the largest one allowed too), checked again on decode. */
static void test_start_env(void)
{
	static struct sup_request q, d;
	char err[256], name[16], *line, *big = malloc(APPENV_VALUE_MAX);
	size_t len;
	int added = 0;

	sup_request_init(&q, SUP_START);
	strcpy(q.app_id, APP);
	strcpy(q.code_dir, "/x/code");
	strcpy(q.data_dir, "/x/data");
	ok(sup_request_env_add(&q, "API_KEY", "a\"b\\c\nd", 7, err, sizeof err) == 0, "env add");
	ok(sup_request_env_add(&q, "B", "ab\0c", 4, err, sizeof err) < 0, "env add: a NUL refused");
	ok(sup_request_env_add(&q, "PORT", "1", 1, err, sizeof err) < 0, "env add: PORT refused");
	ok(sup_request_env_add(&q, "X", "a\x01", 2, err, sizeof err) < 0,
	   "env add: a control character refused");
	line = sup_request_encode(&q, &len, err, sizeof err);
	if (line)
		line[len - 1] = 0;
	ok(line && *decode(line, &d) == 0 && d.nenv == 1 && d.env_len == 16 &&
		   memcmp(d.env, "API_KEY=a\"b\\c\nd", 16) == 0,
	   "env round trip");
	free(line);

	/* the most an app may set: 7 values of 4096 newlines (twice their size in JSON) */
	memset(big, '\n', APPENV_VALUE_MAX);
	sup_request_init(&q, SUP_START);
	strcpy(q.app_id, APP);
	memset(q.code_dir, 'c', SUP_PATH_MAX - 1);
	memset(q.data_dir, 'd', SUP_PATH_MAX - 1);
	for (int i = 0; i < APPENV_MAX_VARS; i++) {
		snprintf(name, sizeof name, "V%d", i);
		added += sup_request_env_add(&q, name, big, i < 7 ? APPENV_VALUE_MAX : 0, err,
					     sizeof err) == 0;
	}
	ok(added == APPENV_MAX_VARS, "64 variables, 28 KiB of newlines added");
	ok(sup_request_env_add(&q, "MORE", "x", 1, err, sizeof err) < 0, "a 65th refused");
	line = sup_request_encode(&q, &len, err, sizeof err);
	if (line)
		line[len - 1] = 0;
	ok(line && *decode(line, &d) == 0 && d.nenv == APPENV_MAX_VARS,
	   "the largest start fits a line");
	free(line);
	free(big);

	const char *bad[] = {
		"{\"op\":\"start\",\"app_id\":\"" APP
		"\",\"code_dir\":\"/c\",\"data_dir\":\"/d\",\"env\":[\"PORT=1\"]}",
		"{\"op\":\"start\",\"app_id\":\"" APP
		"\",\"code_dir\":\"/c\",\"data_dir\":\"/d\",\"env\":[\"NOEQ\"]}",
		"{\"op\":\"start\",\"app_id\":\"" APP
		"\",\"code_dir\":\"/c\",\"data_dir\":\"/d\",\"env\":[\"A=1\",\"A=2\"]}",
		"{\"op\":\"start\",\"app_id\":\"" APP
		"\",\"code_dir\":\"/c\",\"data_dir\":\"/d\",\"env\":[\"A=\\u0000\"]}",
		"{\"op\":\"start\",\"app_id\":\"" APP
		"\",\"code_dir\":\"/c\",\"data_dir\":\"/d\",\"env\":[1]}",
		"{\"op\":\"start\",\"app_id\":\"" APP
		"\",\"code_dir\":\"/c\",\"data_dir\":\"/d\",\"env\":\"A=1\"}",
		"{\"op\":\"stop\",\"app_id\":\"" APP "\",\"env\":[]}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ok(strcmp(decode(bad[i], &d), "bad_request") == 0, "bad env %zu: bad_request", i);
}

int main(void)
{
	test_start_env();
	test_request_round_trip();
	test_request_errors();
	test_snapshot_ops();
	test_reply_round_trip();
	test_states();
	return tap_done();
}
