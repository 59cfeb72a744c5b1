/* SPDX-License-Identifier: ISC */
/*
 * compression: the codecs a backup file may be written with, their
 * names in the manifest and settings, their file name suffixes and
 * level ranges.
 */
#ifndef DBKIT_COMPRESSION_H
#define DBKIT_COMPRESSION_H

/* In the order of DB_BACKUP_COMPRESSION's words. */
enum compression {
	COMPRESSION_NONE,
	COMPRESSION_GZIP,	/* libdeflate, levels 1 to 12 */
	COMPRESSION_ZSTD,	/* libzstd, levels 1 to 19 */
};

/* "none", "gzip", "zstd": the manifest's and the setting's word. */
const char *compression_name(enum compression c);

/* "", ".gz", ".zst": what a file's name ends with. */
const char *compression_suffix(enum compression c);

/* The highest level c takes (the lowest is 1); 0 for none. */
int compression_max_level(enum compression c);

#endif
