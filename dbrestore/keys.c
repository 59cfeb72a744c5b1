/* SPDX-License-Identifier: ISC */
/*
 * keys: the identities and the passphrase are read once, before any
 * backup is opened, and live in one struct age_keys that every file of
 * the restore is decrypted with (gzr_open_in); the struct wipes them
 * when it is cleared.
 */
#include <stdio.h>
#include <sys/stat.h>

#include "cli.h"
#include "keys.h"

int
keys_load(const struct settings *s, struct age_keys *k, char *err,
    size_t errlen)
{
	struct stat st;

	if (s->identity_file == NULL && s->passphrase_file == NULL)
		return 0;
	if (age_keys_init(k, err, errlen) == -1)
		return -1;
	if (s->identity_file != NULL) {
		if (age_identities_load(&k->ids, s->identity_file, err,
		    errlen) == -1)
			return -1;
		if (stat(s->identity_file, &st) == 0 &&
		    (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
			cli_warn("warning: %s is open to others than its owner "
			    "(mode %03o): keep an identity file private "
			    "(chmod 600)", s->identity_file,
			    (unsigned int)(st.st_mode & 0777));
	}
	if (s->passphrase_file != NULL &&
	    (k->passphrase = age_passphrase_load(s->passphrase_file, err,
	    errlen)) == NULL)
		return -1;
	return 1;
}
