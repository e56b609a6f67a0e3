// Per-element math of the float16 and bfloat16 kernels, on the raw 16-bit patterns.
//
// The input is widened exactly to double; the result is formed as a double-double (value hi + lo)
// from the compensated float64 path of sigmoid_math.cuh (relative error ~2^-59), and rounded ONCE to
// the format, to nearest-even, with lo deciding when hi is exactly halfway. Rounding the double
// result of the float64 kernels instead would be a double rounding, and near ties are not rare:
// g*sigma'(x) = g/4*(1 - x^2/4) for tiny x, with g/4 halfway between two subnormals; there sigma' is
// taken from its series, so lo carries the exact sign. backward from y is computed exactly: y*g and
// y*y*g are exact doubles, their difference an exact double-double.
// The same functions run on the host (test/half_dump.cu), and the JUnit test HostMathHalfTest checks
// them for all 65,536 inputs of each format against the project's double-double reference.
//
// Formats: float16 (10 fraction bits, bias 15), bfloat16 (7, bias 127). NaN results are the quiet NaN
// 0x7E00 / 0x7FC0; overflow (only backward from y with y outside [0, 1]) rounds to +-Inf.
#pragma once

#include "sigmoid_math.cuh"

namespace sb {

struct hfmt {
    int mant;
    int bias;
    unsigned short nan;
};

#define SB_F16 (sb::hfmt{10, 15, 0x7E00})
#define SB_BF16 (sb::hfmt{7, 127, 0x7FC0})

SB_HD long long dbits(double v) {
#if defined(__CUDA_ARCH__)
    return __double_as_longlong(v);
#else
    long long b;
    std::memcpy(&b, &v, sizeof b);
    return b;
#endif
}

// The exact value of a 16-bit pattern.
SB_HD double half_to_double(unsigned short h, hfmt f) {
    int e = (h >> f.mant) & ((1 << (15 - f.mant)) - 1);
    int m = h & ((1 << f.mant) - 1);
    int emax = (1 << (15 - f.mant)) - 1;
    double v;
    if (e == emax) {
        v = m != 0 ? (0.0 / 0.0) : (1.0 / 0.0);
    } else if (e == 0) {
        v = (double)m * pow2i(1 - f.bias - f.mant);
    } else {
        v = (double)(m | (1 << f.mant)) * pow2i(e - f.bias - f.mant);
    }
    return (h & 0x8000) ? -v : v;
}

// hi + lo rounded once to the format (|lo| <= ulp(hi)/2), ties to even.
SB_HD unsigned short round_half(double hi, double lo, hfmt f) {
    long long bits = dbits(hi);
    int sign = (int)((unsigned long long)bits >> 63) << 15;
    long long a = bits & 0x7FFFFFFFFFFFFFFFLL;
    int inf = (2 * f.bias + 1) << f.mant;
    if (a >= 0x7FF0000000000000LL) {
        return (unsigned short)(a == 0x7FF0000000000000LL ? (sign | inf) : f.nan);
    }
    int e = (int)(a >> 52) - 1023;
    if (e > f.bias) {
        return (unsigned short)(sign | inf);
    }
    long long m = (a & 0x000FFFFFFFFFFFFFLL) | (1LL << 52);
    int sub = 1 - f.bias - e;
    int shift = 52 - f.mant + (sub > 0 ? sub : 0);
    shift = shift > 62 ? 62 : shift;
    long long q = m >> shift;
    long long rem = m & ((1LL << shift) - 1);
    long long hw = 1LL << (shift - 1);
    bool up = rem != hw ? rem > hw : (lo != 0.0 ? ((lo > 0.0) == (sign == 0)) : ((q & 1) != 0));
    int field = e + f.bias - 1;
    field = field > 0 ? field : 0;
    long long h = ((long long)field << f.mant) + q + (up ? 1 : 0);
    h = h > inf ? inf : h;
    return (unsigned short)(sign | (int)h);
}

SB_HD unsigned short round_dd(dd v, hfmt f) {
    dd n = (v.hi == v.hi && fabs(v.hi) <= 0x1.fffffffffffffp+1023) ? two_sum(v.hi, v.lo) : v;  // normalise
    return round_half(n.hi, n.lo, f);
}

// e^a/(1+e^a) etc. keep e^a = m*2^k unscaled; scale a double-double by 2^k, k in [-2200, 0]. Values
// below 2^-1000 round to 0 in both formats, whatever their low part.
SB_HD dd scale_k(dd q, int k) {
    if (k < -900) {
        dd z = {q.hi * 0.0, 0.0};
        return z;
    }
    double s = pow2i(k);
    dd r = {q.hi * s, q.lo * s};
    return r;
}

// sigma(x) as hi + lo.
SB_HD dd sigmoid_hdd(double x) {
    int k;
    dd m = exp_dd(exp_arg(x), &k);
    dd den = one_plus(m, k);
    dd r;
    if (x >= 0.0) {
        dd one = {1.0, 0.0};
        r = div_dd(one, den);
    } else {
        r = scale_k(div_dd(m, den), k);
    }
    if (x != x) {
        r.hi = x;
        r.lo = 0.0;
    }
    return r;
}

// sigma'(x) = m/(1+e)^2 * 2^k unscaled in *q, *k; for |x| < 2^-20 the series 1/4 - x^2/16 + x^4/96
// (exact sign of the deviation from 1/4, which the ~2^-59 exp cannot resolve; the next term is < 2^-120).
SB_HD void derivative_parts(double x, dd* q, int* k) {
    if (fabs(x) < 0x1p-20) {
        double x2 = x * x;
        q->hi = 0.25;
        q->lo = -x2 * 0.0625 + x2 * x2 / 96.0;
        *k = 0;
        return;
    }
    dd m = exp_dd(exp_arg(x), k);
    dd den = one_plus(m, *k);
    *q = div_dd(m, sq_dd(den));
}

SB_HD dd derivative_hdd(double x) {
    dd q;
    int k;
    derivative_parts(x, &q, &k);
    dd r = scale_k(q, k);
    if (x != x) {
        r.hi = x;
        r.lo = 0.0;
    }
    return r;
}

// g*sigma'(x): 0, Inf and NaN gradients as IEEE products (Inf*sigma'(x) = Inf for finite x, NaN for
// x = +-Inf; 0*sigma' keeps g's sign).
SB_HD dd backward_hdd(double x, double g) {
    dd r;
    if (x != x || g != g) {
        r.hi = x + g;
        r.lo = 0.0;
        return r;
    }
    if (g == 0.0 || !(fabs(g) <= 0x1.fffffffffffffp+1023)) {
        r.hi = (fabs(x) <= 0x1.fffffffffffffp+1023) ? g : (g == 0.0 ? g : (0.0 / 0.0));
        r.lo = 0.0;
        return r;
    }
    double a = -fabs(x);
    a = a < -1500.0 ? -1500.0 : a;
    dd q;
    int k;
    derivative_parts(a, &q, &k);
    dd p = two_prod(q.hi, g);  // |g| < 2^128: no overflow, and the scale is applied once, last
    p.lo = p.lo + q.lo * g;
    return scale_k(fast_two_sum(p.hi, p.lo), k);
}

// g*y*(1-y) = y*g - y*y*g, both products exact for 16-bit inputs; non-finite inputs as IEEE products.
SB_HD dd backward_from_output_hdd(double y, double g) {
    dd r;
    if (!(fabs(y) <= 0x1.fffffffffffffp+1023) || !(fabs(g) <= 0x1.fffffffffffffp+1023)) {
        r.hi = g * (y * (1.0 - y));
        r.lo = 0.0;
        return r;
    }
    return two_sum(y * g, -((y * y) * g));
}

SB_HD unsigned short sigmoid_h(unsigned short x, hfmt f) { return round_dd(sigmoid_hdd(half_to_double(x, f)), f); }
SB_HD unsigned short derivative_h(unsigned short x, hfmt f) { return round_dd(derivative_hdd(half_to_double(x, f)), f); }
SB_HD void fused_h(unsigned short x, unsigned short* y, unsigned short* d, hfmt f) {
    double v = half_to_double(x, f);
    *y = round_dd(sigmoid_hdd(v), f);
    *d = round_dd(derivative_hdd(v), f);
}
SB_HD unsigned short backward_h(unsigned short x, unsigned short g, hfmt f) {
    return round_dd(backward_hdd(half_to_double(x, f), half_to_double(g, f)), f);
}
SB_HD unsigned short backward_from_output_h(unsigned short y, unsigned short g, hfmt f) {
    return round_dd(backward_from_output_hdd(half_to_double(y, f), half_to_double(g, f)), f);
}

}  // namespace sb
