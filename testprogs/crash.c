/* crash MODE: dies from a signal (the parent must see the right termination signal).
 * Prints nothing on stdout.  Modes:
 *   null   store to address 0                        SIGSEGV
 *   exec   jump into non-executable (heap) memory    SIGSEGV
 *   stack  unbounded recursion (stack overflow)      SIGSEGV
 *   trap   __builtin_trap(): ud2 on x86-64 -> SIGILL, brk #1000 on arm64 -> SIGTRAP
 *   ill    an undefined instruction (ud2 / udf #0)    SIGILL
 *   bus    read a file mapping past end of file       SIGBUS
 *   fpe    integer division by zero                  SIGFPE on x86-64 (arm64 doesn't trap)
 *   abort  abort()                                   SIGABRT
 *   kill   kill(getpid(), SIGTERM)                   SIGTERM
 * Exits 2 for a bad mode, 0 if it survived. */
#define _GNU_SOURCE 1
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static volatile int sink;
static volatile long depth_limit = 1L << 40; /* never reached: keeps -Winfinite-recursion quiet */

static __attribute__((noinline)) int recurse(volatile char *prev)
{
	volatile char frame[1024];
	if (depth_limit-- == 0)
		return 0;
	frame[0] = prev ? prev[0] + 1 : 0;
	frame[1023] = frame[0];
	return recurse(frame) + frame[1023];
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "null";

	if (!strcmp(mode, "null")) {
		*(volatile int *)0 = 1;
	} else if (!strcmp(mode, "exec")) {
		unsigned char *code = malloc(64);
		memset(code, 0xc3, 64); /* x86 ret; on arm64 an undefined instruction, if it ran */
		void (*fn)(void) = (void (*)(void))code;
		__asm__ volatile("" : "+r"(fn));
		fn();
	} else if (!strcmp(mode, "stack")) {
		sink = recurse(NULL);
	} else if (!strcmp(mode, "trap")) {
		__builtin_trap();
	} else if (!strcmp(mode, "ill")) {
#if defined(__x86_64__)
		__asm__ volatile("ud2");
#elif defined(__aarch64__)
		__asm__ volatile(".inst 0x00000000"); /* udf #0 */
#endif
	} else if (!strcmp(mode, "bus")) {
		char path[] = "/tmp/syscorn-crash-XXXXXX";
		int fd = mkstemp(path);
		if (fd < 0)
			return 3;
		unlink(path);
		volatile char *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0); /* empty file */
		if (p == MAP_FAILED)
			return 4;
		sink = p[0];
	} else if (!strcmp(mode, "fpe")) {
		volatile int zero = 0, one = 1;
		sink = one / zero;
	} else if (!strcmp(mode, "abort")) {
		abort();
	} else if (!strcmp(mode, "kill")) {
		kill(getpid(), SIGTERM);
	} else {
		fprintf(stderr, "crash: unknown mode %s\n", mode);
		return 2;
	}
	return 0;
}
