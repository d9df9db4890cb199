/*
 * hello.c - the smallest wasmbox sample: greeting, argv, one env var, exit code.
 *
 * Output (stdout), exactly:
 *   Hello from wasmbox!
 *   arg[1]=FIRST            one line per argument, argv[0] is not printed
 *   arg[2]=SECOND
 *   GREETING=VALUE          only if the GREETING environment variable is set
 *
 * If argv[1] is "--exit" and argv[2] is a number N, the program exits with
 * status N after printing everything above; otherwise it exits 0.
 *
 *   $ hello --exit 3        ->  "Hello from wasmbox!\narg[1]=--exit\narg[2]=3\n", status 3
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  printf("Hello from wasmbox!\n");
  for (int i = 1; i < argc; i++) printf("arg[%d]=%s\n", i, argv[i]);
  const char *greeting = getenv("GREETING");
  if (greeting != NULL) printf("GREETING=%s\n", greeting);
  fflush(stdout);
  if (argc >= 3 && strcmp(argv[1], "--exit") == 0) return atoi(argv[2]);
  return 0;
}
