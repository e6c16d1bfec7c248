/*
 * staff.h: duty staff by text in Redis (SPEC §17, docs/data-model.md):
 * each person's alert codes ("Reply 1A to take it"), the staff texts
 * already handled (providers repeat webhooks), the hourly limit on help
 * texts, and the throttle that keeps texts to one phone within what the
 * networks allow.  Phone numbers and provider ids are hashed into key
 * names; no key holds a number or any text.
 *
 * What comes back is plain C, valid for the callback only.  Every
 * function returns -1 (and calls nothing back) when the command could not
 * be sent; otherwise its callback runs exactly once.
 */
#ifndef STORE_STAFF_H
#define STORE_STAFF_H

#include <stddef.h>
#include <stdint.h>

struct db;

/* How many wordings store_sms_throttle chooses from. */
#define STORE_SMS_WORDINGS	3

/* code: the alert's code (1, 2, ...), or -1 when Redis failed. */
typedef void (*store_code_cb)(int code, void *arg);
/* conv: the conversation the code takes, or NULL when the person has no
 * such open alert; code: the code (for "A", the latest's); failed: Redis
 * failed. */
typedef void (*store_code_find_cb)(const char *conv, int code, int failed,
    void *arg);
/* answer: 1 yes, 0 no, -1 Redis failed. */
typedef void (*store_flag_cb)(int answer, void *arg);
/* wording: which of the wordings to send (0-based), or -1 when the text
 * must not go (why: "hour" or "identical"), or -2 when Redis failed. */
typedef void (*store_throttle_cb)(int wording, const char *why, void *arg);

/*
 * The code of person's alert about conversation conv: the one it already
 * has, else the smallest number none of the person's open alerts uses.
 * An alert is open until its conversation is answered or taken (by Redis
 * TIME now_ms, as the caller sees it); closed ones are freed first.
 */
int	store_staff_code(struct db *, const char *person, const char *conv,
	    int64_t now_ms, store_code_cb, void *);
/* The conversation of person's alert code (0: the latest alert). */
int	store_staff_code_find(struct db *, const char *person, int code,
	    store_code_find_cb, void *);
/* Whether a staff text (provider's id) was handled already. */
int	store_staff_seen(struct db *, const char *provider, const char *id,
	    store_flag_cb, void *);
/* Note a staff text as handled; answer 1 when it was not before. */
int	store_staff_mark(struct db *, const char *provider, const char *id,
	    int ttl, store_flag_cb, void *);
/* Whether a help text may go to phone now (at most one per ttl seconds);
 * answer 1 claims it. */
int	store_staff_help(struct db *, const char *phone, int ttl,
	    store_flag_cb, void *);
/*
 * Whether one more text may go to phone within max_hour texts and
 * max_same identical ones per hour, choosing among STORE_SMS_WORDINGS
 * wordings (texts[i] of lens[i] bytes) in turn; the chosen one is
 * counted.
 */
int	store_sms_throttle(struct db *, const char *phone,
	    const char *const texts[STORE_SMS_WORDINGS], int max_hour,
	    int max_same, store_throttle_cb, void *);

#endif
