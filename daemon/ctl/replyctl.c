/*
 * replyctl.c: the command-line companion of replyd.  Each command is one
 * function in ctl.h, found by name in the table below.  Commands other
 * than deadline talk to the daemon's API (ctl-api.h); their exit statuses
 * are ctl-api.h's enum ctl_exit, documented in replyctl(1).
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
	{ "contacts", ctl_contacts, "contacts list [--q TEXT] | show ID | "
	    "export [--q TEXT]" },
	{ "report", ctl_report, "report -c FILE --month YYYY-MM [--team T] "
	    "[--format table|csv|json]" },
	{ "conversations", ctl_conversations, "conversations [--state S] "
	    "[--team T] [--mine]" },
	{ "show", ctl_show, "show ID" },
	{ "reply", ctl_reply, "reply ID TEXT|- [--by PERSON]" },
	{ "responded", ctl_responded, "responded ID --how "
	    "phone|in-person|other [--note TEXT] [--by PERSON]" },
	{ "ack", ctl_ack, "ack ID [--by PERSON]" },
	{ "duty", ctl_duty, "duty show TEAM [--days N] [--from DATE] | "
	    "set TEAM DATE --worker P [--manager P] | clear TEAM DATE" },
	{ "absences", ctl_absences, "absences list [--person P] | "
	    "add PERSON FROM TO | end ID" },
	{ "signin-link", ctl_signin, "signin-link -c FILE [--url URL] "
	    "[--token TOKEN] PERSON" },
	{ "closures", ctl_closures, "closures add CALENDAR DATE --reason "
	    "TEXT [--by PERSON] | remove CALENDAR DATE | list CALENDAR" },
};

/* Print usage and return 1. */
static int
usage(void)
{
	size_t	i;

	fprintf(stderr, "usage:\n");
	for (i = 0; i < sizeof ctl_commands / sizeof ctl_commands[0]; i++)
		fprintf(stderr, "  replyctl %s\n", ctl_commands[i].usage);
	fprintf(stderr, "common options of the commands that talk to replyd: "
	    "-c FILE (default /etc/replyd/replyd.json, or REPLYD_CONFIG),\n"
	    "  --url URL, --token TOKEN (or REPLYD_TOKEN), --by PERSON (or "
	    "REPLYD_PERSON), --format table|csv|json\n"
	    "exit status: 0 done, 1 usage or input, 2 not found, 3 refused, "
	    "4 replyd unreachable or not ready\n"
	    "see replyctl(1)\n");
	return 1;
}

int
main(int argc, char **argv)
{
	size_t	i;

	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage();
		return 0;
	}
	for (i = 0; i < sizeof ctl_commands / sizeof ctl_commands[0]; i++)
		if (strcmp(argv[1], ctl_commands[i].name) == 0)
			return ctl_commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "replyctl: unknown command \"%s\"\n", argv[1]);
	return usage();
}
