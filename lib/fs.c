/* SPDX-License-Identifier: ISC */
/*
 * fs: the file-system steps of a durable, atomic backup.  A backup is
 * written into a private directory, each file fsynced, then renamed into
 * place with the directory fsynced after it, so a crash leaves either the
 * old state or the new one.  Removal walks the tree with openat and
 * unlinkat relative to each directory's descriptor and never follows a
 * symbolic link, so a link planted in a failed attempt's directory cannot
 * make the clean-up delete files elsewhere.  The catalogue lock is
 * flock(2): the kernel drops it when the holder dies, so a crash never
 * leaves a stale lock behind.
 *
 * Reading is the other side: a backup directory, and an option file, may
 * be someone else's.  fs_open_regular opens regular files only, checking
 * the type before the open so that a FIFO never blocks and a device is
 * never opened; fs_open_in also walks a path inside a directory one part
 * at a time with O_NOFOLLOW, so no link leads a read out of a backup.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs.h"

/* mkdir that accepts an existing directory (or a link to one). */
static int
mkdir_one(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (mkdir(path, 0700) == 0)
		return 0;
	if (errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	/* A file, or a link to nothing: either way not a usable directory. */
	snprintf(err, errlen, "%s: exists and is not a directory", path);
	return -1;
}

int
fs_mkdir_private(const char *path, char *err, size_t errlen)
{
	return mkdir_one(path, err, errlen);
}

int
fs_mkdir_parents(const char *path, char *err, size_t errlen)
{
	char *copy, *p;
	int rc = -1;

	if ((copy = strdup(path)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	/* Each prefix ending before a '/' (skipping the root and "//"). */
	for (p = copy + 1; *p != '\0'; p++) {
		if (*p != '/' || p[-1] == '/')
			continue;
		*p = '\0';
		if (mkdir_one(copy, err, errlen) == -1)
			goto out;
		*p = '/';
	}
	rc = mkdir_one(copy, err, errlen);
out:
	free(copy);
	return rc;
}

int
fs_fsync_dir(const char *path, char *err, size_t errlen)
{
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1 || fsync(fd) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	if (fd != -1)
		(void)close(fd);
	return rc;
}

static int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = ENOSPC;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * The file is new (O_EXCL), so on failure it is removed: nothing of the
 * caller's is lost, and no half-written file is left for a later run to
 * trip over.
 */
int
fs_write_file(const char *path, const void *buf, size_t len, char *err,
    size_t errlen)
{
	int fd, saved;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (write_all(fd, buf, len) == -1 || fsync(fd) == -1) {
		saved = errno;
		(void)close(fd);
		goto fail;
	}
	if (close(fd) == -1) {
		saved = errno;
		goto fail;
	}
	return 0;
fail:
	(void)unlink(path);
	snprintf(err, errlen, "%s: %s", path, strerror(saved));
	return -1;
}

/* What a file that is not a regular file is, for messages. */
static const char *
file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISLNK(mode))
		return "a symbolic link";
	return "not a regular file";
}

/*
 * Opens name in the directory dirfd (AT_FDCWD: a path) if it is a regular
 * file; label spells it for messages.  The type is checked before the
 * open, so a device is never opened (opening one can have effects, and a
 * FIFO blocks until a writer comes), and again on the descriptor, in case
 * the entry was swapped in between; O_NONBLOCK covers that window.
 * Without follow, a symbolic link is refused, never followed.
 */
static int
open_regular_at(int dirfd, const char *name, bool follow, const char *label,
    char *err, size_t errlen)
{
	struct stat st;
	int fd, flags;

	if (fstatat(dirfd, name, &st, follow ? 0 : AT_SYMLINK_NOFOLLOW) == -1) {
		snprintf(err, errlen, "%s: %s", label, strerror(errno));
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		snprintf(err, errlen, "%s: is a symbolic link (refused: it could "
		    "lead out of the backup)", label);
		return -1;
	}
	if (!S_ISREG(st.st_mode))
		goto not_regular;
	fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
	    (follow ? 0 : O_NOFOLLOW));
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", label, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || (flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1) {
		snprintf(err, errlen, "%s: %s", label, strerror(errno));
		(void)close(fd);
		return -1;
	}
	if (S_ISREG(st.st_mode))
		return fd;
	(void)close(fd);
not_regular:
	snprintf(err, errlen, "%s: is %s, not a regular file", label,
	    file_kind(st.st_mode));
	return -1;
}

int
fs_open_regular(const char *path, char *err, size_t errlen)
{
	return open_regular_at(AT_FDCWD, path, true, path, err, errlen);
}

/*
 * Walks rel one part at a time from dir's descriptor: each directory is
 * opened with O_NOFOLLOW relative to the one before, so neither a link as
 * the last part nor a linked directory on the way (db -> /etc) can take
 * the open outside dir, whatever the manifest says.
 */
int
fs_open_in(const char *dir, const char *rel, char *err, size_t errlen)
{
	char label[PATH_MAX + 256], part[NAME_MAX + 1];
	const char *p = rel, *slash;
	struct stat st;
	size_t len;
	int dfd, next, saved, fd = -1;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	for (;;) {
		slash = strchr(p, '/');
		len = slash != NULL ? (size_t)(slash - p) : strlen(p);
		/* Messages name dir/rel up to the part that failed. */
		snprintf(label, sizeof(label), "%s/%.*s", dir,
		    (int)(p - rel + len), rel);
		if (rel[0] == '/' || len == 0 || len > NAME_MAX ||
		    (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.')) {
			snprintf(err, errlen, "%s/%s: not a path inside %s", dir,
			    rel, dir);
			break;
		}
		memcpy(part, p, len);
		part[len] = '\0';
		if (slash == NULL) {
			fd = open_regular_at(dfd, part, false, label, err, errlen);
			break;
		}
		next = openat(dfd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (next == -1) {
			/* A link fails as ELOOP or ENOTDIR: say which it is. */
			saved = errno;
			snprintf(err, errlen, "%s: %s", label, fstatat(dfd, part,
			    &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode) ?
			    "is a symbolic link (refused: it could lead out of "
			    "the backup)" : strerror(saved));
			break;
		}
		(void)close(dfd);
		dfd = next;
		p = slash + 1;
	}
	(void)close(dfd);
	return fd;
}

char *
fs_read_fd(int fd, const char *label, size_t max, size_t *len, char *err,
    size_t errlen)
{
	char *buf = NULL, *grown;
	size_t used = 0, cap = 0;
	ssize_t n;

	for (;;) {
		/* Room for max + 1 bytes, to tell "exactly max" from "more". */
		if (used == cap) {
			cap = cap == 0 ? 4096 : cap * 2;
			if (cap > max + 1)
				cap = max + 1;
			if ((grown = realloc(buf, cap + 1)) == NULL) {
				snprintf(err, errlen, "%s: out of memory",
				    label);
				goto fail;
			}
			buf = grown;
		}
		n = read(fd, buf + used, cap - used);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: %s", label, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max) {
			snprintf(err, errlen, "%s: larger than %zu bytes", label,
			    max);
			goto fail;
		}
	}
	buf[used] = '\0';
	if (len != NULL)
		*len = used;
	return buf;
fail:
	free(buf);
	return NULL;
}

char *
fs_read_file(const char *path, size_t max, size_t *len, char *err,
    size_t errlen)
{
	char *buf;
	int fd;

	if ((fd = fs_open_regular(path, err, errlen)) == -1)
		return NULL;
	buf = fs_read_fd(fd, path, max, len, err, errlen);
	(void)close(fd);
	return buf;
}

/* The directory holding path: "." for a bare name, "/" for "/x". */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

int
fs_rename_durable(const char *from, const char *to, char *err, size_t errlen)
{
	char *to_dir = NULL, *from_dir = NULL;
	int rc = -1;

	if (rename(from, to) == -1) {
		snprintf(err, errlen, "%s -> %s: %s", from, to,
		    strerror(errno));
		return -1;
	}
	if ((to_dir = dir_of(to)) == NULL ||
	    (from_dir = dir_of(from)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", to);
		goto out;
	}
	/* A move between directories changes both; make both durable. */
	if (fs_fsync_dir(to_dir, err, errlen) == -1)
		goto out;
	if (strcmp(from_dir, to_dir) != 0 &&
	    fs_fsync_dir(from_dir, err, errlen) == -1)
		goto out;
	rc = 0;
out:
	free(to_dir);
	free(from_dir);
	return rc;
}

/*
 * Removes name in the directory parent_fd; path is the same entry spelled
 * for messages.  A directory is opened with O_NOFOLLOW, so an entry
 * swapped for a link after the fstatat is refused rather than followed.
 */
static int
remove_at(int parent_fd, const char *name, const char *path, char *err,
    size_t errlen)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	char *child;
	size_t len;
	int fd, rc = 0;

	if (fstatat(parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(parent_fd, name, 0) == -1 && errno != ENOENT) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		return 0;
	}
	fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1 || (d = fdopendir(fd)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd != -1)
			(void)close(fd);
		return -1;
	}
	while (rc == 0) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno != 0) {
				snprintf(err, errlen, "%s: %s", path,
				    strerror(errno));
				rc = -1;
			}
			break;
		}
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		len = strlen(path) + strlen(de->d_name) + 2;
		if ((child = malloc(len)) == NULL) {
			snprintf(err, errlen, "%s: out of memory", path);
			rc = -1;
			break;
		}
		snprintf(child, len, "%s/%s", path, de->d_name);
		rc = remove_at(dirfd(d), de->d_name, child, err, errlen);
		free(child);
	}
	(void)closedir(d);
	if (rc == 0 && unlinkat(parent_fd, name, AT_REMOVEDIR) == -1 &&
	    errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	return rc;
}

int
fs_remove_tree(const char *path, char *err, size_t errlen)
{
	return remove_at(AT_FDCWD, path, path, err, errlen);
}

int
fs_lock(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	/*
	 * The lock lives in the catalogue, which may be someone else's: a
	 * FIFO there must not block the open, and a link must not make
	 * O_CREAT create a file wherever it points.
	 */
	fd = open(path, O_RDONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
	    O_NOCTTY, 0600);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", path, errno == ELOOP ?
		    "is a symbolic link, not a lock file" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		(void)close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: is %s, not a regular file", path,
		    file_kind(st.st_mode));
		(void)close(fd);
		return -1;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK)
			snprintf(err, errlen, "%s: locked by another process",
			    path);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		(void)close(fd);
		return -1;
	}
	return fd;
}

long long
fs_free_bytes(const char *path)
{
	struct statvfs vfs;
	unsigned long long bytes;

	if (statvfs(path, &vfs) == -1)
		return -1;
	if (vfs.f_frsize != 0 && vfs.f_bavail > ULLONG_MAX / vfs.f_frsize)
		return LLONG_MAX;
	bytes = (unsigned long long)vfs.f_bavail * vfs.f_frsize;
	return bytes > LLONG_MAX ? LLONG_MAX : (long long)bytes;
}
