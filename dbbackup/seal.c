/* SPDX-License-Identifier: ISC */
/*
 * seal: encryption is asked for by DB_BACKUP_ENCRYPTION (or --encrypt),
 * and then needs someone to encrypt to: X25519 recipients (a list, a
 * recipients file, or both) or one passphrase file, never both, since
 * age does not mix a passphrase with recipients.  A key given while
 * encryption is off is refused rather than ignored: the user meant to
 * encrypt, and an unencrypted backup is not what they would find.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "exitcode.h"
#include "seal.h"

/* Adds the recipients of a list separated by spaces or commas. */
static int
add_list(struct age_keys *k, const char *list, char *err, size_t errlen)
{
	char key[256];
	size_t n;

	for (const char *p = list; *p != '\0'; p += n) {
		p += strspn(p, " ,\t\n");
		if ((n = strcspn(p, " ,\t\n")) == 0)
			break;
		if (n >= sizeof(key)) {
			snprintf(err, errlen, "DB_BACKUP_RECIPIENTS: not an "
			    "age1... recipient: too long");
			return -1;
		}
		memcpy(key, p, n);
		key[n] = '\0';
		if (age_recipients_add(&k->to, key, err, errlen) == -1)
			return -1;
	}
	return 0;
}

int
seal_setup(const struct settings *s, struct age_keys *k, char *err,
    size_t errlen)
{
	bool to = (s->recipients != NULL && s->recipients[0] != '\0') ||
	    s->recipients_file != NULL;

	if (!s->encryption) {
		if (!to && s->passphrase_file == NULL)
			return 0;
		snprintf(err, errlen, "%s given, but encryption is off: set "
		    "DB_BACKUP_ENCRYPTION=true or give --encrypt", to ?
		    "recipients" : "a passphrase file");
		return -1;
	}
	if (!to && s->passphrase_file == NULL) {
		snprintf(err, errlen, "DB_BACKUP_ENCRYPTION: encryption is on, "
		    "but there is nothing to encrypt to: give recipients "
		    "(--recipient, --recipients-file) or a passphrase file "
		    "(--passphrase-file)");
		return -1;
	}
	if (to && s->passphrase_file != NULL) {
		snprintf(err, errlen, "give recipients or a passphrase file, "
		    "not both: age does not mix a passphrase with recipients");
		return -1;
	}
	if (age_keys_init(k, err, errlen) == -1)
		return -1;
	if (s->recipients != NULL && add_list(k, s->recipients, err,
	    errlen) == -1)
		return -1;
	if (s->recipients_file != NULL && age_recipients_load(&k->to,
	    s->recipients_file, err, errlen) == -1)
		return -1;
	if (s->passphrase_file != NULL) {
		if ((k->passphrase = age_passphrase_load(s->passphrase_file,
		    err, errlen)) == NULL)
			return -1;
		k->log_n = AGE_SCRYPT_LOG_N_DEFAULT;
	}
	return 1;
}

int
seal_keygen(const char *path)
{
	char recipient[AGE_RECIPIENT_LEN + 1], err[1024] = "";
	int fd = STDOUT_FILENO, rc;

	if (path != NULL && (fd = open(path, O_WRONLY | O_CREAT | O_EXCL |
	    O_CLOEXEC, 0600)) == -1) {
		cli_warn("%s: %s", path, strerror(errno));
		return EXIT_FAILED;
	}
	rc = age_keygen(fd, recipient, err, sizeof(err));
	if (rc == 0 && path != NULL && fsync(fd) == -1) {
		snprintf(err, sizeof(err), "%s: %s", path, strerror(errno));
		rc = -1;
	}
	if (path != NULL && close(fd) == -1 && rc == 0) {
		snprintf(err, sizeof(err), "%s: %s", path, strerror(errno));
		rc = -1;
	}
	if (rc == -1) {
		cli_warn("%s", err);
		if (path != NULL)
			(void)unlink(path);
		return EXIT_FAILED;
	}
	if (path == NULL)
		fprintf(stderr, "Public key: %s\n", recipient);
	else
		printf("%s\n", recipient);
	return cli_close_stdout() == 0 ? EXIT_DONE : EXIT_FAILED;
}
