/* names.h: the shape of user-chosen names, shared by the API and appforgectl. */
#ifndef AF_NAMES_H
#define AF_NAMES_H

#include <stdbool.h>

/* Usernames: 1..64 of [A-Za-z0-9._-], starting with a letter or digit. */
bool names_username_valid(const char *s);
#define NAMES_USERNAME_RULE \
	"username must be 1 to 64 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit"

/* Display names (apps, tokens): no control characters (the length is checked by the
 * JSON getter). */
bool names_display_valid(const char *s);

#endif
