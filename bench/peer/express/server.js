'use strict';
/*
 * bench/peer/express/server.js: appforge's GET /api/apps written as an Express 5 app,
 * the peer bench/api measures appforge against (`bench/api --peer express`).
 *
 * What appforged answers, the way a Node developer would serve it in production:
 * the node cluster module with two workers on one port (appforged runs two FastCGI
 * workers), one read-only better-sqlite3 connection per worker with its statements
 * prepared once, jsonwebtoken for the bearer JWT, res.json for the answer.
 *
 *   node server.js --db PATH --jwt-secret-file PATH --port N
 *       [--host 127.0.0.1] [--workers 2] [--issuer appforge] [--audience appforge-api]
 *       [--leeway 30] [--apps-domain localhost] [--https-port 443]
 *
 * The values are appforge's configuration keys of the same names (db_path,
 * jwt_secret_file, jwt_issuer, jwt_audience, jwt_leeway_seconds, apps_domain,
 * https_port): bench/api passes the instance's own. Only Bearer JWTs are accepted
 * (appforge's API tokens are not); the answer of GET /api/apps has the members and
 * values of appforge's (fcgi/h_apps.c, fcgi/app_json.c), which bench/api checks.
 */
const cluster = require('node:cluster');
const crypto = require('node:crypto');
const fs = require('node:fs');
const { parseArgs } = require('node:util');

const express = require('express');
const jwt = require('jsonwebtoken');
const Database = require('better-sqlite3');

const { values: opts } = parseArgs({
  options: {
    db: { type: 'string' },
    'jwt-secret-file': { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    workers: { type: 'string', default: '2' },
    issuer: { type: 'string', default: 'appforge' },
    audience: { type: 'string', default: 'appforge-api' },
    leeway: { type: 'string', default: '30' },
    'apps-domain': { type: 'string', default: 'localhost' },
    'https-port': { type: 'string', default: '443' },
  },
});

function intOption(name, min, max) {
  const n = Number(opts[name]);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`server.js: --${name} must be an integer from ${min} to ${max}`);
    process.exit(2);
  }
  return n;
}

for (const name of ['db', 'jwt-secret-file', 'port']) {
  if (!opts[name]) {
    console.error(`server.js: --${name} is required`);
    process.exit(2);
  }
}
const config = {
  dbPath: opts.db,
  secretFile: opts['jwt-secret-file'],
  host: opts.host,
  port: intOption('port', 1, 65535),
  workers: intOption('workers', 1, 64),
  issuer: opts.issuer,
  audience: opts.audience,
  leeway: intOption('leeway', 0, 60),
  appsDomain: opts['apps-domain'],
  httpsPort: intOption('https-port', 1, 65535),
};

if (cluster.isPrimary) {
  let listening = 0;
  let stopping = false;

  cluster.on('listening', () => {
    if (++listening === config.workers) {
      console.log(`express peer: ${config.workers} workers listening on ` +
        `${config.host}:${config.port}`);
    }
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      return;
    }
    console.error(`express peer: worker ${worker.process.pid} died ` +
      `(${signal || code}), starting another`);
    cluster.fork();
  });
  for (const sig of ['SIGTERM', 'SIGINT']) {
    process.on(sig, () => {
      stopping = true;
      for (const worker of Object.values(cluster.workers)) {
        worker.kill('SIGTERM');
      }
      setTimeout(() => process.exit(0), 5000).unref();
      cluster.disconnect(() => process.exit(0));
    });
  }
  for (let i = 0; i < config.workers; i++) {
    cluster.fork();
  }
} else {
  startWorker();
}

function startWorker() {
  /* The HS256 key: the file's bytes less trailing whitespace, as appforged reads it
   * (common/afjwt.c, afjwt_ctx_load). */
  let secret = fs.readFileSync(config.secretFile);
  let end = secret.length;
  while (end > 0 && [0x0a, 0x0d, 0x20, 0x09].includes(secret[end - 1])) {
    end--;
  }
  const jwtKey = crypto.createSecretKey(secret.subarray(0, end));
  secret.fill(0);
  secret = null;
  const verifyOptions = {
    algorithms: ['HS256'],
    issuer: config.issuer,
    audience: config.audience,
    clockTolerance: config.leeway,
  };

  const db = new Database(config.dbPath, { readonly: true, fileMustExist: true });
  const userById = db.prepare(
    'SELECT id, username, role, disabled, tokens_after FROM users WHERE id = ?');
  /* The owner's apps, newest first, each with its newest run (NULLs when it never ran):
   * one page of at most `limit` rows after the cursor's (created_at, seq). */
  const appsPage = db.prepare(`
    SELECT a.id, a.owner, a.name, a.prompt, a.status, a.error, a.scan_verdict,
           a.scan_findings, a.created_at, a.updated_at, a.seq, a.visibility,
           a.generation_shown,
           r.id AS run_id, r.state AS run_state, r.port AS run_port,
           r.started_at AS run_started_at, r.expires_at AS run_expires_at,
           r.exit_code AS run_exit_code, r.reason AS run_reason
      FROM apps a
      LEFT JOIN runs r ON r.id = (SELECT max(id) FROM runs WHERE app_id = a.id)
     WHERE a.owner = ? AND (a.created_at, a.seq) < (?, ?)
     ORDER BY a.created_at DESC, a.seq DESC
     LIMIT ?`);

  const app = express();
  app.disable('x-powered-by');

  const api = express.Router();
  api.use(authenticate(jwtKey, verifyOptions, userById));
  api.get('/apps', listApps(appsPage));
  app.use('/api', api);

  app.use((req, res) => {
    sendError(res, 404, 'not_found', 'not found');
  });
  app.use((err, req, res, next) => {
    console.error(err);
    if (res.headersSent) {
      return next(err);
    }
    sendError(res, 500, 'internal_error', 'internal error');
  });

  const server = app.listen(config.port, config.host);
  process.on('SIGTERM', () => {
    server.close(() => {
      db.close();
      process.exit(0);
    });
  });
}

function sendError(res, status, code, message) {
  res.status(status).set('Cache-Control', 'no-store').json({ error: { code, message } });
}

/* Bearer JWTs only: the signature and claims, then the user, on every request (it
 * must exist, not be disabled, and the token be issued after its last password
 * change). Every refusal is the same 401. */
function authenticate(key, verifyOptions, userById) {
  const bearer = /^Bearer +([A-Za-z0-9\-._~+/=]+)$/i;

  return (req, res, next) => {
    const m = bearer.exec(req.get('Authorization') || '');
    let claims;
    try {
      claims = m && jwt.verify(m[1], key, verifyOptions);
    } catch {
      claims = null;
    }
    const user = claims && typeof claims.sub === 'string' && Number.isInteger(claims.iat) &&
      Number.isInteger(claims.exp) ? userById.get(claims.sub) : undefined;
    if (!user || user.disabled || claims.iat < user.tokens_after) {
      res.set('WWW-Authenticate', 'Bearer');
      sendError(res, 401, 'unauthorized', 'missing or invalid credentials');
      return;
    }
    req.user = user;
    next();
  };
}

const LIST_DEFAULT = 20;
const LIST_MAX = 100;
const INT64_MAX = 2n ** 63n - 1n;

/* The value of a query parameter given at most once: undefined when absent, null when
 * repeated (appforge refuses a parameter given twice). */
function queryOnce(query, name) {
  const v = query[name];
  return Array.isArray(v) ? null : v;
}

/* An integer written in decimal, optional minus sign, within lo..hi; else null. */
function parseInteger(text, lo, hi) {
  if (!/^-?[0-9]+$/.test(text)) {
    return null;
  }
  const n = BigInt(text);
  return n >= lo && n <= hi ? n : null;
}

/* The page cursor: the hex of "created_at:seq" of the last app of the previous page. */
function makeCursor(createdAt, seq) {
  return Buffer.from(`${createdAt}:${seq}`, 'latin1').toString('hex');
}

function parseCursor(text) {
  if (text.length === 0 || text.length % 2 !== 0 || text.length > 62 ||
      !/^[0-9a-fA-F]+$/.test(text)) {
    return null;
  }
  let raw = Buffer.from(text, 'hex').toString('latin1');
  const nul = raw.indexOf('\0');
  if (nul >= 0) {
    raw = raw.slice(0, nul);
  }
  const colon = raw.indexOf(':');
  if (colon < 0) {
    return null;
  }
  const createdAt = parseInteger(raw.slice(0, colon), 0n, INT64_MAX);
  const seq = parseInteger(raw.slice(colon + 1), 1n, INT64_MAX);
  return createdAt === null || seq === null ? null : { createdAt, seq };
}

function listApps(appsPage) {
  return (req, res) => {
    const query = req.query;
    let limit = LIST_DEFAULT;
    const limitText = queryOnce(query, 'limit');
    if (limitText !== undefined) {
      const n = typeof limitText === 'string' ? parseInteger(limitText, 1n, BigInt(LIST_MAX))
        : null;
      if (n === null) {
        sendError(res, 400, 'invalid_request', `limit must be an integer from 1 to ${LIST_MAX}`);
        return;
      }
      limit = Number(n);
    }
    let after = { createdAt: INT64_MAX, seq: INT64_MAX };
    const cursor = queryOnce(query, 'cursor');
    if (cursor !== undefined && cursor !== '') {
      after = typeof cursor === 'string' ? parseCursor(cursor) : null;
      if (after === null) {
        sendError(res, 400, 'invalid_request', 'invalid cursor');
        return;
      }
    }

    const rows = appsPage.all(req.user.id, after.createdAt, after.seq, limit + 1);
    let nextCursor = null;
    if (rows.length > limit) {
      rows.length = limit;
      const last = rows[limit - 1];
      nextCursor = makeCursor(last.created_at, last.seq);
    }
    res.set('Cache-Control', 'no-store').json({ apps: rows.map(appJson), next_cursor: nextCursor });
  };
}

const APP_STATUSES = new Set(['generating', 'ready', 'blocked', 'failed']);
const RUN_STATES = new Set(['starting', 'running', 'exited', 'stopped']);
const RUN_REASONS = new Set(['stopped', 'timeout', 'memory', 'crashed', 'deleted',
  'start_timeout']);
const TIME_MIN = -62167219200; /* 0000-01-01T00:00:00Z */
const TIME_MAX = 253402300799; /* 9999-12-31T23:59:59Z */
const NEVER_RAN = Object.freeze({
  id: null, state: 'stopped', port: null, started_at: null, expires_at: null,
  exit_code: null, reason: null,
});

/* Seconds since the epoch as RFC 3339 UTC without fractions; null for none (0). */
function rfc3339(t) {
  if (!t || t < TIME_MIN || t > TIME_MAX) {
    return null;
  }
  return new Date(t * 1000).toISOString().slice(0, 19) + 'Z';
}

function findings(text) {
  try {
    const f = JSON.parse(text);
    return Array.isArray(f) ? f : [];
  } catch {
    return [];
  }
}

/* An app's origin is https://<id>.<apps_domain>, with the port when it is not 443. */
const ORIGIN_SUFFIX = `.${config.appsDomain}` +
  (config.httpsPort === 443 ? '' : `:${config.httpsPort}`);

/* An app as the API shows it. */
function appJson(row) {
  const app = {
    id: row.id,
    name: row.name,
    owner: row.owner,
    prompt: row.prompt || null,
    status: APP_STATUSES.has(row.status) ? row.status : 'failed',
  };
  if (row.error !== null) {
    app.error = row.error;
  }
  app.created_at = rfc3339(row.created_at);
  app.updated_at = rfc3339(row.updated_at);
  app.url = `https://${row.id}${ORIGIN_SUFFIX}/`;
  app.visibility = row.visibility || 'private';
  app.scan = { verdict: row.scan_verdict || null, findings: findings(row.scan_findings) };
  app.run = row.run_id === null ? NEVER_RAN : {
    id: row.run_id,
    state: RUN_STATES.has(row.run_state) ? row.run_state : 'exited',
    port: row.run_port || null,
    started_at: rfc3339(row.run_started_at),
    expires_at: rfc3339(row.run_expires_at),
    exit_code: row.run_exit_code,
    reason: RUN_REASONS.has(row.run_reason) ? row.run_reason : null,
  };
  app.generation = row.generation_shown === null ? null : JSON.parse(row.generation_shown);
  return app;
}
