/*
 * sigbatch OpenCL kernels: sigma(x) = 1/(1+e^-x), sigma'(x), fused, backward from x, backward from y.
 *
 * Stable form everywhere: e = exp(-|x|); sigma = 1/(1+e) for x >= 0, e/(1+e) otherwise;
 * sigma' = e/(1+e)^2 (never s*(1-s) from x). No native_exp, no fast-math, no fmin/fmax clamping of x
 * (that would turn NaN into a number): out-of-range values are handled with compare + select.
 *
 * Build options (set by the host):
 *   -DSIGBATCH_FP64           the device has cl_khr_fp64: float32 is computed in double and rounded once
 *                             (<= 0.5 ULP + 2^-26), and the float64 kernels (double-double inside) exist.
 *   -DSIGBATCH_F32_FLOAT_ONLY float32 kernels use only float arithmetic (sigmoid_float_only.h, spliced
 *                             in at load): the path for devices without fp64 (opencl.f32kernel).
 *
 * Each work-item handles VEC consecutive elements with vloadN/vstoreN (element alignment suffices);
 * the last work-item finishes any tail one element at a time, so every length works.
 * Kernel arguments: for each operand a pointer and an element offset, then the element count n.
 */

/* Exact arithmetic below relies on each operation being rounded on its own. */
#pragma OPENCL FP_CONTRACT OFF

#ifdef SIGBATCH_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

#define VEC 4

/* ============================================================== float32 */

#if defined(SIGBATCH_FP64) && !defined(SIGBATCH_F32_FLOAT_ONLY)

/* double inside, rounded once to float (round to nearest even), subnormal results included. */
float sig32(float xf) {
    double x = (double) xf;
    double e = exp(-fabs(x));
    double r = (x >= 0.0) ? 1.0 / (1.0 + e) : e / (1.0 + e);
    return (float) r; /* NaN stays NaN: the comparison is false and e is NaN */
}

double der64of32(float xf) {
    double e = exp(-fabs((double) xf));
    double s = 1.0 + e;
    return e / (s * s);
}

float der32(float xf) {
    return (float) der64of32(xf);
}

void fused32(float xf, float *y, float *d) {
    double x = (double) xf;
    double e = exp(-fabs(x));
    double r = 1.0 / (1.0 + e);
    *y = (float) ((x >= 0.0) ? r : e * r);
    *d = (float) (e * r * r);
}

float bwd32(float xf, float g) {
    return (float) ((double) g * der64of32(xf));
}

float bwdy32(float yf, float g) {
    double y = (double) yf;
    return (float) ((double) g * (y * (1.0 - y))); /* y*(1-y) is exact in double */
}

#else /* float-only float32 path */

/* kernels-cuda/sigmoid_float_only.h, the formulation the CUDA *_floatonly kernels and the CPU's float-only
 * kernels use (bit-identical), is spliced in here by the host at load (OpenClProgram). Needs IEEE division
 * (the host builds with -cl-fp32-correctly-rounded-divide-sqrt) and float denormals. */
/*@SIGMOID_FLOAT_ONLY_H@*/

float sig32(float x) { return sbfo_sigmoid(x); }
float der32(float x) { return sbfo_derivative(x); }
void fused32(float x, float *y, float *d) { sbfo_fused(x, y, d); }
float bwd32(float x, float g) { return sbfo_backward(x, g); }
float bwdy32(float y, float g) { return sbfo_backward_from_output(y, g); }

#endif

/* ============================================================== float64: double-double inside */

#ifdef SIGBATCH_FP64

double2 two_sum(double a, double b) {
    double s = a + b;
    double bb = s - a;
    return (double2)(s, (a - (s - bb)) + (b - bb));
}

double2 fast_two_sum(double a, double b) {
    double s = a + b;
    return (double2)(s, b - (s - a));
}

double2 dd_add(double2 a, double2 b) {
    double2 s = two_sum(a.x, b.x);
    double2 t = two_sum(a.y, b.y);
    double2 u = fast_two_sum(s.x, s.y + t.x);
    return fast_two_sum(u.x, u.y + t.y);
}

double2 dd_mul(double2 a, double2 b) {
    double p = a.x * b.x;
    double e = fma(a.x, b.x, -p);
    return fast_two_sum(p, e + (a.x * b.y + a.y * b.x));
}

double2 dd_mul_d(double2 a, double b) {
    double p = a.x * b;
    double e = fma(a.x, b, -p);
    return fast_two_sum(p, e + a.y * b);
}

/* n / d, relative error ~2^-104 */
double2 dd_div(double2 n, double2 d) {
    double q1 = n.x / d.x;
    double2 r = dd_add(n, -dd_mul_d(d, q1));
    double q2 = r.x / d.x;
    r = dd_add(r, -dd_mul_d(d, q2));
    double q3 = r.x / d.x;
    return dd_add(fast_two_sum(q1, q2), (double2)(q3, 0.0));
}

/*
 * e^a = 2^k * m for a in [-760, 0], m as a double-double in [0.7, 1.42], relative error ~2^-64:
 * a = k ln2 + r (ln2 in two parts, the first with 21 trailing zero bits so k*LN2_HI is exact),
 * s = r/2^8, e^s - 1 = s + s^2/2 + ... + s^7/5040 (tail in double, |tail| < 2^-19),
 * then 8 squarings of 1+p kept as p: p <- 2p + p^2.
 */
double2 exp_neg_dd(double a, int *kout) {
    const double LN2_HI = 6.93147180369123816490e-01;   /* 0x3fe62e42 fee00000 */
    const double LN2_LO = 1.90821492927058770002e-10;   /* 0x3dea39ef 35793c76 */
    double kd = rint(a * 1.44269504088896338700e+00);
    double r1 = a - kd * LN2_HI;                          /* exact */
    double p1 = kd * LN2_LO;
    double p1e = fma(kd, LN2_LO, -p1);
    double2 r = two_sum(r1, -p1);
    r.y -= p1e;
    double sh = r.x * 0x1p-8;
    double sl = r.y * 0x1p-8;
    double t = sh * sh * (0.5 + sh * (1.0 / 6 + sh * (1.0 / 24 + sh * (1.0 / 120 + sh * (1.0 / 720 + sh * (1.0 / 5040))))));
    t += sh * sl;
    double2 p = two_sum(sh, t);
    p.y += sl;
    p = fast_two_sum(p.x, p.y);
    for (int i = 0; i < 8; i++) {
        p = dd_add(p * 2.0, dd_mul(p, p));
    }
    *kout = (int) kd;
    return dd_add((double2)(1.0, 0.0), p);
}

/* shared part: m, k with e = 2^k m, and den = 1 + e as a double-double */
double2 prep64(double x, int *k, double2 *den) {
    double a = -fabs(x);
    a = (a < -760.0) ? -760.0 : a;       /* e^-760 is far below the smallest subnormal */
    double2 m = exp_neg_dd(a, k);
    double2 e = (double2)(ldexp(m.x, *k), ldexp(m.y, *k));
    *den = dd_add((double2)(1.0, 0.0), e);
    return m;
}

double sig64(double x) {
    int k;
    double2 den;
    double2 m = prep64(x, &k, &den);
    double y;
    if (x >= 0.0) {
        double2 q = dd_div((double2)(1.0, 0.0), den);
        y = q.x;
    } else {
        double2 q = dd_div(m, den);
        y = ldexp(q.x, k);               /* one rounding where the result is subnormal */
    }
    return isnan(x) ? x : y;
}

double2 der64q(double x, int *k) {
    double2 den;
    double2 m = prep64(x, k, &den);
    return dd_div(m, dd_mul(den, den));
}

double der64(double x) {
    int k;
    double2 q = der64q(x, &k);
    double d = ldexp(q.x, k);
    return isnan(x) ? x : d;
}

void fused64(double x, double *y, double *d) {
    int k;
    double2 den;
    double2 m = prep64(x, &k, &den);
    double yv;
    if (x >= 0.0) {
        yv = dd_div((double2)(1.0, 0.0), den).x;
    } else {
        yv = ldexp(dd_div(m, den).x, k);
    }
    double dv = ldexp(dd_div(m, dd_mul(den, den)).x, k);
    *y = isnan(x) ? x : yv;
    *d = isnan(x) ? x : dv;
}

/*
 * g * sigma'(x) with the exponents of sigma' and g added before one final scaling: sigma' alone
 * underflows for |x| > 708 where g * sigma' need not (x = 745.2, g = 1e200 is 2.3e-111; found by the
 * contract's random calls). x is limited to 1500 here, not 760: e^-1500 * DBL_MAX is below 2^-1074.
 */
double bwd64(double x, double g) {
    double a = -fabs(x);
    a = (a < -1500.0) ? -1500.0 : a;
    int k;
    double2 m = exp_neg_dd(a, &k);
    double2 e = (double2)(ldexp(m.x, k), ldexp(m.y, k));
    double2 den = dd_add((double2)(1.0, 0.0), e);
    double2 q = dd_div(m, dd_mul(den, den));
    double r;
    if (isinf(g)) {
        r = isinf(x) ? g * 0.0 : g;      /* as the reference: sigma' > 0 for finite x, Inf * 0 is NaN */
    } else if (g == 0.0) {
        r = g;                           /* the sign of the zero is g's */
    } else {
        int ge;
        double gm = frexp(g, &ge);       /* g = gm * 2^ge exactly */
        r = ldexp(dd_mul_d(q, gm).x, k + ge);
    }
    return isnan(x) ? x + g : r;
}

double bwdy64(double y, double g) {
    double2 omy = two_sum(1.0, -y);
    double2 t = dd_mul_d(omy, y);
    double r = dd_mul_d(t, g).x;
    return isfinite(r) ? r : y * (1.0 - y) * g;
}

#endif

/* ============================================================== kernels */

#define UNARY_KERNEL(NAME, T, T4, F)                                                        \
__kernel void NAME(__global const T *x, const uint xo, __global T *y, const uint yo,        \
                   const uint n) {                                                          \
    uint i = (uint) get_global_id(0) * VEC;                                                 \
    if (i + VEC <= n) {                                                                     \
        T4 v = vload4(0, x + xo + i);                                                       \
        T4 r;                                                                               \
        r.s0 = F(v.s0); r.s1 = F(v.s1); r.s2 = F(v.s2); r.s3 = F(v.s3);                     \
        vstore4(r, 0, y + yo + i);                                                          \
    } else {                                                                                \
        for (uint j = i; j < n; j++) {                                                      \
            y[yo + j] = F(x[xo + j]);                                                       \
        }                                                                                   \
    }                                                                                       \
}

#define FUSED_KERNEL(NAME, T, T4, F)                                                        \
__kernel void NAME(__global const T *x, const uint xo, __global T *y, const uint yo,        \
                   __global T *d, const uint dof, const uint n) {                           \
    uint i = (uint) get_global_id(0) * VEC;                                                 \
    if (i + VEC <= n) {                                                                     \
        T4 v = vload4(0, x + xo + i);                                                       \
        T a0, a1, a2, a3, b0, b1, b2, b3;                                                   \
        F(v.s0, &a0, &b0); F(v.s1, &a1, &b1); F(v.s2, &a2, &b2); F(v.s3, &a3, &b3);         \
        vstore4((T4)(a0, a1, a2, a3), 0, y + yo + i);                                       \
        vstore4((T4)(b0, b1, b2, b3), 0, d + dof + i);                                      \
    } else {                                                                                \
        for (uint j = i; j < n; j++) {                                                      \
            T a, b;                                                                         \
            F(x[xo + j], &a, &b);                                                           \
            y[yo + j] = a;                                                                  \
            d[dof + j] = b;                                                                 \
        }                                                                                   \
    }                                                                                       \
}

#define BINARY_KERNEL(NAME, T, T4, F)                                                       \
__kernel void NAME(__global const T *x, const uint xo, __global const T *g, const uint go,  \
                   __global T *o, const uint oo, const uint n) {                            \
    uint i = (uint) get_global_id(0) * VEC;                                                 \
    if (i + VEC <= n) {                                                                     \
        T4 v = vload4(0, x + xo + i);                                                       \
        T4 w = vload4(0, g + go + i);                                                       \
        T4 r;                                                                               \
        r.s0 = F(v.s0, w.s0); r.s1 = F(v.s1, w.s1); r.s2 = F(v.s2, w.s2); r.s3 = F(v.s3, w.s3); \
        vstore4(r, 0, o + oo + i);                                                          \
    } else {                                                                                \
        for (uint j = i; j < n; j++) {                                                      \
            o[oo + j] = F(x[xo + j], g[go + j]);                                            \
        }                                                                                   \
    }                                                                                       \
}

UNARY_KERNEL(sigmoid_f32, float, float4, sig32)
UNARY_KERNEL(derivative_f32, float, float4, der32)
FUSED_KERNEL(fused_f32, float, float4, fused32)
BINARY_KERNEL(backward_f32, float, float4, bwd32)
BINARY_KERNEL(backward_from_output_f32, float, float4, bwdy32)

#ifdef SIGBATCH_FP64
UNARY_KERNEL(sigmoid_f64, double, double4, sig64)
UNARY_KERNEL(derivative_f64, double, double4, der64)
FUSED_KERNEL(fused_f64, double, double4, fused64)
BINARY_KERNEL(backward_f64, double, double4, bwd64)
BINARY_KERNEL(backward_from_output_f64, double, double4, bwdy64)
#endif

/* ============================================================== float16 and bfloat16
 * Raw 16-bit patterns; float16 is widened with vload_half (exact), bfloat16 by a shift. The result is
 * a double-double from the float64 path above and is rounded ONCE to the format, ties to even with
 * the low part deciding exact-looking ties (vstore_half_rte would round the high part alone, a double
 * rounding near ties), so it is stored as bits. sigma' for |x| < 2^-20 from its series: the sign of
 * its deviation from 1/4 decides bfloat16 ties of g/4 between subnormals. Same method as
 * kernels-cuda/sigmoid_half.cuh; every input is checked on PoCL by OpenClHalfTest. Needs fp64.
 * VEC elements per work item, like the kernels above. */
#ifdef SIGBATCH_FP64

double bf16_to_d(ushort h) { return (double) as_float(((uint) h) << 16); }

ushort round_h(double2 v, int mant, int bias, ushort nanv) {
    double2 n = isfinite(v.x) ? two_sum(v.x, v.y) : v;
    long bits = as_long(n.x);
    int sign = (int) (((ulong) bits) >> 63) << 15;
    long a = bits & 0x7FFFFFFFFFFFFFFFL;
    int inf = (2 * bias + 1) << mant;
    if (a >= 0x7FF0000000000000L) {
        return (ushort) (a == 0x7FF0000000000000L ? (sign | inf) : nanv);
    }
    int e = (int) (a >> 52) - 1023;
    if (e > bias) {
        return (ushort) (sign | inf);
    }
    long m = (a & 0x000FFFFFFFFFFFFFL) | (1L << 52);
    int sub = 1 - bias - e;
    int shift = 52 - mant + (sub > 0 ? sub : 0);
    shift = shift > 62 ? 62 : shift;
    long q = m >> shift;
    long rem = m & ((1L << shift) - 1);
    long hw = 1L << (shift - 1);
    int up = rem != hw ? rem > hw : (n.y != 0.0 ? ((n.y > 0.0) == (sign == 0)) : (int) (q & 1));
    int field = e + bias - 1;
    field = field > 0 ? field : 0;
    long h = ((long) field << mant) + q + (up ? 1 : 0);
    h = h > inf ? inf : h;
    return (ushort) (sign | (int) h);
}

double2 scale_k(double2 q, int k) {
    return k < -900 ? (double2)(q.x * 0.0, 0.0) : (double2)(ldexp(q.x, k), ldexp(q.y, k));
}

double2 sig_hdd(double x) {
    int k;
    double2 den;
    double2 m = prep64(x, &k, &den);
    double2 r = x >= 0.0 ? dd_div((double2)(1.0, 0.0), den) : scale_k(dd_div(m, den), k);
    return isnan(x) ? (double2)(x, 0.0) : r;
}

double2 der_parts(double x, int *k) {
    if (fabs(x) < 0x1p-20) {
        double x2 = x * x;
        *k = 0;
        return (double2)(0.25, -x2 * 0.0625 + x2 * x2 / 96.0);
    }
    return der64q(x, k);
}

double2 der_hdd(double x) {
    int k;
    double2 q = der_parts(x, &k);
    return isnan(x) ? (double2)(x, 0.0) : scale_k(q, k);
}

double2 bwd_hdd(double x, double g) {
    if (isnan(x) || isnan(g)) {
        return (double2)(x + g, 0.0);
    }
    if (g == 0.0 || isinf(g)) {
        return (double2)(isfinite(x) || g == 0.0 ? g : NAN, 0.0);
    }
    double a = -fabs(x);
    a = a < -1500.0 ? -1500.0 : a;
    int k;
    double2 q = der_parts(a, &k);
    double p = q.x * g;
    double pe = fma(q.x, g, -p);
    return scale_k(fast_two_sum(p, pe + q.y * g), k);
}

double2 bwdy_hdd(double y, double g) {
    if (!isfinite(y) || !isfinite(g)) {
        return (double2)(g * (y * (1.0 - y)), 0.0);
    }
    return two_sum(y * g, -((y * y) * g));
}

#define F16_IN(p, i) ((double) vload_half((i), (__global const half *) (p)))
#define BF16_IN(p, i) bf16_to_d((p)[i])

#define HALF_KERNELS(SUF, IN, MANT, BIAS, NANV)                                                   \
__kernel void sigmoid_##SUF(__global const ushort *x, const uint xo, __global ushort *y, const uint yo, const uint n) { \
    for (uint i = (uint) get_global_id(0) * VEC, e = min(i + VEC, n); i < e; i++)            \
        y[yo + i] = round_h(sig_hdd(IN(x, xo + i)), MANT, BIAS, NANV);                 \
}                                                                                             \
__kernel void derivative_##SUF(__global const ushort *x, const uint xo, __global ushort *y, const uint yo, const uint n) { \
    for (uint i = (uint) get_global_id(0) * VEC, e = min(i + VEC, n); i < e; i++)            \
        y[yo + i] = round_h(der_hdd(IN(x, xo + i)), MANT, BIAS, NANV);                 \
}                                                                                             \
__kernel void fused_##SUF(__global const ushort *x, const uint xo, __global ushort *y, const uint yo, \
                          __global ushort *d, const uint dof, const uint n) {                 \
    for (uint i = (uint) get_global_id(0) * VEC, e = min(i + VEC, n); i < e; i++)            \
        {                                                                              \
        double v = IN(x, xo + i);                                                             \
        ushort a = round_h(sig_hdd(v), MANT, BIAS, NANV);                                     \
        ushort b = round_h(der_hdd(v), MANT, BIAS, NANV);                                     \
        y[yo + i] = a;                                                                        \
        d[dof + i] = b;                                                                       \
    }                                                                                         \
}                                                                                             \
__kernel void backward_##SUF(__global const ushort *x, const uint xo, __global const ushort *g, const uint go, \
                             __global ushort *o, const uint oo, const uint n) {               \
    for (uint i = (uint) get_global_id(0) * VEC, e = min(i + VEC, n); i < e; i++)            \
        o[oo + i] = round_h(bwd_hdd(IN(x, xo + i), IN(g, go + i)), MANT, BIAS, NANV);  \
}                                                                                             \
__kernel void backward_from_output_##SUF(__global const ushort *x, const uint xo, __global const ushort *g, const uint go, \
                                         __global ushort *o, const uint oo, const uint n) {   \
    for (uint i = (uint) get_global_id(0) * VEC, e = min(i + VEC, n); i < e; i++)            \
        o[oo + i] = round_h(bwdy_hdd(IN(x, xo + i), IN(g, go + i)), MANT, BIAS, NANV); \
}

HALF_KERNELS(f16, F16_IN, 10, 15, 0x7E00)
HALF_KERNELS(bf16, BF16_IN, 7, 127, 0x7FC0)

#endif
