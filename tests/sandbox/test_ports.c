/* test_ports.c: the supervisor's port allocator. */
#include "sandbox/ports.h"
#include "tests/tap.h"

int main(void)
{
	struct port_alloc pa;
	char err[128];
	ok(port_alloc_init(&pa, 10, 5, err, sizeof err) < 0, "min > max refused: %s", err);
	ok(port_alloc_init(&pa, 0, 5, err, sizeof err) < 0, "port 0 refused");
	ok(port_alloc_init(&pa, 65535, 65536, err, sizeof err) < 0, "port 65536 refused");
	ok(port_alloc_init(&pa, 9000, 9002, err, sizeof err) == 0, "init 9000..9002");
	int a = port_alloc_get(&pa), b = port_alloc_get(&pa), c = port_alloc_get(&pa);
	ok(a == 9000 && b == 9001 && c == 9002, "hands out 9000, 9001, 9002");
	ok(port_alloc_get(&pa) == -1, "full range: -1");
	ok(port_alloc_put(&pa, 9001) == 0, "put 9001 back");
	ok(port_alloc_put(&pa, 9001) < 0, "a second put of the same port is refused");
	ok(port_alloc_put(&pa, 8999) < 0 && port_alloc_put(&pa, 9003) < 0,
	   "out of range puts refused");
	ok(!port_alloc_in_use(&pa, 9001) && port_alloc_in_use(&pa, 9000), "in_use tracks state");
	ok(port_alloc_get(&pa) == 9001, "the only free port is reused once it was put back");
	ok(port_alloc_put(&pa, 9000) == 0 && port_alloc_put(&pa, 9002) == 0, "put two back");
	ok(port_alloc_get(&pa) == 9002, "round robin: the search continues after the last port");
	ok(port_alloc_get(&pa) == 9000, "then wraps around");
	ok(pa.nused == 3, "three in use");
	port_alloc_free(&pa);

	ok(port_alloc_init(&pa, 100, 199, err, sizeof err) == 0, "init 100..199");
	ok(port_alloc_take(&pa, 150) == 0 && port_alloc_take(&pa, 150) < 0,
	   "take marks a port once");
	ok(port_alloc_take(&pa, 99) < 0, "take outside the range refused");
	int seen150 = 0, count = 0, p;
	while ((p = port_alloc_get(&pa)) >= 0) {
		count++;
		if (p == 150)
			seen150 = 1;
	}
	ok(count == 99 && !seen150, "a taken port is never handed out (%d handed out)", count);
	/* freed ports come back last: free 120 then 130, the next gets start after 199 */
	port_alloc_put(&pa, 130);
	port_alloc_put(&pa, 120);
	ok(port_alloc_get(&pa) == 120 && port_alloc_get(&pa) == 130,
	   "after a full wrap the freed ports return in order");
	port_alloc_free(&pa);
	return tap_done();
}
