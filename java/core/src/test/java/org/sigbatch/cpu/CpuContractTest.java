package org.sigbatch.cpu;

import org.sigbatch.testing.BackendContract;

/** The backend contract on the CPU backend (device arrays are heap arrays; nothing streams, nothing falls back). */
class CpuContractTest extends BackendContract {
    @Override
    protected String backend() {
        return "cpu";
    }

    @Override
    protected boolean streams() {
        return false;
    }
}
