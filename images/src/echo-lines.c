/*
 * echo-lines.c - interactive sample: answers each stdin line as it arrives.
 *
 * For every line read with fgets, prints "you said: LINE" (without the
 * line's own newline) and flushes stdout, so a caller can talk to it one
 * line at a time. At end of input prints "bye" and exits 0.
 */
#include <stdio.h>
#include <string.h>

int main(void) {
  static char line[64 * 1024];
  while (fgets(line, sizeof line, stdin) != NULL) {
    line[strcspn(line, "\n")] = '\0';
    printf("you said: %s\n", line);
    fflush(stdout);
  }
  printf("bye\n");
  return 0;
}
