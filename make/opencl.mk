# OpenCL backend (JOCL; tests run on PoCL where no GPU driver is installed).
.PHONY: opencl-test opencl-test-exhaustive opencl-bench

# Unit tests of the OpenCL module (and core); SIGBATCH_REQUIRE=opencl turns "no device" into a failure.
opencl-test:
	$(MVN) -pl java/opencl -am verify $(MVN_TEST_FLAGS) -Dsigbatch.exhaustive=false

# All 2^32 float32 inputs through the OpenCL kernels (both float32 paths), a few minutes on 2 cores.
opencl-test-exhaustive:
	$(MVN) -pl java/opencl -am verify $(MVN_TEST_FLAGS) -Dsigbatch.exhaustive=true -Dtest='OpenClExhaustiveTest' -Dsurefire.failIfNoSpecifiedTests=false

# JMH: OpenCL vs CPU, kernel-only and end to end. OPENCL_BENCH_ARGS overrides the short default run.
OPENCL_BENCH_ARGS ?= -f 1 -wi 2 -i 3 -p size=4194304,16777216
opencl-bench: build
	$(JAVA) $(JAVA_OPTS) -jar java/bench/target/benchmarks.jar OpenClBench $(OPENCL_BENCH_ARGS)
