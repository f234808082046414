/* linediff.h: a unified diff of two texts, line by line (for the revisions API).
 *
 * Bounded: after trimming the common head and tail, the changed middle is matched by a
 * longest-common-subsequence table only when it has at most LINEDIFF_MAX_CELLS cells;
 * a larger middle is shown as replaced as a whole. The result is always a correct
 * diff (applying it to a gives b), minimal only within that bound. */
#ifndef AF_LINEDIFF_H
#define AF_LINEDIFF_H

#include <stddef.h>

#define LINEDIFF_MAX_CELLS (2u * 1024 * 1024)
#define LINEDIFF_CONTEXT 3

/* The unified diff (with "--- label_a" / "+++ label_b" headers and @@ hunks of
 * LINEDIFF_CONTEXT lines of context) turning a into b; "" when they are equal. a or b
 * NULL means the file does not exist (all added / all deleted). Returns a malloc'ed
 * string the caller frees, or NULL when out of memory. */
char *linediff_unified(const char *a, const char *b, const char *label_a, const char *label_b);

#endif
