package org.sigbatch.spi;

import org.sigbatch.DeviceArray;

/** The caller that allocated a device array, for leak reports: the first frame outside the facade, a backend or an array. */
final class AllocationSite {
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    private AllocationSite() {
    }

    static String caller() {
        return WALKER.walk(s -> s.filter(f -> !isSigbatch(f.getDeclaringClass()))
                .findFirst().map(f -> f.getClassName() + "." + f.getMethodName() + ":" + f.getLineNumber()).orElse("?"));
    }

    private static boolean isSigbatch(Class<?> c) {
        String n = c.getName();
        return DeviceArray.class.isAssignableFrom(c) || Backend.class.isAssignableFrom(c) || c == DeviceMemory.class
                || c == AllocationSite.class || n.startsWith("org.sigbatch.Sigmoid") || n.startsWith("org.sigbatch.internal.");
    }
}
