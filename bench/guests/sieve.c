/* sieve: sieve of Eratosthenes over a byte array.
 * usage: sieve [MIB]   (default 64: array of MIB*2^20 bytes) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	long mib = argc > 1 ? atol(argv[1]) : 64;
	size_t n = (size_t)mib << 20;
	unsigned char *s = malloc(n);
	if (!s) {
		perror("malloc");
		return 1;
	}
	memset(s, 1, n);
	s[0] = s[1] = 0;
	for (size_t i = 2; i * i < n; i++)
		if (s[i])
			for (size_t j = i * i; j < n; j += i)
				s[j] = 0;
	uint64_t count = 0, sum = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i]) {
			count++;
			sum += i;
		}
	printf("sieve n=%zu primes=%llu sum=%llu\n", n, (unsigned long long)count,
	       (unsigned long long)sum);
	free(s);
	return 0;
}
