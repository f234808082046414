# generator/local.mk: the build of generator/ (included by the top Makefile.am).
# libafgen.a: prompt -> files (template and openai providers); appforge-generate runs
# one generation as a command-line program (appforged's asynchronous generations run
# `appforged --generation-job` instead, fcgi/jobs.c).
GEN_TEMPLATES = \
	generator/templates/base/server.js generator/templates/base/base.js \
	generator/templates/base/index.html generator/templates/base/style.css \
	generator/templates/base/guard.js \
	generator/templates/generic/app.js generator/templates/todo/app.js \
	generator/templates/counter/app.js generator/templates/counter/routes.js \
	generator/templates/poll/app.js generator/templates/poll/routes.js \
	generator/templates/timer/app.js generator/templates/quiz/app.js \
	generator/templates/quiz/routes.js generator/templates/chat/app.js \
	generator/templates/chat/routes.js generator/templates/kanban/app.js \
	generator/templates/expenses/app.js generator/templates/landing/app.js \
	generator/templates/landing/routes.js

noinst_LIBRARIES += generator/libafgen.a
generator_libafgen_a_SOURCES = generator/generator.c generator/generator.h \
	generator/tmpl.c generator/tmpl.h generator/tmpl_int.h generator/tmpl_text.c \
	generator/tmpl_kinds.c generator/tmpl_plan.c generator/tmpl_build.c generator/tmpl_records.c \
	generator/tmpl_render.c generator/tmpl_edit.c generator/tmpl_edit_int.h \
	generator/tmpl_edit_words.c generator/tmpl_edit_seed.c generator/openai.c generator/openai.h \
	generator/gallery.c
nodist_generator_libafgen_a_SOURCES = generator/templates_data.c
generator_libafgen_a_CPPFLAGS = $(AM_CPPFLAGS) $(JSONC_CFLAGS) $(CURL_CFLAGS)
# Programs linking libafgen.a add $(AFGEN_LIBS) (it needs libafcommon.a after it).
AFGEN_LIBS = generator/libafgen.a $(AFCOMMON_LIBS) $(CURL_LIBS)

generator/templates_data.c: $(GEN_TEMPLATES) $(top_srcdir)/generator/embed.py
	$(AM_V_GEN)$(MKDIR_P) generator && \
	$(PYTHON3) $(top_srcdir)/generator/embed.py $(top_srcdir) $@ $(GEN_TEMPLATES)
CLEANFILES += generator/templates_data.c
EXTRA_DIST += $(GEN_TEMPLATES) generator/embed.py generator/README.md

pkglibexec_PROGRAMS += generator/appforge-generate
generator_appforge_generate_SOURCES = generator/main.c
generator_appforge_generate_CPPFLAGS = $(AM_CPPFLAGS) $(JSONC_CFLAGS) $(CURL_CFLAGS)
generator_appforge_generate_LDADD = $(AFGEN_LIBS)

check_PROGRAMS += tests/unit/test_generator
tests_unit_test_generator_SOURCES = tests/unit/test_generator.c
tests_unit_test_generator_CPPFLAGS = $(AM_CPPFLAGS) $(JSONC_CFLAGS)
tests_unit_test_generator_LDADD = $(AFGEN_LIBS)
TESTS += tests/unit/test_generator tests/generator/test_templates.py tests/generator/test_openai.py \
	tests/generator/test_prompts.py
EXTRA_DIST += tests/generator/test_templates.py tests/generator/test_openai.py \
	tests/generator/test_prompts.py tests/generator/prompts.json \
	tests/generator/fake_openai.py tests/generator/dom_check.js

check_PROGRAMS += tests/unit/test_gallery
tests_unit_test_gallery_SOURCES = tests/unit/test_gallery.c
tests_unit_test_gallery_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests $(JSONC_CFLAGS)
tests_unit_test_gallery_LDADD = $(AFGEN_LIBS)
TESTS += tests/unit/test_gallery
