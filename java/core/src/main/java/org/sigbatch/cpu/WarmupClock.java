package org.sigbatch.cpu;

/**
 * Where {@link JitWarmup} reads time and pauses: the system's, or a test's fake one, so that its
 * state machine (warm, late, gave up) can be tested deterministically and fast.
 */
interface WarmupClock {
    WarmupClock SYSTEM = new WarmupClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void sleep(long millis) throws InterruptedException {
            Thread.sleep(millis);
        }
    };

    long nanoTime();

    void sleep(long millis) throws InterruptedException;
}
