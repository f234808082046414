/* sup_prepare.h: the supervisor's op "prepare" (supproto.h) off its loop. Making a new
 * app's data image and mounting it where the supervisor keeps it (datamount.h) takes a
 * copy, a loop device and an ext4 mount: 5 to 20 ms, more on a busy host. Done in the
 * loop, it held up every other tenant's start, stop and status meanwhile; so a child
 * process (a job) does it, sharing the supervisor's mount namespace, and the loop
 * records the mount once the job reports (its pipe becomes readable: a W_PREP watch).
 * The client is answered at once: prepare is advice (the daemon does not wait for it),
 * and a start does all of it anyway.
 *
 * A request that touches the app's data image or kept mount (a start, a stop of a
 * deleted app, a snapshot, a restore) waits for the app's job without holding up the
 * loop: its line stays in its client's buffer (client.held_app) until the job has
 * ended, then it is handled as if it came then. */
#ifndef AF_SUP_PREPARE_H
#define AF_SUP_PREPARE_H

#include <stdbool.h>
#include <stddef.h>

struct sandbox_spec;
struct watch;

/* Starts the job for spec (app_id, data_dir, limits; filled by fill_spec). 0 when it
 * runs or there is nothing to do (the app's file system is kept mounted already, or a
 * job of the app runs), -1 with err when no job could be started. */
int sup_prepare_begin(const struct sandbox_spec *spec, char *err, size_t errlen);

/* The job of watch w has reported (or died): records its mount, logs its failure, and
 * releases the request lines held for the app. */
void sup_prepare_end(struct watch *w);

/* Whether a job of app_id runs (app_id NULL: any job). */
bool sup_prepare_busy(const char *app_id);

#endif
