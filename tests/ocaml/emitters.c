/* Test helper: emits a signal from threads the OCaml runtime never saw. */
#include <pthread.h>
#include <glib-object.h>
#include <caml/mlvalues.h>
#include <caml/threads.h>
#include <caml/fail.h>

#include <caml/custom.h>

/* Both a Gobject.obj and the baseline's obj (tests/baseline) are custom
   blocks whose first data word is the GObject*. */
#define Gobject_val(v) (*(GObject **)Data_custom_val(v))

struct job { GObject *obj; const char *signal; long times; };

static void *emit_loop(void *arg)
{
  struct job *j = arg;
  for (long i = 0; i < j->times; i++)
    g_signal_emit_by_name(j->obj, j->signal);
  return NULL;
}

/* emit_from_threads obj signal nthreads times: each of [nthreads] new
   pthreads emits [signal] (no parameters) [times] times; returns when all
   are done. The domain lock is released meanwhile. */
value test_emit_from_threads(value obj, value signal, value nthreads, value times)
{
  int n = Int_val(nthreads);
  pthread_t th[64];
  if (n < 1 || n > 64) caml_invalid_argument("emit_from_threads: 1..64 threads");
  struct job j = { g_object_ref(Gobject_val(obj)), g_strdup(String_val(signal)), Long_val(times) };
  caml_release_runtime_system();
  for (int i = 0; i < n; i++) pthread_create(&th[i], NULL, emit_loop, &j);
  for (int i = 0; i < n; i++) pthread_join(th[i], NULL);
  caml_acquire_runtime_system();
  g_free((char *)j.signal);
  g_object_unref(j.obj);
  return Val_unit;
}

/* The same, without waiting: start_emitters returns at once and
   join_emitters (domain lock released meanwhile) waits for the threads. */
static pthread_t async_th[64];
static int async_n = 0;
static struct job async_job;

value test_start_emitters(value obj, value signal, value nthreads, value times)
{
  int n = Int_val(nthreads);
  if (n < 1 || n > 64 || async_n != 0) caml_invalid_argument("start_emitters");
  async_job.obj = g_object_ref(Gobject_val(obj));
  async_job.signal = g_strdup(String_val(signal));
  async_job.times = Long_val(times);
  for (int i = 0; i < n; i++) pthread_create(&async_th[i], NULL, emit_loop, &async_job);
  async_n = n;
  return Val_unit;
}

value test_join_emitters(value unit)
{
  (void)unit;
  caml_release_runtime_system();
  for (int i = 0; i < async_n; i++) pthread_join(async_th[i], NULL);
  caml_acquire_runtime_system();
  async_n = 0;
  g_free((char *)async_job.signal);
  g_object_unref(async_job.obj);
  return Val_unit;
}
