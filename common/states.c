/* states.c: the string tables of states.h. */
#include "common/states.h"

#include <string.h>

/* clang-format off */
static const char *const app_status_names[APP_STATUS_COUNT] = {
	[APP_GENERATING] = "generating", [APP_READY] = "ready",
	[APP_BLOCKED] = "blocked", [APP_FAILED] = "failed",
};
/* clang-format on */

/* clang-format off */
static const char *const run_state_names[RUN_STATE_COUNT] = {
	[RUN_STARTING] = "starting", [RUN_RUNNING] = "running",
	[RUN_EXITED] = "exited", [RUN_STOPPED] = "stopped",
};
/* clang-format on */

/* clang-format off */
static const char *const run_reason_names[RUN_REASON_COUNT] = {
	[RUN_REASON_NONE] = "", [RUN_REASON_STOPPED] = "stopped",
	[RUN_REASON_TIMEOUT] = "timeout", [RUN_REASON_MEMORY] = "memory",
	[RUN_REASON_CRASHED] = "crashed", [RUN_REASON_DELETED] = "deleted",
	[RUN_REASON_START_TIMEOUT] = "start_timeout",
};
/* clang-format on */

static int lookup(const char *const *names, int n, const char *s)
{
	if (!s)
		return -1;
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

const char *app_status_name(enum app_status s)
{
	return (unsigned)s < APP_STATUS_COUNT ? app_status_names[s] : "?";
}

int app_status_parse(const char *s)
{
	return lookup(app_status_names, APP_STATUS_COUNT, s);
}

const char *run_state_name(enum run_state s)
{
	return (unsigned)s < RUN_STATE_COUNT ? run_state_names[s] : "?";
}

int run_state_parse(const char *s)
{
	return lookup(run_state_names, RUN_STATE_COUNT, s);
}

bool run_state_live(enum run_state s)
{
	return s == RUN_STARTING || s == RUN_RUNNING;
}

const char *run_reason_name(enum run_reason r)
{
	return (unsigned)r < RUN_REASON_COUNT ? run_reason_names[r] : "?";
}

int run_reason_parse(const char *s)
{
	return lookup(run_reason_names, RUN_REASON_COUNT, s);
}
