/*
 * replyd.c: the daemon's entry point.  Runs in the foreground (systemd
 * style); -n checks the configuration and exits.  Warnings (placeholders
 * left in the file, no way to receive a message or to alert anyone) are
 * printed by -n and logged at start, and never stop replyd, except that
 * -p (the systemd unit passes it) makes a placeholder an error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/config.h"
#include "base/log.h"
#include "serve/daemon.h"
#include "serve/server.h"

/* Print usage and exit 1. */
static void
usage(void)
{
	fprintf(stderr, "usage: replyd -c FILE [-n] [-p] [-v]\n"
	    "  -c FILE  configuration file (JSON with comments)\n"
	    "  -n       check the configuration, print \"configuration OK\" "
	    "and exit\n"
	    "  -p       refuse placeholders (values containing CHANGE-ME)\n"
	    "  -v       log debug lines\n"
	    "see replyd(8) and replyd.json(5)\n");
	exit(1);
}

int
main(int argc, char **argv)
{
	struct server	 srv;
	struct config	*cfg;
	struct jerrs	 errs = { 0 }, warns = { 0 };
	const char	*path = NULL;
	int		 ch, check = 0, verbose = 0, strict = 0, rc;
	size_t		 i;

	while ((ch = getopt(argc, argv, "c:npvh")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'p':
			strict = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (path == NULL || optind != argc)
		usage();
	log_init(verbose);
	cfg = config_load(path, &errs);
	if (cfg != NULL && check)
		daemon_check_plugins(cfg, &errs);
	if (cfg != NULL && errs.n == 0) {
		/* A placeholder is an error under -p: a clear refusal. */
		config_placeholders(cfg, strict ? &errs : &warns);
		if (errs.n > 0)
			jerr_add(&errs, path, 0, 0, "replace every %s "
			    "placeholder before starting replyd (replyd.json(5))",
			    CONFIG_PLACEHOLDER);
		else
			daemon_check_reach(cfg, &warns);
	}
	for (i = 0; i < warns.n; i++)
		fprintf(stderr, "%swarning: %s\n", check ? "" : "<4>",
		    warns.msg[i]);
	jerrs_clear(&warns);
	if (cfg == NULL || errs.n > 0) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "%s%s\n", check ? "" : "<3>",
			    errs.msg[i]);
		jerrs_clear(&errs);
		config_free(cfg);
		return 1;
	}
	if (check) {
		printf("configuration OK\n");
		config_free(cfg);
		return 0;
	}
	memset(&srv, 0, sizeof srv);
	if (daemon_start(&srv, cfg, path) == -1) {
		daemon_free(&srv);
		return 1;
	}
	rc = daemon_run(&srv);
	daemon_free(&srv);
	return rc;
}
