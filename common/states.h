/* states.h: the states of an app and of a run, as C enums with one to/from-string
 * table each. The strings are what the database's CHECK constraints, the supervisor
 * protocol and the API carry; nothing else spells them out.
 *
 *   app status   generating | ready | blocked | failed
 *   run state    starting | running | exited | stopped   (starting/running: "live")
 *   run reason   (none) | stopped | timeout | memory | crashed | deleted | start_timeout
 *
 * *_name never returns NULL (an out-of-range value gives "?"); *_parse returns the
 * value, or -1 for a string that names none (NULL included). Pure, no allocation. */
#ifndef AF_STATES_H
#define AF_STATES_H

#include <stdbool.h>

enum app_status { APP_GENERATING, APP_READY, APP_BLOCKED, APP_FAILED, APP_STATUS_COUNT };

enum run_state { RUN_STARTING, RUN_RUNNING, RUN_EXITED, RUN_STOPPED, RUN_STATE_COUNT };

/* Why a run ended. RUN_REASON_NONE: a clean exit (or a run that has not ended). */
enum run_reason {
	RUN_REASON_NONE,
	RUN_REASON_STOPPED,
	RUN_REASON_TIMEOUT,
	RUN_REASON_MEMORY,
	RUN_REASON_CRASHED,
	RUN_REASON_DELETED,
	RUN_REASON_START_TIMEOUT,
	RUN_REASON_COUNT
};

const char *app_status_name(enum app_status s);
int app_status_parse(const char *s);

const char *run_state_name(enum run_state s);
int run_state_parse(const char *s);
/* starting or running */
bool run_state_live(enum run_state s);

/* RUN_REASON_NONE is "" here (and NULL/absent in JSON and SQL). */
const char *run_reason_name(enum run_reason r);
int run_reason_parse(const char *s);

#endif
