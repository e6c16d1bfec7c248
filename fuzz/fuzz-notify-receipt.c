/*
 * fuzz-notify-receipt.c: GOV.UK Notify's delivery receipt parser
 * (notify-receipt.h) on arbitrary bytes.  A receipt that parses has its
 * id and a status word; one that fails names a field and keeps nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../plugins/notify/notify-receipt.c"
#include "../plugins/shared/json-unnul.c"
#include "../plugins/shared/strict-json.c"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct notify_receipt	 r;
	const char		*field = NULL;
	char			 err[160];

	if (notify_receipt_parse((const char *)data, size, &r, &field, err,
	    sizeof err) == 0) {
		if (r.id == NULL || r.id[0] == '\0' || r.status == NULL ||
		    r.status[0] == '\0' || r.json == NULL)
			abort();
		if (r.delivery == REPLYD_DELIVERY_DELIVERED &&
		    strcmp(r.status, "delivered") != 0)
			abort();
		notify_receipt_free(&r);
	} else if (field == NULL || r.json != NULL || r.id != NULL ||
	    strlen(err) == 0)
		abort();
	return 0;
}
