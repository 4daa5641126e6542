/* threads: pthreads under emulation. An atomics stress test (N threads x M increments through
 * __atomic builtins, a mutex, a spinlock and a hand-written CAS lock, with exact totals),
 * create/join/detach, condition variables, rwlocks, barriers, TLS variables, cancellation,
 * many short-lived threads, thread ids, signals to one thread, POSIX timers (to the process,
 * to a thread, SIGEV_THREAD), a robust mutex whose owner dies, timed waits, and exit from a
 * thread while others still run. */
#include "check.h"

#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>

#define NTHREADS 4
#define NINCR 20000

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* ---------------------------------------------------------------- atomics stress */

static volatile long plain_atomic;
static long under_mutex, under_spin, under_cas;
static long atomic_cas_counter;
static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_spinlock_t spin;
static int cas_lock;
static pthread_barrier_t start_line;

static void cas_acquire(void)
{
	int expected;
	do {
		expected = 0;
	} while (!__atomic_compare_exchange_n(&cas_lock, &expected, 1, 0, __ATOMIC_ACQUIRE,
					      __ATOMIC_RELAXED));
}

static void cas_release(void)
{
	__atomic_store_n(&cas_lock, 0, __ATOMIC_RELEASE);
}

static void *stress(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start_line);
	for (int i = 0; i < NINCR; i++) {
		__atomic_fetch_add(&plain_atomic, 1, __ATOMIC_SEQ_CST);
		long old = __atomic_load_n(&atomic_cas_counter, __ATOMIC_RELAXED);
		while (!__atomic_compare_exchange_n(&atomic_cas_counter, &old, old + 1, 1,
						    __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
			;
		pthread_mutex_lock(&mtx);
		under_mutex++;
		pthread_mutex_unlock(&mtx);
		pthread_spin_lock(&spin);
		under_spin++;
		pthread_spin_unlock(&spin);
		cas_acquire();
		under_cas++;
		cas_release();
	}
	return NULL;
}

static void test_atomics(void)
{
	pthread_t th[NTHREADS];
	pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE);
	pthread_barrier_init(&start_line, NULL, NTHREADS);
	int ok = 1;
	for (int i = 0; i < NTHREADS; i++)
		ok &= pthread_create(&th[i], NULL, stress, NULL) == 0;
	CHECK(ok, "create %d stress threads", NTHREADS);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	long want = (long)NTHREADS * NINCR;
	CHECK_EQ(plain_atomic, want, "__atomic_fetch_add total");
	CHECK_EQ(atomic_cas_counter, want, "compare-and-swap loop total");
	CHECK_EQ(under_mutex, want, "pthread mutex total");
	CHECK_EQ(under_spin, want, "pthread spinlock total");
	CHECK_EQ(under_cas, want, "hand-written CAS lock total");
	pthread_barrier_destroy(&start_line);
}

/* ---------------------------------------------------------------- create, join, detach, ids */

static __thread int tls_value = 7;
static __thread char tls_buf[64];

static void *ident(void *arg)
{
	long *out = arg;
	out[0] = getpid();
	out[1] = syscall(SYS_gettid);
	out[2] = tls_value;
	tls_value = 1000 + (int)out[3];
	snprintf(tls_buf, sizeof tls_buf, "thread %ld", out[3]);
	out[4] = tls_value;
	out[5] = strcmp(tls_buf, "thread 1") == 0 || strcmp(tls_buf, "thread 2") == 0;
	return (void *)(out[3] * 10);
}

static sem_t detached_done;

static void *detached(void *arg)
{
	(void)arg;
	sem_post(&detached_done);
	return NULL;
}

static void test_basics(void)
{
	long a[6] = { 0, 0, 0, 1, 0, 0 }, b[6] = { 0, 0, 0, 2, 0, 0 };
	pthread_t ta, tb;
	tls_value = 42;
	CHECK_EQ(pthread_create(&ta, NULL, ident, a), 0, "pthread_create");
	CHECK_EQ(pthread_create(&tb, NULL, ident, b), 0, "pthread_create a second");
	void *ra, *rb;
	CHECK_EQ(pthread_join(ta, &ra), 0, "pthread_join");
	CHECK_EQ(pthread_join(tb, &rb), 0, "pthread_join the second");
	CHECK(ra == (void *)10 && rb == (void *)20, "return values through join");
	CHECK(a[0] == getpid() && b[0] == getpid(), "threads share the pid");
	CHECK(a[1] != getpid() && b[1] != getpid() && a[1] != b[1], "each thread has its own tid");
	CHECK_EQ(syscall(SYS_gettid), getpid(), "the main thread's tid is the pid");
	CHECK(a[2] == 7 && b[2] == 7, "TLS starts at its initial value in each thread");
	CHECK(a[4] == 1001 && b[4] == 1002 && a[5] && b[5], "TLS writes stay in their thread");
	CHECK_EQ(tls_value, 42, "the main thread's TLS is untouched");

	sem_init(&detached_done, 0, 0);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_t td;
	CHECK_EQ(pthread_create(&td, &attr, detached, NULL), 0, "create a detached thread");
	CHECK_SYS(sem_wait(&detached_done), "the detached thread ran");
	pthread_attr_destroy(&attr);
}

/* ---------------------------------------------------------------- condvar, rwlock, barrier */

#define QSIZE 4
#define NITEMS 2000
static int queue[QSIZE], qhead, qtail, qcount;
static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER, not_full = PTHREAD_COND_INITIALIZER;

static void *producer(void *arg)
{
	(void)arg;
	for (int i = 1; i <= NITEMS; i++) {
		pthread_mutex_lock(&qlock);
		while (qcount == QSIZE)
			pthread_cond_wait(&not_full, &qlock);
		queue[qtail] = i;
		qtail = (qtail + 1) % QSIZE;
		qcount++;
		pthread_cond_signal(&not_empty);
		pthread_mutex_unlock(&qlock);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	long *sum = arg;
	for (int i = 0; i < NITEMS; i++) {
		pthread_mutex_lock(&qlock);
		while (qcount == 0)
			pthread_cond_wait(&not_empty, &qlock);
		*sum += queue[qhead];
		qhead = (qhead + 1) % QSIZE;
		qcount--;
		pthread_cond_signal(&not_full);
		pthread_mutex_unlock(&qlock);
	}
	return NULL;
}

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static long rw_value[2];
static volatile int rw_torn;

static void *rw_writer(void *arg)
{
	(void)arg;
	for (int i = 0; i < 3000; i++) {
		pthread_rwlock_wrlock(&rw);
		rw_value[0]++;
		rw_value[1]++;
		pthread_rwlock_unlock(&rw);
	}
	return NULL;
}

static void *rw_reader(void *arg)
{
	(void)arg;
	for (int i = 0; i < 3000; i++) {
		pthread_rwlock_rdlock(&rw);
		if (rw_value[0] != rw_value[1])
			rw_torn = 1;
		pthread_rwlock_unlock(&rw);
	}
	return NULL;
}

#define NBAR 4
#define ROUNDS 50
static pthread_barrier_t bar;
static int phase_seen[NBAR][ROUNDS];
static volatile int phase;

static void *bar_worker(void *arg)
{
	long id = (long)arg;
	for (int r = 0; r < ROUNDS; r++) {
		phase_seen[id][r] = phase;
		if (pthread_barrier_wait(&bar) == PTHREAD_BARRIER_SERIAL_THREAD)
			phase++;
		pthread_barrier_wait(&bar);
	}
	return NULL;
}

static void test_sync(void)
{
	pthread_t p, c;
	long sum = 0;
	pthread_create(&c, NULL, consumer, &sum);
	pthread_create(&p, NULL, producer, NULL);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	CHECK_EQ(sum, (long)NITEMS * (NITEMS + 1) / 2, "condvar queue: every item passed once");

	pthread_t w[2], r[2];
	for (int i = 0; i < 2; i++) {
		pthread_create(&w[i], NULL, rw_writer, NULL);
		pthread_create(&r[i], NULL, rw_reader, NULL);
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(w[i], NULL);
		pthread_join(r[i], NULL);
	}
	CHECK(rw_value[0] == 6000 && rw_value[1] == 6000 && !rw_torn,
	      "rwlock: writers exclusive, readers never see a half update");

	pthread_barrier_init(&bar, NULL, NBAR);
	pthread_t b[NBAR];
	for (long i = 0; i < NBAR; i++)
		pthread_create(&b[i], NULL, bar_worker, (void *)i);
	for (int i = 0; i < NBAR; i++)
		pthread_join(b[i], NULL);
	int good = 1;
	for (int i = 0; i < NBAR; i++)
		for (int k = 0; k < ROUNDS; k++)
			good &= phase_seen[i][k] == k;
	CHECK(good && phase == ROUNDS, "barrier: every thread in every phase in step");
	pthread_barrier_destroy(&bar);
}

/* ---------------------------------------------------------------- timed waits */

static void test_timed(void)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t c = PTHREAD_COND_INITIALIZER;
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_nsec += 30000000;
	if (dl.tv_nsec >= 1000000000) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000;
	}
	long long t0 = now_ns();
	pthread_mutex_lock(&m);
	int r = pthread_cond_timedwait(&c, &m, &dl);
	pthread_mutex_unlock(&m);
	CHECK_EQ(r, ETIMEDOUT, "pthread_cond_timedwait times out");
	CHECK(now_ns() - t0 >= 25000000, "after about 30 ms");

	sem_t s;
	sem_init(&s, 0, 0);
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_nsec += 20000000;
	if (dl.tv_nsec >= 1000000000) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000;
	}
	CHECK_ERR(sem_timedwait(&s, &dl), ETIMEDOUT, "sem_timedwait times out");
	sem_destroy(&s);
}

/* ---------------------------------------------------------------- cancellation */

static volatile int cleanup_ran;
static sem_t cancel_ready;

static void cleanup(void *arg)
{
	(void)arg;
	cleanup_ran = 1;
}

static void *cancellable(void *arg)
{
	(void)arg;
	pthread_cleanup_push(cleanup, NULL);
	sem_post(&cancel_ready);
	for (;;)
		pause();
	pthread_cleanup_pop(0);
	return NULL;
}

static void *cancel_in_read(void *arg)
{
	int *fds = arg;
	char c;
	sem_post(&cancel_ready);
	read(fds[0], &c, 1);
	return (void *)1;
}

static void test_cancel(void)
{
	pthread_t t;
	void *res = NULL;
	sem_init(&cancel_ready, 0, 0);
	pthread_create(&t, NULL, cancellable, NULL);
	sem_wait(&cancel_ready);
	CHECK_EQ(pthread_cancel(t), 0, "pthread_cancel a thread in pause()");
	pthread_join(t, &res);
	CHECK(res == PTHREAD_CANCELED, "joined: PTHREAD_CANCELED");
	CHECK(cleanup_ran, "its cleanup handler ran");

	int fds[2];
	pipe(fds);
	pthread_create(&t, NULL, cancel_in_read, fds);
	sem_wait(&cancel_ready);
	usleep(10000);
	pthread_cancel(t);
	pthread_join(t, &res);
	CHECK(res == PTHREAD_CANCELED, "cancel a thread blocked in read()");
	close(fds[0]);
	close(fds[1]);
}

/* ---------------------------------------------------------------- many threads */

static volatile long short_sum;

static void *short_lived(void *arg)
{
	__atomic_fetch_add(&short_sum, (long)arg, __ATOMIC_SEQ_CST);
	return NULL;
}

static void test_many(void)
{
	int ok = 1;
	/* In waves, so that a few exist at once and creation overlaps with exits. */
	for (int wave = 0; wave < 25; wave++) {
		pthread_t t[8];
		for (long i = 0; i < 8; i++)
			ok &= pthread_create(&t[i], NULL, short_lived, (void *)(wave * 8 + i + 1)) == 0;
		for (int i = 0; i < 8; i++)
			ok &= pthread_join(t[i], NULL) == 0;
	}
	CHECK(ok, "200 short-lived threads created and joined");
	CHECK_EQ(short_sum, 200L * 201 / 2, "each of them ran once");
}

/* ---------------------------------------------------------------- signals and threads */

static volatile pid_t usr1_tid;
static volatile int usr1_count;
static sem_t sig_ready, sig_go;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_tid = (pid_t)syscall(SYS_gettid);
	usr1_count++;
}

static void *sig_target(void *arg)
{
	long *tid = arg;
	*tid = syscall(SYS_gettid);
	sem_post(&sig_ready);
	while (sem_wait(&sig_go) && errno == EINTR)
		;
	return NULL;
}

static void *blocks_all(void *arg)
{
	(void)arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	sem_post(&sig_ready);
	while (sem_wait(&sig_go) && errno == EINTR)
		;
	return NULL;
}

static void test_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sem_init(&sig_ready, 0, 0);
	sem_init(&sig_go, 0, 0);
	long tid = 0;
	pthread_t t;
	pthread_create(&t, NULL, sig_target, &tid);
	sem_wait(&sig_ready);
	CHECK_EQ(pthread_kill(t, SIGUSR1), 0, "pthread_kill SIGUSR1 to a thread");
	for (int i = 0; i < 200 && !usr1_count; i++)
		usleep(1000);
	CHECK(usr1_count == 1 && usr1_tid == tid, "the handler ran in that thread");
	sem_post(&sig_go);
	pthread_join(t, NULL);

	/* A process-directed signal goes to a thread that does not block it (the new thread
	 * inherits the mask, so the main thread blocks the signal after creating it). */
	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, SIGUSR1);
	pthread_create(&t, NULL, sig_target, &tid);
	sem_wait(&sig_ready);
	pthread_sigmask(SIG_BLOCK, &one, NULL);
	usr1_count = 0;
	kill(getpid(), SIGUSR1);
	for (int i = 0; i < 200 && !usr1_count; i++)
		usleep(1000);
	CHECK(usr1_count == 1 && usr1_tid == tid,
	      "kill() to the process: handled by the thread that does not block it");
	sem_post(&sig_go);
	pthread_join(t, NULL);
	pthread_sigmask(SIG_UNBLOCK, &one, NULL);

	/* A thread that blocks everything does not take it; the main thread does. */
	pthread_create(&t, NULL, blocks_all, NULL);
	sem_wait(&sig_ready);
	usr1_count = 0;
	kill(getpid(), SIGUSR1);
	for (int i = 0; i < 200 && !usr1_count; i++)
		usleep(1000);
	CHECK(usr1_count == 1 && usr1_tid == getpid(), "a thread blocking all signals is passed over");
	sem_post(&sig_go);
	pthread_join(t, NULL);
	signal(SIGUSR1, SIG_DFL);
}

/* ---------------------------------------------------------------- POSIX timers */

static volatile int timer_hits, timer_code, timer_value;
static volatile pid_t timer_tid;
static volatile int thread_cb_runs;

static void on_timer(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	timer_hits++;
	timer_code = si->si_code;
	timer_value = si->si_value.sival_int;
	timer_tid = (pid_t)syscall(SYS_gettid);
}

static void thread_cb(union sigval v)
{
	__atomic_fetch_add(&thread_cb_runs, v.sival_int, __ATOMIC_SEQ_CST);
}

static void test_timers(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_timer;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR2, &sa, NULL);
	struct sigevent sev;
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGUSR2;
	sev.sigev_value.sival_int = 77;
	timer_t id;
	CHECK_SYS(timer_create(CLOCK_MONOTONIC, &sev, &id), "timer_create SIGEV_SIGNAL");
	struct itimerspec its = { { 0, 0 }, { 0, 10000000 } };
	CHECK_SYS(timer_settime(id, 0, &its, NULL), "timer_settime 10 ms");
	for (int i = 0; i < 500 && !timer_hits; i++)
		usleep(1000);
	CHECK(timer_hits == 1 && timer_code == SI_TIMER && timer_value == 77,
	      "the timer's signal reached the handler (SI_TIMER, si_value)");
	timer_delete(id);

	/* SIGEV_THREAD_ID (raw: libcs spell the field differently): to that thread only. */
	long tid = 0;
	pthread_t t;
	sem_init(&sig_ready, 0, 0);
	sem_init(&sig_go, 0, 0);
	pthread_create(&t, NULL, sig_target, &tid);
	sem_wait(&sig_ready);
	struct {
		union sigval value;
		int signo, notify, tid;
		int pad[11];
	} ksev;
	memset(&ksev, 0, sizeof ksev);
	ksev.value.sival_int = 78;
	ksev.signo = SIGUSR2;
	ksev.notify = 4; /* SIGEV_THREAD_ID */
	ksev.tid = (int)tid;
	int kid = -1;
	timer_hits = 0;
	CHECK_SYS(syscall(SYS_timer_create, CLOCK_MONOTONIC, &ksev, &kid), "timer_create SIGEV_THREAD_ID");
	CHECK_SYS(syscall(SYS_timer_settime, kid, 0, &its, NULL), "arm it");
	for (int i = 0; i < 500 && !timer_hits; i++)
		usleep(1000);
	CHECK(timer_hits == 1 && timer_value == 78 && timer_tid == tid, "delivered to that thread");
	syscall(SYS_timer_delete, kid);
	sem_post(&sig_go);
	pthread_join(t, NULL);
	signal(SIGUSR2, SIG_DFL);

	/* SIGEV_THREAD: the libc's helper thread runs the callback. */
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_THREAD;
	sev.sigev_notify_function = thread_cb;
	sev.sigev_value.sival_int = 5;
	CHECK_SYS(timer_create(CLOCK_MONOTONIC, &sev, &id), "timer_create SIGEV_THREAD");
	struct itimerspec per = { { 0, 5000000 }, { 0, 5000000 } };
	timer_settime(id, 0, &per, NULL);
	for (int i = 0; i < 1000 && thread_cb_runs < 15; i++)
		usleep(1000);
	timer_delete(id);
	CHECK(thread_cb_runs >= 15, "a periodic SIGEV_THREAD timer ran its callback 3+ times");
}

/* ---------------------------------------------------------------- robust mutex */

static pthread_mutex_t robust __attribute__((unused));

static __attribute__((unused)) void *die_holding(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&robust);
	return NULL; /* exits with the mutex held */
}

/* x86-64 only: qemu-aarch64 7.2 does not implement robust lists (the lock never returns). */
static void test_robust(void)
{
#if defined(__x86_64__)
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&robust, &a);
	pthread_t t;
	pthread_create(&t, NULL, die_holding, NULL);
	pthread_join(t, NULL);
	int r = pthread_mutex_lock(&robust);
	CHECK_EQ(r, EOWNERDEAD, "a robust mutex whose owner exited: EOWNERDEAD");
	if (r == EOWNERDEAD) {
		pthread_mutex_consistent(&robust);
		pthread_mutex_unlock(&robust);
		CHECK_EQ(pthread_mutex_lock(&robust), 0, "made consistent, it locks again");
		pthread_mutex_unlock(&robust);
	}
#endif
}

/* ---------------------------------------------------------------- compute in parallel */

static void *compute(void *arg)
{
	uint64_t x = (uint64_t)arg, acc = 0;
	for (int i = 0; i < 2000000; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		acc += x >> 33;
	}
	return (void *)(uintptr_t)acc;
}

static void test_compute(void)
{
	pthread_t t[3];
	uint64_t want[3], got[3];
	for (int i = 0; i < 3; i++)
		want[i] = (uint64_t)(uintptr_t)compute((void *)(uintptr_t)(i + 1));
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, compute, (void *)(uintptr_t)(i + 1));
	for (int i = 0; i < 3; i++) {
		void *r;
		pthread_join(t[i], &r);
		got[i] = (uint64_t)(uintptr_t)r;
	}
	CHECK(got[0] == want[0] && got[1] == want[1] && got[2] == want[2],
	      "three compute-bound threads get the single-threaded results");
}

/* ---------------------------------------------------------------- the main thread exits */

static void *outlives_main(void *arg)
{
	(void)arg;
	usleep(20000);
	printf("ok a thread outlives the main thread's pthread_exit\n");
	printf("summary: %d checks, %d failed\n", check_total + 1, check_failed);
	fflush(stdout);
	exit(check_failed ? 1 : 0);
}

int main(void)
{
	test_atomics();
	test_basics();
	test_sync();
	test_timed();
	test_cancel();
	test_many();
	test_signals();
	test_timers();
	test_robust();
	test_compute();
	/* The process lives on while a thread does; that thread's exit() ends it. */
	pthread_t t;
	pthread_create(&t, NULL, outlives_main, NULL);
	pthread_exit(NULL);
}
