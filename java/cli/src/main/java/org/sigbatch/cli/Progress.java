package org.sigbatch.cli;

import java.io.Console;
import java.lang.reflect.Method;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A progress bar on stderr when a person is watching (a terminal, no --quiet), nothing otherwise. */
public abstract class Progress implements AutoCloseable {
    public abstract void step(long n);

    @Override
    public abstract void close();

    /** A bar for {@code total} units of {@code unitName} (scaled by {@code unitSize}), or a no-op. */
    public static Progress of(boolean show, String task, long total, String unitName, long unitSize) {
        if (!show) {
            return NONE;
        }
        ProgressBar bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .setUnit(unitName, unitSize)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250)
                .showSpeed()
                .build();
        return new Progress() {
            @Override
            public void step(long n) {
                bar.stepBy(n);
            }

            @Override
            public void close() {
                bar.close();
            }
        };
    }

    public static final Progress NONE = new Progress() {
        @Override
        public void step(long n) {
        }

        @Override
        public void close() {
        }
    };

    /**
     * True if stdin/stdout are a terminal. Since JDK 22 System.console() is non-null even when
     * redirected; Console.isTerminal() (22+, called reflectively as we compile for 21) tells.
     */
    public static boolean interactive() {
        Console c = System.console();
        if (c == null) {
            return false;
        }
        try {
            Method m = Console.class.getMethod("isTerminal");
            return (Boolean) m.invoke(c);
        } catch (ReflectiveOperationException e) {
            return true; // JDK 21: a non-null console is a terminal
        }
    }
}
