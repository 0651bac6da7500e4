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

/* GLib's own worker threads: [ntasks] GTasks run with g_task_run_in_thread
   (GLib's thread pool), each emitting [signal] [times] times. Returns when
   all are done (the domain lock is released meanwhile), after dispatching
   the tasks' completions on the default main context. */
#include <gio/gio.h>

struct tasks { struct job job; GMutex lock; GCond done; int left; };

static void task_body(GTask *task, gpointer source, gpointer data, GCancellable *c)
{
  (void)source; (void)c;
  struct tasks *t = data;
  for (long i = 0; i < t->job.times; i++)
    g_signal_emit_by_name(t->job.obj, t->job.signal);
  g_task_return_boolean(task, TRUE);
  g_mutex_lock(&t->lock);
  if (--t->left == 0) g_cond_signal(&t->done);
  g_mutex_unlock(&t->lock);
}

value test_emit_in_tasks(value obj, value signal, value ntasks, value times)
{
  int n = Int_val(ntasks);
  if (n < 1 || n > 64) caml_invalid_argument("emit_in_tasks: 1..64 tasks");
  struct tasks t = { { g_object_ref(Gobject_val(obj)), g_strdup(String_val(signal)), Long_val(times) } };
  g_mutex_init(&t.lock);
  g_cond_init(&t.done);
  t.left = n;
  caml_release_runtime_system();
  for (int i = 0; i < n; i++) {
    GTask *task = g_task_new(NULL, NULL, NULL, NULL);
    g_task_set_task_data(task, &t, NULL);
    g_task_run_in_thread(task, task_body);
    g_object_unref(task);
  }
  g_mutex_lock(&t.lock);
  while (t.left > 0) g_cond_wait(&t.done, &t.lock);
  g_mutex_unlock(&t.lock);
  caml_acquire_runtime_system();
  /* Each finished task posts its completion to this thread's main context
     and holds itself until then. */
  while (g_main_context_iteration(NULL, FALSE)) ;
  g_mutex_clear(&t.lock);
  g_cond_clear(&t.done);
  g_free((char *)t.job.signal);
  g_object_unref(t.job.obj);
  return Val_unit;
}

/* raise_quietly signo: sends the OCaml signal [signo] to this process and
   returns without running OCaml's handler (unlike Unix.kill, which runs
   pending handlers before returning): the handler then runs at the next
   point where the runtime processes pending actions. In a callback's last
   expression, that point is whatever the library does after the callback
   returns, e.g. giving the domain lock up. */
#include <signal.h>
#include <unistd.h>
extern int caml_convert_signal_number(int); /* caml/signals.h, CAML_INTERNALS */
value test_raise_quietly(value signo)
{
  kill(getpid(), caml_convert_signal_number(Int_val(signo)));
  return Val_unit;
}
