/* Bit-identity witness for the float-only formulation (../sigmoid_float_only.h): a hash of its outputs
 * over float32 inputs, which the CPU engine's Java port (simd.VectorF32FloatOnlyKernels) must reproduce
 * (FloatOnlyBitIdentityTest). Order-independent: the sum over i of mix(i, bits of the output), so
 * threads may split the range. NaN outputs hash as one canonical NaN (payloads are not specified).
 *
 * Build: cc -O2 -std=c11 -ffp-contract=off -pthread -o floatonly_hash floatonly_hash.c -lm
 * Run:   floatonly_hash S1 S2   fused (sigma, sigma') on x = bits i for every S1-th i in [0, 2^32),
 *                               backward and backward-from-output on every S2-th i, with
 *                               g = the float with bits (mix(i) >> 32).
 * Output: "HASH sigmoid|derivative|backward|backward-from-output <16 hex digits> n=<count>" lines. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "../sigmoid_float_only.h"

static uint64_t mix(uint64_t z) { /* splitmix64's finalizer */
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static uint64_t term(uint64_t i, float v) {
    uint32_t b = v == v ? (uint32_t)sbfo_as_int(v) : 0x7fc00000u;
    return mix((i << 32) ^ b ^ 0x9E3779B97F4A7C15ULL);
}

static float grad(uint64_t i) { return sbfo_as_float((int)(uint32_t)(mix(i + 0x632BE59BD9B4E019ULL) >> 32)); }

typedef struct {
    uint64_t s1, s2, from, to;
    uint64_t h[4], n[4];
} job;

static void* run(void* p) {
    job* w = (job*)p;
    for (uint64_t i = (w->from + w->s1 - 1) / w->s1 * w->s1; i < w->to; i += w->s1) {
        float y, d;
        sbfo_fused(sbfo_as_float((int)(uint32_t)i), &y, &d);
        w->h[0] += term(i, y);
        w->h[1] += term(i, d);
        w->n[0]++;
    }
    for (uint64_t i = (w->from + w->s2 - 1) / w->s2 * w->s2; i < w->to; i += w->s2) {
        float x = sbfo_as_float((int)(uint32_t)i), g = grad(i);
        w->h[2] += term(i, sbfo_backward(x, g));
        w->h[3] += term(i, sbfo_backward_from_output(x, g));
        w->n[2]++;
    }
    return NULL;
}

int main(int argc, char** argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: floatonly_hash S1 S2\n");
        return 2;
    }
    uint64_t s1 = strtoull(argv[1], NULL, 10), s2 = strtoull(argv[2], NULL, 10);
    if (s1 == 0 || s2 == 0) {
        fprintf(stderr, "strides must be positive\n");
        return 2;
    }
    int threads = getenv("HOST_CHECK_THREADS") ? atoi(getenv("HOST_CHECK_THREADS")) : 2;
    if (threads < 1 || threads > 64) threads = 2;
    job jobs[64] = {{0}};
    pthread_t tid[64];
    uint64_t total = 1ULL << 32, per = total / (uint64_t)threads;
    for (int t = 0; t < threads; t++) {
        jobs[t].s1 = s1;
        jobs[t].s2 = s2;
        jobs[t].from = per * (uint64_t)t;
        jobs[t].to = t == threads - 1 ? total : per * (uint64_t)(t + 1);
        pthread_create(&tid[t], NULL, run, &jobs[t]);
    }
    uint64_t h[4] = {0}, n[4] = {0};
    for (int t = 0; t < threads; t++) {
        pthread_join(tid[t], NULL);
        for (int k = 0; k < 4; k++) {
            h[k] += jobs[t].h[k];
            n[k] += jobs[t].n[k / 2 * 2];
        }
    }
    const char* names[4] = {"sigmoid", "derivative", "backward", "backward-from-output"};
    for (int k = 0; k < 4; k++) printf("HASH %s %016" PRIx64 " n=%" PRIu64 "\n", names[k], h[k], n[k]);
    return 0;
}
