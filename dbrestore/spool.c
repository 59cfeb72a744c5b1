/* SPDX-License-Identifier: ISC */
/*
 * spool: see spool.h.  The directory is made with mkdtemp (0700) under
 * the --tmpdir, by default the catalogue, whose file system is sized for
 * backups; the stream needs as much room there as its backups' files,
 * which tar_import checks against the free space before each backup.
 * A run that is killed leaves it behind: .dbrestore-XXXXXX, never taken
 * for a backup.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "fs.h"
#include "spool.h"
#include "tarstream.h"

bool
spool_is_stream(const char *spec)
{
	struct catalog_entry e;
	struct stat st;

	if (strcmp(spec, "-") == 0)
		return true;
	/* An id or "latest" is the catalogue's, whatever is in the cwd. */
	if (strcmp(spec, "latest") == 0 || (strchr(spec, '/') == NULL &&
	    catalog_parse_name(spec, &e) == 0))
		return false;
	return stat(spec, &st) == 0 && !S_ISDIR(st.st_mode);
}

int
spool_read(const char *spec, const char *tmpdir, bool progress,
    struct spool *s, bool *bad_stream, char *err, size_t errlen)
{
	struct tar_imported imp;
	const char *label = strcmp(spec, "-") == 0 ? "stdin" : spec;
	int fd = STDIN_FILENO, rc;

	memset(s, 0, sizeof(*s));
	*bad_stream = false;
	if (strcmp(spec, "-") != 0 &&
	    (fd = open(spec, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", spec, strerror(errno));
		*bad_stream = true;
		return -1;
	}
	snprintf(s->dir, sizeof(s->dir), "%s/.dbrestore-XXXXXX", tmpdir);
	rc = fs_mkdir_parents(tmpdir, err, errlen);
	if (rc == 0 && mkdtemp(s->dir) == NULL) {
		snprintf(err, errlen, "%s: %s", s->dir, strerror(errno));
		rc = -1;
	}
	if (rc == -1) {
		s->dir[0] = '\0';
		if (fd != STDIN_FILENO)
			(void)close(fd);
		return -1;
	}
	if (progress)
		fprintf(stderr, "dbrestore: reading %s into %s\n", label, s->dir);
	rc = tar_import(fd, label, s->dir, false, progress ? stderr : NULL, &imp, err,
	    errlen);
	if (fd != STDIN_FILENO)
		(void)close(fd);
	*bad_stream = imp.bad_stream;
	if (rc == 0)
		snprintf(s->id, sizeof(s->id), "%s", imp.backups[imp.n - 1].id);
	free(imp.backups);
	if (rc == -1)
		spool_remove(s);
	return rc;
}

void
spool_remove(struct spool *s)
{
	char msg[4400];

	if (s->dir[0] != '\0' && fs_remove_tree(s->dir, msg, sizeof(msg)) ==
	    -1)
		cli_warn("%s", msg);
	s->dir[0] = '\0';
}
