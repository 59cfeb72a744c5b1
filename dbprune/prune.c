/* SPDX-License-Identifier: ISC */
/*
 * prune: the run itself.  It takes the same lock as dbbackup, scans the
 * catalogue, lets policy.c decide, and deletes what goes, oldest first,
 * so an interrupted prune leaves the newer backups.  A backup is first
 * renamed to ID.partial, so a prune killed halfway leaves an unfinished
 * directory that no restore takes for a backup, never a backup with files
 * missing.  It never deletes what it does not recognise, never follows a
 * symbolic link, and never deletes a damaged entry or one dated in the
 * future: those are reported, and the run counts as failed so that cron
 * mails the user.
 *
 * Nor does it delete a backup that is being read: dbrestore, dbbackup
 * list and dbhealth hold a shared lock on a backup's directory while they
 * read it, and a backup is deleted only under an exclusive one
 * (catalog_claim).  Before deleting anything, every candidate is tried,
 * so a backup in use is kept this run together with what it depends on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fs.h"
#include "prune.h"
#include "timeutil.h"

#define IN_USE "in use: a reader holds it, kept this run"

/* Whether a reader holds the backup still after up to wait_ms. */
static bool
held_by_reader(const char *root, const struct catalog_item *it,
    double wait_ms)
{
	char msg[512];
	int fd = -1;
	bool busy;

	/* A failure here fails the deletion too, which says why. */
	busy = catalog_claim(root, it->name, wait_ms > 0 ? (long long)wait_ms :
	    0, &fd, msg, sizeof(msg)) == 1;
	if (fd != -1)
		close(fd);
	return busy;
}

/*
 * Keeps this run every deletion candidate that a reader holds, and what
 * it depends on, before anything is deleted.  Each is tried at once; the
 * busy ones again within one CATALOG_WAIT_MS in all, so a brief reader
 * (a listing) does not make the prune skip a backup, nor many readers
 * make it slow.
 */
static void
keep_in_use(const char *root, const struct catalog_item *items, size_t n,
    struct decision *d)
{
	double deadline;
	size_t i;

	for (i = 0; i < n; i++)
		if (d[i].action == ACT_DELETE && !items[i].e.partial)
			d[i].in_use = held_by_reader(root, &items[i], 0);
	deadline = time_monotonic_ms() + CATALOG_WAIT_MS;
	for (i = 0; i < n; i++)
		if (d[i].in_use)
			d[i].in_use = held_by_reader(root, &items[i], deadline -
			    time_monotonic_ms());
	for (i = 0; i < n; i++)
		if (d[i].in_use)
			policy_keep(items, n, d, i, IN_USE);
}

/*
 * Locks the backup against readers, renames it out of the catalogue's
 * view, then removes it.  0, 1 when a reader holds it, or -1 with err.
 */
static int
delete_entry(const char *root, const struct catalog_item *it, char *err,
    size_t errlen)
{
	char from[4200], to[4200], pin[4300];
	int fd = -1, rc = -1;

	snprintf(from, sizeof(from), "%s/%s", root, it->name);
	/* Unfinished directories have no readers. */
	if (!it->e.partial && (rc = catalog_claim(root, it->name,
	    CATALOG_WAIT_MS, &fd, err, errlen)) != 0)
		return rc;
	rc = -1;
	/* dbbackup pin takes no lock: look again right before deleting. */
	snprintf(pin, sizeof(pin), "%s/%s", from, CATALOG_PIN_FILE);
	if (access(pin, F_OK) == 0) {
		snprintf(err, errlen, "pinned while the prune ran");
		goto out;
	}
	if (!it->e.partial) {
		snprintf(to, sizeof(to), "%s/%s.partial", root, it->e.id);
		if (fs_rename_durable(from, to, err, errlen) == -1)
			goto out;
		snprintf(from, sizeof(from), "%s", to);
	}
	rc = fs_remove_tree(from, err, errlen);
out:
	if (fd != -1)
		close(fd);
	return rc;
}

/*
 * Deletes (or with dry_run counts) what goes, newest first: an
 * incremental goes before the backup it continues, so a prune stopped
 * half way leaves shorter chains that still restore, never an
 * incremental without its parent.
 */
static void
delete_all(struct prune_result *r)
{
	const struct catalog_item *it;
	struct decision *d;
	char msg[4096];
	size_t i;
	int rc;

	for (i = r->n; i-- > 0;) {
		it = &r->items[i];
		d = &r->decisions[i];
		if (d->action == ACT_DAMAGED || it->future) {
			cli_warn("%s: %s", it->name, d->reasons);
			r->failed = true;
		}
		if (d->action == ACT_DAMAGED)
			continue;
		if (d->action == ACT_KEEP) {
			r->kept++;
			continue;
		}
		rc = r->dry_run ? 0 : delete_entry(r->path, it, msg,
		    sizeof(msg));
		if (rc != 0) {
			/* A reader came after keep_in_use: not an error. */
			if (rc == -1) {
				cli_warn("delete %s: %s", it->name, msg);
				r->failed = true;
			}
			d->action = ACT_KEEP;
			d->in_use = rc == 1;
			snprintf(d->reasons, sizeof(d->reasons), "%s",
			    rc == 1 ? IN_USE : "could not be deleted");
			r->kept++;
			continue;
		}
		r->deleted++;
		r->freed_bytes += it->size_bytes;
	}
}

int
prune_run(const char *path, const struct policy *p, bool dry_run,
    struct prune_result *r, char *err, size_t errlen)
{
	char lock[4200], msg[4096];
	int lock_fd, rc = -1;

	memset(r, 0, sizeof(*r));
	r->path = path;
	r->policy = *p;
	r->dry_run = dry_run;
	/* The same lock as dbbackup: a prune never races a backup. */
	snprintf(lock, sizeof(lock), "%s/%s", path, CATALOG_LOCK);
	if ((lock_fd = fs_lock(lock, msg, sizeof(msg))) == -1) {
		snprintf(err, errlen, "%s (a backup or a prune is running); "
		    "nothing was deleted", msg);
		return -1;
	}
	r->now = time(NULL);
	if (catalog_scan(path, r->now, &r->items, &r->n, &r->foreign,
	    &r->n_foreign, err, errlen) == -1)
		goto out;
	if ((r->decisions = calloc(r->n + 1, sizeof(*r->decisions))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	policy_decide(&r->policy, r->items, r->n, r->now, r->decisions);
	keep_in_use(path, r->items, r->n, r->decisions);
	delete_all(r);
	rc = 0;
out:
	close(lock_fd);
	return rc;
}

void
prune_result_free(struct prune_result *r)
{
	catalog_scan_free(r->items, r->foreign, r->n_foreign);
	free(r->decisions);
}
