/* SPDX-License-Identifier: ISC */
/*
 * fsutil: the file-system steps that make a backup durable and atomic:
 * private directories, fsync of files and directories, the final rename,
 * recursive removal of a failed attempt, and the catalogue lock.
 */
#ifndef DBKIT_FSUTIL_H
#define DBKIT_FSUTIL_H

#include <stddef.h>

/* mkdir path with mode 0700; an existing directory is fine.  0 or -1. */
int fs_mkdir_private(const char *path, char *err, size_t errlen);

/* mkdir -p with mode 0700 for each created component.  0 or -1. */
int fs_mkdir_parents(const char *path, char *err, size_t errlen);

/* fsync the directory at path, so entries created in it are durable. */
int fs_fsync_dir(const char *path, char *err, size_t errlen);

/* Writes len bytes to a new file path (0600, O_EXCL) and fsyncs it. */
int fs_write_file(const char *path, const void *buf, size_t len, char *err,
    size_t errlen);

/*
 * Reads the whole file at path (at most max bytes) into a malloc'd,
 * NUL-terminated buffer.  Returns it, or NULL with err.
 */
char *fs_read_file(const char *path, size_t max, size_t *len, char *err,
    size_t errlen);

/* rename(from, to), then fsync the directory of to.  0 or -1. */
int fs_rename_durable(const char *from, const char *to, char *err,
    size_t errlen);

/* rm -rf path (no symlinks followed).  0 or -1. */
int fs_remove_tree(const char *path, char *err, size_t errlen);

/*
 * Takes an exclusive lock on the file path (created 0600 if missing)
 * without waiting.  Returns the descriptor to keep open, or -1 with
 * "path: locked by another process" or another reason in err.
 */
int fs_lock(const char *path, char *err, size_t errlen);

/* Bytes free for an unprivileged writer on the file system of path, or -1. */
long long fs_free_bytes(const char *path);

#endif
