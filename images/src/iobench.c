/*
 * iobench.c - I/O benchmark built on raw write(2)/read(2) calls.
 *
 *   iobench write-read FILE MIB   write MIB MiB to FILE in 64 KiB chunks, reopen,
 *                                 read it back in 64 KiB chunks, verify a checksum
 *   iobench small-writes FILE N   N write(2) calls of 16 bytes each to FILE
 *   iobench stdout-bytes N        N write(2) calls of 1 byte each to fd 1
 *
 * Only stdout-bytes writes to stdout (the bytes "wasmbox\n" repeated); every
 * mode prints one summary line on stderr. Exit 0 on success, 1 on an I/O or
 * verification error, 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (64 * 1024)

static uint8_t chunk[CHUNK];

static int fail(const char *what, const char *name) {
  fprintf(stderr, "iobench: %s %s: %s\n", what, name, strerror(errno));
  return 1;
}

/* Cheap order-sensitive checksum so verification stays small next to the I/O. */
static uint64_t mix(uint64_t sum, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v;
    memcpy(&v, p + i, 8);
    sum = (sum ^ v) * 0x100000001b3ULL;
  }
  return sum;
}

static int write_read(const char *file, long mib) {
  uint32_t x = 1;
  for (size_t i = 0; i < CHUNK; i++) {
    x = x * 1664525u + 1013904223u;
    chunk[i] = (uint8_t)(x >> 24);
  }
  long chunks = mib * (1024 * 1024 / CHUNK);
  int fd = open(file, O_CREAT | O_TRUNC | O_WRONLY, 0644);
  if (fd < 0) return fail("open", file);
  uint64_t wsum = 0;
  for (long i = 0; i < chunks; i++) {
    memcpy(chunk, &i, sizeof i); /* make every chunk different */
    wsum = mix(wsum, chunk, CHUNK);
    ssize_t n = write(fd, chunk, CHUNK);
    if (n != CHUNK) return n < 0 ? fail("write", file) : (fprintf(stderr, "iobench: short write\n"), 1);
  }
  if (close(fd) != 0) return fail("close", file);

  fd = open(file, O_RDONLY);
  if (fd < 0) return fail("open", file);
  uint64_t rsum = 0;
  long long total = 0;
  for (;;) {
    ssize_t n = read(fd, chunk, CHUNK);
    if (n < 0) return fail("read", file);
    if (n == 0) break;
    if (n % 8 != 0) {
      fprintf(stderr, "iobench: read of %zd bytes is not a multiple of 8\n", n);
      return 1;
    }
    rsum = mix(rsum, chunk, (size_t)n);
    total += n;
  }
  close(fd);
  if (total != (long long)chunks * CHUNK || rsum != wsum) {
    fprintf(stderr, "iobench: verify failed: read %lld bytes, checksum %016llx != %016llx\n", total,
            (unsigned long long)rsum, (unsigned long long)wsum);
    return 1;
  }
  fprintf(stderr, "iobench write-read: %ld MiB ok, checksum %016llx\n", mib, (unsigned long long)wsum);
  return 0;
}

static int small_writes(const char *file, long count) {
  int fd = open(file, O_CREAT | O_TRUNC | O_WRONLY, 0644);
  if (fd < 0) return fail("open", file);
  const char rec[16] = "0123456789abcde\n";
  for (long i = 0; i < count; i++)
    if (write(fd, rec, sizeof rec) != (ssize_t)sizeof rec) return fail("write", file);
  struct stat st;
  if (fstat(fd, &st) != 0) return fail("fstat", file);
  close(fd);
  if (st.st_size != (off_t)count * 16) {
    fprintf(stderr, "iobench: size %lld != %lld\n", (long long)st.st_size, (long long)count * 16);
    return 1;
  }
  fprintf(stderr, "iobench small-writes: %ld writes of 16 bytes ok\n", count);
  return 0;
}

static int stdout_bytes(long count) {
  const char pattern[8] = "wasmbox\n";
  for (long i = 0; i < count; i++)
    if (write(1, &pattern[i % 8], 1) != 1) return fail("write", "stdout");
  fprintf(stderr, "iobench stdout-bytes: %ld writes of 1 byte ok\n", count);
  return 0;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  if (strcmp(mode, "write-read") == 0 && argc == 4) return write_read(argv[2], strtol(argv[3], NULL, 10));
  if (strcmp(mode, "small-writes") == 0 && argc == 4) return small_writes(argv[2], strtol(argv[3], NULL, 10));
  if (strcmp(mode, "stdout-bytes") == 0 && argc == 3) return stdout_bytes(strtol(argv[2], NULL, 10));
  fprintf(stderr, "usage: iobench write-read FILE MIB | small-writes FILE N | stdout-bytes N\n");
  return 2;
}
