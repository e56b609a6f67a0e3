# Spark module targets (included by the Makefile).
#   make spark-test    the Spark module's tests only (a real local[2] session)
#   make spark-bench   sigbatch vs Spark's built-in 1/(1+exp(-x)) and a row UDF on one local[2] session;
#                      writes results/spark/bench.md and bench.tsv (SPARK_BENCH_ARGS: --rows, --rounds, --width, --cases, --match)
#   make spark-jars    java/spark/target/jars/: the jars to pass to spark-submit --jars (Spark itself excluded)
SPARK_BENCH_ARGS ?= --rows 50000000 --rounds 3
SPARK_BENCH_HEAP ?= 8g
SPARK_JVM_FLAGS := @java/spark/jvm.options $(shell $(JAVA) --sun-misc-unsafe-memory-access=allow -version >/dev/null 2>&1 && echo --sun-misc-unsafe-memory-access=allow)

.PHONY: spark-test spark-bench spark-jars
spark-test:
	$(MVN) verify -pl java/spark -am $(MVN_TEST_FLAGS) -Dtest='org.sigbatch.spark.*Test' -Dsurefire.failIfNoSpecifiedTests=false

spark-bench:
	$(MVN) -q -pl java/spark -am test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
	$(JAVA) $(SPARK_JVM_FLAGS) -Xmx$(SPARK_BENCH_HEAP) -cp java/spark/target/test-classes:java/spark/target/classes:$$(cat java/spark/target/bench.classpath) \
	  org.sigbatch.spark.SparkBench $(SPARK_BENCH_ARGS)

# The jars a cluster needs besides Spark: sigbatch-spark, core, cuda, opencl, JCuda, JOCL (for --jars).
spark-jars:
	$(MVN) -q -pl java/spark -am package -DskipTests dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=target/jars
	cp java/spark/target/sigbatch-spark-*.jar java/spark/target/jars/
	@ls java/spark/target/jars | paste -sd, -
