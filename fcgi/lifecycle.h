/* lifecycle.h: what the daemon does with an app beyond its rows, in three headers of
 * their own: sup_calls.h (the supervisor's control socket), appdisk.h (the app's files
 * beside the database) and jobs.h (generation jobs). New code includes the one it
 * needs; this umbrella stays only until every handler does. */
#ifndef AF_LIFECYCLE_H
#define AF_LIFECYCLE_H

#include "fcgi/appdisk.h"
#include "fcgi/jobs.h"
#include "fcgi/sup_calls.h"

#endif
