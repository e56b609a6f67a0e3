package org.sigbatch.cpu;

import java.math.BigDecimal;
import java.math.MathContext;

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

    /** Interleaved table: T[2j] + T[2j+1] = 2^(j/64) to ~2^-106 relative. */
    private static final double[] T = new double[128];
    /** 64/ln2, and ln2/64 = LH + LL. */
    private static final double INV_L;
    private static final double LH;
    private static final double LL;
    /** Adding 1.5·2^52 rounds to an integer that the low bits of the sum hold. */
    private static final double SHIFT = 0x1.8p52;
    private static final long ONE_BITS = Double.doubleToRawLongBits(1.0);
    private static final double C2 = 1.0 / 2, C3 = 1.0 / 6, C4 = 1.0 / 24, C5 = 1.0 / 120, C6 = 1.0 / 720, C7 = 1.0 / 5040;
    /** Below this a = −|x| the slow path runs (see class comment). */
    private static final double FAST_LIMIT = -670.0;
    /** Below this exp(a)·|g| &lt; 2^-1076 for every finite g: σ' is 0 for every purpose. */
    private static final double ZERO_LIMIT = -1460.0;

    static {
        MathContext mc = new MathContext(60);
        BigDecimal two = BigDecimal.valueOf(2);
        BigDecimal ln2 = BigDecimal.ZERO; // ln 2 = sum 1/(k 2^k)
        BigDecimal pow = BigDecimal.ONE;
        for (int k = 1; k < 220; k++) {
            pow = pow.multiply(two);
            ln2 = ln2.add(BigDecimal.ONE.divide(pow.multiply(BigDecimal.valueOf(k)), mc), mc);
        }
        BigDecimal l = ln2.divide(BigDecimal.valueOf(64), mc);
        LH = l.doubleValue();
        LL = l.subtract(new BigDecimal(LH)).doubleValue();
        INV_L = BigDecimal.valueOf(64).divide(ln2, mc).doubleValue();
        BigDecimal root = two; // 2^(1/64) by six square roots
        for (int i = 0; i < 6; i++) {
            root = root.sqrt(mc);
        }
        BigDecimal p = BigDecimal.ONE;
        for (int j = 0; j < 64; j++) {
            double hi = p.doubleValue();
            T[2 * j] = hi;
            T[2 * j + 1] = p.subtract(new BigDecimal(hi)).doubleValue();
            p = p.multiply(root, mc);
        }
    }

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
