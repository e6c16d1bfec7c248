/*
 * dutytext.c: see dutytext.h.  One job per staff text: has it been seen
 * (providers repeat webhooks)?  What does it ask?  Find the alert's
 * conversation by the person's code, take it if nobody else has it, note
 * the text as seen, answer the provider, then text the answer.  The
 * order keeps "nothing lost": the provider hears success only after the
 * acknowledgement is in Redis; a repeat of a text that was acted on is
 * answered and otherwise ignored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/mask.h"
#include "base/metrics.h"
#include "conf/config.h"
#include "io/plugin.h"
#include "rules/calendar.h"
#include "rules/deliverytag.h"
#include "rules/policy.h"
#include "rules/receipt.h"
#include "rules/staffcmd.h"
#include "serve/dutytext.h"
#include "serve/gen.h"
#include "serve/send.h"
#include "serve/server.h"
#include "store/conv.h"
#include "store/duty.h"
#include "store/staff.h"
#include "store/store.h"

#define DUTYTEXT_SEEN_TTL	(35 * 86400)	/* longer than any retry */
#define DUTYTEXT_HELP_EVERY	3600		/* one help text an hour */
#define DUTYTEXT_MAX		480

struct dutytext_job {
	struct server		*srv;
	struct gen		*gen;		/* pinned */
	dutytext_done		 done;
	void			*arg;
	char			 person[128];
	char			 phone[32];
	char			 masked[MASK_BUFSIZE];
	char			 provider[64];
	char			*provider_id;
	enum staffcmd_kind	 kind;
	int			 code;
	int			 late;
	char			 conv[32];
	char			 team[128];
	int			 step;
	int64_t			 until_ms;
	const char		*outcome;	/* metric label */
	char			 answer[DUTYTEXT_MAX];	/* "" for none */
};

static void	dutytext_mark(struct dutytext_job *);

/* Define the metrics. */
void
dutytext_init(void)
{
	metrics_define("replyd_staff_texts_total", METRICS_COUNTER,
	    "Texts from staff phones, by what came of them: taken, held, "
	    "answered, nothing, help, quiet, repeat, late.");
}

/* Free a job. */
static void
dutytext_free(struct dutytext_job *j)
{
	gen_unref(j->gen);
	free(j->provider_id);
	free(j);
}

/* The answer text's send finished (send.c logged each attempt). */
static void
dutytext_sent(const struct send_outcome *o, void *arg)
{
	if (o->outcome != REPLYD_SENT)
		metrics_inc("replyd_staff_texts_total",
		    "outcome=\"answer_failed\"");
}

/* The plugin that texts staff: alerts.sms, else the one it came by. */
static struct replyd_host *
dutytext_sender(struct dutytext_job *j, int *is_alerts)
{
	const struct config	*cfg = j->gen->cfg;
	struct replyd_host	*h;

	*is_alerts = 0;
	if (cfg->alert_sms != NULL && (h = plugins_find(&j->gen->plugins,
	    cfg->alert_sms)) != NULL && h->has_sender && h->sender.sms) {
		*is_alerts = 1;
		return h;
	}
	if ((h = plugins_find(&j->gen->plugins, j->provider)) != NULL &&
	    h->has_sender && h->sender.sms)
		return h;
	return NULL;
}

/* The throttle answered: text the answer, or say why not. */
static void
dutytext_throttled(int wording, const char *why, void *arg)
{
	struct dutytext_job	*j = arg;
	struct replyd_host	*host;
	struct replyd_send	 msg;
	struct deliverytag	 dt;
	char			 tag[DELIVERYTAG_SIZE];
	int			 alerts;

	if (j->srv->closing) {
		dutytext_free(j);
		return;
	}
	if (wording == -1) {
		log_warnx("duty text: no answer to %s: it had its hour's "
		    "texts (%s)", j->masked, why);
		metrics_inc("replyd_sms_throttled_total", NULL);
		dutytext_free(j);
		return;
	}
	if ((host = dutytext_sender(j, &alerts)) == NULL) {
		log_warnx("duty text: no plugin can text %s an answer (set "
		    "alerts.sms)", j->masked);
		dutytext_free(j);
		return;
	}
	memset(&dt, 0, sizeof dt);
	snprintf(dt.conv, sizeof dt.conv, "%s", j->conv);
	snprintf(dt.purpose, sizeof dt.purpose, "staff");
	memset(&msg, 0, sizeof msg);
	msg.size = sizeof msg;
	msg.purpose = REPLYD_SEND_ALERT;
	msg.to = j->phone;
	msg.text = j->answer;
	msg.subject = "replyd";
	msg.event = "take";
	msg.conversation = j->conv[0] != '\0' ? j->conv : NULL;
	msg.from = alerts ? j->gen->cfg->alert_sms_from : NULL;
	msg.tag = deliverytag_make(&dt, tag, sizeof tag) == 0 ? tag : NULL;
	if (send_start(j->srv, j->gen, host, &msg, j->conv[0] != '\0' ?
	    j->conv : NULL, j->gen->cfg->delivery.max_attempts, dutytext_sent,
	    NULL) == -1)
		log_warnx("duty text: the answer to %s could not be sent",
		    j->masked);
	dutytext_free(j);
}

/* Text the answer (within the phone's hourly limit). */
static void
dutytext_answer(struct dutytext_job *j)
{
	const char	*texts[STORE_SMS_WORDINGS];
	int		 i;

	if (j->answer[0] == '\0') {
		dutytext_free(j);
		return;
	}
	for (i = 0; i < STORE_SMS_WORDINGS; i++)
		texts[i] = j->answer;
	if (store_sms_throttle(j->srv->db, j->phone, texts,
	    j->gen->cfg->alert_sms_per_hour,
	    j->gen->cfg->alert_sms_same_per_hour, dutytext_throttled,
	    j) == -1)
		dutytext_throttled(-2, NULL, j);
}

/* Redis failed before anything was done: the provider should retry. */
static void
dutytext_fail(struct dutytext_job *j, const char *what)
{
	log_warnx("duty text from %s: %s failed: answering 503 so the "
	    "provider retries", j->masked, what);
	j->done(1, j->arg);
	dutytext_free(j);
}

/* The text is handled: answer the provider, then text the answer. */
static void
dutytext_finish(struct dutytext_job *j)
{
	char	labels[48];

	snprintf(labels, sizeof labels, "outcome=\"%s\"", j->outcome);
	metrics_inc("replyd_staff_texts_total", labels);
	j->done(0, j->arg);
	dutytext_answer(j);
}

/* The text is noted as seen (first: answer it; a repeat: do not). */
static void
dutytext_marked(int first, void *arg)
{
	struct dutytext_job	*j = arg;

	if (j->srv->closing) {
		dutytext_free(j);
		return;
	}
	if (first == -1)
		log_warnx("duty text from %s: noting it as handled failed; a "
		    "repeat of it would be answered again", j->masked);
	if (first == 0) {
		j->answer[0] = '\0';
		j->outcome = "repeat";
	}
	dutytext_finish(j);
}

/* Note the text as handled. */
static void
dutytext_mark(struct dutytext_job *j)
{
	if (store_staff_mark(j->srv->db, j->provider, j->provider_id,
	    DUTYTEXT_SEEN_TTL, dutytext_marked, j) == -1)
		dutytext_marked(-1, j);
}

/* A time in words on the team's calendar ("12:10pm today"). */
static void
dutytext_words(struct dutytext_job *j, int64_t ms, char *buf, size_t len)
{
	const struct calendar	*cal = config_team_calendar(j->gen->cfg,
				    config_team(j->gen->cfg, j->team));
	struct tm		 now, at;

	if (calendar_local(cal, server_time(j->srv), &now) == -1 ||
	    calendar_local(cal, (ms + 999) / 1000, &at) == -1 ||
	    receipt_deadline_words(&at, &now, buf, len) == -1)
		calendar_format(cal, ms / 1000, buf, len);
}

/* The name of a person, or their id. */
static const char *
dutytext_name(struct dutytext_job *j, const char *id)
{
	const struct config_person	*p = config_person(j->gen->cfg, id);

	return p != NULL && p->name != NULL ? p->name : id;
}

/* Someone else has it: say who, until when. */
static void
dutytext_held(struct dutytext_job *j, const char *holder, int64_t until_ms)
{
	char	words[RECEIPT_WORDS_SIZE + 32];

	dutytext_words(j, until_ms, words, sizeof words);
	snprintf(j->answer, sizeof j->answer, "replyd: ref %s is already "
	    "taken by %s until %s. Nothing changed.", j->conv,
	    dutytext_name(j, holder), words);
	j->outcome = "held";
}

/* The take is stored (or refused). */
static void
dutytext_acked(enum store_ack_result res, const char *holder,
    int64_t until_ms, void *arg)
{
	struct dutytext_job	*j = arg;
	const struct config	*cfg = j->gen->cfg;
	char			 words[RECEIPT_WORDS_SIZE + 32], at[64];

	if (j->srv->closing) {
		dutytext_free(j);
		return;
	}
	switch (res) {
	case STORE_ACK_FAILED:
		dutytext_fail(j, "taking the conversation");
		return;
	case STORE_ACK_HELD:
		dutytext_held(j, holder, until_ms);
		break;
	case STORE_ACK_ALREADY:
		snprintf(j->answer, sizeof j->answer, "replyd: ref %s already "
		    "has a reply: nothing to take.", j->conv);
		j->outcome = "answered";
		break;
	case STORE_ACK_MISSING:
		snprintf(j->answer, sizeof j->answer, "replyd: nothing to "
		    "take: ref %s is no longer kept.", j->conv);
		j->outcome = "nothing";
		break;
	case STORE_ACK_OK:
		dutytext_words(j, j->until_ms, words, sizeof words);
		calendar_format(config_team_calendar(cfg, config_team(cfg,
		    j->team)), j->until_ms / 1000, at, sizeof at);
		log_info("acknowledged: conversation %s team %s step %d: taken "
		    "by text until %s", j->conv, j->team, j->step, at);
		snprintf(j->answer, sizeof j->answer, "replyd: you have taken "
		    "ref %s (team %s) until %s. Please reply to them: %s/c/%s",
		    j->conv, j->team, words, cfg->public_url, j->conv);
		j->outcome = "taken";
		break;
	}
	dutytext_mark(j);
}

/* The alert's conversation is loaded: take it, unless it is not free. */
static void
dutytext_loaded(const struct store_conv *c, int failed, void *arg)
{
	struct dutytext_job	*j = arg;
	const struct config	*cfg = j->gen->cfg;
	int64_t			 now = server_time(j->srv);

	if (j->srv->closing) {
		dutytext_free(j);
		return;
	}
	if (failed) {
		dutytext_fail(j, "reading the conversation");
		return;
	}
	if (c == NULL) {
		dutytext_acked(STORE_ACK_MISSING, NULL, 0, j);
		return;
	}
	snprintf(j->team, sizeof j->team, "%s", c->team);
	j->step = c->step;
	if (strcmp(c->state, "awaiting") != 0) {
		dutytext_acked(STORE_ACK_ALREADY, NULL, 0, j);
		return;
	}
	j->until_ms = policy_ack_until(config_team_calendar(cfg,
	    config_team(cfg, c->team)), &cfg->ack_timeout, now) * 1000;
	/* The script checks again: another may take it meanwhile. */
	if (store_ack_text(j->srv->db, j->conv, j->person, j->until_ms,
	    dutytext_acked, j) == -1)
		dutytext_fail(j, "taking the conversation");
}

/* The code's conversation is known (or there is none). */
static void
dutytext_found(const char *conv, int code, int failed, void *arg)
{
	struct dutytext_job	*j = arg;

	if (j->srv->closing) {
		dutytext_free(j);
		return;
	}
	if (failed) {
		dutytext_fail(j, "finding the alert");
		return;
	}
	if (conv == NULL || store_id_partition(conv) == -1) {
		if (j->kind == STAFFCMD_TAKE)
			snprintf(j->answer, sizeof j->answer, "replyd: nothing "
			    "to take: you have no open alert %dA.", j->code);
		else
			snprintf(j->answer, sizeof j->answer, "replyd: nothing "
			    "to take: you have no open alert.");
		j->outcome = "nothing";
		dutytext_mark(j);
		return;
	}
	snprintf(j->conv, sizeof j->conv, "%s", conv);
	j->code = code;
	if (store_conv_load(j->srv->db, j->conv, dutytext_loaded, j) == -1)
		dutytext_fail(j, "reading the conversation");
}

/* Whether a help text may go now is known. */
static void
dutytext_help(int due, void *arg)
{
	struct dutytext_job	*j = arg;

	if (j->srv->closing) {
		dutytext_free(j);
		return;
	}
	if (due == -1) {
		dutytext_fail(j, "checking the help text's limit");
		return;
	}
	if (due == 1) {
		snprintf(j->answer, sizeof j->answer, "replyd: this number only "
		    "takes alerts. To take one, reply with the code at the "
		    "end of the alert, such as 1A, or A for your latest. "
		    "Answer young people in replyd, not by text here.");
		j->outcome = "help";
	} else
		j->outcome = "quiet";
	dutytext_mark(j);
}

/* Whether the text was handled before is known. */
static void
dutytext_seen(int seen, void *arg)
{
	struct dutytext_job	*j = arg;

	if (j->srv->closing) {
		dutytext_free(j);
		return;
	}
	if (seen == -1) {
		dutytext_fail(j, "checking for a repeat");
		return;
	}
	if (seen == 1) {
		j->outcome = "repeat";
		dutytext_finish(j);
		return;
	}
	if (j->late) {
		/* Old news: a code may name another alert by now. */
		log_info("duty text from %s found by a backfill long after it "
		    "was sent: not acted on", j->masked);
		j->outcome = "late";
		dutytext_mark(j);
		return;
	}
	switch (j->kind) {
	case STAFFCMD_OTHER:
		if (store_staff_help(j->srv->db, j->phone, DUTYTEXT_HELP_EVERY,
		    dutytext_help, j) == -1)
			dutytext_help(-1, j);
		break;
	default:
		if (store_staff_code_find(j->srv->db, j->person,
		    j->kind == STAFFCMD_TAKE ? j->code : 0, dutytext_found,
		    j) == -1)
			dutytext_found(NULL, 0, 1, j);
		break;
	}
}

/* Act on a staff text. */
int
dutytext_handle(struct server *srv, struct gen *gen,
    const struct dutytext_in *in, dutytext_done done, void *arg)
{
	struct dutytext_job	*j;

	if ((j = calloc(1, sizeof *j)) == NULL)
		return -1;
	if ((j->provider_id = strdup(in->provider_id)) == NULL) {
		free(j);
		return -1;
	}
	j->srv = srv;
	j->gen = gen_ref(gen);
	j->done = done;
	j->arg = arg;
	j->late = in->late;
	j->outcome = "help";
	snprintf(j->person, sizeof j->person, "%s", in->person);
	snprintf(j->phone, sizeof j->phone, "%s", in->phone);
	snprintf(j->provider, sizeof j->provider, "%s", in->provider);
	mask_phone(in->phone, j->masked, sizeof j->masked);
	j->kind = staffcmd_parse(in->text, in->len, &j->code);
	if (store_staff_seen(srv->db, j->provider, j->provider_id,
	    dutytext_seen, j) == -1) {
		dutytext_free(j);
		return -1;
	}
	return 0;
}
