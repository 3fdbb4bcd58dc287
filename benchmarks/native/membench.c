/*
 * Baselines for the cpu kernels' memory-bound cases, in plain C:
 *   - STREAM-style copy (a[i] = b[i]) and triad (a[i] = b[i] + s*c[i]) bandwidth over arrays far
 *     larger than the caches (bytes moved per second, as STREAM counts them: 2 resp. 3 arrays);
 *   - one-row F16 matrix product y = W x over W[11008,4096] (and [4096,4096]) F16, converted with
 *     F16C (vcvtph2ps) and FMA, rows split over OpenMP threads; reported as weight bytes per second.
 * Build and run (threads from OMP_NUM_THREADS):
 *   gcc -O3 -march=native -fopenmp benchmarks/native/membench.c -o /tmp/membench && OMP_NUM_THREADS=2 /tmp/membench
 */
#include <immintrin.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define N_STREAM (16L * 1024 * 1024)   /* doubles per array: 128 MiB each, 4x the 32 MiB L3 */
#define REPS 10

static double now(void) { return omp_get_wtime(); }

static void stream(void) {
    double *a = aligned_alloc(64, N_STREAM * 8), *b = aligned_alloc(64, N_STREAM * 8), *c = aligned_alloc(64, N_STREAM * 8);
    #pragma omp parallel for
    for (long i = 0; i < N_STREAM; i++) { a[i] = 1.0; b[i] = 2.0; c[i] = 0.5; }
    double bestCopy = 1e9, bestTriad = 1e9, s = 3.0;
    for (int r = 0; r < REPS; r++) {
        double t0 = now();
        #pragma omp parallel for
        for (long i = 0; i < N_STREAM; i++) a[i] = b[i];
        double t1 = now();
        #pragma omp parallel for
        for (long i = 0; i < N_STREAM; i++) a[i] = b[i] + s * c[i];
        double t2 = now();
        if (t1 - t0 < bestCopy) bestCopy = t1 - t0;
        if (t2 - t1 < bestTriad) bestTriad = t2 - t1;
    }
    printf("STREAM copy  %6.1f GB/s\n", 2.0 * 8 * N_STREAM / bestCopy / 1e9);
    printf("STREAM triad %6.1f GB/s   (check %.1f)\n", 3.0 * 8 * N_STREAM / bestTriad / 1e9, a[N_STREAM / 2]);
    free(a); free(b); free(c);
}

static void f16Matvec(int n, int k) {
    uint16_t *w = aligned_alloc(64, (size_t) n * k * 2);
    float *x = aligned_alloc(64, (size_t) k * 4), *y = aligned_alloc(64, (size_t) n * 4);
    #pragma omp parallel for
    for (long i = 0; i < (long) n * k; i++) w[i] = (uint16_t) _cvtss_sh((float) ((i * 7919) % 1000) / 1000.0f - 0.5f, 0);
    for (int i = 0; i < k; i++) x[i] = (float) (i % 17) / 17.0f;
    double best = 1e9;
    for (int r = 0; r < REPS; r++) {
        double t0 = now();
        #pragma omp parallel for schedule(static)
        for (int row = 0; row < n; row++) {
            const uint16_t *wr = w + (size_t) row * k;
            __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
            for (int i = 0; i < k; i += 16) {
                acc0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) (wr + i))), _mm256_loadu_ps(x + i), acc0);
                acc1 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) (wr + i + 8))), _mm256_loadu_ps(x + i + 8), acc1);
            }
            __m256 acc = _mm256_add_ps(acc0, acc1);
            float lanes[8];
            _mm256_storeu_ps(lanes, acc);
            y[row] = lanes[0] + lanes[1] + lanes[2] + lanes[3] + lanes[4] + lanes[5] + lanes[6] + lanes[7];
        }
        double t = now() - t0;
        if (t < best) best = t;
    }
    printf("F16C matvec %5dx%d  %6.2f ms  %6.1f GB/s   (check %.3f)\n", n, k, best * 1e3, 2.0 * n * k / best / 1e9, y[n / 3]);
    free(w); free(x); free(y);
}

int main(void) {
    printf("threads %d\n", omp_get_max_threads());
    stream();
    f16Matvec(4096, 4096);
    f16Matvec(11008, 4096);
    return 0;
}
