/*
 * metrics.c: a small in-process registry.  The number of series is small
 * (tens), so lookups are linear and the exposition is built on request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/metrics.h"

struct metrics_series {
	char			*labels;	/* "" when none */
	double			 value;
	struct metrics_series	*next;
};

struct metrics_family {
	char			*name;
	char			*help;
	enum metrics_type	 type;
	struct metrics_series	*series;
	struct metrics_family	*next;
};

static struct metrics_family	*metrics_families, **metrics_tail =
    &metrics_families;

static const double metrics_buckets[] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5
};
#define METRICS_NBUCKETS (sizeof metrics_buckets / sizeof metrics_buckets[0])
static unsigned long long	metrics_hist[METRICS_NBUCKETS];
static unsigned long long	metrics_hist_count;
static double			metrics_hist_sum;

/* Find a family by name. */
static struct metrics_family *
metrics_family(const char *name)
{
	struct metrics_family	*f;

	for (f = metrics_families; f != NULL; f = f->next)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

/* Declare a metric family. */
void
metrics_define(const char *name, enum metrics_type type, const char *help)
{
	struct metrics_family	*f;

	if (metrics_family(name) != NULL)
		return;
	if ((f = calloc(1, sizeof *f)) == NULL)
		return;
	f->name = strdup(name);
	f->help = strdup(help);
	f->type = type;
	*metrics_tail = f;
	metrics_tail = &f->next;
}

/* Find or create a series. */
static struct metrics_series *
metrics_series(const char *name, const char *labels)
{
	struct metrics_family	*f;
	struct metrics_series	*s, **tail;

	if (labels == NULL)
		labels = "";
	if ((f = metrics_family(name)) == NULL) {
		metrics_define(name, METRICS_COUNTER, name);
		if ((f = metrics_family(name)) == NULL)
			return NULL;
	}
	for (tail = &f->series; (s = *tail) != NULL; tail = &s->next)
		if (strcmp(s->labels, labels) == 0)
			return s;
	if ((s = calloc(1, sizeof *s)) == NULL ||
	    (s->labels = strdup(labels)) == NULL) {
		free(s);
		return NULL;
	}
	*tail = s;
	return s;
}

/* Add to a series. */
void
metrics_add(const char *name, const char *labels, double by)
{
	struct metrics_series	*s;

	if ((s = metrics_series(name, labels)) != NULL)
		s->value += by;
}

/* Add one to a series. */
void
metrics_inc(const char *name, const char *labels)
{
	metrics_add(name, labels, 1);
}

/* Set a gauge. */
void
metrics_set(const char *name, const char *labels, double value)
{
	struct metrics_series	*s;

	if ((s = metrics_series(name, labels)) != NULL)
		s->value = value;
}

/* A series' current value (0 if it does not exist). */
double
metrics_get(const char *name, const char *labels)
{
	struct metrics_family	*f;
	struct metrics_series	*s;

	if ((f = metrics_family(name)) == NULL)
		return 0;
	for (s = f->series; s != NULL; s = s->next)
		if (strcmp(s->labels, labels ? labels : "") == 0)
			return s->value;
	return 0;
}

/* Record an HTTP request's duration. */
void
metrics_observe_http(double seconds)
{
	size_t	i;

	for (i = 0; i < METRICS_NBUCKETS; i++)
		if (seconds <= metrics_buckets[i])
			metrics_hist[i]++;
	metrics_hist_count++;
	metrics_hist_sum += seconds;
}

/* Render the exposition text. */
char *
metrics_render(void)
{
	struct metrics_family	*f;
	struct metrics_series	*s;
	char			*buf = NULL;
	size_t			 len = 0, i;
	FILE			*fp;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		return NULL;
	for (f = metrics_families; f != NULL; f = f->next) {
		fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help,
		    f->name, f->type == METRICS_COUNTER ? "counter" : "gauge");
		if (f->series == NULL)
			fprintf(fp, "%s 0\n", f->name);
		for (s = f->series; s != NULL; s = s->next) {
			if (s->labels[0] != '\0')
				fprintf(fp, "%s{%s} %.17g\n", f->name,
				    s->labels, s->value);
			else
				fprintf(fp, "%s %.17g\n", f->name, s->value);
		}
	}
	fprintf(fp, "# HELP replyd_http_request_duration_seconds Time from "
	    "a request's arrival to its answer.\n"
	    "# TYPE replyd_http_request_duration_seconds histogram\n");
	for (i = 0; i < METRICS_NBUCKETS; i++)
		fprintf(fp, "replyd_http_request_duration_seconds_bucket"
		    "{le=\"%g\"} %llu\n", metrics_buckets[i], metrics_hist[i]);
	fprintf(fp, "replyd_http_request_duration_seconds_bucket{le=\"+Inf\"} "
	    "%llu\nreplyd_http_request_duration_seconds_sum %.9g\n"
	    "replyd_http_request_duration_seconds_count %llu\n",
	    metrics_hist_count, metrics_hist_sum, metrics_hist_count);
	if (fclose(fp) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Forget every family and series (tests, and the end of the process). */
void
metrics_reset(void)
{
	struct metrics_family	*f, *fn;
	struct metrics_series	*s, *sn;

	for (f = metrics_families; f != NULL; f = fn) {
		fn = f->next;
		for (s = f->series; s != NULL; s = sn) {
			sn = s->next;
			free(s->labels);
			free(s);
		}
		free(f->name);
		free(f->help);
		free(f);
	}
	metrics_families = NULL;
	metrics_tail = &metrics_families;
	memset(metrics_hist, 0, sizeof metrics_hist);
	metrics_hist_count = 0;
	metrics_hist_sum = 0;
}
