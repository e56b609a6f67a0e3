/*
 * The C yardstick of the CPU benchmarks (BENCHMARKS.md): what a C programmer writes for speed.
 *   sigmoid: y = 1/(1+expf(-x))            (glibc libmvec's vector expf once gcc vectorizes the loop)
 *   fused:   y = 1/(1+expf(-x)), d = y(1-y) (the cheap, inaccurate derivative: 0 from x > 16.6)
 *   copy:    y = x                          (the memory yardstick)
 * Built with gcc -O3 -march=native -ffast-math -fopenmp (make bench-c): 2-4 ULP, subnormal results flushed.
 *
 * Usage: yardstick OP N THREADS REPS   (OP: sigmoid, fused, copy)
 * Prints one CSV line per timed pass: c,OP,N,THREADS,SECONDS. The first, untimed pass touches every page.
 */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void sigmoid(const float *restrict x, float *restrict y, long n) {
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++) {
        y[i] = 1.0f / (1.0f + expf(-x[i]));
    }
}

static void fused(const float *restrict x, float *restrict y, float *restrict d, long n) {
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++) {
        float s = 1.0f / (1.0f + expf(-x[i]));
        y[i] = s;
        d[i] = s * (1.0f - s);
    }
}

static void copy(const float *restrict x, float *restrict y, long n) {
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++) {
        y[i] = x[i];
    }
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s sigmoid|fused|copy N THREADS REPS\n", argv[0]);
        return 2;
    }
    const char *op = argv[1];
    long n = atol(argv[2]);
    int threads = atoi(argv[3]);
    int reps = atoi(argv[4]);
    int which = strcmp(op, "sigmoid") == 0 ? 0 : strcmp(op, "fused") == 0 ? 1 : strcmp(op, "copy") == 0 ? 2 : -1;
    if (which < 0 || n <= 0 || threads <= 0 || reps <= 0) {
        fprintf(stderr, "%s: bad arguments (op %s, n %ld, threads %d, reps %d)\n", argv[0], op, n, threads, reps);
        return 2;
    }
    omp_set_num_threads(threads);
    float *x = aligned_alloc(64, n * sizeof(float));
    float *y = aligned_alloc(64, n * sizeof(float));
    float *d = aligned_alloc(64, n * sizeof(float));
    if (!x || !y || !d) {
        fprintf(stderr, "%s: out of memory for %ld floats\n", argv[0], n);
        return 1;
    }
    unsigned long long s = 1;
    for (long i = 0; i < n; i++) { /* uniform in [-20, 20), as the Java benchmarks */
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        x[i] = (float) ((s >> 40) * (1.0 / (1 << 24)) * 40.0 - 20.0);
    }
    double check = 0;
    for (int r = -1; r < reps; r++) {
        double t0 = now();
        if (which == 0) {
            sigmoid(x, y, n);
        } else if (which == 1) {
            fused(x, y, d, n);
        } else {
            copy(x, y, n);
        }
        double t = now() - t0;
        check += y[n / 3] + (which == 1 ? d[n / 7] : 0);
        if (r >= 0) {
            printf("c,%s,%ld,%d,%.9f\n", op, n, threads, t);
        }
    }
    if (!(check == check)) { /* keep the results live */
        fprintf(stderr, "NaN in the results\n");
        return 1;
    }
    free(x);
    free(y);
    free(d);
    return 0;
}
