package org.sigbatch.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/**
 * One local[2] Spark session for every test class of this module (a session takes 11–13 s to start).
 * No GPU resource is set: in local mode that makes tasks hang.
 */
final class SparkTestSession {
    private static SparkSession spark;

    private SparkTestSession() {
    }

    static synchronized SparkSession get() {
        if (spark == null) {
            Path tmp = Path.of(System.getProperty("java.io.tmpdir"), "spark");
            try {
                Files.createDirectories(tmp);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            spark = SparkSession.builder()
                    .master("local[2]")
                    .appName("sigbatch-spark-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.sql.shuffle.partitions", "2")
                    .config("spark.local.dir", tmp.resolve("local").toString())
                    .config("spark.sql.warehouse.dir", tmp.resolve("warehouse").toString())
                    .getOrCreate();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> spark.stop()));
        }
        return spark;
    }
}
