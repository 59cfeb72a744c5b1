/* SPDX-License-Identifier: ISC */
/*
 * bech32, after BIP173.  The checksum is a BCH code over GF(32): polymod
 * runs the hrp "expanded" (the high 3 bits of each letter, a zero, then
 * the low 5 bits), the data groups and, when encoding, six zero groups;
 * a valid string leaves the remainder 1.  Bytes become 5-bit groups most
 * significant bit first, the last group padded with zero bits; decoding
 * refuses padding of 5 bits or more, or padding that is not zero, so each
 * byte string has exactly one encoding.  Nothing here limits the length:
 * age's keys are longer than BIP173's 90 letters allow in general.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bech32.h"

static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint32_t
polymod_step(uint32_t chk, unsigned int value)
{
	static const uint32_t gen[5] = { 0x3b6a57b2, 0x26508e6d, 0x1ea119fa,
		0x3d4233dd, 0x2a1462b3 };
	uint32_t top = chk >> 25;

	chk = ((chk & 0x1ffffff) << 5) ^ value;
	for (int i = 0; i < 5; i++)
		if ((top >> i) & 1)
			chk ^= gen[i];
	return chk;
}

/* The checksum state after the expanded hrp (hrplen lower-case letters). */
static uint32_t
polymod_hrp(const char *hrp, size_t hrplen)
{
	uint32_t chk = 1;

	for (size_t i = 0; i < hrplen; i++)
		chk = polymod_step(chk, (unsigned char)hrp[i] >> 5);
	chk = polymod_step(chk, 0);
	for (size_t i = 0; i < hrplen; i++)
		chk = polymod_step(chk, (unsigned char)hrp[i] & 31);
	return chk;
}

int
bech32_encode(char *out, size_t outlen, const char *hrp,
    const unsigned char *data, size_t len, char *err, size_t errlen)
{
	size_t hrplen = strlen(hrp), o = 0;
	unsigned int acc = 0, bits = 0;
	uint32_t chk;

	if (hrplen == 0) {
		snprintf(err, errlen, "empty human-readable part");
		return -1;
	}
	for (size_t i = 0; i < hrplen; i++)
		if (hrp[i] < 33 || hrp[i] > 126 ||
		    (hrp[i] >= 'A' && hrp[i] <= 'Z')) {
			snprintf(err, errlen, "invalid human-readable part");
			return -1;
		}
	if (outlen < BECH32_LEN(hrplen, len) + 1) {
		snprintf(err, errlen, "output buffer too small");
		return -1;
	}
	chk = polymod_hrp(hrp, hrplen);
	memcpy(out, hrp, hrplen);
	o = hrplen;
	out[o++] = '1';
	for (size_t i = 0; i <= len; i++) {
		if (i < len) {
			acc = (acc << 8 | data[i]) & 0xfff;
			bits += 8;
		} else if (bits > 0) {
			acc <<= 5 - bits;	/* zero padding */
			bits = 5;
		}
		while (bits >= 5) {
			unsigned int v = (acc >> (bits - 5)) & 31;

			bits -= 5;
			chk = polymod_step(chk, v);
			out[o++] = charset[v];
		}
	}
	for (int i = 0; i < 6; i++)
		chk = polymod_step(chk, 0);
	chk ^= 1;
	for (int i = 0; i < 6; i++)
		out[o++] = charset[(chk >> (5 * (5 - i))) & 31];
	out[o] = '\0';
	return 0;
}

int
bech32_decode(const char *str, char *hrp, size_t hrplen,
    unsigned char *data, size_t datamax, size_t *len, char *err,
    size_t errlen)
{
	const char *sep = strrchr(str, '1');
	size_t n = strlen(str), nhrp, ndata, o = 0;
	unsigned int acc = 0, bits = 0;
	int lower = 0, upper = 0;
	uint32_t chk;

	for (size_t i = 0; i < n; i++) {
		if (str[i] < 33 || str[i] > 126) {
			snprintf(err, errlen, "invalid character");
			return -1;
		}
		lower |= str[i] >= 'a' && str[i] <= 'z';
		upper |= str[i] >= 'A' && str[i] <= 'Z';
	}
	if (lower && upper) {
		snprintf(err, errlen, "mixed upper and lower case");
		return -1;
	}
	if (sep == NULL || sep == str || n - (size_t)(sep - str) - 1 < 6) {
		snprintf(err, errlen, "no separator, or too short");
		return -1;
	}
	nhrp = (size_t)(sep - str);
	ndata = n - nhrp - 1 - 6;
	if (nhrp + 1 > hrplen) {
		snprintf(err, errlen, "human-readable part too long");
		return -1;
	}
	for (size_t i = 0; i < nhrp; i++)
		hrp[i] = (str[i] >= 'A' && str[i] <= 'Z') ? str[i] - 'A' + 'a' :
		    str[i];
	hrp[nhrp] = '\0';
	chk = polymod_hrp(hrp, nhrp);
	for (size_t i = 0; i < ndata + 6; i++) {
		char c = sep[1 + i];
		const char *p;

		if (c >= 'A' && c <= 'Z')
			c = c - 'A' + 'a';
		if ((p = strchr(charset, c)) == NULL) {
			snprintf(err, errlen, "invalid character");
			return -1;
		}
		chk = polymod_step(chk, (unsigned int)(p - charset));
		if (i >= ndata)
			continue;
		acc = (acc << 5 | (unsigned int)(p - charset)) & 0xfff;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (o == datamax) {
				snprintf(err, errlen, "data too long");
				return -1;
			}
			data[o++] = (unsigned char)(acc >> bits);
		}
	}
	if (chk != 1) {
		snprintf(err, errlen, "bad checksum");
		return -1;
	}
	if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0) {
		snprintf(err, errlen, "invalid padding");
		return -1;
	}
	*len = o;
	return 0;
}
