/* SPDX-License-Identifier: ISC */
/*
 * fuzz/tarstream: libFuzzer target for the archive reader (lib/tarread.c),
 * which takes streams from object stores and pipes.  Each input is
 * imported into an empty scratch catalogue, as dbbackup import and
 * dbrestore FILE|- do.  Beyond crashes, leaks and undefined behaviour
 * (the build has ASan and UBSan), the target aborts when the reader
 * breaks a promise: a refusal must be one line and leave the catalogue
 * empty; an import must leave exactly the backups it reports, each a
 * directory with its manifest, and nothing else.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "manifest.h"
#include "tarstream.h"

#define REQUIRE(cond)                                                       \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "tarstream: not: %s\n", #cond);     \
			abort();                                            \
		}                                                           \
	} while (0)

static char root[64];

static void
remove_root(void)
{
	char err[256];

	(void)fs_remove_tree(root, err, sizeof(err));
}

/* The names in root, but the lock file. */
static size_t
entries(void)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d = opendir(root);

	REQUIRE(d != NULL);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tar_imported imp;
	char err[2048] = "", path[256];
	size_t i;
	int fd, rc;

	if (root[0] == '\0') {
		snprintf(root, sizeof(root), "/tmp/fuzz-tarstream-XXXXXX");
		REQUIRE(mkdtemp(root) != NULL);
		atexit(remove_root);
	}
	fd = memfd_create("stream", 0);
	REQUIRE(fd != -1);
	REQUIRE(size == 0 || write(fd, data, size) == (ssize_t)size);
	REQUIRE(lseek(fd, 0, SEEK_SET) == 0);
	rc = tar_import(fd, "fuzz", root, false, NULL, &imp, err, sizeof(err));
	close(fd);
	if (rc == -1) {
		REQUIRE(err[0] != '\0' && strchr(err, '\n') == NULL);
		REQUIRE(entries() == 0);
	} else {
		REQUIRE(imp.n > 0 && entries() == imp.n);
		for (i = 0; i < imp.n; i++) {
			snprintf(path, sizeof(path), "%s/%s/%s", root,
			    imp.backups[i].id, MANIFEST_NAME);
			REQUIRE(access(path, F_OK) == 0);
			snprintf(path, sizeof(path), "%s/%s", root,
			    imp.backups[i].id);
			REQUIRE(fs_remove_tree(path, err, sizeof(err)) == 0);
		}
	}
	free(imp.backups);
	return 0;
}
