/*
 * replyctl.c: the command-line companion of replyd.  Each command is one
 * function in ctl.h, found by name in the table below.
 */
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"

static const struct ctl_command {
	const char	*name;
	int		(*fn)(int, char **);
	const char	*usage;
} ctl_commands[] = {
	{ "deadline", ctl_deadline, "deadline -c FILE [--calendar NAME] "
	    "[--within DURATION] [--offline] [INSTANT ...]" },
	{ "contacts", ctl_contacts, "contacts import -c FILE [--url URL] "
	    "[--token TOKEN] CSV" },
	{ "report", ctl_report, "report -c FILE --month YYYY-MM [--team T] "
	    "[--format table|csv|json]" },
};

/* Print usage and return 1. */
static int
usage(void)
{
	size_t	i;

	fprintf(stderr, "usage:\n");
	for (i = 0; i < sizeof ctl_commands / sizeof ctl_commands[0]; i++)
		fprintf(stderr, "  replyctl %s\n", ctl_commands[i].usage);
	return 1;
}

int
main(int argc, char **argv)
{
	size_t	i;

	if (argc < 2)
		return usage();
	for (i = 0; i < sizeof ctl_commands / sizeof ctl_commands[0]; i++)
		if (strcmp(argv[1], ctl_commands[i].name) == 0)
			return ctl_commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "replyctl: unknown command \"%s\"\n", argv[1]);
	return usage();
}
