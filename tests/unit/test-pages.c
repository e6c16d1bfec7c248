/*
 * test-pages.c: the staff pages' shared parts (serve/pages.c).  Every
 * embedded template compiles, so a template that would put data where no
 * escaping is safe fails the build's tests rather than replyd's start; a
 * plugin's JSON data becomes template data value for value.
 */
#include <string.h>

#include "check.h"
#include "base/template.h"
#include "serve/pages.h"

static char	err[256];

static void
test_every_embedded_template_compiles(void)
{
	const struct page_source	*s;
	int				 n = 0;

	if (pages_compile(err, sizeof err) == -1)
		check_fail(__FILE__, __LINE__, "%s", err);
	for (s = page_sources; s->name != NULL; s++)
		n++;
	CHECK(n >= 2);
}

static void
test_the_layout_and_error_pages_are_embedded(void)
{
	const struct page_source	*s;
	int				 layout = 0, error = 0;

	for (s = page_sources; s->name != NULL; s++) {
		layout |= strcmp(s->name, "layout") == 0;
		error |= strcmp(s->name, "error") == 0;
	}
	CHECK(layout && error);
}

static void
test_json_data_becomes_template_data(void)
{
	struct template		*t;
	struct template_data	*d;
	struct template_html	*h;
	const char		*src = "{{title}}/{{n}}/{{#on}}on{{/on}}"
	    "{{^off}}off{{/off}}/{{#list}}[{{.}}]{{/list}}/{{#objs}}"
	    "{{a.b}}{{/objs}}";

	t = template_compile("t", src, strlen(src), err, sizeof err);
	CHECK(t != NULL);
	d = pages_json("{\"title\":\"<T>\",\"n\":3,\"on\":true,\"off\":false,"
	    "\"list\":[\"x\",2,null,[1]],\"objs\":[{\"a\":{\"b\":\"deep\"}}],"
	    "\"nothing\":null}");
	CHECK(d != NULL);
	h = template_render(t, d, err, sizeof err);
	if (h == NULL)
		check_fail(__FILE__, __LINE__, "%s", err);
	CHECK_STR(template_html_text(h, NULL), "&lt;T&gt;/3/onoff/[x][2]/deep");
	template_html_free(h);
	template_data_free(d);
	template_free(t);
}

static void
test_json_that_is_not_an_object_is_refused(void)
{
	CHECK(pages_json("[1, 2]") == NULL);
	CHECK(pages_json("{\"a\":") == NULL);
	CHECK(pages_json(NULL) == NULL);
}

static const struct check_test tests[] = {
	TEST(test_every_embedded_template_compiles),
	TEST(test_the_layout_and_error_pages_are_embedded),
	TEST(test_json_data_becomes_template_data),
	TEST(test_json_that_is_not_an_object_is_refused),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("pages", tests, argc, argv);
}
