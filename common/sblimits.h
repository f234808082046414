/* sblimits.h: the one table of an app sandbox's limits, their defaults and bounds.
 *
 * Two contexts read it, side by side in each row:
 *   - the sandbox itself (sandbox_limits_default, appforge-sandbox's options): the
 *     default of a run started by hand and the widest bounds the sandbox applies;
 *   - a deployment's configuration (the sandbox_* keys of appforge.conf, conf.c; the
 *     supervisor copies them into every run): its default and narrower bounds, so that
 *     a configuration that starves or floods every app is refused at start.
 *
 * SBLIM_TABLE(X) calls X(name, kind, def, min, max, conf_def, conf_min, conf_max) once
 * per limit, where name is the field of struct sandbox_limits (sandbox/sandbox.h), the
 * configuration key "sandbox_<name>" and the option "--<name>" with '-' for '_'; kind
 * is INT or LONG, the field's type. conf_def must be a plain decimal literal (conf.c
 * parses its text like a file value).
 *
 * Where the two defaults differ, on purpose: a deployment's apps get twice the
 * processes and file size, and a one-second CPU boost at start (node's start-up is not
 * throttled); a run by hand gets its quota at once (tests read it right after the
 * start). */
#ifndef AF_SBLIMITS_H
#define AF_SBLIMITS_H

#include <limits.h>

/*   name          kind  def     min  max         conf_def conf_min conf_max */
#define SBLIM_TABLE(X) \
	X(memory_mb, LONG, 256, 16, 1L << 20, 256, 16, 65536) \
	X(pids, INT, 64, 4, 1 << 20, 128, 8, 32768) \
	X(cpu_percent, INT, 50, 1, 102400, 50, 1, 6400) \
	X(cpu_boost_ms, INT, 0, 0, 600000, 1000, 0, 60000) \
	X(wall_seconds, INT, 3600, 0, INT_MAX, 3600, 5, 30 * 86400) \
	X(cpu_seconds, INT, 600, 0, INT_MAX, 600, 1, 30 * 86400) \
	X(data_mb, LONG, 64, 2, 1L << 20, 64, 1, 65536) \
	X(tmp_mb, LONG, 32, 1, 1L << 20, 32, 1, 65536) \
	X(nofile, INT, 256, 16, 1 << 20, 256, 16, 65536) \
	X(fsize_mb, LONG, 32, 1, 1L << 30, 64, 1, 65536) \
	X(log_bytes, LONG, 1L << 20, 1024, 1L << 40, 1048576, 4096, 1024L << 20)

/* Network namespaces a supervisor keeps made ahead of starts, at most (the bound of the
 * sandbox_netns_pool key, and the size of sandbox_netns.c's pool). */
#define SBLIM_NETNS_POOL_MAX 16

#endif
