/*
 * urgent.c: see urgent.h.  An apostrophe before a word counts as part of
 * it ("don't" does not contain "t"), so boundaries are letters, digits
 * and apostrophes.
 */
#include <ctype.h>
#include <string.h>

#include "rules/urgent.h"

/* Whether text contains keyword as whole words, case-insensitively. */
int
urgent_keyword_match(const char *text, size_t len, const char *keyword)
{
	size_t	klen = strlen(keyword), i, k;

	if (klen == 0 || klen > len)
		return 0;
	for (i = 0; i + klen <= len; i++) {
		/* A match must start and end at a word boundary. */
		if (i > 0 && (isalnum((unsigned char)text[i - 1]) ||
		    text[i - 1] == '\''))
			continue;
		for (k = 0; k < klen; k++)
			if (tolower((unsigned char)text[i + k]) !=
			    tolower((unsigned char)keyword[k]))
				break;
		if (k < klen)
			continue;
		if (i + klen < len && isalnum((unsigned char)text[i + klen]))
			continue;
		return 1;
	}
	return 0;
}

/* Whether text contains any of the keywords. */
int
urgent_match(char *const *keywords, size_t n, const char *text, size_t len)
{
	size_t	i;

	for (i = 0; text != NULL && i < n; i++)
		if (urgent_keyword_match(text, len, keywords[i]))
			return 1;
	return 0;
}
