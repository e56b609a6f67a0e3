package org.sigbatch;

/**
 * Which backend produced a result, and how. Returned by every evaluation, so a CPU fallback can
 * never pass for a GPU result.
 *
 * @param backend        id of the backend that produced the elements not covered by {@code primaryElements}
 *                       (the one that ran the call, or {@code cpu} after a fallback)
 * @param device         the device it ran on, e.g. {@code "NVIDIA H100 80GB HBM3"} or {@code "cpu: 2 threads, simd 256-bit"}
 * @param op             the operation
 * @param dtype          element type
 * @param elements       number of elements evaluated
 * @param fallbackFrom   id of the backend that failed mid-call, or {@code null} if none did
 * @param fallbackReason why it failed, or {@code null}
 * @param primaryElements elements [0, primaryElements) were produced by {@code fallbackFrom} before it failed
 *                       (0 when there was no fallback)
 * @param verification   the verification applied to this call
 * @param verifiedElements number of elements compared with the CPU reference
 * @param nanos          wall time of the call in nanoseconds, verification excluded
 * @param transferNanos  busy time of host-device copies: the union of their intervals over all streams
 *                       (overlapping copies counted once), or -1 if not measured or not applicable
 * @param kernelNanos    busy time of device kernels, the union of their intervals, or -1 if not measured;
 *                       copies and kernels overlap, so compare each with {@code nanos} (wall time), not their sum
 * @param precision      the accuracy tier the result meets (the verifier checked against its bound)
 */
public record Provenance(
        String backend,
        String device,
        Op op,
        DType dtype,
        long elements,
        String fallbackFrom,
        String fallbackReason,
        long primaryElements,
        VerifyPolicy verification,
        long verifiedElements,
        long nanos,
        long transferNanos,
        long kernelNanos,
        Precision precision) {

    /** A provenance of an ACCURATE result (the form before tiers existed). */
    public Provenance(String backend, String device, Op op, DType dtype, long elements, String fallbackFrom, String fallbackReason,
            long primaryElements, VerifyPolicy verification, long verifiedElements, long nanos, long transferNanos, long kernelNanos) {
        this(backend, device, op, dtype, elements, fallbackFrom, fallbackReason, primaryElements, verification, verifiedElements,
                nanos, transferNanos, kernelNanos, Precision.ACCURATE);
    }

    /** True if a GPU (or other) backend failed during this call and the CPU finished the work. */
    public boolean fellBack() {
        return fallbackFrom != null;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(op.label()).append(' ').append(dtype).append(" x").append(elements)
                .append(" on ").append(backend).append(" [").append(device).append(']');
        if (precision != Precision.ACCURATE) {
            sb.append(", precision ").append(precision.id());
        }
        if (fellBack()) {
            sb.append(" (FALLBACK from ").append(fallbackFrom).append(" after ").append(primaryElements)
                    .append(" elements: ").append(fallbackReason).append(')');
        }
        if (verification != VerifyPolicy.NONE) {
            sb.append(", verified ").append(verifiedElements).append(" (").append(verification.name().toLowerCase()).append(')');
        }
        return sb.toString();
    }
}
