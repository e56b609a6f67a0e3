package org.sigbatch.cpu;

/**
 * Accurate and fast scalar float64 kernels: σ within ~0.5 ULP, σ' within ~0.5 ULP of the exact values
 * over the whole double range (subnormal results included), without the double-double reference's cost.
 *
 * <p>How: E = exp(−|x|) is computed as an unevaluated sum Eh + El (relative error ≈ 2^-66) times 2^m:
 * k = round(a·64/ln2), r = a − k·ln2/64 (exact first part by FMA, ln2/64 split in two doubles),
 * e^r = 1 + r + (degree-7 Taylor tail in plain double, |r| ≤ ln2/128), times a 64-entry table
 * 2^(j/64) stored as hi+lo doubles. Then σ = 1/(1+E) or E/(1+E) and σ' = E/(1+E)² with a compensated
 * reciprocal (q = 1/Dh, residual by FMA) and FMA products, so the final value is rounded once.
 *
 * <p>Fast path: a = −|x| ≥ −670 (E ≥ 2^-967: every intermediate stays normal). Below that σ(x&lt;0) =
 * σ'(x) = E to within a relative 2^-966, and {@link #slow} rounds E·2^m (or g·E·2^m) once, also into
 * the subnormal range. backward(x, g) is the rounded exact product g·σ'(x): it does not underflow σ'
 * first, so e.g. backward(−1000, 2^1000) ≈ 2^-442.7 (the double-double reference returns 0 there).
 */
public final class AccurateF64Kernels implements F64Kernels {
    public static final AccurateF64Kernels INSTANCE = new AccurateF64Kernels();

    /**
     * Interleaved table: T[2j] + T[2j+1] = 2^(j/64) to ~2^-106 relative. Literals, not computed at class
     * initialisation: the BigDecimal derivation took 70-150 ms of every start (docs/first-call.md);
     * AccurateF64TablesTest derives them again and compares every bit.
     */
    static final double[] T = {
            0x1.0p0, 0x0.0p0,
            0x1.02c9a3e778061p0, -0x1.19083535b085dp-56,
            0x1.059b0d3158574p0, 0x1.d73e2a475b465p-55,
            0x1.0874518759bc8p0, 0x1.186be4bb284ffp-57,
            0x1.0b5586cf9890fp0, 0x1.8a62e4adc610bp-54,
            0x1.0e3ec32d3d1a2p0, 0x1.03a1727c57b53p-59,
            0x1.11301d0125b51p0, -0x1.6c51039449b3ap-54,
            0x1.1429aaea92dep0, -0x1.32fbf9af1369ep-54,
            0x1.172b83c7d517bp0, -0x1.19041b9d78a76p-55,
            0x1.1a35beb6fcb75p0, 0x1.e5b4c7b4968e4p-55,
            0x1.1d4873168b9aap0, 0x1.e016e00a2643cp-54,
            0x1.2063b88628cd6p0, 0x1.dc775814a8495p-55,
            0x1.2387a6e756238p0, 0x1.9b07eb6c70573p-54,
            0x1.26b4565e27cddp0, 0x1.2bd339940e9d9p-55,
            0x1.29e9df51fdee1p0, 0x1.612e8afad1255p-55,
            0x1.2d285a6e4030bp0, 0x1.0024754db41d5p-54,
            0x1.306fe0a31b715p0, 0x1.6f46ad23182e4p-55,
            0x1.33c08b26416ffp0, 0x1.32721843659a6p-54,
            0x1.371a7373aa9cbp0, -0x1.63aeabf42eae2p-54,
            0x1.3a7db34e59ff7p0, -0x1.5e436d661f5e3p-56,
            0x1.3dea64c123422p0, 0x1.ada0911f09ebcp-55,
            0x1.4160a21f72e2ap0, -0x1.ef3691c309278p-58,
            0x1.44e086061892dp0, 0x1.89b7a04ef80dp-59,
            0x1.486a2b5c13cdp0, 0x1.3c1a3b69062fp-56,
            0x1.4bfdad5362a27p0, 0x1.d4397afec42e2p-56,
            0x1.4f9b2769d2ca7p0, -0x1.4b309d25957e3p-54,
            0x1.5342b569d4f82p0, -0x1.07abe1db13cadp-55,
            0x1.56f4736b527dap0, 0x1.9bb2c011d93adp-54,
            0x1.5ab07dd485429p0, 0x1.6324c054647adp-54,
            0x1.5e76f15ad2148p0, 0x1.ba6f93080e65ep-54,
            0x1.6247eb03a5585p0, -0x1.383c17e40b497p-54,
            0x1.6623882552225p0, -0x1.bb60987591c34p-54,
            0x1.6a09e667f3bcdp0, -0x1.bdd3413b26456p-54,
            0x1.6dfb23c651a2fp0, -0x1.bbe3a683c88abp-57,
            0x1.71f75e8ec5f74p0, -0x1.16e4786887a99p-55,
            0x1.75feb564267c9p0, -0x1.0245957316dd3p-54,
            0x1.7a11473eb0187p0, -0x1.41577ee04992fp-55,
            0x1.7e2f336cf4e62p0, 0x1.05d02ba15797ep-56,
            0x1.82589994cce13p0, -0x1.d4c1dd41532d8p-54,
            0x1.868d99b4492edp0, -0x1.fc6f89bd4f6bap-54,
            0x1.8ace5422aa0dbp0, 0x1.6e9f156864b27p-54,
            0x1.8f1ae99157736p0, 0x1.5cc13a2e3976cp-55,
            0x1.93737b0cdc5e5p0, -0x1.75fc781b57ebcp-57,
            0x1.97d829fde4e5p0, -0x1.d185b7c1b85d1p-54,
            0x1.9c49182a3f09p0, 0x1.c7c46b071f2bep-56,
            0x1.a0c667b5de565p0, -0x1.359495d1cd533p-54,
            0x1.a5503b23e255dp0, -0x1.d2f6edb8d41e1p-54,
            0x1.a9e6b5579fdbfp0, 0x1.0fac90ef7fd31p-54,
            0x1.ae89f995ad3adp0, 0x1.7a1cd345dcc81p-54,
            0x1.b33a2b84f15fbp0, -0x1.2805e3084d708p-57,
            0x1.b7f76f2fb5e47p0, -0x1.5584f7e54ac3bp-56,
            0x1.bcc1e904bc1d2p0, 0x1.23dd07a2d9e84p-55,
            0x1.c199bdd85529cp0, 0x1.11065895048ddp-55,
            0x1.c67f12e57d14bp0, 0x1.2884dff483cadp-54,
            0x1.cb720dcef9069p0, 0x1.503cbd1e949dbp-56,
            0x1.d072d4a07897cp0, -0x1.cbc3743797a9cp-54,
            0x1.d5818dcfba487p0, 0x1.2ed02d75b3707p-55,
            0x1.da9e603db3285p0, 0x1.c2300696db532p-54,
            0x1.dfc97337b9b5fp0, -0x1.1a5cd4f184b5cp-54,
            0x1.e502ee78b3ff6p0, 0x1.39e8980a9cc8fp-55,
            0x1.ea4afa2a490dap0, -0x1.e9c23179c2893p-54,
            0x1.efa1bee615a27p0, 0x1.dc7f486a4b6bp-54,
            0x1.f50765b6e454p0, 0x1.9d3e12dd8a18bp-54,
            0x1.fa7c1819e90d8p0, 0x1.74853f3a5931ep-55
    };
    /** 64/ln2, and ln2/64 = LH + LL (LL: the rest of ln2/64 to ~2^-115). */
    static final double INV_L = 0x1.71547652b82fep6;
    static final double LH = 0x1.62e42fefa39efp-7;
    static final double LL = 0x1.abc9e3b39803fp-62;
    /** Adding 1.5·2^52 rounds to an integer that the low bits of the sum hold. */
    private static final double SHIFT = 0x1.8p52;
    private static final long ONE_BITS = Double.doubleToRawLongBits(1.0);
    private static final double C2 = 1.0 / 2, C3 = 1.0 / 6, C4 = 1.0 / 24, C5 = 1.0 / 120, C6 = 1.0 / 720, C7 = 1.0 / 5040;
    /** Below this a = −|x| the slow path runs (see class comment). */
    private static final double FAST_LIMIT = -670.0;
    /** Below this exp(a)·|g| &lt; 2^-1076 for every finite g: σ' is 0 for every purpose. */
    private static final double ZERO_LIMIT = -1460.0;

    private AccurateF64Kernels() {
    }

    @Override
    public String name() {
        return "table-dd";
    }

    /*
     * The four x-kernels share the same first half, {@link #exp}: E = Eh + El scaled by 2^m, D = 1 + E,
     * q = 1/Dh, rr = its relative residual so that 1/D = q·(1 + rr). It returns them in a small E object
     * that C2 inlines and scalar-replaces (escape analysis), so each loop keeps everything in registers
     * and stays specialised to its op (one shared loop with a mode switch measured ~20% slower for σ).
     * exp() is 317 bytecode bytes, just under C2's hot-call inline limit (FreqInlineSize = 325): if it
     * grows past that it is no longer inlined, allocates per element, and every kernel slows down.
     */

    /** E = es + els, 1/(1 + E) = q(1 + rr). Never escapes a loop iteration, see above. */
    private static final class Exp {
        final double es;
        final double els;
        final double q;
        final double rr;

        Exp(double es, double els, double q, double rr) {
            this.es = es;
            this.els = els;
            this.q = q;
            this.rr = rr;
        }
    }

    /** E = exp(a) and 1/(1 + E) for FAST_LIMIT ≤ a ≤ 0. */
    private static Exp exp(double a) {
        // k = round(a·64/ln2); kd = k as double
        double t = Math.fma(a, INV_L, SHIFT);
        int k = (int) Double.doubleToRawLongBits(t);
        double kd = t - SHIFT;
        // r = a − kd·ln2/64 = rh + rl: r1 exact (|r1| < 2^-7.5 on a 2^-59 grid), kd·LL ≤ 2^-43
        double r1 = Math.fma(-kd, LH, a);
        double c = kd * LL;
        double rh = r1 - c;
        double rl = (r1 - rh) - c;
        // e^r = 1 + rh + s, s = rl + Taylor tail (|s| < 2^-15, truncation 2^-75)
        double r2 = rh * rh; // tail r²(C2 + C3 r + … + C7 r⁵) by Estrin: short dependency chains
        double pt = Math.fma(r2 * r2, Math.fma(rh, C7, C6), Math.fma(r2, Math.fma(rh, C5, C4), Math.fma(rh, C3, C2)));
        double s = Math.fma(r2, pt, rl);
        // E/2^m = (Th + Tl)(1 + rh + s) = Eh + El
        int j = (k & 63) << 1;
        double th = T[j];
        double tl = T[j + 1];
        double u = th * rh;
        double ue = Math.fma(th, rh, -u);
        double eh = th + u;
        double el0 = ((th - eh) + u) + ue + Math.fma(th, s, Math.fma(tl, rh, tl));
        double e1 = eh + el0; // renormalise: |el| ≤ ulp(eh)/2, else rr below is not small
        double el = el0 - (e1 - eh);
        double scale = Double.longBitsToDouble((long) ((k >> 6) + 1023) << 52);
        double es = e1 * scale;
        double els = el * scale;
        // D = 1 + E = dh + dl; 1/D = q(1 + rr)
        double dh = 1.0 + es;
        double dl = ((1.0 - dh) + es) + els;
        double q = 1.0 / dh;
        double rr = Math.fma(-q, dh, 1.0) - q * dl;
        return new Exp(es, els, q, rr);
    }

    /** σ(v) from {@link #exp}(−|v|). */
    private static double sig(double v, Exp e) {
        // σ = N/D, N = 1 (x ≥ 0) or E (x < 0), selected with bit masks (a branch mispredicts on mixed
        // signs): N·q·(1 + rr) = nh·q + q(nh·rr + nl), rounded once
        long neg = Double.doubleToRawLongBits(v) >> 63; // all ones where the sign bit is set (−0: E = 1 anyway)
        double nh = Double.longBitsToDouble((Double.doubleToRawLongBits(e.es) & neg) | (ONE_BITS & ~neg));
        double nl = Double.longBitsToDouble(Double.doubleToRawLongBits(e.els) & neg);
        return Math.fma(nh, e.q, e.q * Math.fma(nh, e.rr, nl));
    }

    /** σ'(v) from {@link #exp}(−|v|). */
    private static double der(Exp e) {
        // σ' = E·q²(1 + rr)² = (q2 + q2e)(es + w), w = 2·es·rr + els; q2e·w and rr² negligible
        double q2 = e.q * e.q;
        double q2e = Math.fma(e.q, e.q, -q2);
        double w = Math.fma(2.0 * e.es, e.rr, e.els);
        return Math.fma(q2, e.es, Math.fma(q2e, e.es, q2 * w));
    }

    @Override
    public void sigmoid(double[] x, int xo, double[] y, int yo, int n) {
        check(x, xo, n);
        check(y, yo, n);
        for (int i = 0; i < n; i++) {
            double v = x[xo + i];
            double a = -Math.abs(v);
            y[yo + i] = a < FAST_LIMIT ? slow(SIG, v, 0) : sig(v, exp(a));
        }
    }

    @Override
    public void derivative(double[] x, int xo, double[] d, int dOff, int n) {
        check(x, xo, n);
        check(d, dOff, n);
        for (int i = 0; i < n; i++) {
            double v = x[xo + i];
            double a = -Math.abs(v);
            d[dOff + i] = a < FAST_LIMIT ? slow(DER, v, 0) : der(exp(a));
        }
    }

    @Override
    public void fused(double[] x, int xo, double[] y, int yo, double[] d, int dOff, int n) {
        check(x, xo, n);
        check(y, yo, n);
        check(d, dOff, n);
        for (int i = 0; i < n; i++) {
            double v = x[xo + i];
            double a = -Math.abs(v);
            double sv;
            double dv;
            if (a < FAST_LIMIT) {
                sv = slow(SIG, v, 0);
                dv = slow(DER, v, 0);
            } else {
                Exp e = exp(a);
                sv = sig(v, e);
                dv = der(e);
            }
            // both outputs computed before either is written: y or d may alias x
            y[yo + i] = sv;
            d[dOff + i] = dv;
        }
    }

    @Override
    public void backward(double[] x, int xo, double[] g, int go, double[] out, int oo, int n) {
        check(x, xo, n);
        check(g, go, n);
        check(out, oo, n);
        for (int i = 0; i < n; i++) {
            double v = x[xo + i];
            double gv = g[go + i];
            double a = -Math.abs(v);
            if (a < FAST_LIMIT) {
                out[oo + i] = slow(BWD, v, gv);
                continue;
            }
            Exp e = exp(a);
            double es = e.es;
            double q2 = e.q * e.q;
            double q2e = Math.fma(e.q, e.q, -q2);
            double w = Math.fma(2.0 * es, e.rr, e.els);
            // σ' as ph + pl (not rounded), then g·σ' rounded once
            double ph = q2 * es;
            double pl = Math.fma(q2, es, -ph) + Math.fma(q2e, es, q2 * w);
            double o = Math.fma(gv, ph, gv * pl);
            if (o != o) {
                o = gv * ph; // g = ±Inf: Inf + (−Inf) inside the fma; x or g NaN stays NaN
            }
            out[oo + i] = o;
        }
    }

    @Override
    public void backwardFromOutput(double[] y, int yo, double[] g, int go, double[] out, int oo, int n) {
        check(y, yo, n);
        check(g, go, n);
        check(out, oo, n);
        for (int i = 0; i < n; i++) {
            double yv = y[yo + i];
            double gv = g[go + i];
            // 1 − y = wh + wl exactly (2Sum)
            double wh = 1.0 - yv;
            double bb = wh - 1.0;
            double wl = (1.0 - (wh - bb)) + (-yv - bb);
            // y(1 − y) = ph + pl, then g·(ph + pl) rounded once
            double ph = yv * wh;
            double pl = Math.fma(yv, wh, -ph) + yv * wl;
            double o = Math.fma(gv, ph, gv * pl);
            if (o != o) {
                o = (gv * yv) * wh; // y(1−y) overflowed or an input is infinite: Inf − Inf inside; NaN stays NaN
            }
            out[oo + i] = o;
        }
    }

    // ------------------------------------------------------------------ slow path: |x| > 670, ±Inf

    private static final int SIG = 0;
    private static final int DER = 1;
    private static final int BWD = 2;

    /**
     * σ (SIG), σ' (DER) or g·σ' (BWD) for a = −|x| &lt; −670 or NaN. There E &lt; 2^-966, so 1/(1+E) rounds
     * to 1 and E/(1+E), E/(1+E)² equal E to a relative 2^-966: the only care needed is to round E·2^m
     * (or g·E·2^m) once, also where the result is subnormal.
     */
    static double slow(int op, double x, double g) {
        double a = -Math.abs(x);
        if (op == SIG && x >= 0) {
            return 1.0;
        }
        if (Double.isNaN(x)) {
            return x;
        }
        if (op == BWD && (Double.isNaN(g) || Double.isInfinite(g))) {
            return g * (Double.isInfinite(x) ? 0.0 : 1.0); // σ'(finite x) > 0, σ'(±Inf) = 0
        }
        if (a < ZERO_LIMIT) {
            return op == BWD ? g * 0.0 : 0.0;
        }
        double t = Math.fma(a, INV_L, SHIFT);
        int k = (int) Double.doubleToRawLongBits(t);
        double kd = t - SHIFT;
        double r1 = Math.fma(-kd, LH, a);
        double c = kd * LL;
        double rh = r1 - c;
        double rl = (r1 - rh) - c;
        double r2 = rh * rh; // tail r²(C2 + C3 r + … + C7 r⁵) by Estrin: short dependency chains
        double pt = Math.fma(r2 * r2, Math.fma(rh, C7, C6), Math.fma(r2, Math.fma(rh, C5, C4), Math.fma(rh, C3, C2)));
        double s = Math.fma(r2, pt, rl);
        int j = (k & 63) << 1;
        double th = T[j];
        double tl = T[j + 1];
        double u = th * rh;
        double ue = Math.fma(th, rh, -u);
        double eh = th + u;
        double el = ((th - eh) + u) + ue + Math.fma(th, s, Math.fma(tl, rh, tl));
        int m = k >> 6;
        if (op != BWD) {
            return scaleRound(eh, el, m);
        }
        if (Math.abs(g) < 0x1p-200) {
            return g * 0.0; // |g·E| < 2^-1160
        }
        // g = gn·2^eg with gn in [1, 2): g·E = (gn·(Eh + El))·2^(m + eg), rounded once
        int eg = Math.getExponent(g);
        double gn = Math.scalb(g, -eg);
        double ph = gn * eh;
        double pl = Math.fma(gn, eh, -ph) + gn * el;
        return scaleRound(ph, pl, m + eg);
    }

    /**
     * (hi + lo)·2^n rounded once to a double, for 2^-3 ≤ |hi| &lt; 8 and |lo| ≪ |hi|, including results in
     * the subnormal range (where rounding hi + lo first and scaling after would round twice).
     */
    static double scaleRound(double hi, double lo, int n) {
        double s = hi + lo;
        int e = Math.getExponent(s);
        if (e + n >= Double.MIN_EXPONENT) {
            return Math.scalb(s, n); // normal result: the scaling is exact
        }
        if (e + n < -1077) {
            return s * 0.0; // |result| < 2^-1076: rounds to ±0
        }
        // v = (hi + lo)·2^(n+1022), |v| < 1; RN(±1 + v) lies on the 2^-52 grid, which is the subnormal
        // grid 2^-1074 once scaled by 2^-1022: one rounding. vh, vl stay normal (e + n ≥ −1077).
        int n2 = n - Double.MIN_EXPONENT;
        double vh = Math.scalb(hi, n2);
        double vl = Math.scalb(lo, n2);
        double one = Math.copySign(1.0, s);
        double h = one + vh;
        double l = ((one - h) + vh) + vl;
        double r = (h + l) - one;
        return r * Double.MIN_NORMAL;
    }

    private static void check(double[] arr, int off, int n) {
        if (n < 0 || off < 0 || off > arr.length - n) {
            throw new IllegalArgumentException("window [" + off + ", " + off + "+" + n + ") outside array of length " + arr.length);
        }
    }
}
