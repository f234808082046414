/* conf.h: the one configuration of appforge (daemon, supervisor, CLI, nginx template).
 *
 * The file is "key = value" lines; '#' starts a comment. Every key lives in one table
 * in conf.c with its type, bounds and default; conf_load() reads the file once,
 * validates every value and fills a struct conf. Unknown keys, bad values and
 * duplicates are errors naming the file and line.
 *
 * Error convention: functions return 0 on success, -1 on error with a message in the
 * caller's err buffer. The struct owns its strings; conf_free() releases them. */
#ifndef AF_CONF_H
#define AF_CONF_H

#include <stddef.h>

struct conf {
	/* paths */
	char *state_dir;           /* everything appforge writes lives here */
	char *socket_path;         /* FastCGI unix socket; default <state_dir>/appforged.sock */
	char *resolve_socket_path; /* FastCGI socket of the resolve pool; <state_dir>/resolve.sock */
	char *supervisor_socket;   /* control socket; default <state_dir>/supervisor.sock */
	char *db_path;             /* default <state_dir>/appforge.db */
	char *apps_dir;            /* default <state_dir>/apps */
	char *log_dir;             /* default <state_dir>/log */
	char *node_path;           /* default the configured node */
	/* daemon */
	char *run_as_user;   /* appforged drops root to this user (and its group) */
	char *socket_group;  /* group of the FastCGI socket: the one nginx's workers are in */
	int workers;         /* FastCGI worker processes, 1..64 */
	int resolve_workers; /* workers of the app-origin resolve pool, 1..16 */
	long max_body_bytes; /* request body cap, 1 KiB..64 MiB */
	char *log_level;     /* debug|info|warn|error */
	/* public addresses */
	char *public_host;         /* host name of the frontend, default localhost */
	char *apps_domain;         /* apps served on <id>.<apps_domain>, default localhost */
	char *listen_address;      /* nginx listen address, default 127.0.0.1 */
	int https_port;            /* default 8443 */
	int http_port;             /* default 8080 */
	char *cors_origins;        /* space-separated allowlist of origins */
	int rate_ip_per_sec;       /* limit_req per client address */
	int rate_token_per_sec;    /* limit_req per Authorization header */
	int rate_generate_per_min; /* stricter zone for POST /api/apps */
	long app_bandwidth_bytes;  /* per-connection response rate to apps (limit_rate) */
	int app_rate_ip_per_sec;   /* requests/s to app origins per client address */
	int app_rate_per_sec;      /* requests/s to one app origin, all clients */
	int app_conns_ip;          /* open requests to app origins per client address */
	int app_conns;             /* open requests to one app (bounds its upstream connections) */
	int app_read_timeout_seconds; /* wait for an app's answer (WebSocket: 3600 s) */
	/* auth */
	char *jwt_alg;             /* HS256 | RS256 | ES256 */
	char *jwt_secret_file;     /* HS256 secret; default <state_dir>/jwt.secret */
	char *jwt_public_key_file; /* RS256/ES256 verification key (external IdP) */
	char *jwt_issuer;          /* default appforge */
	char *jwt_audience;        /* default appforge-api */
	int jwt_ttl_seconds;       /* lifetime of tokens we issue */
	int jwt_leeway_seconds;    /* clock leeway, 0..60 */
	int token_max_days;        /* API token lifetime cap */
	/* sandbox */
	int port_min, port_max; /* app ports on 127.0.0.1 */
	int sandbox_uid_base;   /* host uid/gid range start for sandboxes */
	long sandbox_memory_mb;
	int sandbox_pids;
	int sandbox_cpu_percent;          /* of one CPU */
	int sandbox_cpu_boost_ms;         /* the CPU quota starts this long after a start */
	int sandbox_wall_seconds;         /* wall-clock limit of one run */
	int sandbox_cpu_seconds;          /* CPU-time limit of one run */
	long sandbox_data_mb;             /* DATA_DIR quota */
	long sandbox_tmp_mb;              /* /tmp size */
	int sandbox_nofile;               /* RLIMIT_NOFILE */
	long sandbox_fsize_mb;            /* RLIMIT_FSIZE */
	int sandbox_stop_grace_ms;        /* SIGTERM -> SIGKILL */
	long sandbox_log_bytes;           /* per-run log cap */
	int sandbox_max_running;          /* apps running at once, all users together */
	int sandbox_start_timeout_ms;     /* run waits this long for the app to answer */
	int sandbox_netns_pool;           /* network namespaces the supervisor makes ahead */
	int sandbox_total_memory_percent; /* all sandboxes together: of the host's RAM; 0 none */
	int sandbox_total_cpu_percent;    /* all sandboxes together: of all CPUs; 0 none */
	int sandbox_total_pids;           /* all sandboxes together; 0 none */
	int snapshots_per_app; /* data snapshots kept per app (newest revisions); 0 none */
	long snapshots_app_mb; /* their space on disk together, per app */
	/* generator and scanner */
	char *generator; /* template | openai */
	char *openai_base_url;
	char *openai_model;
	char *openai_key_file;
	int openai_timeout_seconds;
	int openai_concurrency;
	int openai_max_waiting;
	char *scan_policy; /* block | warn | off */
	/* quotas */
	int quota_apps;    /* apps per user */
	int quota_running; /* running apps per user */
	int quota_generations_per_hour;
};

/* Fills c with defaults, then applies the file at path (NULL: defaults only; a missing
 * file is an error). Relative state_dir is made absolute against the cwd. Derived paths
 * left empty are computed from state_dir. On error, c holds nothing to free. */
int conf_load(struct conf *c, const char *path, char *err, size_t errlen);
void conf_free(struct conf *c);

/* Writes every key with its current value as "key = value" lines (`appforgectl config`,
 * for people). Secrets are never in the configuration, only file paths. */
void conf_dump(const struct conf *c, int fd);
/* The keys of the table, for a caller that writes them in another form (`appforgectl
 * config --json`, `--get KEY`): key i's name (0 <= i < conf_nkeys()), its value as text
 * in *value (a number formatted into num; a string is the configuration's own). */
size_t conf_nkeys(void);
const char *conf_key_text(const struct conf *c, size_t i, const char **value, char *num,
			  size_t numlen);

/* The default configuration path: $APPFORGE_CONFIG if set, else ./appforge.conf if it
 * exists, else AF_SYSCONFDIR/appforge.conf. Never NULL. */
const char *conf_default_path(void);

#endif
