/* matmul: C = A * B on N x N doubles (i-k-j order).
 * usage: matmul [N]   (default 512) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 512;
	double *a = malloc(sizeof(double) * n * n), *b = malloc(sizeof(double) * n * n),
	       *c = calloc((size_t)n * n, sizeof(double));
	if (!a || !b || !c) {
		perror("malloc");
		return 1;
	}
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			a[i * n + j] = (double)((i * 7 + j * 3) % 17) / 8.0 - 1.0;
			b[i * n + j] = (double)((i * 5 + j * 11) % 13) / 4.0 - 1.5;
		}
	for (int i = 0; i < n; i++)
		for (int k = 0; k < n; k++) {
			double aik = a[i * n + k];
			for (int j = 0; j < n; j++)
				c[i * n + j] += aik * b[k * n + j];
		}
	double sum = 0, diag = 0;
	for (int i = 0; i < n; i++) {
		diag += c[i * n + i];
		for (int j = 0; j < n; j++)
			sum += c[i * n + j] * (double)((i ^ j) & 3);
	}
	uint64_t bs, bd;
	memcpy(&bs, &sum, 8);
	memcpy(&bd, &diag, 8);
	printf("matmul n=%d sum=%.6f diag=%.6f bits=%016llx/%016llx\n", n, sum, diag,
	       (unsigned long long)bs, (unsigned long long)bd);
	return 0;
}
