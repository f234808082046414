/* scanner.h: the code scanner as the daemon sees it.
 *
 * scanner_scan() runs scanner/scan.js (acorn under the system's Node) on an app's files
 * in a child process with a timeout and rlimits, checks the result's shape strictly,
 * and applies the configured scan_policy:
 *   "block" (also when NULL): the verdict as found;
 *   "warn": a block verdict becomes warn, the findings are listed unchanged (their
 *           severity still says which ones would block);
 *   "off":  {"verdict":"pass","findings":[]} without running Node at all.
 *
 * The script is $AF_SCANNER_JS when that is set and not empty (tests, development
 * builds), else AF_PKGDATADIR "/scanner/scan.js" (where `make install` puts it). Node
 * is c->node_path, else the configured AF_NODE. The child gets a clean environment
 * (no NODE_OPTIONS from ours), no descriptors but its three pipes, its own process
 * group, RLIMIT_AS, RLIMIT_CPU (10 s), RLIMIT_CORE 0 and V8 heap caps, and the jail of
 * confine.h: the caller's uid (appforge, without capabilities), no_new_privs, seccomp
 * (no socket, no new process, no signal beyond itself) and, where the kernel has it,
 * Landlock (reads the system and scan.js's directory, nothing of the state directory,
 * writes nothing).
 *
 * A scan that fails because of the files themselves (too large, the timeout, out of
 * memory, the scanner crashing on them) still yields a result: a block verdict (warn
 * under policy warn) with one finding of rule "scan-failed" saying why. Failing
 * closed keeps an unscanned app from running and tells its owner what happened.
 *
 * Result: {"verdict": "pass|warn|block", "findings": [{"rule", "severity", "file",
 * "line", "column", "message"}]}, line and column 1-based (0: the whole file).
 *
 * Error convention: 0 on success with *result_out a NEW reference the caller releases
 * with json_object_put(); -1 with a message in err on a problem of the installation
 * or the call (Node or scan.js missing or refusing, malformed scanner output, files
 * not an object of strings, an unknown policy), *result_out untouched. `files` is
 * borrowed: {"path": "content", ...}. */
#ifndef AF_SCANNER_H
#define AF_SCANNER_H

#include <stddef.h>
#include <json-c/json.h>

struct conf;

struct scanner_limits {
	int timeout_ms;    /* wall clock for the whole scan; then SIGKILL */
	int cpu_seconds;   /* RLIMIT_CPU of the scanner: the bound on a hostile file */
	size_t max_input;  /* bytes of the serialized files sent to the scanner */
	size_t max_output; /* bytes of scanner output accepted */
	int heap_mb;       /* V8 --max-old-space-size */
	int as_mb;         /* RLIMIT_AS of the scanner process */
};

/* CPU time bounds what a pathological file can cost; the wall clock is longer so that
 * a loaded host does not turn a normal scan into a failure. */
#define SCANNER_TIMEOUT_MS 30000
#define SCANNER_CPU_SECONDS 10
#define SCANNER_MAX_INPUT (8u << 20)
#define SCANNER_MAX_OUTPUT (4u << 20)
#define SCANNER_HEAP_MB 768
#define SCANNER_AS_MB 3072
#define SCANNER_MAX_FINDINGS 1000

/* Scans with the default limits above. */
int scanner_scan(const struct conf *c, struct json_object *files, struct json_object **result_out,
		 char *err, size_t errlen);

/* Same with explicit limits (NULL: the defaults). */
int scanner_scan_ex(const struct conf *c, const struct scanner_limits *lim,
		    struct json_object *files, struct json_object **result_out, char *err,
		    size_t errlen);

/* The scan.js path that scanner_scan would run (never NULL). */
const char *scanner_script_path(void);

/* Checks that obj has exactly the result shape above (with the verdict matching the
 * findings' severities). Returns 0, or -1 with the reason in err. */
int scanner_validate_result(struct json_object *obj, char *err, size_t errlen);

#endif
