/* ports.c: round-robin allocation of app ports (see ports.h). */
#include "sandbox/ports.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int port_alloc_init(struct port_alloc *pa, int min, int max, char *err, size_t errlen)
{
	memset(pa, 0, sizeof *pa);
	if (min < 1 || max > 65535 || min > max) {
		snprintf(err, errlen, "invalid port range %d..%d", min, max);
		return -1;
	}
	pa->used = calloc((size_t)(max - min + 1), 1);
	if (!pa->used) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pa->min = min;
	pa->max = max;
	pa->next = min;
	return 0;
}

void port_alloc_free(struct port_alloc *pa)
{
	free(pa->used);
	pa->used = NULL;
}

int port_alloc_get(struct port_alloc *pa)
{
	int n = pa->max - pa->min + 1;
	for (int i = 0; i < n; i++) {
		int p = pa->min + (pa->next - pa->min + i) % n;
		if (!pa->used[p - pa->min]) {
			pa->used[p - pa->min] = 1;
			pa->nused++;
			pa->next = p == pa->max ? pa->min : p + 1;
			return p;
		}
	}
	return -1;
}

int port_alloc_take(struct port_alloc *pa, int port)
{
	if (port < pa->min || port > pa->max || pa->used[port - pa->min])
		return -1;
	pa->used[port - pa->min] = 1;
	pa->nused++;
	return 0;
}

int port_alloc_put(struct port_alloc *pa, int port)
{
	if (port < pa->min || port > pa->max || !pa->used[port - pa->min])
		return -1;
	pa->used[port - pa->min] = 0;
	pa->nused--;
	return 0;
}

int port_alloc_in_use(const struct port_alloc *pa, int port)
{
	return port >= pa->min && port <= pa->max && pa->used[port - pa->min];
}
