/* names.c: validation of user-chosen names (see names.h). */
#include "fcgi/names.h"

#include <string.h>

#include "db/db.h"

bool names_username_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > DB_USERNAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum =
			(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || !strchr("._-", c)))
			return false;
	}
	return true;
}

bool names_display_valid(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}
