package org.sigbatch.cpu.simd;

import jdk.incubator.vector.FloatVector;

/** Facts about this machine's SIMD shape, read reflectively by {@link org.sigbatch.cpu.Kernels}. */
public final class Simd {
    private Simd() {
    }

    /** Lanes of the preferred float species: 8 on AVX2, 16 on AVX-512. */
    public static int floatLanes() {
        return FloatVector.SPECIES_PREFERRED.length();
    }
}
