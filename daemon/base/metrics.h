/*
 * metrics.h: counters, gauges and one latency histogram, rendered in the
 * Prometheus text format for GET /metrics.  Names are defined once with
 * their help text; series are created on first use with their labels.
 * Labels must never carry personal data.
 */
#ifndef METRICS_H
#define METRICS_H

enum metrics_type {
	METRICS_COUNTER,
	METRICS_GAUGE
};

/* Declare a metric family and its help text (idempotent). */
void	metrics_define(const char *name, enum metrics_type, const char *help);
/* Add to a series; labels like "reason=\"signature\"" or NULL. */
void	metrics_add(const char *name, const char *labels, double by);
void	metrics_inc(const char *name, const char *labels);
void	metrics_set(const char *name, const char *labels, double value);
double	metrics_get(const char *name, const char *labels);
/* Record one HTTP request's duration in the latency histogram. */
void	metrics_observe_http(double seconds);
/* The whole exposition as a new NUL-terminated string (caller frees). */
char	*metrics_render(void);
void	metrics_reset(void);

#endif
