package org.sigbatch.cpu;

/**
 * Implemented by JIT-compiled SIMD kernels that have a plain-Java twin: kernels of the same type
 * ({@link F32Kernels} or {@link F64Kernels}) whose results are bit-identical and that are fast as soon
 * as C1 has compiled them. {@link JitWarmup} runs the twin while C2 compiles the SIMD loops, so calls
 * made during warm-up give the same bits as later ones. Kernels without a twin are stood in for by the
 * portable scalar kernels, whose results may differ in the last bit.
 */
public interface HasScalarTwin<K> {
    K scalarTwin();
}
