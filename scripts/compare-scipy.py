#!/usr/bin/env python3
"""sigbatch eval against SciPy's expit, wall time side by side on the same files.

For each size: writes a float32 .npy with numpy.lib.format.open_memmap in a scratch directory outside
the repository, warms the page cache, then runs, interleaved (ABBA order) and RUNS times each:
  sigbatch: java/cli/src/main/dist/sigbatch eval --op sigmoid --in X --out Y   (JVM start included)
  scipy:    python3 -c '<np.load(X, mmap_mode="r"); open_memmap(Y, "w+"); expit(x, out=y); y.flush()>'
            (Python start-up and imports included)
Both outputs are flushed to disk before they count as done (eval's atomic rename, SciPy's msync).
Then, for the largest size, eval once under -Xmx256m for its peak RSS, and `sigbatch bench` at that
size (CPU, sigmoid) for the steady-state throughput that eval's reported compute is compared with.
Prints every run, then medians, min-max spread and ratios; writes the same to --out if given.

With --baseline DIR (another built checkout, e.g. the commit before a change), that checkout's launcher
runs too, interleaved with the other two in rotating order, so a before/after comparison sees the same
machine load (the summary adds its median and the ratio new/baseline).

Usage: scripts/compare-scipy.py [--sizes 16M,300M] [--runs 5] [--scratch DIR] [--out results/FILE.txt]
       [--label "shared machine"] [--baseline DIR]
Needs numpy and scipy (pip install numpy scipy), and `make build` first.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAUNCHER = os.path.join(ROOT, "java", "cli", "src", "main", "dist", "sigbatch")
SCIPY = ("import sys, numpy as np\n"
         "from numpy.lib.format import open_memmap\n"
         "from scipy.special import expit\n"
         "x = np.load(sys.argv[1], mmap_mode='r')\n"
         "y = open_memmap(sys.argv[2], mode='w+', dtype=x.dtype, shape=x.shape)\n"
         "expit(x, out=y)\n"
         "y.flush()\n")


def size_of(s):
    m = re.fullmatch(r"(\d+)([KMG]?)", s.strip().upper())
    if not m:
        raise SystemExit(f"bad size {s!r}")
    return int(m.group(1)) * {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[m.group(2)]


def timed(cmd, env=None):
    """Runs cmd; returns (wall seconds, peak RSS in KB, stderr). Uses /usr/bin/time for the RSS where it exists."""
    wrap = ["/usr/bin/time", "-f", "__RSS_KB=%M"] if os.path.exists("/usr/bin/time") else []
    t0 = time.perf_counter()
    p = subprocess.run(wrap + cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    m = re.search(r"__RSS_KB=(\d+)", p.stderr)
    return wall, int(m.group(1)) if m else -1, p.stderr


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="16M,300M")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--scratch", default=None, help="directory for the big files (default: a new one under $TMPDIR); deleted after")
    ap.add_argument("--out", default=None, help="also write the report here")
    ap.add_argument("--label", default="shared machine")
    ap.add_argument("--baseline", default=None, help="another built checkout whose launcher also runs, interleaved")
    a = ap.parse_args()
    try:
        import numpy as np
        from numpy.lib.format import open_memmap
        import scipy
        import scipy.special  # noqa: F401
    except ImportError as e:
        raise SystemExit(f"compare-scipy needs numpy and scipy ({e})")
    if not os.path.exists(os.path.join(ROOT, "java", "cli", "target", "sigbatch.jar")):
        raise SystemExit("run make build first")
    lines = []

    def say(s=""):
        print(s, flush=True)
        lines.append(s)

    scratch = tempfile.mkdtemp(prefix="sigbatch-scipy-", dir=a.scratch)
    try:
        jdk = subprocess.run([os.path.join(ROOT, "scripts", "find-jdk")], stdout=subprocess.PIPE, text=True).stdout.strip()
        say(f"# compare-scipy {time.strftime('%Y-%m-%d %H:%M:%S')} [{a.label}]: {os.uname().machine}, {os.cpu_count()} cores, "
            f"{open('/proc/cpuinfo').read().split('model name')[1].split(':')[1].splitlines()[0].strip() if os.path.exists('/proc/cpuinfo') else '?'}; "
            f"JDK {jdk}; numpy {np.__version__}, scipy {scipy.__version__}; load {' '.join(open('/proc/loadavg').read().split()[:3])}")
        summary = []
        sizes = [size_of(s) for s in a.sizes.split(",")]
        for n in sizes:
            x = os.path.join(scratch, f"x{n}.npy")
            arr = open_memmap(x, mode="w+", dtype=np.float32, shape=(n,))
            rng = np.random.default_rng(16)
            for i in range(0, n, 1 << 24):
                arr[i:i + (1 << 24)] = rng.standard_normal(min(1 << 24, n - i), dtype=np.float32) * 8
            arr.flush()
            del arr
            with open(x, "rb") as f:  # page cache warm, as for both tools below
                while f.read(1 << 24):
                    pass
            ys, yp = os.path.join(scratch, "y_sigbatch.npy"), os.path.join(scratch, "y_scipy.npy")
            tools = ["sigbatch", "scipy"] + (["baseline"] if a.baseline else [])
            walls = {t: [] for t in tools}
            rss = {t: [] for t in tools}
            compute = []
            for r in range(a.runs):
                # two tools: ABBA; three: each tool first, second and third in turn
                order = (tools if r % 2 == 0 else tools[::-1]) if len(tools) == 2 else tools[r % 3:] + tools[:r % 3]
                for tool in order:
                    if tool in ("sigbatch", "baseline"):
                        launcher = LAUNCHER if tool == "sigbatch" else os.path.join(a.baseline, "java", "cli", "src", "main", "dist", "sigbatch")
                        w, k, err = timed([launcher, "eval", "--op", "sigmoid", "--in", x, "--out", ys])
                        line = next((l for l in err.splitlines() if l.startswith("sigbatch eval:")), "")
                        m = re.search(r"compute ([\d.]+) s \(([\d.]+) Melem/s\)", line)
                        if tool == "sigbatch":
                            compute.append(float(m.group(2)) if m else float("nan"))
                        say(f"size={n} run={r} tool={tool} wall_s={w:.3f} rss_kb={k} | {line}")
                    else:
                        w, k, _ = timed([sys.executable, "-c", SCIPY, x, yp])
                        say(f"size={n} run={r} tool=scipy wall_s={w:.3f} rss_kb={k}")
                    walls[tool].append(w)
                    rss[tool].append(k)
            ya = np.load(ys, mmap_mode="r")
            yb = np.load(yp, mmap_mode="r")
            step = max(1, n // (1 << 22))
            diff = float(np.max(np.abs(ya[::step].astype(np.float64) - yb[::step])))
            say(f"size={n}: max |sigbatch - scipy| on every {step}th element: {diff:.3g}")
            med = {t: statistics.median(v) for t, v in walls.items()}
            summary.append((n, med, walls, rss, compute))
            for f in (ys, yp):
                os.remove(f)
            if n == max(sizes):
                # bounded memory: eval with a 256 MB heap; and bench's steady state at this size (3 arrays: needs heap)
                env = dict(os.environ, SIGBATCH_JAVA_OPTS="-Xmx256m")
                w, k, err = timed([LAUNCHER, "eval", "--op", "sigmoid", "--in", x, "--out", ys], env)
                say(f"size={n} tool=sigbatch-Xmx256m wall_s={w:.3f} rss_kb={k} | "
                    + next((l for l in err.splitlines() if l.startswith("sigbatch eval:")), ""))
                os.remove(ys)
                heap = max(1, (3 * n * 4 * 12 // 10) >> 30) + 1
                env = dict(os.environ, SIGBATCH_JAVA_OPTS=f"-Xmx{heap}g")
                p = subprocess.run([LAUNCHER, "bench", "--backends", "cpu", "--ops", "sigmoid", "--sizes", str(n), "--repeat", "5"],
                                   env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                row = next((l for l in p.stdout.splitlines() if l.startswith("cpu ")), p.stdout + p.stderr)
                say(f"size={n} tool=sigbatch-bench | {row}")
                m = re.search(r"([\d.]+) ([GM])elem/s", row)
                bench = float(m.group(1)) * (1000 if m and m.group(2) == "G" else 1) if m else float("nan")
                summary.append(("bench", n, bench))
            os.remove(x)
        say()
        say(f"## summary [{a.label}]: wall time medians of {a.runs} interleaved runs (min-max)")
        for s in summary:
            if s[0] == "bench":
                _, n, bench = s
                comp = next(c for c in summary if c[0] == n)[4]
                say(f"  {n}: bench steady state {bench:.0f} Melem/s; eval's compute median {statistics.median(comp):.0f} Melem/s "
                    f"= {statistics.median(comp) / bench:.0%} of it (target >= 80%)")
                continue
            n, med, walls, rss, compute = s
            ratio = med["sigbatch"] / med["scipy"]
            say(f"  {n} float32: sigbatch {med['sigbatch']:.2f} s ({min(walls['sigbatch']):.2f}-{max(walls['sigbatch']):.2f}), "
                f"scipy {med['scipy']:.2f} s ({min(walls['scipy']):.2f}-{max(walls['scipy']):.2f}); sigbatch/scipy = {ratio:.2f}; "
                f"peak RSS {max(rss['sigbatch']) // 1024} MB / {max(rss['scipy']) // 1024} MB; eval compute {statistics.median(compute):.0f} Melem/s")
            if "baseline" in walls:
                say(f"  {n} float32: baseline {a.baseline} {med['baseline']:.2f} s ({min(walls['baseline']):.2f}-{max(walls['baseline']):.2f}); "
                    f"baseline/scipy = {med['baseline'] / med['scipy']:.2f}; sigbatch/baseline = {med['sigbatch'] / med['baseline']:.2f}")
        say(f"# load at the end {' '.join(open('/proc/loadavg').read().split()[:3])}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if a.out:
        with open(a.out, "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
