/*
 * fsx.c - file-system exerciser: runs a fixed sequence of POSIX file
 * operations inside DIR/fsx.tmp (DIR = argv[1], default ".") and checks
 * each result.
 *
 * Prints "ok NAME" or "FAIL NAME: detail" per check, then
 * "fsx: N checks passed" (plus ", M FAILED" if any failed). Exits 0 only if
 * every check passed. The work directory is removed again on success;
 * leftovers from an earlier failed run are cleaned up first.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static int passed, failed;
static char work[1024];

static void check(const char *name, int cond, const char *fmt, ...) {
  if (cond) {
    printf("ok %s\n", name);
    passed++;
    return;
  }
  va_list ap;
  va_start(ap, fmt);
  printf("FAIL %s: ", name);
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
  failed++;
}

/* Path of NAME inside the work directory (one of a few rotating buffers). */
static const char *P(const char *name) {
  static char bufs[4][1200];
  static int next;
  char *b = bufs[next++ % 4];
  snprintf(b, sizeof bufs[0], "%s/%s", work, name);
  return b;
}

static off_t size_of(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? st.st_size : -1;
}

static off_t fsize(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 ? st.st_size : -1;
}

static int all_zero(const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != 0) return 0;
  return 1;
}

static int is_enoent(const char *path) {
  struct stat st;
  return lstat(path, &st) != 0 && errno == ENOENT;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted, comma-joined entry names of DIR (without "." and ".."). */
static void list_names(const char *dir, char *out, size_t outlen) {
  char *names[32];
  size_t count = 0;
  out[0] = '\0';
  DIR *d = opendir(dir);
  if (d == NULL) {
    snprintf(out, outlen, "opendir: %s", strerror(errno));
    return;
  }
  struct dirent *e;
  while ((e = readdir(d)) != NULL && count < 32) {
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) names[count++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, count, sizeof names[0], cmp_names);
  for (size_t i = 0; i < count; i++) {
    if (i > 0) strncat(out, ",", outlen - strlen(out) - 1);
    strncat(out, names[i], outlen - strlen(out) - 1);
    free(names[i]);
  }
}

int main(int argc, char **argv) {
  const char *base = argc > 1 ? argv[1] : ".";
  snprintf(work, sizeof work, "%s/fsx.tmp", base);
  const char *leftovers[] = {"a", "b", "c", "s"};
  for (size_t i = 0; i < 4; i++) unlink(P(leftovers[i]));
  rmdir(P("sub"));
  rmdir(work);

  unsigned char data[4096], buf[16384];
  for (size_t i = 0; i < sizeof data; i++) data[i] = (unsigned char)(i * 7 + 3);
  struct stat st, st2;
  int r;

  /* Directories and creation. */
  r = mkdir(work, 0755);
  check("mkdir", r == 0 && stat(work, &st) == 0 && S_ISDIR(st.st_mode), "%s", strerror(errno));
  r = mkdir(work, 0755);
  check("mkdir-exists", r != 0 && errno == EEXIST, "expected EEXIST, got r=%d %s", r, strerror(errno));
  r = open(P("nope"), O_RDONLY);
  check("open-missing", r < 0 && errno == ENOENT, "expected ENOENT, got r=%d %s", r, strerror(errno));
  int fd = open(P("a"), O_CREAT | O_EXCL | O_RDWR, 0644);
  check("create", fd >= 0, "%s", strerror(errno));
  if (fd < 0) goto done;
  r = open(P("a"), O_CREAT | O_EXCL | O_WRONLY, 0644);
  check("create-excl", r < 0 && errno == EEXIST, "expected EEXIST, got r=%d %s", r, strerror(errno));

  /* Writing, reading and seeking. */
  ssize_t n = write(fd, data, sizeof data);
  check("write", n == (ssize_t)sizeof data, "write returned %zd (%s)", n, strerror(errno));
  n = pwrite(fd, "PWRITE-OK", 9, 100);
  memcpy(data + 100, "PWRITE-OK", 9);
  check("pwrite", n == 9 && lseek(fd, 0, SEEK_CUR) == 4096, "n=%zd offset=%lld", n,
        (long long)lseek(fd, 0, SEEK_CUR));
  check("fstat-size", fsize(fd) == 4096, "size %lld", (long long)fsize(fd));
  lseek(fd, 0, SEEK_SET);
  size_t got = 0;
  while (got < sizeof data && (n = read(fd, buf + got, sizeof data - got)) > 0) got += (size_t)n;
  check("read-verify", got == sizeof data && memcmp(buf, data, sizeof data) == 0, "read %zu bytes", got);
  n = read(fd, buf, 16);
  check("read-eof", n == 0, "read at EOF returned %zd", n);
  n = pread(fd, buf, 9, 100);
  check("pread", n == 9 && memcmp(buf, "PWRITE-OK", 9) == 0, "n=%zd", n);
  off_t o1 = lseek(fd, 0, SEEK_END), o2 = lseek(fd, -96, SEEK_CUR), o3 = lseek(fd, 0, SEEK_SET);
  check("lseek", o1 == 4096 && o2 == 4000 && o3 == 0, "end=%lld cur=%lld set=%lld", (long long)o1,
        (long long)o2, (long long)o3);
  n = pwrite(fd, "Z", 1, 8192);
  memset(buf, 0xff, 100);
  check("sparse-write", n == 1 && fsize(fd) == 8193 && pread(fd, buf, 100, 5000) == 100 && all_zero(buf, 100),
        "n=%zd size=%lld", n, (long long)fsize(fd));

  /* Truncation. */
  r = ftruncate(fd, 10000);
  memset(buf, 0xff, sizeof buf);
  n = pread(fd, buf, sizeof buf, 8192);
  check("ftruncate-grow", r == 0 && fsize(fd) == 10000 && n == 10000 - 8192 && buf[0] == 'Z' && all_zero(buf + 1, (size_t)n - 1),
        "r=%d size=%lld read=%zd", r, (long long)fsize(fd), n);
  r = ftruncate(fd, 50);
  n = pread(fd, buf, 100, 0);
  check("ftruncate-shrink", r == 0 && fsize(fd) == 50 && n == 50 && memcmp(buf, data, 50) == 0,
        "r=%d size=%lld read=%zd", r, (long long)fsize(fd), n);
  int afd = open(P("a"), O_WRONLY | O_APPEND);
  n = afd >= 0 ? write(afd, "END", 3) : -1;
  check("append", n == 3 && fsize(fd) == 53 && pread(fd, buf, 3, 50) == 3 && memcmp(buf, "END", 3) == 0,
        "n=%zd size=%lld", n, (long long)fsize(fd));
  if (afd >= 0) close(afd);
  check("close", close(fd) == 0, "%s", strerror(errno));

  /* Names: rename, hard links, symlinks. */
  r = rename(P("a"), P("b"));
  check("rename", r == 0 && is_enoent(P("a")) && size_of(P("b")) == 53, "r=%d %s", r, strerror(errno));
  r = link(P("b"), P("c"));
  int linked = r == 0 && stat(P("b"), &st) == 0 && stat(P("c"), &st2) == 0;
  check("link", linked && st.st_nlink == 2 && st2.st_nlink == 2 && st.st_ino == st2.st_ino,
        "r=%d %s nlink=%llu,%llu", r, strerror(errno), linked ? (unsigned long long)st.st_nlink : 0ULL,
        linked ? (unsigned long long)st2.st_nlink : 0ULL);
  fd = open(P("c"), O_WRONLY);
  n = fd >= 0 ? pwrite(fd, "XY", 2, 0) : -1;
  if (fd >= 0) close(fd);
  fd = open(P("b"), O_RDONLY);
  memset(buf, 0, 2);
  if (fd >= 0) {
    if (read(fd, buf, 2) != 2) buf[0] = 0;
    close(fd);
  }
  check("link-shared-data", n == 2 && memcmp(buf, "XY", 2) == 0, "wrote %zd, read back '%.2s'", n, buf);
  r = symlink("b", P("s"));
  check("symlink", r == 0, "%s", strerror(errno));
  char target[256];
  n = readlink(P("s"), target, sizeof target - 1);
  if (n >= 0) target[n] = '\0';
  check("readlink", n == 1 && strcmp(target, "b") == 0, "n=%zd %s", n, n >= 0 ? target : strerror(errno));
  check("lstat-symlink", lstat(P("s"), &st) == 0 && S_ISLNK(st.st_mode), "not a symlink");
  check("stat-follows", stat(P("s"), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 53, "stat via symlink");
  r = mkdir(P("sub"), 0755);
  check("mkdir-sub", r == 0, "%s", strerror(errno));
  char names[256];
  list_names(work, names, sizeof names);
  check("readdir", strcmp(names, "b,c,s,sub") == 0, "got '%s'", names);
  r = rmdir(work);
  check("rmdir-notempty", r != 0 && (errno == ENOTEMPTY || errno == EEXIST), "r=%d %s", r, strerror(errno));

  /* Timestamps. */
  struct timeval tv[2] = {{.tv_sec = 1000000000, .tv_usec = 0}, {.tv_sec = 1234567890, .tv_usec = 0}};
  r = utimes(P("b"), tv);
  check("utimes", r == 0 && stat(P("b"), &st) == 0 && st.st_atime == 1000000000 && st.st_mtime == 1234567890,
        "r=%d %s", r, strerror(errno));

  /* Removal. */
  r = unlink(P("c"));
  check("unlink", r == 0 && is_enoent(P("c")) && stat(P("b"), &st) == 0 && st.st_nlink == 1, "r=%d %s", r,
        strerror(errno));
  r = unlink(P("s"));
  check("unlink-symlink", r == 0 && is_enoent(P("s")) && size_of(P("b")) == 53, "r=%d %s", r, strerror(errno));
  r = unlink(P("b"));
  check("unlink-last", r == 0 && is_enoent(P("b")), "r=%d %s", r, strerror(errno));
  r = rmdir(P("sub"));
  int r2 = rmdir(work);
  check("rmdir", r == 0 && r2 == 0 && is_enoent(work), "r=%d,%d %s", r, r2, strerror(errno));

done:
  if (failed > 0)
    printf("fsx: %d checks passed, %d FAILED\n", passed, failed);
  else
    printf("fsx: %d checks passed\n", passed);
  return failed > 0 ? 1 : 0;
}
