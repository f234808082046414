/* schema.c: the numbered migrations of the appforge database. Migration i (1-based)
 * brings the schema from version i-1 to i; db_open applies the missing ones in one
 * transaction and records the version in PRAGMA user_version. Never edit a migration
 * that has shipped: append a new one. */
#include "db_internal.h"

/* The generation as the API shows it: the stored object without its "spec" (the
 * generator's working copy), or NULL when there is none or it is not a JSON object.
 * Compact JSON text with the stored strings and numbers as they were. Migration 9
 * keeps it in apps.generation_shown (its triggers); a json-c parse, edit and print
 * per app and request made a list of ten generated apps cost six times a list of plain
 * ones. */
#define GENERATION_SHOWN(col) \
	"CASE WHEN json_valid(" col ") AND json_type(" col ") = 'object'" \
	" THEN json_remove(" col ", '$.spec') END"

/* clang-format off */
static const char *const migrations[] = {
	/* 1: the initial schema */
	"CREATE TABLE users ("
	"  id TEXT PRIMARY KEY,"
	"  username TEXT NOT NULL UNIQUE,"
	"  password_hash TEXT NOT NULL,"
	"  role TEXT NOT NULL CHECK (role IN ('user', 'admin')),"
	"  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),"
	"  created_at INTEGER NOT NULL"
	") STRICT;"
	"CREATE TABLE api_tokens ("
	"  id TEXT PRIMARY KEY,"
	"  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  token_hash TEXT NOT NULL UNIQUE,"
	"  prefix TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  expires_at INTEGER,"
	"  revoked_at INTEGER,"
	"  last_used_at INTEGER"
	") STRICT;"
	"CREATE INDEX api_tokens_user ON api_tokens(user_id, created_at);"
	"CREATE TABLE apps ("
	"  id TEXT PRIMARY KEY,"
	"  seq INTEGER NOT NULL UNIQUE,"
	"  owner TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  prompt TEXT NOT NULL DEFAULT '',"
	"  status TEXT NOT NULL CHECK (status IN ('generating', 'ready', 'blocked', 'failed')),"
	"  error TEXT,"
	"  scan_verdict TEXT CHECK (scan_verdict IN ('pass', 'warn', 'block')),"
	"  scan_findings TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(scan_findings)),"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX apps_owner_order ON apps(owner, created_at DESC, seq DESC);"
	"CREATE INDEX apps_order ON apps(created_at DESC, seq DESC);"
	"CREATE TABLE app_files ("
	"  app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,"
	"  path TEXT NOT NULL,"
	"  content TEXT NOT NULL,"
	"  PRIMARY KEY (app_id, path)"
	") STRICT;"
	"CREATE TABLE runs ("
	"  id INTEGER PRIMARY KEY,"
	"  app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,"
	"  state TEXT NOT NULL CHECK (state IN ('starting', 'running', 'exited', 'stopped')),"
	"  port INTEGER,"
	"  pid INTEGER,"
	"  started_at INTEGER NOT NULL,"
	"  ended_at INTEGER,"
	"  expires_at INTEGER,"
	"  exit_code INTEGER,"
	"  reason TEXT CHECK (reason IN ('stopped', 'timeout', 'memory', 'crashed', 'deleted'))"
	") STRICT;"
	"CREATE INDEX runs_app ON runs(app_id, id);"
	/* at most one live run per app, and a port serves one live run */
	"CREATE UNIQUE INDEX runs_live_app ON runs(app_id) WHERE state IN ('starting', 'running');"
	"CREATE UNIQUE INDEX runs_live_port ON runs(port)"
	"  WHERE state IN ('starting', 'running') AND port IS NOT NULL;"
	/* audit.actor is deliberately not a foreign key: events outlive their actors */
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  at INTEGER NOT NULL,"
	"  request_id TEXT NOT NULL DEFAULT '',"
	"  actor TEXT NOT NULL DEFAULT '',"
	"  action TEXT NOT NULL,"
	"  target TEXT NOT NULL DEFAULT '',"
	"  detail TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail))"
	") STRICT;"
	"CREATE INDEX audit_at ON audit(at);"
	"CREATE INDEX audit_actor_action ON audit(actor, action, at);"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
	"  BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
	"  BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;",
	/* 2: login throttling, refresh sessions, and the end of a user's older access tokens. login_throttle holds the recent failures
	 * of one account name or one client address (kind 'user' | 'addr'); rows whose
	 * window has passed are pruned. A session is one family of refresh tokens: only the
	 * SHA-256 of its current token is kept, so presenting an older one of the family is
	 * recognised as a replay. */
	"CREATE TABLE login_throttle ("
	"  kind TEXT NOT NULL CHECK (kind IN ('user', 'addr')),"
	"  key TEXT NOT NULL,"
	"  failures INTEGER NOT NULL,"
	"  last_failure INTEGER NOT NULL,"
	"  blocked_until INTEGER NOT NULL,"
	"  PRIMARY KEY (kind, key)"
	") STRICT, WITHOUT ROWID;"
	"CREATE INDEX login_throttle_last ON login_throttle(last_failure);"
	"CREATE TABLE sessions ("
	"  id TEXT PRIMARY KEY,"
	"  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  token_hash TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  refreshed_at INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL,"
	"  revoked_at INTEGER,"
	"  revoke_reason TEXT CHECK (revoke_reason IN ('logout', 'reuse', 'password', 'limit'))"
	") STRICT;"
	"CREATE INDEX sessions_user ON sessions(user_id, refreshed_at);"
	"CREATE INDEX sessions_expires ON sessions(expires_at);"
	/* access JWTs issued before this time (a password change) are refused */
	"ALTER TABLE users ADD COLUMN tokens_after INTEGER NOT NULL DEFAULT 0;",
	/* 3: a run may end with reason start_timeout (it never answered HTTP in time).
	 * SQLite cannot change a CHECK: the table is rebuilt (nothing references it). */
	"CREATE TABLE runs_new ("
	"  id INTEGER PRIMARY KEY,"
	"  app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,"
	"  state TEXT NOT NULL CHECK (state IN ('starting', 'running', 'exited', 'stopped')),"
	"  port INTEGER,"
	"  pid INTEGER,"
	"  started_at INTEGER NOT NULL,"
	"  ended_at INTEGER,"
	"  expires_at INTEGER,"
	"  exit_code INTEGER,"
	"  reason TEXT CHECK (reason IN ('stopped', 'timeout', 'memory', 'crashed', 'deleted',"
	"                                'start_timeout'))"
	") STRICT;"
	"INSERT INTO runs_new SELECT * FROM runs;"
	"DROP TABLE runs;"
	"ALTER TABLE runs_new RENAME TO runs;"
	"CREATE INDEX runs_app ON runs(app_id, id);"
	"CREATE UNIQUE INDEX runs_live_app ON runs(app_id) WHERE state IN ('starting', 'running');"
	"CREATE UNIQUE INDEX runs_live_port ON runs(port)"
	"  WHERE state IN ('starting', 'running') AND port IS NOT NULL;",
	/* 4: the audit list's filters walk an index in id order (bench/scale: a rare
	 * actor + action took 80 ms over a million events, a table scan) */
	"CREATE INDEX audit_actor_id ON audit(actor, id);"
	"CREATE INDEX audit_action_id ON audit(action, id);"
	"CREATE INDEX audit_actor_action_id ON audit(actor, action, id);",
	/* 5 (appset): an app's environment variables; each value sealed (common/secretbox.h),
	 * never stored in clear */
	"CREATE TABLE app_env ("
	"  app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  sealed BLOB NOT NULL,"
	"  set_at INTEGER NOT NULL,"
	"  PRIMARY KEY (app_id, name)"
	") STRICT, WITHOUT ROWID;",
	/* 6: revisions of an app's code, and the generator's understanding of the app.
	 * A blob is one distinct content of one app (keyed by its SHA-256, computed by the
	 * connection's af_sha256 function, see db_revisions.c): a revision maps paths to
	 * blobs, so unchanged files cost a row of hashes, not a copy. Blobs belong to their
	 * app and cascade with it: deleting an app leaves nothing behind. Apps that had
	 * files before this migration get revision 1 from them here (source "generate"
	 * when they came from a prompt, else "upload"). */
	"CREATE TABLE blobs ("
	"  app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,"
	"  hash TEXT NOT NULL CHECK (length(hash) = 64),"
	"  content TEXT NOT NULL,"
	"  PRIMARY KEY (app_id, hash)"
	") STRICT;"
	"CREATE TABLE revisions ("
	"  app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,"
	"  n INTEGER NOT NULL CHECK (n >= 1),"
	"  created_at INTEGER NOT NULL,"
	"  author TEXT NOT NULL DEFAULT '',"
	"  source TEXT NOT NULL"
	"    CHECK (source IN ('generate', 'save', 'iterate', 'restore', 'upload')),"
	"  message TEXT NOT NULL DEFAULT '',"
	"  changes TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(changes)),"
	"  PRIMARY KEY (app_id, n)"
	") STRICT;"
	"CREATE TABLE revision_files ("
	"  app_id TEXT NOT NULL,"
	"  n INTEGER NOT NULL,"
	"  path TEXT NOT NULL,"
	"  hash TEXT NOT NULL,"
	"  PRIMARY KEY (app_id, n, path),"
	"  FOREIGN KEY (app_id, n) REFERENCES revisions(app_id, n) ON DELETE CASCADE,"
	"  FOREIGN KEY (app_id, hash) REFERENCES blobs(app_id, hash)"
	") STRICT, WITHOUT ROWID;"
	"CREATE INDEX revision_files_blob ON revision_files(app_id, hash);"
	"ALTER TABLE apps ADD COLUMN generation TEXT"
	"  CHECK (generation IS NULL OR json_valid(generation));"
	"INSERT OR IGNORE INTO blobs(app_id, hash, content)"
	"  SELECT app_id, af_sha256(content), content FROM app_files;"
	"INSERT INTO revisions(app_id, n, created_at, author, source, message, changes)"
	"  SELECT a.id, 1, a.updated_at, a.owner,"
	"    CASE WHEN a.prompt = '' THEN 'upload' ELSE 'generate' END,"
	"    'the files the app had when history began',"
	"    (SELECT json_group_array(json_object('path', f.path, 'change', 'added'))"
	"       FROM app_files f WHERE f.app_id = a.id)"
	"  FROM apps a WHERE EXISTS (SELECT 1 FROM app_files f WHERE f.app_id = a.id);"
	"INSERT INTO revision_files(app_id, n, path, hash)"
	"  SELECT app_id, 1, path, af_sha256(content) FROM app_files;",
	/* 7 (private): an app's visibility, and the grants of its private origin. Apps that
	 * exist before this migration stay public (what they were: open to anyone with the
	 * URL); new apps are private (db_app_insert). app_grants holds, by the SHA-256 of
	 * the secret, the one-time codes of POST /api/apps/{id}/open (kind 'code', or
	 * 'embed' for a frame in the frontend) and the __Host-af_app cookies they are
	 * exchanged for (kind 'cookie'), each bound to one app and one user, and gone with
	 * either. */
	"ALTER TABLE apps ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public'"
	"  CHECK (visibility IN ('private', 'public'));"
	"CREATE TABLE app_grants ("
	"  hash TEXT PRIMARY KEY CHECK (length(hash) = 64),"
	"  kind TEXT NOT NULL CHECK (kind IN ('code', 'embed', 'cookie')),"
	"  app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,"
	"  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  created_at INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL"
	") STRICT, WITHOUT ROWID;"
	"CREATE INDEX app_grants_app ON app_grants(app_id);"
	"CREATE INDEX app_grants_user ON app_grants(user_id);"
	"CREATE INDEX app_grants_expires ON app_grants(expires_at);",
	/* 8 (snap): which revisions have a snapshot of the app's data image
	 * (apps_dir/<id>/snapshots/<n>.img, written by the supervisor, which alone writes
	 * these rows); bytes: the space the copy takes on disk. Rows go with their revision
	 * and their app. */
	"CREATE TABLE snapshots ("
	"  app_id TEXT NOT NULL,"
	"  n INTEGER NOT NULL,"
	"  bytes INTEGER NOT NULL CHECK (bytes >= 0),"
	"  created_at INTEGER NOT NULL,"
	"  PRIMARY KEY (app_id, n),"
	"  FOREIGN KEY (app_id, n) REFERENCES revisions(app_id, n) ON DELETE CASCADE"
	") STRICT, WITHOUT ROWID;",
	/* 9 (shown): the generation as the API shows it (the object without its "spec", the
	 * generator's working copy; NULL when there is none or it is not an object), kept
	 * beside it by triggers whoever writes it, so that a list reads it instead of
	 * editing the JSON of every app on every request. */
	"ALTER TABLE apps ADD COLUMN generation_shown TEXT"
	"  CHECK (generation_shown IS NULL OR json_valid(generation_shown));"
	"UPDATE apps SET generation_shown = " GENERATION_SHOWN("generation") ";"
	"CREATE TRIGGER apps_generation_shown_insert AFTER INSERT ON apps"
	"  WHEN NEW.generation IS NOT NULL"
	"  BEGIN UPDATE apps SET generation_shown = " GENERATION_SHOWN("NEW.generation")
	"    WHERE id = NEW.id; END;"
	"CREATE TRIGGER apps_generation_shown_update AFTER UPDATE OF generation ON apps"
	"  BEGIN UPDATE apps SET generation_shown = " GENERATION_SHOWN("NEW.generation")
	"    WHERE id = NEW.id; END;",
};
/* clang-format on */

int db_schema_latest(void)
{
	return (int)(sizeof migrations / sizeof migrations[0]);
}

const char *db_migration_sql(int version)
{
	if (version < 1 || version > db_schema_latest())
		return NULL;
	return migrations[version - 1];
}
