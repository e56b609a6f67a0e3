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
 *   -DSIGBATCH_F32_FLOAT_ONLY float32 kernels use only float arithmetic (compensated table-driven exp);
 *                             the path for devices without fp64, forced on others for testing.
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

/*
 * exp(a) for a <= 0 as an unevaluated sum hi + lo of floats, relative error ~2^-36:
 * a = k ln2 + j ln2/64 + r with |r| <= ln2/128; 2^(-j/64) from a hi/lo table; e^r - 1 by a degree-4
 * polynomial whose leading terms are added with 2Sum; ln2/64 split in three parts so the reduction
 * is exact. Result scaled by 2^k in two steps so neither underflows early.
 */
/* 2^(-j/64) = EXP2_HI[j] + EXP2_LO[j] (to ~2^-48), computed with 60-digit decimals */
__constant float EXP2_HI[64] = {
    0x1p+0f, 0x1.fa7c18p-1f, 0x1.f50766p-1f, 0x1.efa1bep-1f, 0x1.ea4afap-1f, 0x1.e502eep-1f,
    0x1.dfc974p-1f, 0x1.da9e6p-1f, 0x1.d5818ep-1f, 0x1.d072d4p-1f, 0x1.cb720ep-1f, 0x1.c67f12p-1f,
    0x1.c199bep-1f, 0x1.bcc1eap-1f, 0x1.b7f77p-1f, 0x1.b33a2cp-1f, 0x1.ae89fap-1f, 0x1.a9e6b6p-1f,
    0x1.a5503cp-1f, 0x1.a0c668p-1f, 0x1.9c4918p-1f, 0x1.97d82ap-1f, 0x1.93737cp-1f, 0x1.8f1aeap-1f,
    0x1.8ace54p-1f, 0x1.868d9ap-1f, 0x1.82589ap-1f, 0x1.7e2f34p-1f, 0x1.7a1148p-1f, 0x1.75feb6p-1f,
    0x1.71f75ep-1f, 0x1.6dfb24p-1f, 0x1.6a09e6p-1f, 0x1.662388p-1f, 0x1.6247ecp-1f, 0x1.5e76f2p-1f,
    0x1.5ab07ep-1f, 0x1.56f474p-1f, 0x1.5342b6p-1f, 0x1.4f9b28p-1f, 0x1.4bfdaep-1f, 0x1.486a2cp-1f,
    0x1.44e086p-1f, 0x1.4160a2p-1f, 0x1.3dea64p-1f, 0x1.3a7db4p-1f, 0x1.371a74p-1f, 0x1.33c08cp-1f,
    0x1.306fep-1f, 0x1.2d285ap-1f, 0x1.29e9ep-1f, 0x1.26b456p-1f, 0x1.2387a6p-1f, 0x1.2063b8p-1f,
    0x1.1d4874p-1f, 0x1.1a35bep-1f, 0x1.172b84p-1f, 0x1.1429aap-1f, 0x1.11301ep-1f, 0x1.0e3ec4p-1f,
    0x1.0b5586p-1f, 0x1.087452p-1f, 0x1.059b0ep-1f, 0x1.02c9a4p-1f};
__constant float EXP2_LO[64] = {
    0x0p+0f, 0x1.9e90d8p-29f, -0x1.246ebp-27f, 0x1.cc2b44p-26f, 0x1.52486cp-28f, 0x1.e2cffep-27f,
    -0x1.908c94p-26f, 0x1.ed9942p-28f, -0x1.822dbcp-28f, 0x1.40f13p-26f, -0x1.8837ccp-28f, 0x1.cafa2ap-26f,
    -0x1.3d56b2p-28f, -0x1.f687c6p-26f, -0x1.a09438p-26f, -0x1.ec3a82p-27f, -0x1.a94b14p-27f, -0x1.50c048p-26f,
    -0x1.b83b54p-26f, -0x1.2886a6p-27f, 0x1.51f848p-28f, -0x1.0d8d84p-32f, -0x1.e64744p-26f, -0x1.baa232p-27f,
    0x1.15506ep-28f, -0x1.2edb44p-27f, -0x1.accc7cp-27f, -0x1.261634p-26f, -0x1.829fdp-26f, -0x1.37b306p-26f,
    0x1.1d8beep-26f, -0x1.cd72e8p-28f, 0x1.9fcef4p-27f, 0x1.2a9112p-28f, -0x1.f8b55p-26f, -0x1.4a5bd6p-26f,
    -0x1.5bd5ecp-28f, -0x1.295b04p-26f, -0x1.2c561p-26f, -0x1.2c5a6cp-26f, -0x1.593abcp-26f, -0x1.47d866p-26f,
    0x1.8624b4p-31f, 0x1.f72e2ap-29f, 0x1.824684p-26f, -0x1.634c02p-26f, -0x1.18aac6p-26f, -0x1.b37d2p-26f,
    0x1.4636e2p-26f, 0x1.b900c2p-27f, -0x1.5c0424p-26f, 0x1.789f38p-27f, 0x1.ceac48p-26f, 0x1.0c519ap-26f,
    -0x1.d2e8cap-26f, 0x1.6df96ep-26f, -0x1.c15742p-28f, 0x1.d525bcp-26f, -0x1.fdb496p-26f, -0x1.a585ccp-26f,
    0x1.9f3122p-26f, -0x1.e2990ep-27f, -0x1.9d4f52p-26f, -0x1.887fap-29f};

/* Error-free sum of two floats. */
float2 two_sum_f(float a, float b) {
    float s = a + b;
    float bb = s - a;
    return (float2)(s, (a - (s - bb)) + (b - bb));
}

float2 exp_neg_f(float a, int *kout) {
    /* a in [-104.5, 0] after the caller's select; n = round(a*64/ln2) */
    float n = rint(a * 0x1.715476p+6f);
    int ni = (int) n;
    int j = (-ni) & 63;         /* 2^(n/64) = 2^k * 2^(-j/64) with k = (n + j)/64 */
    int k = (ni + j) >> 6;
    /* r = a - n*ln2/64, ln2/64 = C1 + C2 + C3 with C1, C2 short enough that n*C1, n*C2 are exact */
    const float C1 = 0x1.62p-7f;          /* 9 bits: n*C1 exact for |n| < 2^14 */
    const float C2 = 0x1.c85fep-16f;      /* ln2/64 - C1 rounded to float */
    const float C3 = -0x1.718432p-41f;   /* ln2/64 - C1 - C2 */
    float r1 = a - n * C1;               /* exact (Sterbenz) */
    float2 r = two_sum_f(r1, -n * C2);   /* n*C2 rounds: keep its error */
    float c2e = fma(-n, C2, n * C2);     /* -(n*C2) rounding error */
    r.y += c2e - n * C3;
    /* e^r - 1 = r + r^2/2 + r^3/6 + r^4/24 (|r| <= 0.0055) */
    float rr = r.x;
    float q = rr * rr * (0.5f + rr * (0x1.555556p-3f + rr * 0x1.555556p-5f));
    float2 p = two_sum_f(rr, q);
    p.y += r.y * (1.0f + rr);
    /* e^a = 2^k * T (1 + p), T = Thi + Tlo */
    float th = EXP2_HI[j];
    float tl = EXP2_LO[j];
    float2 m = two_sum_f(th, th * p.x);
    float mpe = fma(th, p.x, -(th * p.x));
    m.y += mpe + th * p.y + tl * (1.0f + p.x);
    m = two_sum_f(m.x, m.y);
    *kout = k;
    return m;
}

/* 2^k * (hi + lo) rounded once where the result is subnormal */
float scale_f(float2 q, int k) {
    /* k in [-151, 0]: scale in two steps; first one exact (result stays normal) */
    int k1 = k / 2;
    float h = ldexp(q.x, k1);
    float l = ldexp(q.y, k1);
    float2 t = two_sum_f(h, l);
    return ldexp(t.x, k - k1) + ldexp(t.y, k - k1);
}

/* (nh + nl) / (dh + dl) as a float pair, relative error ~2^-44 */
float2 div_ff(float nh, float nl, float dh, float dl) {
    float q1 = nh / dh;
    float rem = fma(-q1, dh, nh);        /* exact */
    rem = rem + nl - q1 * dl;
    float q2 = rem / dh;
    return two_sum_f(q1, q2);
}

void sigder_f(float x, float *ys, float *ds, int want_y, int want_d) {
    float a = -fabs(x);
    a = (a < -104.5f) ? -104.5f : a;    /* compare + select: NaN keeps flowing in x */
    int k;
    float2 m = exp_neg_f(a, &k);         /* e = 2^k m, m in [0.5, 1.02] */
    float e = ldexp(m.x, k);
    float el = ldexp(m.y, k);
    float2 den = two_sum_f(1.0f, e);     /* 1 + e, e <= 1 */
    den.y += el;
    if (want_y) {
        float y;
        if (x >= 0.0f) {
            float2 q = div_ff(1.0f, 0.0f, den.x, den.y);
            y = q.x + q.y;
        } else {
            float2 q = div_ff(m.x, m.y, den.x, den.y);
            y = scale_f(q, k);
        }
        *ys = isnan(x) ? x : y;
    }
    if (want_d) {
        /* (1+e)^2 as a pair */
        float d2 = den.x * den.x;
        float d2e = fma(den.x, den.x, -d2) + 2.0f * den.x * den.y;
        float2 q = div_ff(m.x, m.y, d2, d2e);
        float d = scale_f(q, k);
        *ds = isnan(x) ? x : d;
    }
}

float sig32(float x) { float y, d; sigder_f(x, &y, &d, 1, 0); return y; }
float der32(float x) { float y, d; sigder_f(x, &y, &d, 0, 1); return d; }
void fused32(float x, float *y, float *d) { sigder_f(x, y, d, 1, 1); }

float bwd32(float x, float g) {
    float a = -fabs(x);
    a = (a < -104.5f) ? -104.5f : a;
    int k;
    float2 m = exp_neg_f(a, &k);
    float e = ldexp(m.x, k);
    float2 den = two_sum_f(1.0f, e);
    den.y += ldexp(m.y, k);
    float d2 = den.x * den.x;
    float d2e = fma(den.x, den.x, -d2) + 2.0f * den.x * den.y;
    float2 q = div_ff(m.x, m.y, d2, d2e);
    /* g * q exactly as a pair, then scale */
    float ph = g * q.x;
    float pl = fma(g, q.x, -ph) + g * q.y;
    float r;
    if (!isfinite(ph) || ph == 0.0f || !isfinite(g)) {
        r = g * scale_f(q, k);
    } else {
        r = scale_f((float2)(ph, pl), k);
    }
    return isnan(x) ? x + g : r;
}

float bwdy32(float y, float g) {
    /* y(1-y)g: 1-y is exact for y in [0.5, 2]; otherwise keep its rounding error */
    float2 omy = two_sum_f(1.0f, -y);
    float t = y * omy.x;
    float te = fma(y, omy.x, -t) + y * omy.y;
    float ph = t * g;
    float pl = fma(t, g, -ph) + te * g;
    float r = ph + pl;
    return isfinite(r) ? r : y * (1.0f - y) * g;
}

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
