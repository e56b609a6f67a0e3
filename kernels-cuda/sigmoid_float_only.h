/* Float-only compensated float32 sigmoid math: sigma, sigma', fused, backward (from x and from y).
 *
 * One formulation for every engine: host C/C++ (the proof harness test/host_check.cu), CUDA device
 * code (sigmoid.cu, *_floatonly kernels), OpenCL C (spliced into the program source at load) and, ported
 * operation by operation, the CPU's simd.VectorF32FloatOnlyKernels (bit-identical; a test compares them).
 * Only float + - * /, fmaf, compares, selects and bit moves, all defined exactly by IEEE 754, so every
 * engine computes the same bits. Requires no contraction (-fmad=false / -ffp-contract=off) and IEEE
 * division and subnormals (no fast math, no flush-to-zero; OpenCL: -cl-fp32-correctly-rounded-divide-sqrt).
 *
 * Method (docs/float-only.md): e = exp(-|x|) = (m.hi + m.lo) * 2^k with a relative error ~2^-40:
 * n = round(a*8/ln2), a = n*ln2/8 + r with ln2/8 in three parts (r = r.hi + r.lo from 2Sum/2Prod),
 * 2^(j/8) from an 8-entry hi/lo table (j = n mod 8, k = n div 8), exp(r) = 1 + r + r^2/2 + ... with
 * r^2 by 2Prod. Then 1 + e in two parts, its reciprocal R = 1/(1+e) corrected by an FMA residual, and
 * sigma = R (x >= 0) or m*R*2^k, sigma' = m*R^2*2^k, each as a float pair rounded ONCE at the final
 * exponent (subnormal results too: sbfo_scale). NaN flows through compares and selects (no fminf/fmaxf).
 */
#ifndef SIGBATCH_SIGMOID_FLOAT_ONLY_H
#define SIGBATCH_SIGMOID_FLOAT_ONLY_H

#if defined(__OPENCL_VERSION__)
#define SBFO_FN static inline
#define SBFO_FMA(a, b, c) fma((a), (b), (c))
#define SBFO_FABS(a) fabs(a)
#define SBFO_AS_FLOAT(i) as_float(i)
#define SBFO_AS_INT(f) as_int(f)
#define SBFO_TABLE __constant float
#define SBFO_PRIV
#elif defined(__CUDACC__)
#define SBFO_FN __host__ __device__ __forceinline__
#define SBFO_FMA(a, b, c) fmaf((a), (b), (c))
#define SBFO_FABS(a) fabsf(a)
#define SBFO_PRIV
#define SBFO_TABLE static __constant__ const float
#else
#include <math.h>
#include <string.h>
#define SBFO_FN static inline
#define SBFO_FMA(a, b, c) fmaf((a), (b), (c))
#define SBFO_FABS(a) fabsf(a)
#define SBFO_TABLE static const float
#define SBFO_PRIV
#endif

#if !defined(__OPENCL_VERSION__)
SBFO_FN float sbfo_as_float(int i) {
#if defined(__CUDA_ARCH__)
    return __int_as_float(i);
#else
    float f;
    memcpy(&f, &i, sizeof f);
    return f;
#endif
}
SBFO_FN int sbfo_as_int(float f) {
#if defined(__CUDA_ARCH__)
    return __float_as_int(f);
#else
    int i;
    memcpy(&i, &f, sizeof i);
    return i;
#endif
}
#define SBFO_AS_FLOAT(i) sbfo_as_float(i)
#define SBFO_AS_INT(f) sbfo_as_int(f)
#endif

/* Constants (exact floats; the Java port has the same hex literals). */
#define SBFO_INV 0x1.715476p+3f  /* 8/ln2 */
#define SBFO_SHIFT 0x1.8p23f     /* adding and subtracting it rounds to an integer */
#define SBFO_L1 0x1.62ep-4f      /* ln2/8 to 12 bits (rounded down): n*L1 is exact for |n| < 2^12 */
#define SBFO_L2 0x1.0bfbe8p-18f  /* ln2/8 - L1 */
#define SBFO_L3 0x1.cf79acp-43f  /* ln2/8 - L1 - L2 */
#define SBFO_A_MIN (-200.0f)     /* e^-200 < 2^-288: even g*sigma' rounds to 0 for every finite g */
#define SBFO_C3 0x1.555556p-3f   /* 1/6 */
#define SBFO_C4 0x1.555556p-5f   /* 1/24 */
#define SBFO_C5 0x1.111112p-7f   /* 1/120 */
#define SBFO_C6 0x1.6c16c2p-10f  /* 1/720 */

/* 2^(j/8) = TH[j] + TL[j] */
#if defined(__CUDACC__)
SBFO_TABLE sbfo_th_d[8] = {0x1p+0f, 0x1.172b84p+0f, 0x1.306fep+0f, 0x1.4bfdaep+0f, 0x1.6a09e6p+0f, 0x1.8ace54p+0f, 0x1.ae89fap+0f, 0x1.d5818ep+0f};
SBFO_TABLE sbfo_tl_d[8] = {0.0f, -0x1.c15742p-27f, 0x1.4636e2p-25f, -0x1.593abcp-25f, 0x1.9fcef4p-26f, 0x1.15506ep-27f, -0x1.a94b14p-26f, -0x1.822dbcp-27f};
static const float sbfo_th[8] = {0x1p+0f, 0x1.172b84p+0f, 0x1.306fep+0f, 0x1.4bfdaep+0f, 0x1.6a09e6p+0f, 0x1.8ace54p+0f, 0x1.ae89fap+0f, 0x1.d5818ep+0f};
static const float sbfo_tl[8] = {0.0f, -0x1.c15742p-27f, 0x1.4636e2p-25f, -0x1.593abcp-25f, 0x1.9fcef4p-26f, 0x1.15506ep-27f, -0x1.a94b14p-26f, -0x1.822dbcp-27f};
#if defined(__CUDA_ARCH__)
#define SBFO_TH sbfo_th_d
#define SBFO_TL sbfo_tl_d
#else
#define SBFO_TH sbfo_th
#define SBFO_TL sbfo_tl
#endif
#else
SBFO_TABLE sbfo_th[8] = {0x1p+0f, 0x1.172b84p+0f, 0x1.306fep+0f, 0x1.4bfdaep+0f, 0x1.6a09e6p+0f, 0x1.8ace54p+0f, 0x1.ae89fap+0f, 0x1.d5818ep+0f};
SBFO_TABLE sbfo_tl[8] = {0.0f, -0x1.c15742p-27f, 0x1.4636e2p-25f, -0x1.593abcp-25f, 0x1.9fcef4p-26f, 0x1.15506ep-27f, -0x1.a94b14p-26f, -0x1.822dbcp-27f};
#define SBFO_TH sbfo_th
#define SBFO_TL sbfo_tl
#endif

typedef struct {
    float hi, lo;
} sbfo_pair;

/* 2^k as a float, k in [-126, 127] */
SBFO_FN float sbfo_pow2(int k) { return SBFO_AS_FLOAT((k + 127) << 23); }

SBFO_FN int sbfo_clampi(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

/* e^-|x| = (m.hi + m.lo) * 2^k, m in [0.95, 1.92]; x must not be NaN (the callers pass 0 instead). */
SBFO_FN sbfo_pair sbfo_exp(float x, int SBFO_PRIV* kout) {
    float a = -SBFO_FABS(x);
    a = a < SBFO_A_MIN ? SBFO_A_MIN : a;
    float t = SBFO_FMA(a, SBFO_INV, SBFO_SHIFT);
    float nf = t - SBFO_SHIFT; /* exact integer in [-2309, 0] */
    int n = (int)nf;
    int j = n & 7;
    *kout = n >> 3; /* floor(n / 8) */
    float r1 = SBFO_FMA(nf, -SBFO_L1, a); /* exact (n*L1 exact, Sterbenz) */
    float p = nf * SBFO_L2;
    float pe = SBFO_FMA(nf, SBFO_L2, -p); /* n*L2 = p + pe exactly */
    float rh = r1 - p;                    /* 2Sum(r1, -p) */
    float bb = rh - r1;
    float e1 = (r1 - (rh - bb)) + (-p - bb);
    float rl = SBFO_FMA(nf, -SBFO_L3, e1 - pe); /* r = rh + rl, |r| <= 0.0434 */
    /* exp(r) - 1 = rh + sq/2 + tail with sq = rh^2 exact by 2Prod */
    float sq = rh * rh;
    float sqe = SBFO_FMA(rh, rh, -sq);
    float q = SBFO_FMA(rh, SBFO_C6, SBFO_C5);
    q = SBFO_FMA(q, rh, SBFO_C4);
    q = SBFO_FMA(q, rh, SBFO_C3);
    float tail = SBFO_FMA(rl, rh, rl) + 0.5f * sqe; /* rl*(1+rh) + the error of rh^2 / 2 */
    tail = SBFO_FMA(sq * rh, q, tail);
    float hsq = 0.5f * sq;
    float sh = rh + hsq; /* Fast2Sum: |rh| >= rh^2/2 */
    float sl = (hsq - (sh - rh)) + tail;
    /* m = (TH + TL) * (1 + sh + sl) */
    float th = SBFO_TH[j];
    float tl = SBFO_TL[j];
    float ph = th * sh;
    float phe = SBFO_FMA(th, sh, -ph);
    float mh = th + ph; /* Fast2Sum: th >= 1 > |ph| */
    float ml = ph - (mh - th);
    float c = SBFO_FMA(th, sl, SBFO_FMA(tl, sh, tl));
    ml = ml + (phe + c);
    sbfo_pair m = {mh, ml};
    return m;
}

/* 1/(1 + m*2^k) as a float pair (relative error ~2^-46) */
SBFO_FN sbfo_pair sbfo_recip_one_plus(sbfo_pair m, int k) {
    float sc = sbfo_pow2(k < -100 ? -100 : k); /* below 2^-100, e does not change 1 + e in two floats */
    float eh = m.hi * sc;
    float el = m.lo * sc;
    float dh = 1.0f + eh; /* Fast2Sum: e <= 1 */
    float dl = (eh - (dh - 1.0f)) + el;
    float i1 = 1.0f / dh;
    float res = SBFO_FMA(-i1, dh, 1.0f); /* exact */
    res = SBFO_FMA(-i1, dl, res);
    sbfo_pair r = {i1, res * i1};
    return r;
}

/* (a.hi + a.lo) * (b.hi + b.lo) as a pair (a.lo*b.lo dropped) */
SBFO_FN sbfo_pair sbfo_mul(sbfo_pair a, sbfo_pair b) {
    float p = a.hi * b.hi;
    float pe = SBFO_FMA(a.hi, b.hi, -p);
    sbfo_pair r = {p, pe + SBFO_FMA(a.hi, b.lo, a.lo * b.hi)};
    return r;
}

/* (v.hi + v.lo) * 2^k rounded once, for v.hi in [2^-4, 2) (or 0) and k in [-415, 128].
 * Normal results: v rounded to float, then scaled exactly. Subnormal results: the pair is scaled to
 * units of 2^-149 (still normal floats), rounded to an integer there (ties to even, using v.lo to
 * break a tie that is not one), and scaled back exactly: one rounding, at the final exponent.
 * k >= -121 gives a normal result (>= 2^-125); k <= -127 a subnormal one (< 2^-126). */
SBFO_FN float sbfo_scale(sbfo_pair v, int k) {
    float h = v.hi + v.lo; /* Fast2Sum: renormalize so that |l| <= ulp(h)/2 */
    float l = v.lo - (h - v.hi);
    float hn = k > 127 ? h * 2.0f : h; /* k = 128 only from backward with g near FLT_MAX */
    float normal = hn * sbfo_pow2(sbfo_clampi(k, -126, 127));
    int kc = sbfo_clampi(k, -175, -122);
    float u = sbfo_pow2(kc + 149);
    float rh = h * u; /* exact */
    float rl = l * u;
    float n = (rh + 0x1p23f) - 0x1p23f;             /* round to nearest even integer (rh < 2^23) */
    float err = rh - n;                             /* exact, in [-0.5, 0.5] */
    n = (err == 0.5f && rl > 0.0f) ? n + 1.0f : n;  /* above a halfway point: up */
    n = (err == -0.5f && rl < 0.0f) ? n - 1.0f : n; /* below one: down */
    float sub = n * 0x1p-149f;                      /* exact */
    return (k <= -122 && rh < 0x1p23f) ? sub : normal;
}

SBFO_FN float sbfo_not_nan(float x) { return x == x ? x : 0.0f; }

SBFO_FN float sbfo_sigmoid(float x) {
    int k;
    sbfo_pair m = sbfo_exp(sbfo_not_nan(x), &k);
    sbfo_pair r = sbfo_recip_one_plus(m, k);
    float pos = r.hi + r.lo;
    float neg = sbfo_scale(sbfo_mul(m, r), k);
    float y = x >= 0.0f ? pos : neg;
    return x == x ? y : x;
}

SBFO_FN float sbfo_derivative(float x) {
    int k;
    sbfo_pair m = sbfo_exp(sbfo_not_nan(x), &k);
    sbfo_pair r = sbfo_recip_one_plus(m, k);
    float d = sbfo_scale(sbfo_mul(m, sbfo_mul(r, r)), k);
    return x == x ? d : x;
}

/* One exp for both outputs; bit-identical to sbfo_sigmoid and sbfo_derivative. */
SBFO_FN void sbfo_fused(float x, float SBFO_PRIV* y, float SBFO_PRIV* d) {
    int k;
    sbfo_pair m = sbfo_exp(sbfo_not_nan(x), &k);
    sbfo_pair r = sbfo_recip_one_plus(m, k);
    float pos = r.hi + r.lo;
    float neg = sbfo_scale(sbfo_mul(m, r), k);
    float yy = x >= 0.0f ? pos : neg;
    float dd = sbfo_scale(sbfo_mul(m, sbfo_mul(r, r)), k);
    *y = x == x ? yy : x;
    *d = x == x ? dd : x;
}

/* g * sigma'(x), rounded once: g = gm * 2^ge with |gm| in [0.5, 1) split off so that a large g can
 * lift a tiny sigma' back into range; 0, subnormal, Inf and NaN g take the plain product g * sigma'. */
SBFO_FN float sbfo_backward(float x, float g) {
    int k;
    sbfo_pair m = sbfo_exp(sbfo_not_nan(x), &k);
    sbfo_pair r = sbfo_recip_one_plus(m, k);
    sbfo_pair d = sbfo_mul(m, sbfo_mul(r, r));
    int gb = SBFO_AS_INT(g);
    int gexp = (gb >> 23) & 0xff;
    float gm = SBFO_AS_FLOAT((gb & 0x007fffff) | 0x3f000000); /* |g| / 2^ge, in [0.5, 1): sigma'*gm in [2^-4, 2) */
    sbfo_pair gp = {gm, 0.0f};
    float scaled = sbfo_scale(sbfo_mul(d, gp), k + gexp - 126);
    scaled = gb < 0 ? -scaled : scaled;
    float plain = g * sbfo_scale(d, k);
    float b = (gexp == 0 || gexp == 0xff) ? plain : scaled;
    return x == x ? b : x;
}

/* g * y * (1 - y) with 1 - y and both products compensated; the plain product where it is not finite. */
SBFO_FN float sbfo_backward_from_output(float y, float g) {
    float th = 1.0f - y; /* 2Sum(1, -y) */
    float bb = th - 1.0f;
    float tl = (1.0f - (th - bb)) + (-y - bb);
    float p = y * th;
    float pe = SBFO_FMA(y, th, -p) + y * tl;
    float v = p * g;
    float ve = SBFO_FMA(p, g, -v) + pe * g;
    return SBFO_FABS(v) <= 0x1.fffffep+127f ? v + ve : v;
}

#endif /* SIGBATCH_SIGMOID_FLOAT_ONLY_H */
