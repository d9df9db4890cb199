/*
 * cat.c - concatenate files to stdout, like cat(1) without options.
 *
 * Usage: cat [FILE|-]...   With no FILE, or when FILE is "-", reads stdin.
 * A file that cannot be opened or read prints "cat: NAME: <strerror>" on
 * stderr; the remaining files are still copied, and the exit status is 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char buf[64 * 1024];

/* Writes all of buf[0..n) to fd 1; returns 0 on success, -1 on error. */
static int write_all(const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(1, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Copies fd to stdout; returns 0 on success or the errno of the failure. */
static int copy(int fd, int *write_failed) {
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n == 0) return 0;
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (write_all(buf, (size_t)n) != 0) {
      *write_failed = 1;
      return errno;
    }
  }
}

int main(int argc, char **argv) {
  int status = 0;
  int write_failed = 0;
  int nfiles = argc > 1 ? argc - 1 : 1;
  for (int i = 0; i < nfiles; i++) {
    const char *name = argc > 1 ? argv[i + 1] : "-";
    int is_stdin = strcmp(name, "-") == 0;
    int fd = is_stdin ? 0 : open(name, O_RDONLY);
    if (fd < 0) {
      fprintf(stderr, "cat: %s: %s\n", name, strerror(errno));
      status = 1;
      continue;
    }
    int err = copy(fd, &write_failed);
    if (err != 0) {
      fprintf(stderr, "cat: %s: %s\n", write_failed ? "write error" : name, strerror(err));
      status = 1;
    }
    if (!is_stdin) close(fd);
    if (write_failed) break;
  }
  return status;
}
