/**
 * The sigbatch command line. Uses only the public API and reference of the core; the backends are
 * found at run time through the ServiceLoader.
 */
module org.sigbatch.cli {
    requires org.sigbatch.core;
    requires info.picocli;
    requires me.tongfei.progressbar;
    requires org.knowm.xchart;
    requires java.desktop;
    requires java.logging;
    requires java.management;
    requires jdk.management;
    requires jdk.unsupported; // com.sun.nio.file.ExtendedOpenOption.DIRECT (eval's O_DIRECT outputs)

    // picocli fills the commands' annotated fields by reflection
    opens org.sigbatch.cli to info.picocli;
}
