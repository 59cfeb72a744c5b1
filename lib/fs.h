/* SPDX-License-Identifier: ISC */
/*
 * fs: the file-system steps that make a backup durable and atomic:
 * private directories, fsync of files and directories, the final rename,
 * recursive removal of a failed attempt, and the catalogue lock; and the
 * safe opening of what a backup directory, or an option file, holds.
 */
#ifndef DBKIT_FS_H
#define DBKIT_FS_H

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
 * Opens path for reading, following links, if it is a regular file: a
 * FIFO, a device or a directory is refused without blocking and without
 * being opened.  Returns the descriptor, or -1 with "path: why" in err.
 */
int fs_open_regular(const char *path, char *err, size_t errlen);

/*
 * Opens rel, a relative path without empty, "." or ".." parts, inside the
 * directory dir, for reading, without ever leaving dir: no part of rel may
 * be a symbolic link, and the file must be a regular file (as
 * fs_open_regular).  dir itself is the caller's choice and may be a link.
 * Returns the descriptor, or -1 with "dir/rel: why" (or the part of it
 * that failed) in err.
 */
int fs_open_in(const char *dir, const char *rel, char *err, size_t errlen);

/*
 * Reads fd to its end (at most max bytes) into a malloc'd, NUL-terminated
 * buffer; label names it in messages.  Returns it, or NULL with err.
 */
char *fs_read_fd(int fd, const char *label, size_t max, size_t *len,
    char *err, size_t errlen);

/* fs_read_fd of the regular file at path (fs_open_regular). */
char *fs_read_file(const char *path, size_t max, size_t *len, char *err,
    size_t errlen);

/* rename(from, to), then fsync the directory of to.  0 or -1. */
int fs_rename_durable(const char *from, const char *to, char *err,
    size_t errlen);

/* rm -rf path (no symlinks followed).  0 or -1. */
int fs_remove_tree(const char *path, char *err, size_t errlen);

/*
 * Takes an exclusive lock on the file path (created 0600 if missing; a
 * link, a FIFO or a device there is refused without blocking) without
 * waiting.  Returns the descriptor to keep open, or -1 with "path: locked
 * by another process" or another reason in err.
 */
int fs_lock(const char *path, char *err, size_t errlen);

/* Bytes free for an unprivileged writer on the file system of path, or -1. */
long long fs_free_bytes(const char *path);

#endif
