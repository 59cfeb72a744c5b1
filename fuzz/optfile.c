/* SPDX-License-Identifier: ISC */
/*
 * fuzz/optfile: libFuzzer target for the option-file reader, as every
 * program uses it: settings_load with the input as --defaults-file, so
 * the values also go through the settings' parsers.  The input is put
 * in a memfd and read through /proc/self/fd/N, which lib/optfile opens
 * like any regular file: no file on disk per run.  Includes in the input
 * reach the real file system, as they would for a user (only regular
 * files, within the reader's bounds).  Any crash, leak, undefined
 * behaviour or multi-line error message is a finding.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct settings s;
	char err[1024] = "";

	if (fd == -1) {
		if ((fd = memfd_create("fuzz.cnf", MFD_CLOEXEC)) == -1)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) == -1 ||
	    pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	if (settings_init(&s) == -1)
		abort();
	s.defaults_file = path;
	if (settings_load(&s, "dbfuzz", err, sizeof(err)) == -1 &&
	    (err[0] == '\0' || strchr(err, '\n') != NULL)) {
		fprintf(stderr, "bad error message: '%s'\n", err);
		abort();
	}
	settings_free(&s);
	return 0;
}
