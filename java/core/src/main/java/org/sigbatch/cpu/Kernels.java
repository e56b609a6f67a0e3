package org.sigbatch.cpu;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.sigbatch.Precision;

/**
 * The CPU engine's kernel candidates and the rule that picks one per precision tier.
 *
 * <p>float32 candidates: {@code f64inside} ({@code simd.VectorF32Kernels}, ACCURATE: double
 * arithmetic inside, half the float lanes), {@code floatonly} ({@code simd.VectorF32FloatOnlyKernels},
 * ACCURATE: compensated float arithmetic at the full float width), {@code fast}
 * ({@code simd.VectorF32FastKernels}, FAST) and {@code scalar} (ACCURATE, no Vector API). The SIMD
 * classes are loaded reflectively and only when {@code jdk.incubator.vector} is in the boot layer;
 * a class that is missing or fails to load is an absent candidate, with its reason.
 *
 * <p>The rule (no start-up probe, so the first call stays fast): FAST runs {@code fast}; ACCURATE
 * runs {@code f64inside} where it is present (measured faster than {@code floatonly} at AVX2 and
 * AVX-512 width, see {@link #FLOATONLY_MIN_LANES}), else {@code floatonly} with at least 8 float
 * lanes, else {@code scalar}. The option
 * {@code cpu.f32kernel} = {@code auto} | {@code f64inside} | {@code floatonly} overrides the ACCURATE
 * choice (and, being at least as accurate, may also be asked for under FAST).
 */
public final class Kernels {
    private static final System.Logger LOG = System.getLogger("org.sigbatch");

    public static final String F64INSIDE = "f64inside";
    public static final String FLOATONLY = "floatonly";
    public static final String FAST = "fast";
    public static final String SCALAR = "scalar";
    public static final String AUTO = "auto";

    /**
     * The float-only kernel needs this many float lanes for its in-register 8-entry table (it refuses
     * to load below). Auto-selection no longer prefers it: measured on AMD EPYC, JDK 25,
     * BENCHMARKS.md "float-only": 16M elements, 2 threads, JMH at AVX-512 and -XX:UseAVX=2, it ran
     * below the double-inside kernel in every round (0.06–0.42×, not steady state on a loaded machine),
     * and compiled, one thread, σ at 0.05–0.40 against 0.80–0.93 Gelem/s. Its compensated steps (2Prod,
     * 2Sum, the hi/lo table, the exact subnormal rounding) are ~3× the double-inside operations, more
     * than the 2× lanes give back. So ACCURATE auto takes f64inside wherever it is present; the
     * float-only kernels give the GPU float-only kernels' bits on the CPU (cpu.f32kernel=floatonly).
     */
    static final int FLOATONLY_MIN_LANES = 8;

    private Kernels() {
    }

    /** One float32 kernel set: present (with its kernels) or absent (with the reason). */
    public record F32Candidate(String id, Precision tier, F32Kernels kernels, String absentReason) {
        public boolean present() {
            return kernels != null;
        }
    }

    /** The float32 kernels a CPU backend runs, and why those. */
    public record F32Choice(F32Kernels kernels, String candidate, String reason) {
    }

    /** True if the Vector API module is present in this JVM. */
    public static boolean vectorApiPresent() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** Every float32 candidate, present or not, in a fixed order: f64inside, floatonly, fast, scalar. */
    public static List<F32Candidate> f32Candidates() {
        return Holder.CANDIDATES;
    }

    public static F32Candidate f32Candidate(String id) {
        for (F32Candidate c : Holder.CANDIDATES) {
            if (c.id().equals(id)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown float32 kernel '" + id + "' (expected f64inside, floatonly, fast or scalar)");
    }

    /** Why the default ACCURATE SIMD kernels are not used, or null if they are. */
    public static String simdUnavailableReason() {
        return Holder.CANDIDATES.get(0).absentReason();
    }

    /** The ACCURATE kernels auto-selection picks (what {@code cpu} runs by default). */
    public static F32Kernels bestF32() {
        return Holder.ACCURATE_AUTO.kernels();
    }

    /** The float32 kernels for {@code precision} and the {@code cpu.f32kernel} value {@code choice}. */
    public static F32Choice selectF32(Precision precision, String choice) {
        String c = choice == null || choice.isBlank() ? AUTO : choice.trim().toLowerCase(Locale.ROOT);
        if (c.equals(AUTO)) {
            return precision == Precision.FAST ? Holder.FAST_AUTO : Holder.ACCURATE_AUTO;
        }
        if (!c.equals(F64INSIDE) && !c.equals(FLOATONLY)) {
            throw new IllegalArgumentException("cpu.f32kernel must be auto, f64inside or floatonly, got '" + choice + "'");
        }
        F32Candidate k = f32Candidate(c);
        if (!k.present()) {
            throw new IllegalArgumentException("cpu.f32kernel=" + c + ": that kernel is not available here: " + k.absentReason());
        }
        return new F32Choice(k.kernels(), c, "cpu.f32kernel=" + c);
    }

    /**
     * The auto rule, on plain facts so that it can be tested for every machine kind: the candidate id
     * for {@code precision}, given the float SIMD lanes and which candidates are present.
     */
    static String autoRule(Precision precision, int floatLanes, boolean f64insidePresent, boolean floatOnlyPresent, boolean fastPresent) {
        if (precision == Precision.FAST && fastPresent) {
            return FAST;
        }
        if (f64insidePresent) {
            return F64INSIDE; // faster than floatonly at every width measured (FLOATONLY_MIN_LANES)
        }
        return floatOnlyPresent && floatLanes >= FLOATONLY_MIN_LANES ? FLOATONLY : SCALAR;
    }

    private static F32Choice auto(Precision p) {
        int lanes = Holder.floatLanes();
        String id = autoRule(p, lanes, f32Candidate(F64INSIDE).present(), f32Candidate(FLOATONLY).present(), f32Candidate(FAST).present());
        F32Candidate k = f32Candidate(id);
        String why = "auto for " + p.id() + ", " + lanes + " float lanes";
        if (id.equals(SCALAR)) {
            why += "; SIMD off: " + simdUnavailableReason();
            LOG.log(Level.INFO, "sigbatch CPU engine: scalar kernels; " + why);
        }
        return new F32Choice(k.kernels(), id, why);
    }

    /** One float64 kernel set: {@code simd} (simd.VectorF64Kernels) or {@code table} ({@link AccurateF64Kernels}). */
    public record F64Candidate(String id, F64Kernels kernels, String absentReason) {
        public boolean present() {
            return kernels != null;
        }
    }

    /** The float64 candidates, both ACCURATE (same algorithm, ≤ ~0.5 ULP): the SIMD one where the Vector API is present, the scalar one always. */
    public static List<F64Candidate> f64Candidates() {
        return Holder.F64;
    }

    /** The float64 kernels every tier runs: the SIMD ones if present (about 3× faster), else the scalar table kernels. */
    public static F64Kernels bestF64() {
        return Holder.F64.get(0).present() ? Holder.F64.get(0).kernels() : AccurateF64Kernels.INSTANCE;
    }

    /** Rounding of float64 results to float16 / bfloat16: the SIMD version where the Vector API is present, else the scalar one. */
    public static HalfRounding halfRounding() {
        return Holder.HALF;
    }

    /** The portable scalar float32 kernels (for benchmarks and tests). */
    public static F32Kernels scalarF32() {
        return ScalarF32Kernels.INSTANCE;
    }

    private static F32Candidate load(String id, Precision tier, String className) {
        Object[] k = create(className);
        return new F32Candidate(id, tier, (F32Kernels) k[0], (String) k[1]);
    }

    /** {kernels, null} from {@code className.create()}, or {null, why not}. */
    private static Object[] create(String className) {
        if (!vectorApiPresent()) {
            return new Object[] {null, "module jdk.incubator.vector not present (run java with --add-modules jdk.incubator.vector)"};
        }
        try {
            Class<?> c = Class.forName(className);
            return new Object[] {c.getMethod("create").invoke(null), null};
        } catch (ClassNotFoundException e) {
            return new Object[] {null, "class " + className + " is not in this build"};
        } catch (java.lang.reflect.InvocationTargetException e) {
            return new Object[] {null, className + " failed to load: " + e.getCause()};
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return new Object[] {null, className + " failed to load: " + e};
        }
    }

    private static final class Holder {
        static final List<F32Candidate> CANDIDATES = loadAll();
        static final F32Choice ACCURATE_AUTO = auto(Precision.ACCURATE);
        static final F32Choice FAST_AUTO = auto(Precision.FAST);
        static final List<F64Candidate> F64 = loadF64();
        static final HalfRounding HALF = loadHalf();

        private static HalfRounding loadHalf() {
            Object[] k = create("org.sigbatch.cpu.simd.VectorHalfRounding");
            return k[0] != null ? (HalfRounding) k[0] : HalfRounding.SCALAR;
        }

        private static List<F64Candidate> loadF64() {
            Object[] k = create("org.sigbatch.cpu.simd.VectorF64Kernels");
            return List.of(new F64Candidate("simd", (F64Kernels) k[0], (String) k[1]), new F64Candidate("table", AccurateF64Kernels.INSTANCE, null));
        }

        private static List<F32Candidate> loadAll() {
            List<F32Candidate> l = new ArrayList<>();
            l.add(load(F64INSIDE, Precision.ACCURATE, "org.sigbatch.cpu.simd.VectorF32Kernels"));
            l.add(load(FLOATONLY, Precision.ACCURATE, "org.sigbatch.cpu.simd.VectorF32FloatOnlyKernels"));
            l.add(load(FAST, Precision.FAST, "org.sigbatch.cpu.simd.VectorF32FastKernels"));
            l.add(new F32Candidate(SCALAR, Precision.ACCURATE, ScalarF32Kernels.INSTANCE, null));
            for (F32Candidate c : l) {
                if (!c.present() && !c.id().equals(FLOATONLY)) {
                    LOG.log(Level.INFO, "sigbatch CPU engine: kernel " + c.id() + " absent: " + c.absentReason());
                }
            }
            return List.copyOf(l);
        }

        /** Float lanes of the preferred SIMD shape: 8 on AVX2, 16 on AVX-512; 1 without the Vector API. */
        static int floatLanes() {
            if (!vectorApiPresent()) {
                return 1;
            }
            try {
                Class<?> c = Class.forName("org.sigbatch.cpu.simd.Simd");
                return (int) c.getMethod("floatLanes").invoke(null);
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                return 1;
            }
        }
    }
}
