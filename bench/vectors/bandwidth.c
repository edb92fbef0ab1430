/*
 * The machine's single-core memory read bandwidth, as native code streams it (AVX2 loads, four
 * independent accumulators): the physical ceiling for an exact scan, which reads every float32
 * of every row once per query. The JS figure in vectors.bench.ts is a scalar-loop reference;
 * this one says how close the WebAssembly SIMD kernels get to the hardware.
 *
 *   gcc -O3 -mavx2 bench/vectors/bandwidth.c -o /tmp/bandwidth && /tmp/bandwidth
 */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BYTES (512ull * 1024 * 1024) /* far beyond any last-level cache */
#define RUNS 5

int main(void) {
  size_t n = BYTES / sizeof(float);
  float *a = aligned_alloc(64, BYTES);
  if (!a) return 1;
  for (size_t i = 0; i < n; i++) a[i] = (float)(i & 1023);
  for (int r = 0; r < RUNS; r++) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    for (size_t i = 0; i < n; i += 32) {
      s0 = _mm256_add_ps(s0, _mm256_load_ps(a + i));
      s1 = _mm256_add_ps(s1, _mm256_load_ps(a + i + 8));
      s2 = _mm256_add_ps(s2, _mm256_load_ps(a + i + 16));
      s3 = _mm256_add_ps(s3, _mm256_load_ps(a + i + 24));
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    float out[8];
    _mm256_storeu_ps(out, _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    /* The sum is printed so the compiler cannot drop the loop. */
    printf("run %d: %.2f GB/s (checksum %.0f)\n", r + 1, (double)BYTES / seconds / 1e9, (double)out[0]);
  }
  free(a);
  return 0;
}
