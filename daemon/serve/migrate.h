/*
 * migrate.h: converting a store written by the release before, in the
 * background, in batches, while replyd serves (docs/data-model.md,
 * "Migration").  What the older layout left that the new one reads as it
 * is (records with their first message in the audit trail, open pointers,
 * dedupe keys, texts) needs nothing; each partition's arrival index (rx)
 * is folded into its day ranges, a batch at a time, and removed.  Every
 * instance runs it each time Redis becomes ready; running it twice, or on
 * two instances at once, is harmless.
 *
 * daemon calls this module; it calls only store.
 */
#ifndef MIGRATE_H
#define MIGRATE_H

struct server;

/* Redis is ready: go through the partitions, unless already under way. */
void	migrate_start(struct server *);
/* At exit: stop without finishing. */
void	migrate_free(void);

#endif
