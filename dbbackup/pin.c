/* SPDX-License-Identifier: ISC */
/*
 * pin: dbbackup pin and unpin.  The id is looked up in a scan of the
 * catalogue first (list_scan): only a complete backup can be pinned, and
 * the error then says what the id names instead.  The pin itself is
 * catalog_pin's.
 */
#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "exitcode.h"
#include "list.h"
#include "pin.h"

/*
 * Whether id names a complete backup; if not, says what it names instead:
 * nothing, a partial or damaged backup, or an entry dbkit leaves alone.
 * Usage errors all: the user named the wrong thing.
 */
static int
check_pinnable(const struct listing *l, const char *id, char *err,
    size_t errlen)
{
	struct catalog_entry e;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->items[i].name, id) == 0 &&
		    l->items[i].state == CATALOG_COMPLETE)
			return EXIT_DONE;
	for (i = 0; i < l->n; i++) {
		const struct catalog_item *it = &l->items[i];

		if (strcmp(it->name, id) != 0 && strcmp(it->e.id, id) != 0)
			continue;
		if (it->state == CATALOG_PARTIAL)
			snprintf(err, errlen, "%s: not a complete backup: %s is "
			    "being written or was left by a failed run", id,
			    it->name);
		else
			snprintf(err, errlen, "%s: not a complete backup: %s",
			    id, it->why);
		return EXIT_USAGE;
	}
	for (i = 0; i < l->n_foreign; i++)
		if (strcmp(l->foreign[i], id) == 0) {
			snprintf(err, errlen, "%s: not a backup: dbkit leaves it "
			    "alone", id);
			return EXIT_USAGE;
		}
	if (catalog_parse_name(id, &e) == -1 || e.partial)
		snprintf(err, errlen, "'%s' is not a backup id", id);
	else
		snprintf(err, errlen, "%s: no such backup in %s", id, l->root);
	return EXIT_USAGE;
}

int
pin_backup(const char *root, const char *id, bool pin, FILE *out, char *err,
    size_t errlen)
{
	struct listing l;
	int status;

	if ((status = list_scan(root, &l, err, errlen)) != EXIT_DONE ||
	    (status = check_pinnable(&l, id, err, errlen)) != EXIT_DONE)
		goto out;
	if (catalog_pin(root, id, pin, err, errlen) == -1) {
		status = EXIT_FAILED;
		goto out;
	}
	fprintf(out, "%s %s\n", pin ? "pinned" : "unpinned", id);
out:
	list_scan_free(&l);
	return status;
}
