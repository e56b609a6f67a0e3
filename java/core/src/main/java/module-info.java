/**
 * sigbatch core: the API ({@code org.sigbatch}), the backend SPI ({@code org.sigbatch.spi}, with the
 * shared streaming pipeline in {@code org.sigbatch.spi.stream}) and the high-precision reference
 * ({@code org.sigbatch.reference}). The facade's internals and the CPU engine are not exported.
 * No dependencies outside the JDK; the Vector API module is optional (the CPU engine runs scalar kernels without it).
 */
module org.sigbatch.core {
    requires static jdk.incubator.vector;
    requires java.management; // CompilationMXBean: warmUp() waits for the JIT's trailing recompiles

    exports org.sigbatch;
    exports org.sigbatch.spi;
    exports org.sigbatch.spi.stream;
    exports org.sigbatch.reference;

    uses org.sigbatch.spi.BackendProvider;

    provides org.sigbatch.spi.BackendProvider with org.sigbatch.cpu.CpuBackendProvider;
}
