# sigbatch: `make run` runs the main job, `make test` runs every test. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := build

# A JDK >= 21: JAVA_HOME if it is one, else the newest under /usr/lib/jvm (scripts/find-jdk says why not).
JDK := $(shell scripts/find-jdk)
ifeq ($(JDK),)
$(error no JDK >= 21 found; see the message above)
endif
export JAVA_HOME := $(JDK)
JAVA := $(JDK)/bin/java
JAVA_OPTS ?= --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
MVN := mvn -B -ntp -Dstyle.color=never
# SIGBATCH_REQUIRE=opencl,cuda turns "skip: no device" into a failure for those backends.
SIGBATCH_REQUIRE ?=
MVN_TEST_FLAGS := -Dsigbatch.require=$(SIGBATCH_REQUIRE)

CLI_JAR := java/cli/target/sigbatch.jar

.PHONY: build test test-quick test-exhaustive run bench clean jdk
jdk:
	@echo "JDK: $(JDK)"; $(JAVA) -version

build:
	$(MVN) -q package -DskipTests
	@scripts/aot-train "$(JDK)" $(CLI_JAR)

# Every test, the exhaustive 2^32-input accuracy checks included, then the publishable surface
# (make/publish.mk: install into a private repository, examples/ through the BOM, the dist tarball).
test:
	$(MVN) verify $(MVN_TEST_FLAGS) -Dsigbatch.exhaustive=true
	scripts/gpu-dryrun
	$(MAKE) --no-print-directory test-publish

# The same without the exhaustive checks (a few seconds instead of minutes).
test-quick:
	$(MVN) verify $(MVN_TEST_FLAGS) -Dsigbatch.exhaustive=false

# Only the exhaustive checks.
test-exhaustive:
	$(MVN) verify $(MVN_TEST_FLAGS) -Dsigbatch.exhaustive=true -Dtest='*Exhaustive*' -Dsurefire.failIfNoSpecifiedTests=false

# through the launcher: it adds the JIT and AOT-cache start-up flags (docs/first-call.md)
run: build
	java/cli/src/main/dist/sigbatch run

# JMH benchmarks of the CPU engine; BENCH_ARGS passes JMH options (e.g. BENCH_ARGS='-p size=4194304').
BENCH_ARGS ?=
bench: build
	$(JAVA) $(JAVA_OPTS) -jar java/bench/target/benchmarks.jar $(BENCH_ARGS)

clean:
	$(MVN) -q clean

# Backend-specific targets (CUDA fatbin, GPU-machine bundle, ...).
-include make/*.mk
