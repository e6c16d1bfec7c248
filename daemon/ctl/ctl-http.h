/*
 * ctl-http.h: how replyctl talks to the running daemon's API: the address
 * and a manager token from the configuration (or --url/--token, or
 * REPLYD_TOKEN), and one blocking request at a time (a CLI may block).
 */
#ifndef CTL_HTTP_H
#define CTL_HTTP_H

struct ctl_http {
	struct config	*cfg;
	char		*base;		/* http://host:port */
	const char	*token;
	void		*curl;
};

/* Set up from -c FILE and/or --url/--token; -1 after printing why. */
int	ctl_http_open(struct ctl_http *, const char *cfgpath, const char *url,
	    const char *token);
void	ctl_http_close(struct ctl_http *);
/* One request; returns the HTTP status (0 on transport error, printed). */
long	ctl_http_request(struct ctl_http *, const char *method,
	    const char *path, const char *json, char **resp);

#endif
