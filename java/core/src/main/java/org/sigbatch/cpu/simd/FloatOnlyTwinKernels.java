package org.sigbatch.cpu.simd;

import static org.sigbatch.cpu.simd.VectorF32FloatOnlyKernels.A_MIN;
import static org.sigbatch.cpu.simd.VectorF32FloatOnlyKernels.C3;
import static org.sigbatch.cpu.simd.VectorF32FloatOnlyKernels.C4;
import static org.sigbatch.cpu.simd.VectorF32FloatOnlyKernels.C5;
import static org.sigbatch.cpu.simd.VectorF32FloatOnlyKernels.C6;
import static org.sigbatch.cpu.simd.VectorF32FloatOnlyKernels.INV;
import static org.sigbatch.cpu.simd.VectorF32FloatOnlyKernels.L1;
import static org.sigbatch.cpu.simd.VectorF32FloatOnlyKernels.L2;
import static org.sigbatch.cpu.simd.VectorF32FloatOnlyKernels.L3;
import static org.sigbatch.cpu.simd.VectorF32FloatOnlyKernels.MAX;
import static org.sigbatch.cpu.simd.VectorF32FloatOnlyKernels.SHIFT;

import java.util.Objects;
import org.sigbatch.cpu.F32Kernels;

/**
 * {@link VectorF32FloatOnlyKernels} one element at a time in plain Java: a line-by-line port of
 * kernels-cuda/sigmoid_float_only.h ({@link Math#fma} where the header calls fmaf), so its bits equal
 * the SIMD kernel's and the header's. It uses no Vector API class (the constants are compile-time
 * constants, the tables are copied), so it runs as soon as C1 has compiled it while C2 compiles the
 * SIMD loop ({@link org.sigbatch.cpu.JitWarmup}).
 */
final class FloatOnlyTwinKernels implements F32Kernels {
    static final FloatOnlyTwinKernels INSTANCE = new FloatOnlyTwinKernels();

    private static final float[] TH = {0x1p+0f, 0x1.172b84p+0f, 0x1.306fep+0f, 0x1.4bfdaep+0f, 0x1.6a09e6p+0f, 0x1.8ace54p+0f, 0x1.ae89fap+0f, 0x1.d5818ep+0f};
    private static final float[] TL = {0.0f, -0x1.c15742p-27f, 0x1.4636e2p-25f, -0x1.593abcp-25f, 0x1.9fcef4p-26f, 0x1.15506ep-27f, -0x1.a94b14p-26f, -0x1.822dbcp-27f};

    private FloatOnlyTwinKernels() {
    }

    @Override
    public String name() {
        return "floatonly-scalar-twin";
    }

    private static float pow2(int k) {
        return Float.intBitsToFloat((k + 127) << 23);
    }

    private static int clamp(int v, int lo, int hi) {
        return v < lo ? lo : (v > hi ? hi : v);
    }

    /** The per-element state shared by the ops: m = mh + ml, R = 1/(1 + m·2^k) = i1 + i2, σ'·2^-k = dh + dl. */
    private static final class S {
        float mh, ml, i1, i2, dh, dl;
        int k;

        void exp(float x) {
            float a = -Math.abs(x == x ? x : 0f);
            a = a < A_MIN ? A_MIN : a;
            float t = Math.fma(a, INV, SHIFT);
            float nf = t - SHIFT;
            int n = (int) nf;
            int j = n & 7;
            k = n >> 3;
            float r1 = Math.fma(nf, -L1, a);
            float p = nf * L2;
            float pe = Math.fma(nf, L2, -p);
            float rh = r1 - p;
            float bb = rh - r1;
            float e1 = (r1 - (rh - bb)) + (-p - bb);
            float rl = Math.fma(nf, -L3, e1 - pe);
            float sq = rh * rh;
            float sqe = Math.fma(rh, rh, -sq);
            float q = Math.fma(rh, C6, C5);
            q = Math.fma(q, rh, C4);
            q = Math.fma(q, rh, C3);
            float tail = Math.fma(rl, rh, rl) + 0.5f * sqe;
            tail = Math.fma(sq * rh, q, tail);
            float hsq = 0.5f * sq;
            float sh = rh + hsq;
            float sl = (hsq - (sh - rh)) + tail;
            float th = TH[j];
            float tl = TL[j];
            float ph = th * sh;
            float phe = Math.fma(th, sh, -ph);
            mh = th + ph;
            ml = ph - (mh - th);
            float c = Math.fma(th, sl, Math.fma(tl, sh, tl));
            ml = ml + (phe + c);
            float sc = pow2(k < -100 ? -100 : k);
            float eh = mh * sc;
            float el = ml * sc;
            float d0 = 1.0f + eh;
            float d1 = (eh - (d0 - 1.0f)) + el;
            i1 = 1.0f / d0;
            float res = Math.fma(-i1, d0, 1.0f);
            res = Math.fma(-i1, d1, res);
            i2 = res * i1;
        }

        float sigmoid(float x) {
            float vh = mh * i1;
            float vl = Math.fma(mh, i1, -vh) + Math.fma(mh, i2, ml * i1);
            float y = x >= 0f ? i1 + i2 : scale(vh, vl, k);
            return x == x ? y : x;
        }

        float derivative(float x) {
            float s = i1 * i1;
            float se = Math.fma(i1, i1, -s) + Math.fma(i1, i2, i2 * i1);
            dh = mh * s;
            dl = Math.fma(mh, s, -dh) + Math.fma(mh, se, ml * s);
            float d = scale(dh, dl, k);
            return x == x ? d : x;
        }
    }

    /** sbfo_scale: (vh + vl)·2^k rounded once at the final exponent. */
    static float scale(float vh, float vl, int k) {
        float h = vh + vl;
        float l = vl - (h - vh);
        float hn = k > 127 ? h * 2.0f : h;
        float normal = hn * pow2(clamp(k, -126, 127));
        int kc = clamp(k, -175, -122);
        float u = pow2(kc + 149);
        float rh = h * u;
        float rl = l * u;
        float n = (rh + 0x1p23f) - 0x1p23f;
        float err = rh - n;
        n = (err == 0.5f && rl > 0.0f) ? n + 1.0f : n;
        n = (err == -0.5f && rl < 0.0f) ? n - 1.0f : n;
        // n·2^-149 from n's bits (exact: n is an integer in [0, 2^23] here); a multiply by the subnormal 2^-149 is slow on the CPU measured (VectorF32FloatOnlyKernels, SUBNORMAL)
        return (k <= -122 && rh < 0x1p23f) ? Float.intBitsToFloat((int) n) : normal;
    }

    @Override
    public void sigmoid(float[] x, int xo, float[] y, int yo, int n) {
        Objects.checkFromIndexSize(xo, n, x.length);
        Objects.checkFromIndexSize(yo, n, y.length);
        S s = new S();
        for (int i = 0; i < n; i++) {
            float v = x[xo + i];
            s.exp(v);
            y[yo + i] = s.sigmoid(v);
        }
    }

    @Override
    public void derivative(float[] x, int xo, float[] d, int dOff, int n) {
        Objects.checkFromIndexSize(xo, n, x.length);
        Objects.checkFromIndexSize(dOff, n, d.length);
        S s = new S();
        for (int i = 0; i < n; i++) {
            float v = x[xo + i];
            s.exp(v);
            d[dOff + i] = s.derivative(v);
        }
    }

    @Override
    public void fused(float[] x, int xo, float[] y, int yo, float[] d, int dOff, int n) {
        Objects.checkFromIndexSize(xo, n, x.length);
        Objects.checkFromIndexSize(yo, n, y.length);
        Objects.checkFromIndexSize(dOff, n, d.length);
        S s = new S();
        for (int i = 0; i < n; i++) {
            float v = x[xo + i];
            s.exp(v);
            float yy = s.sigmoid(v);
            d[dOff + i] = s.derivative(v);
            y[yo + i] = yy;
        }
    }

    @Override
    public void backward(float[] x, int xo, float[] g, int go, float[] out, int oo, int n) {
        Objects.checkFromIndexSize(xo, n, x.length);
        Objects.checkFromIndexSize(go, n, g.length);
        Objects.checkFromIndexSize(oo, n, out.length);
        S s = new S();
        for (int i = 0; i < n; i++) {
            float v = x[xo + i];
            float gv = g[go + i];
            s.exp(v);
            float d = s.derivative(v); // sets s.dh, s.dl; for NaN x the result is x below anyway
            int gb = Float.floatToRawIntBits(gv);
            int gexp = (gb >>> 23) & 0xff;
            float gm = Float.intBitsToFloat((gb & 0x007fffff) | 0x3f000000);
            float bh = s.dh * gm;
            float bl = Math.fma(s.dh, gm, -bh) + Math.fma(s.dh, 0.0f, s.dl * gm);
            float scaled = scale(bh, bl, s.k + gexp - 126);
            scaled = gb < 0 ? -scaled : scaled;
            float plain = gv * scale(s.dh, s.dl, s.k);
            float b = (gexp == 0 || gexp == 0xff) ? plain : scaled;
            out[oo + i] = v == v ? b : v;
        }
    }

    @Override
    public void backwardFromOutput(float[] y, int yo, float[] g, int go, float[] out, int oo, int n) {
        Objects.checkFromIndexSize(yo, n, y.length);
        Objects.checkFromIndexSize(go, n, g.length);
        Objects.checkFromIndexSize(oo, n, out.length);
        for (int i = 0; i < n; i++) {
            float yv = y[yo + i];
            float gv = g[go + i];
            float th = 1.0f - yv;
            float bb = th - 1.0f;
            float tl = (1.0f - (th - bb)) + (-yv - bb);
            float p = yv * th;
            float pe = Math.fma(yv, th, -p) + yv * tl;
            float v = p * gv;
            float ve = Math.fma(p, gv, -v) + pe * gv;
            out[oo + i] = Math.abs(v) <= MAX ? v + ve : v;
        }
    }
}
