/* threads2: a fixed amount of integer work split over N threads (default 2), no syscalls in the
 * hot path. Under syscorn the threads take turns on the execution lock, so this measures what
 * the lock and its time slices cost against the same work on one thread (N = 1), and against
 * the same work done by the main thread while no other thread exists (N = 0).
 * usage: threads2 [SCALE] [N]   (default 100 2; work is linear in SCALE) */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static long per_thread;

static void *work(void *arg)
{
	uint64_t x = 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)arg, h = 0;
	for (long i = 0; i < per_thread; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		h += x * 0xff51afd7ed558ccdull;
		h ^= h >> 33;
	}
	return (void *)(uintptr_t)h;
}

int main(int argc, char **argv)
{
	long scale = argc > 1 ? atol(argv[1]) : 100;
	int n = argc > 2 ? atoi(argv[2]) : 2;
	if (n < 0 || n > 64)
		n = 2;
	/* The same total whatever N: 2 units of 1M iterations per SCALE. */
	per_thread = scale * 2000000L / (n ? n : 1);
	pthread_t t[64];
	uint64_t sum = 0;
	if (n == 0)
		sum = (uint64_t)(uintptr_t)work(0);
	for (int i = 0; i < n; i++)
		pthread_create(&t[i], NULL, work, (void *)(uintptr_t)(i % 2));
	for (int i = 0; i < n; i++) {
		void *r;
		pthread_join(t[i], &r);
		sum += (uint64_t)(uintptr_t)r;
	}
	/* The checksum depends on N only through how the work is split. */
	printf("threads2 n=%d checksum %016llx\n", n, (unsigned long long)sum);
	return 0;
}
