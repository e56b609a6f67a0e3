// Per-element math of the sigbatch CUDA kernels: sigma(x) = 1/(1+e^-x), sigma'(x) and the backward steps.
//
// Everything here is __host__ __device__ and uses only operations that IEEE 754 defines exactly the
// same on the host and the GPU: + - * / (correctly rounded), explicit fma()/fmaf(), fabs, compares,
// float<->double conversions. No libm/libdevice exp: the exp below is our own, so the host harness
// (test/host_check.cu) computes bit-identical results to the kernels, and checking it over all 2^32
// float32 inputs on the CPU proves the kernel math without a GPU.
// Requires: device code built with -fmad=false (no contraction of a*b+c into fma behind our back),
// host code with -ffp-contract=off. make/cuda.mk and the harness build set both.
//
// Stable form (the same as the CPU engine): e = exp(-|x|); sigma = 1/(1+e) for x >= 0, e/(1+e)
// otherwise; sigma' = e/(1+e)^2. Never s*(1-s) from x, never fmin/fmax clamps (they turn NaN into a
// number): compare+select only.
//
// float32: computed in double and rounded once (<= 0.5 ULP + 2^-29-ish).
// float64: exp as an unevaluated sum m = hi+lo (range reduction with a two-part ln 2, the leading
// polynomial terms in double-double), e = m*2^k kept unscaled, compensated divisions, and the scale
// by 2^k applied last (in two steps, so subnormal results round once more at most).
#pragma once

#if defined(__CUDACC__)
#define SB_HD __host__ __device__ __forceinline__
#else
// plain C++ compiler (g++): the tiny compatibility shim
#define SB_HD static inline
#endif

#if !defined(__CUDA_ARCH__)
#include <cmath>
#include <cstdint>
#include <cstring>
#endif

namespace sb {

#if !defined(__CUDA_ARCH__)
using std::fabs;
using std::fma;
#endif

// ---------------------------------------------------------------- constants (exact doubles)
#define SB_INV_LN2 0x1.71547652b82fep+0
#define SB_LN2_HI 0x1.62e42fefa39efp-1  /* ln 2 rounded to double */
#define SB_LN2_LO 0x1.abc9e3b39803fp-56 /* ln 2 - SB_LN2_HI */
#define SB_SHIFT 0x1.8p52               /* adding and subtracting it rounds to an integer */
#define SB_EXP_MIN (-746.0)             /* e^-746 < 2^-1076: rounds to 0 even as a double */

struct dd {
    double hi, lo;
};

// 2^k as a double for k in [-1022, 1023], by building the bits (exact on both sides).
SB_HD double pow2i(int k) {
    long long bits = (long long)(k + 1023) << 52;
#if defined(__CUDA_ARCH__)
    return __longlong_as_double(bits);
#else
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
#endif
}

// v * 2^k for k in [-1077, 0], in two exact-or-once-rounded steps (2^k alone may not be a double).
SB_HD double scale2(double v, int k) {
    int k1 = k / 2;  // >= -539: v*2^k1 stays normal for v >= 2^-480, so this step is exact
    int k2 = k - k1;
    return (v * pow2i(k1)) * pow2i(k2);
}

SB_HD dd fast_two_sum(double a, double b) {  // |a| >= |b|
    double s = a + b;
    dd r = {s, b - (s - a)};
    return r;
}

SB_HD dd two_sum(double a, double b) {
    double s = a + b;
    double bb = s - a;
    dd r = {s, (a - (s - bb)) + (b - bb)};
    return r;
}

SB_HD dd two_prod(double a, double b) {
    double p = a * b;
    dd r = {p, fma(a, b, -p)};
    return r;
}

// Argument for exp: -|x| limited to [SB_EXP_MIN, 0]; NaN becomes 0 (the caller selects NaN at the
// end) so that the integer conversion below is always defined and identical on host and device.
SB_HD double exp_arg(double x) {
    double a = -fabs(x);
    a = (a < SB_EXP_MIN) ? SB_EXP_MIN : a;
    a = (a == a) ? a : 0.0;
    return a;
}

// Range reduction a = k ln2 + r, |r| <= ln2/2 (+tiny). Returns k; r_hi is exact (fma of an 11-bit k).
SB_HD int reduce(double a, double* r_hi) {
    double kd = fma(a, SB_INV_LN2, SB_SHIFT) - SB_SHIFT;
    *r_hi = fma(-kd, SB_LN2_HI, a);
    return (int)kd;
}

// ---------------------------------------------------------------- float32 path: plain double exp

// e^a = m * 2^k for a in [SB_EXP_MIN, 0], relative error ~2^-51 (degree-12 Taylor on |r| <= 0.347).
SB_HD double exp_d(double a) {
    double r;
    int k = reduce(a, &r);
    r = fma(-(double)k, SB_LN2_LO, r);
    double p = 2.08767569878681e-09;  // 1/12!
    p = fma(p, r, 2.505210838544172e-08);
    p = fma(p, r, 2.755731922398589e-07);
    p = fma(p, r, 2.7557319223985893e-06);
    p = fma(p, r, 2.48015873015873e-05);
    p = fma(p, r, 0.0001984126984126984);
    p = fma(p, r, 0.001388888888888889);
    p = fma(p, r, 0.008333333333333333);
    p = fma(p, r, 0.041666666666666664);
    p = fma(p, r, 0.16666666666666666);
    p = fma(p, r, 0.5);
    p = fma(p, r, 1.0);
    p = fma(p, r, 1.0);
    return scale2(p, k);
}

SB_HD float sigmoid_f32(float x) {
    double xd = (double)x;
    double e = exp_d(exp_arg(xd));
    double s = 1.0 + e;
    double r = (xd >= 0.0) ? 1.0 / s : e / s;
    return (x == x) ? (float)r : x;
}

SB_HD float derivative_f32(float x) {
    double e = exp_d(exp_arg((double)x));
    double s = 1.0 + e;
    double r = e / (s * s);
    return (x == x) ? (float)r : x;
}

// One exp for both outputs; bit-identical to sigmoid_f32 and derivative_f32.
SB_HD void fused_f32(float x, float* y, float* d) {
    double xd = (double)x;
    double e = exp_d(exp_arg(xd));
    double s = 1.0 + e;
    double r = (xd >= 0.0) ? 1.0 / s : e / s;
    double q = e / (s * s);
    *y = (x == x) ? (float)r : x;
    *d = (x == x) ? (float)q : x;
}

SB_HD float backward_f32(float x, float g) {
    double e = exp_d(exp_arg((double)x));
    double s = 1.0 + e;
    double r = (double)g * (e / (s * s));
    return (x == x) ? (float)r : x;
}

// gradOut*y*(1-y): y*(1-y) has at most 48 significant bits, so it is exact in double; one rounding.
SB_HD float backward_from_output_f32(float y, float g) {
    double yd = (double)y;
    double r = (double)g * (yd * (1.0 - yd));
    return (float)r;
}

// ---------------------------------------------------------------- float64 path: compensated

// e^a = (m.hi + m.lo) * 2^k for a in [SB_EXP_MIN, 0]; m in [0.70, 1.42], relative error ~2^-59.
SB_HD dd exp_dd(double a, int* kout) {
    double rh;
    int k = reduce(a, &rh);
    dd p = two_prod((double)k, SB_LN2_LO);  // k*LN2_LO, |.| < 2^-45
    dd r = two_sum(rh, -p.hi);
    double rl = r.lo - p.lo;
    rh = r.hi;
    // 1 + r + r^2/2 in double-double; r^3/6 + ... in double (it is < 0.0075, so its rounding is < 2^-60)
    double t = 7.647163731819816e-13;  // 1/15!
    t = fma(t, rh, 1.1470745597729725e-11);
    t = fma(t, rh, 1.6059043836821613e-10);
    t = fma(t, rh, 2.08767569878681e-09);
    t = fma(t, rh, 2.505210838544172e-08);
    t = fma(t, rh, 2.755731922398589e-07);
    t = fma(t, rh, 2.7557319223985893e-06);
    t = fma(t, rh, 2.48015873015873e-05);
    t = fma(t, rh, 0.0001984126984126984);
    t = fma(t, rh, 0.001388888888888889);
    t = fma(t, rh, 0.008333333333333333);
    t = fma(t, rh, 0.041666666666666664);
    t = fma(t, rh, 0.16666666666666666);
    dd q = two_prod(rh, rh);
    double tail = (q.hi * rh) * t + rl * (1.0 + rh + 0.5 * q.hi) + 0.5 * q.lo;
    dd s = fast_two_sum(1.0, rh);               // |rh| < 1
    dd u = two_sum(s.hi, 0.5 * q.hi);
    u.lo = u.lo + s.lo + tail;
    *kout = k;
    return fast_two_sum(u.hi, u.lo);
}

// 1 + e as a double-double, e = m*2^k (for k < -1022 e is far below 2^-106 and only its size matters).
SB_HD dd one_plus(dd m, int k) {
    double sc = pow2i(k < -1022 ? -1022 : k);
    dd d = fast_two_sum(1.0, m.hi * sc);
    d.lo = d.lo + m.lo * sc;
    return fast_two_sum(d.hi, d.lo);
}

// (n.hi + n.lo) / (d.hi + d.lo) as q1 + q2 (|q2| <= ulp(q1)): the remainder of a correctly rounded
// quotient is exact with fma, so one correction step gives ~2^-100 before the final rounding.
SB_HD dd div_dd(dd n, dd d) {
    double q1 = n.hi / d.hi;
    double rem = (fma(-q1, d.hi, n.hi) + n.lo) - q1 * d.lo;
    dd r = {q1, rem / d.hi};
    return r;
}

SB_HD dd sq_dd(dd a) {
    dd p = two_prod(a.hi, a.hi);
    p.lo = p.lo + 2.0 * a.hi * a.lo;
    return fast_two_sum(p.hi, p.lo);
}

// (q.hi + q.lo) * 2^t rounded once, for 2^-6 <= |q.hi| < 4 (or q = 0) and t in [-3400, 1024]. Normal results: the
// scaling is exact. Subnormal results: the value is scaled to units of 2^-1074 (still a normal
// number), rounded to an integer there with the low part taken into account, and scaled back exactly,
// so a subnormal result is rounded once too.
SB_HD double scale_dd(dd q, int t) {
    if (t >= -1000) {  // |result| >= 2^-1006: normal
        double v = q.hi + q.lo;
        return t > 1023 ? (v * pow2i(1023)) * pow2i(t - 1023) : v * pow2i(t);
    }
    if (t < -1080) {
        return q.hi * 0.0;  // |q| * 2^t < 2^-1078: rounds to a (signed) zero
    }
    int u = t + 1074;  // in [-6, 73]
    double s = pow2i(u);
    double rh = q.hi * s;  // exact: stays in the normal range
    double rl = q.lo * s;
    if (fabs(rh) >= 0x1p52) {  // a normal result after all
        double v = q.hi + q.lo;
        return (v * pow2i(t + 600)) * pow2i(-600);
    }
    double n = rint(rh);
    double diff = (rh - n) + rl;  // rh - n is exact
    n = (diff > 0.5) ? n + 1.0 : ((diff < -0.5) ? n - 1.0 : n);
    return (n * 0x1p-537) * 0x1p-537;  // n * 2^-1074, exact
}

SB_HD double sigmoid_f64(double x) {
    int k;
    dd m = exp_dd(exp_arg(x), &k);
    dd den = one_plus(m, k);
    double r;
    if (x >= 0.0) {
        dd one = {1.0, 0.0};
        dd q = div_dd(one, den);
        r = q.hi + q.lo;
    } else {
        r = scale_dd(div_dd(m, den), k);
    }
    return (x == x) ? r : x;
}

SB_HD double derivative_f64(double x) {
    int k;
    dd m = exp_dd(exp_arg(x), &k);
    dd den = one_plus(m, k);
    double r = scale_dd(div_dd(m, sq_dd(den)), k);
    return (x == x) ? r : x;
}

SB_HD void fused_f64(double x, double* y, double* d) {
    int k;
    dd m = exp_dd(exp_arg(x), &k);
    dd den = one_plus(m, k);
    double ry;
    if (x >= 0.0) {
        dd one = {1.0, 0.0};
        dd q = div_dd(one, den);
        ry = q.hi + q.lo;
    } else {
        ry = scale_dd(div_dd(m, den), k);
    }
    double rd = scale_dd(div_dd(m, sq_dd(den)), k);
    *y = (x == x) ? ry : x;
    *d = (x == x) ? rd : x;
}

// (a.hi + a.lo) * g rounded once; falls back to the plain product where it is not finite (the
// error term of an infinite product is NaN).
SB_HD double mul_round(dd a, double g) {
    dd p = two_prod(a.hi, g);
    double lo = p.lo + a.lo * g;
    double r = p.hi + lo;
    return (fabs(p.hi) <= 0x1.fffffffffffffp+1023) ? r : p.hi;
}

// gradOut * sigma'(x). A large gradOut can lift e^-|x| far below the double range back into it
// (x = 1000, g = 1e300 gives 5e-135), so the exponent of g is split off and the product is scaled
// once at the end: x is limited to 1500 here, not 746.
SB_HD double backward_f64(double x, double g) {
    double a = -fabs(x);
    a = (a < -1500.0) ? -1500.0 : a;
    a = (a == a) ? a : 0.0;
    int k;
    dd m = exp_dd(a, &k);  // k >= -2165
    dd den = one_plus(m, k);
    dd q = div_dd(m, sq_dd(den));
    bool plain = !(fabs(g) <= 0x1.fffffffffffffp+1023) || g == 0.0;  // 0, Inf, NaN: the plain product
    int ge = 0;
    double gm = plain ? 1.0 : frexp(g, &ge);  // g = gm * 2^ge, |gm| in [0.5, 1): exact
    dd p = two_prod(q.hi, gm);
    p.lo = p.lo + q.lo * gm;
    double r = scale_dd(p, k + ge);
    r = plain ? g * scale_dd(q, k) : r;
    return (x == x) ? r : x;
}

// gradOut*y*(1-y) with 1-y and the products compensated.
SB_HD double backward_from_output_f64(double y, double g) {
    dd t = two_sum(1.0, -y);
    dd p = two_prod(y, t.hi);
    p.lo = p.lo + y * t.lo;
    return mul_round(p, g);
}

}  // namespace sb
