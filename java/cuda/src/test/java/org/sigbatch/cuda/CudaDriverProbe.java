package org.sigbatch.cuda;

import org.sigbatch.BackendUnavailableException;

/** A child JVM's main for NativeLoadReasonTest: prints the reason CudaDriver gives, or "available". */
public final class CudaDriverProbe {
    private CudaDriverProbe() {
    }

    public static void main(String[] args) {
        try {
            CudaDriver.require();
            System.out.println("REASON available");
        } catch (BackendUnavailableException e) {
            System.out.println("REASON " + e.getMessage().replace('\n', ' '));
        }
    }
}
