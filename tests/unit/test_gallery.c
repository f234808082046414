/* test_gallery.c: the template gallery (generator_gallery): every kind of the template
 * provider is listed once, in its order, with a title, a description, and an example
 * prompt that the provider classifies as that very kind. */
#include <json-c/json.h>
#include <string.h>

#include "generator/generator.h"
#include "generator/tmpl.h"
#include "tap.h"

int main(void)
{
	struct json_object *g = generator_gallery();
	size_t n = g ? json_object_array_length(g) : 0;

	ok(n == tmpl_kind_count() && n >= 13, "one entry per kind (%zu of %zu)", n,
	   tmpl_kind_count());
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(g, i), *k, *t, *d, *x;
		int ok_shape = json_object_object_get_ex(e, "kind", &k) &&
			       json_object_object_get_ex(e, "title", &t) &&
			       json_object_object_get_ex(e, "description", &d) &&
			       json_object_object_get_ex(e, "example_prompt", &x) &&
			       json_object_object_length(e) == 4;
		const char *kind = ok_shape ? json_object_get_string(k) : "?";
		ok(ok_shape && strcmp(kind, tmpl_kind_name(i)) == 0 && *json_object_get_string(t) &&
			   *json_object_get_string(d),
		   "%s: kind, title and description, in the provider's order", kind);
		int c = ok_shape ? tmpl_classify(json_object_get_string(x), NULL) : -1;
		ok(c >= 0 && strcmp(tmpl_kind_name((size_t)c), kind) == 0,
		   "%s: its example prompt makes a %s", kind, kind);
	}
	ok(generator_gallery_example("nope") == NULL, "no example for an unknown kind");
	json_object_put(g);
	return tap_done();
}
