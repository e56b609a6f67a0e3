package org.sigbatch;

import java.util.Locale;

/** Which backend a {@link Sigmoid} evaluator should use. */
public enum BackendKind {
    /** Choose per call by availability and a cost model (size, transfer versus compute). */
    AUTO,
    CPU,
    OPENCL,
    CUDA;

    /** The backend id used by providers, system properties and reports: {@code cpu}, {@code opencl}, {@code cuda}, {@code auto}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static BackendKind parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown backend '" + s + "' (expected auto, cpu, opencl or cuda)");
        }
    }
}
