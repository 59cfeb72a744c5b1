/* SPDX-License-Identifier: ISC */
/*
 * bech32: the text encoding of age keys (BIP173 with no limit on the
 * length, as age uses it): a human-readable part, the separator "1", the
 * data as 5-bit groups in a 32-letter alphabet, and a 6-letter checksum.
 * A string is all lower case or all upper case; the checksum is always
 * computed over the lower-case form.
 */
#ifndef DBKIT_BECH32_H
#define DBKIT_BECH32_H

#include <stddef.h>

/* The length of the encoding of len bytes with an hrp of hrplen letters. */
#define BECH32_LEN(hrplen, len) ((hrplen) + 1 + ((len) * 8 + 4) / 5 + 6)

/*
 * Writes hrp (lower case, printable ASCII), "1", data and the checksum,
 * in lower case, and a NUL into out.  Returns 0, or -1 with the reason in
 * err when hrp is not valid or out has fewer than BECH32_LEN + 1 bytes.
 */
int bech32_encode(char *out, size_t outlen, const char *hrp,
    const unsigned char *data, size_t len, char *err, size_t errlen);

/*
 * Decodes str (NUL-terminated): its hrp, lowered, into hrp (hrplen bytes
 * with the NUL) and its data into data (at most datamax bytes), the length
 * in *len.  Returns 0, or -1 with the reason (mixed case, invalid
 * character, bad checksum, ...) in err; the caller names the string.
 */
int bech32_decode(const char *str, char *hrp, size_t hrplen,
    unsigned char *data, size_t datamax, size_t *len, char *err,
    size_t errlen);

#endif
