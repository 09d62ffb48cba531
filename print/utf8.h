/* utf8: where a byte string is UTF-8, for the outputs that must be.
 *
 * A Massif file's text is bytes: Valgrind writes the program's arguments
 * and its files' names as they are, and ms_print prints them back as they
 * are, so the text reports do too.  Only the HTML page (and the JSON in
 * it) must be UTF-8: there a byte that starts no character becomes U+FFFD,
 * and so it does in the parser's quoted lines in messages.
 */
#ifndef HS_UTF8_H
#define HS_UTF8_H

#include <stddef.h>

/* The length (1 to 4) of the UTF-8 character starting at b[i], i < len,
 * or 0 when no character starts there (a stray continuation byte, an
 * overlong form, a surrogate, a code point past U+10FFFF, a cut one). */
static inline size_t hs_utf8_char_len(const unsigned char *b, size_t i, size_t len)
{
	unsigned c = b[i];
	if (c < 0x80)
		return 1;
	size_t n;
	unsigned min;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 1;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 2;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 3;
		min = 0x10000;
	} else {
		return 0;
	}
	unsigned cp = c & (0x3F >> n);
	for (size_t k = 1; k <= n; k++) {
		if (i + k >= len || (b[i + k] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (b[i + k] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n + 1;
}

#endif
