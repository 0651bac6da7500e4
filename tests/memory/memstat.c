/* Memory figures for the lifetime tests: bytes in use by malloc
   (mallinfo2's uordblks: what glibc has handed out and not got back,
   fragmentation excluded) and the resident set (VmRSS). */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <caml/mlvalues.h>
#include <caml/alloc.h>

value memstat_malloc_in_use(value unit)
{
  (void)unit;
  struct mallinfo2 mi = mallinfo2();
  return Val_long((long)mi.uordblks);
}

value memstat_rss(value unit)
{
  (void)unit;
  long kb = -1;
  char line[256];
  FILE *f = fopen("/proc/self/status", "r");
  if (f != NULL) {
    while (fgets(line, sizeof line, f) != NULL)
      if (strncmp(line, "VmRSS:", 6) == 0) { sscanf(line + 6, "%ld", &kb); break; }
    fclose(f);
  }
  return Val_long(kb * 1024);
}
