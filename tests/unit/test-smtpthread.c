/*
 * test-smtpthread.c: email threading headers of the smtp plugin's messages
 * (smtp-message.h): In-Reply-To and References of the young person's
 * message, and the Reply-To that brings their answer back to replyd.  The
 * Makefile links the pure files of plugins/smtp/ only into test-smtp, so
 * this file compiles the module it tests itself.
 */
#include "../../plugins/smtp/smtp-message.c"

#include <stdlib.h>
#include <string.h>

#include "check.h"

static struct smtp_message
message(void)
{
	struct smtp_message	m;

	memset(&m, 0, sizeof m);
	m.from = "replyd@example.gov.uk";
	m.to = "young.person@example.org";
	m.subject = "Re: help";
	m.text = "I'll call at 3pm.";
	m.date = 1779814500;
	return m;
}

/* The header block of a built message, or NULL when refused. */
static char *
headers(const struct smtp_message *m)
{
	char		*out = NULL, *end;
	size_t		 len;
	const char	*why = NULL;

	if (smtp_message_build(m, &out, &len, &why) == -1)
		return NULL;
	if ((end = strstr(out, "\r\n\r\n")) != NULL)
		end[2] = '\0';
	return out;
}

static void
test_a_reply_is_threaded_to_the_young_persons_message(void)
{
	struct smtp_message	m = message();
	char			*h;

	m.in_reply_to = "<abc@mail.example.org>";
	m.references = "<first@mail.example.org> <abc@mail.example.org>";
	m.reply_to = "replies@inbound.example.gov.uk";
	CHECK((h = headers(&m)) != NULL);
	CHECK(strstr(h, "\r\nIn-Reply-To: <abc@mail.example.org>\r\n") !=
	    NULL);
	CHECK(strstr(h, "\r\nReferences: <first@mail.example.org> "
	    "<abc@mail.example.org>\r\n") != NULL);
	CHECK(strstr(h, "\r\nReply-To: replies@inbound.example.gov.uk\r\n") !=
	    NULL);
	free(h);
}

static void
test_without_threading_there_are_no_such_headers(void)
{
	struct smtp_message	m = message();
	char			*h;

	CHECK((h = headers(&m)) != NULL);
	CHECK(strstr(h, "In-Reply-To") == NULL);
	CHECK(strstr(h, "References") == NULL);
	CHECK(strstr(h, "Reply-To") == NULL);
	free(h);
}

static void
test_a_message_id_that_could_inject_a_header_is_refused(void)
{
	static const char *const bad[] = { "<a@b>\r\nBcc: x@y", "abc@b",
	    "<a b@c>", "<>", "<a@b><c@d>", "<a@b>  <c@d>", "<ab>", "" };
	struct smtp_message	m;
	size_t			i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		m = message();
		m.in_reply_to = bad[i];
		CHECK(headers(&m) == NULL);
		m = message();
		m.references = bad[i];
		CHECK(headers(&m) == NULL);
	}
	m = message();
	m.reply_to = "a@b\r\nBcc: x@y";
	CHECK(headers(&m) == NULL);
}

static const struct check_test tests[] = {
	TEST(test_a_reply_is_threaded_to_the_young_persons_message),
	TEST(test_without_threading_there_are_no_such_headers),
	TEST(test_a_message_id_that_could_inject_a_header_is_refused),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("smtpthread", tests, argc, argv);
}
