# The CPU benchmark suite beside a C yardstick (BENCHMARKS.md, "CPU against C").
.PHONY: bench-c bench-vs-c

YARDSTICK := java/bench/target/yardstick
CC ?= gcc

# The C yardstick: gcc -O3 -march=native -ffast-math -fopenmp, glibc libmvec's vector expf (sigmoid, fused, copy).
bench-c: $(YARDSTICK)
$(YARDSTICK): java/bench/c/yardstick.c
	@mkdir -p $(dir $@)
	$(CC) -O3 -march=native -ffast-math -fopenmp -o $@ $< -lm
	@objdump -d $@ | grep -q '_ZGV.N.v_expf' || { echo "bench-c: gcc did not vectorize expf with libmvec" >&2; exit 1; }

# One command, interleaved: per round and per (size, threads), the C loops then the JMH CPU benchmarks,
# then float64. Raw output under results/bench-vs-c-<date>/, then the table (scripts/bench-table.py).
# BENCH_ROUNDS=3 by default; BENCH_OUT=dir to choose the folder.
BENCH_ROUNDS ?= 3
bench-vs-c: build $(YARDSTICK)
	JAVA="$(JAVA)" ROUNDS=$(BENCH_ROUNDS) OUT="$(BENCH_OUT)" JMH_IGNORE_LOCK="$(JMH_IGNORE_LOCK)" scripts/bench-vs-c.sh

# Cost of each step of the σ kernels per element, in cache, beside the C loops (BENCHMARKS.md).
.PHONY: bench-steps
bench-steps: build $(YARDSTICK)
	JAVA="$(JAVA)" OUT="$(BENCH_OUT)" scripts/bench-steps.sh
