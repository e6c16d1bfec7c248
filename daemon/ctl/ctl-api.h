/*
 * ctl-api.h: what every replyctl command that talks to the daemon's API
 * shares: the common options (-c, --url, --token, --by, --format), one
 * request with its answer turned into an exit status and a message that
 * says what to do, and output as a table, CSV or JSON.
 *
 * Exit statuses (replyctl(1), EXIT STATUS), for scripts:
 */
#ifndef CTL_API_H
#define CTL_API_H

#include <stddef.h>

#include "ctl/ctl-http.h"

struct cJSON;

enum ctl_exit {
	CTL_OK = 0,
	CTL_USAGE = 1,		/* bad usage or input; replyd answered 400 */
	CTL_NOT_FOUND = 2,	/* no such conversation, contact, team... */
	CTL_REFUSED = 3,	/* token or role refused (401, 403), the state
				 * forbids it (409), or a provider refused */
	CTL_UNREACHABLE = 4	/* replyd not reached, or not ready (5xx) */
};

enum ctl_format {
	CTL_TABLE,
	CTL_CSV,
	CTL_JSON
};

/* An option of one command: with an argument (value) or a flag. */
struct ctl_opt {
	const char	 *name;		/* "--state" */
	const char	**value;
	int		 *flag;
};

/* One command's connection to the daemon and its common options. */
struct ctl_api {
	const char	*cmd;		/* "conversations", for messages */
	const char	*usage;		/* its usage line */
	const char	*config;	/* -c FILE */
	const char	*url;
	const char	*token;
	const char	*by;		/* --by, else REPLYD_PERSON */
	enum ctl_format	 format;
	struct ctl_http	 h;
	int		 open;
};

/*
 * Parse a command's arguments: the common options, the command's own
 * (ending with a NULL name) and at most maxpos positional arguments ("--"
 * ends the options).  CTL_OK, or CTL_USAGE after printing why and the
 * usage; -h prints the usage and sets *help.
 */
int	ctl_api_args(struct ctl_api *, int argc, char **argv,
	    const struct ctl_opt *opts, char **pos, int maxpos, int *npos,
	    int *help);
/* Print "usage: replyctl USAGE" to stderr; returns CTL_USAGE. */
int	ctl_api_usage(const struct ctl_api *);
/* Connect (reads the configuration: -c, REPLYD_CONFIG or the installed
 * one); CTL_OK or an exit status after printing why. */
int	ctl_api_open(struct ctl_api *);
void	ctl_api_close(struct ctl_api *);
/*
 * One request with an optional JSON body.  On 2xx CTL_OK, with the
 * answer in *out (NULL when empty; the caller frees it).  Otherwise the
 * exit status, after printing what went wrong and what to do; `what`
 * names the object for "not found" ("conversation 3-1") and `hint` says
 * how to find one (or NULL).
 */
int	ctl_api_call(struct ctl_api *, const char *method, const char *path,
	    const struct cJSON *body, struct cJSON **out, const char *what,
	    const char *hint);
/* Percent-encode a path segment or query value (malloc'd, or NULL). */
char	*ctl_api_escape(struct ctl_api *, const char *);
/* Print a JSON value, indented, with a newline. */
void	ctl_api_print_json(const struct cJSON *);

/* A value of an object as text: "" for missing or null (fits buf). */
const char *ctl_api_text(const struct cJSON *obj, const char *key,
	    char *buf, size_t len);

/* Rows of text printed as an aligned table or as CSV. */
struct ctl_table {
	size_t		  ncols;
	const char	*const *keys;	/* CSV header */
	const char	*const *titles;	/* table header */
	char		**cells;
	size_t		  nrows, cap;
};

void	ctl_table_init(struct ctl_table *, size_t ncols,
	    const char *const *keys, const char *const *titles);
/* Add a row of ncols cells (copied; NULL is empty). */
void	ctl_table_row(struct ctl_table *, const char *const *cells);
/* Print as a table (empty cells as "-"; "none" when there is no row) or
 * as CSV with a header line; then free the rows. */
void	ctl_table_print(struct ctl_table *, enum ctl_format, const char *none);
/* An RFC 3339 time shortened for a table: "2026-05-26 16:55". */
void	ctl_api_short_time(const char *rfc3339, char *buf, size_t len);

#endif
