package org.sigbatch.spi;

import java.util.Locale;

/**
 * Start-up stamps for finding where a short run's wall time goes: with {@code -Dsigbatch.trace.startup=true}
 * (or {@code SIGBATCH_TRACE_STARTUP=1}) each {@link #mark} prints {@code sigbatch startup: +0.123 s <what> [thread]}
 * on stderr, in seconds since the first mark (the CLI marks {@code main} first; {@code -Xlog:class+load:uptime}
 * shows how long the JVM took to get there). Off by default, and then a mark costs one field read.
 */
public final class StartupTrace {
    private static final boolean ON = Boolean.getBoolean("sigbatch.trace.startup") || System.getenv("SIGBATCH_TRACE_STARTUP") != null;
    private static final long ORIGIN = System.nanoTime();

    private StartupTrace() {
    }

    public static boolean on() {
        return ON;
    }

    public static void mark(String what) {
        if (ON) {
            System.err.println(String.format(Locale.ROOT, "sigbatch startup: +%.3f s %s [%s]", (System.nanoTime() - ORIGIN) / 1e9, what,
                    Thread.currentThread().getName()));
        }
    }
}
