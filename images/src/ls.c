/*
 * ls.c - a simplified "ls -la": one line per entry, sorted by name.
 *
 * Usage: ls [PATH]...   (default ".")
 * Line format: "<type> <mode> <size> <name>[ -> <target>]", where type is
 * d (directory), l (symlink) or - (anything else), mode is the permission
 * bits in 4-digit octal (WASI preview1 has no permissions, so usually 0000)
 * and size is right-aligned to 10 columns, e.g.
 *   d 0000       4096 sub
 *   - 0000         12 notes.txt
 *   l 0000          9 link -> notes.txt
 * Entries "." and ".." are never listed (hosts differ on reporting them).
 * A directory is listed by its entries, any other path as itself. With more
 * than one PATH each listing is headed by "PATH:". A missing path prints
 * "ls: PATH: <strerror>" on stderr and makes the exit status 1.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char type_char(mode_t mode) {
  if (S_ISDIR(mode)) return 'd';
  if (S_ISLNK(mode)) return 'l';
  return '-';
}

/* Prints one entry; path is what to lstat, name is what to show. */
static int print_entry(const char *path, const char *name) {
  struct stat st;
  if (lstat(path, &st) != 0) {
    fprintf(stderr, "ls: %s: %s\n", path, strerror(errno));
    return 1;
  }
  printf("%c %04o %10lld %s", type_char(st.st_mode), (unsigned)(st.st_mode & 07777), (long long)st.st_size,
         name);
  if (S_ISLNK(st.st_mode)) {
    char target[PATH_MAX];
    ssize_t n = readlink(path, target, sizeof target - 1);
    if (n >= 0) {
      target[n] = '\0';
      printf(" -> %s", target);
    }
  }
  printf("\n");
  return 0;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (d == NULL) {
    fprintf(stderr, "ls: %s: %s\n", dir, strerror(errno));
    return 1;
  }
  char **names = NULL;
  size_t count = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    if (count == cap) {
      cap = cap ? cap * 2 : 16;
      names = realloc(names, cap * sizeof *names);
      if (names == NULL) abort();
    }
    names[count++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, count, sizeof *names, cmp_names);

  int status = 0;
  size_t dlen = strlen(dir);
  const char *sep = dlen > 0 && dir[dlen - 1] == '/' ? "" : "/";
  for (size_t i = 0; i < count; i++) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s%s%s", dir, sep, names[i]);
    status |= print_entry(path, names[i]);
    free(names[i]);
  }
  free(names);
  return status;
}

int main(int argc, char **argv) {
  int status = 0;
  int npaths = argc > 1 ? argc - 1 : 1;
  for (int i = 0; i < npaths; i++) {
    const char *path = argc > 1 ? argv[i + 1] : ".";
    struct stat st;
    if (lstat(path, &st) != 0) {
      fprintf(stderr, "ls: %s: %s\n", path, strerror(errno));
      status = 1;
      continue;
    }
    if (npaths > 1) printf("%s%s:\n", i > 0 ? "\n" : "", path);
    status |= S_ISDIR(st.st_mode) ? list_dir(path) : print_entry(path, path);
  }
  return status;
}
