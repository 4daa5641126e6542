/* getppid: a syscall-bound loop of raw getppid syscalls (no libc caching).
 * usage: getppid [COUNT]   (default 1000000)
 * Prints only whether every call agreed, since the parent pid differs between runners. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	long first = syscall(SYS_getppid), same = 0;
	for (long i = 0; i < n; i++)
		same += syscall(SYS_getppid) == first;
	printf("getppid calls=%ld same=%ld ok=%d\n", n, same, first > 0 && same == n);
	return same == n ? 0 : 1;
}
