/* supproto.h: the typed protocol of appforge-supervisor, encoded and decoded here only.
 *
 * On the wire: one JSON object per line over the supervisor's unix socket, a request
 * then its reply, any number per connection. Requests (SUP_LINE_MAX bytes at most):
 *   {"op":"ping"}
 *   {"op":"start","app_id":ID,"code_dir":DIR,"data_dir":DIR[,"env":["NAME=value",...]]}
 *        starts the app (or joins its live run: "already":true) and replies at once,
 *        state "starting" (or "running"); env: the app's own variables, each checked
 *        again here against common/appenv.h (a joined run keeps the ones it had)
 *   {"op":"wait","app_id":ID,"wait_ms":N}
 *        replies when the app's start is over ("running", or ended with reason
 *        "crashed" / "start_timeout"), or after N ms with state "starting";
 *        error "busy" when too many requests wait already
 *   {"op":"stop","app_id":ID[,"grace_ms":N][,"reason":"stopped"|"deleted"]}
 *        replies once every process is gone
 *   {"op":"status","app_id":ID}
 *   {"op":"list"}
 *   {"op":"snapshot","app_id":ID,"rev":N}
 *        copies the stopped app's data image as the snapshot of its revision N and
 *        records it, keeping the configured number (sandbox/snapshot.h); error
 *        "running" while the app is live, "no_data" when it has no image yet,
 *        "too_large" when the image alone is over the app's snapshot budget
 *   {"op":"restore_data","app_id":ID,"rev":N}
 *        replaces the stopped app's data image by the snapshot of revision N; error
 *        "running" while the app is live, "not_found" without that snapshot
 *   {"op":"prepare","app_id":ID,"data_dir":DIR}
 *        makes the app's data image and mounts it ahead of its first start (see
 *        datamount.h); replies as status does; nothing happens for a live app. Done
 *        also when the client closed without reading the reply (appforged's way)
 * Unknown members are refused. Replies: {"ok":true,...} with the members of struct
 * sup_run (start, wait, stop, status; "timings":{mark:us,...} has the marks of the
 * run's start that are known, see startmarks.h), "sandboxes":[...] (list), "pong","running",
 * "held_ports","waiting" (ping) or "rev","bytes","kept" (snapshot, restore_data); or
 * {"ok":false,"error":{"code","message"}} with code bad_request,
 * unknown_op, too_long (the connection is then closed), not_found, quota_exceeded,
 * no_port, busy, shutting_down, db_unavailable, start_failed, running, no_data,
 * too_large, internal.
 *
 * Ownership: the caller owns every struct; sup_reply_clear frees a decoded list.
 * Errors: -1 with a message in err (and for requests a protocol error code in code). */
#ifndef AF_SUPPROTO_H
#define AF_SUPPROTO_H

#include <stdbool.h>
#include <stddef.h>

#include "common/appenv.h"
#include "common/states.h"
#include "common/util.h"
#include "sandbox/startmarks.h"

/* A request line, its '\n' excluded: a start with the largest env (values of at most
 * twice their size in JSON, appenv.h) and two paths fits. */
#define SUP_LINE_MAX 131072
#define SUP_REPLY_MAX (4 << 20) /* a reply line */
#define SUP_PATH_MAX 4096
#define SUP_WAIT_MAX_MS 600000
#define SUP_GRACE_MAX_MS 600000
#define SUP_REV_MAX 999999999LL /* a revision number (as the API's routes take it) */

enum sup_op {
	SUP_PING,
	SUP_START,
	SUP_WAIT,
	SUP_STOP,
	SUP_STATUS,
	SUP_LIST,
	SUP_SNAPSHOT,
	SUP_RESTORE_DATA,
	SUP_PREPARE,
	SUP_OP_COUNT
};

const char *sup_op_name(enum sup_op op);

struct sup_request {
	enum sup_op op;
	char app_id[ID_APP_BUFSZ];   /* every op but ping and list */
	char code_dir[SUP_PATH_MAX]; /* start */
	char data_dir[SUP_PATH_MAX]; /* start, prepare */
	int grace_ms;                /* stop: -1 is the configured grace */
	int wait_ms;                 /* wait: 1..SUP_WAIT_MAX_MS */
	bool deleted;                /* stop: the app was deleted (reason "deleted") */
	long long rev;               /* snapshot, restore_data: 1..SUP_REV_MAX */
	/* start: the app's variables, packed "NAME=value\0..." (appenv.h) */
	char env[APPENV_PACKED_MAX];
	size_t env_len;
	int nenv;
};

/* One app as the supervisor sees it. Zero/false fields are absent (null). */
struct sup_run {
	char app_id[ID_APP_BUFSZ];
	enum run_state state;
	enum run_reason reason;
	bool already; /* start: the app was live already */
	int port, pid, uid, pids, signal;
	bool has_exit_code;
	int exit_code;
	long long run_id, started_at, ended_at, expires_at;
	long long cpu_usec, memory_bytes, memory_peak;
	char cgroup[512], log_path[512];
	long long timings[SM_COUNT]; /* the run's start marks (startmarks.h), 0 unknown */
};

struct sup_reply {
	bool ok;
	char code[32], message[512]; /* when !ok */
	struct sup_run run;          /* start, wait, stop, status */
	int nrunning;                /* ping: live sandboxes */
	int nheld;                   /* ping: ports held until their run's end is recorded */
	int nwaiting;                /* ping: wait requests pending */
	struct sup_run *list;        /* list (malloc'ed) */
	size_t nlist;
	long long rev, bytes; /* snapshot, restore_data: the revision, its bytes */
	bool kept;            /* snapshot: still kept after the pruning */
};

/* A fresh request for op (grace_ms -1, everything else empty). */
void sup_request_init(struct sup_request *r, enum sup_op op);

/* Appends NAME=value (vlen bytes) to a start request's env. 0, or -1 with err when the
 * variable breaks a rule of appenv.h (nothing is appended then). */
int sup_request_env_add(struct sup_request *r, const char *name, const char *value, size_t vlen,
			char *err, size_t errlen);

/* The request as one line ending in '\n' (malloc'ed, *len without the NUL), or NULL
 * (out of memory or a field out of bounds, err says which). */
char *sup_request_encode(const struct sup_request *r, size_t *len, char *err, size_t errlen);

/* Parses one request line (without its '\n'). 0, or -1 with code and err. */
int sup_request_decode(const char *line, size_t len, struct sup_request *r, char *code,
		       size_t codelen, char *err, size_t errlen);

/* The reply to an op as one line ending in '\n' (malloc'ed), or NULL (out of memory). */
char *sup_reply_encode(enum sup_op op, const struct sup_reply *r, size_t *len);

/* Parses the reply line to op. 0 (r->ok says which kind), or -1 when it is malformed. */
int sup_reply_decode(enum sup_op op, const char *line, size_t len, struct sup_reply *r, char *err,
		     size_t errlen);

/* Turns r into an error reply (the list, if any, is freed). */
void sup_reply_error(struct sup_reply *r, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void sup_reply_clear(struct sup_reply *r);

#endif
