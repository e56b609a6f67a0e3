#!/usr/bin/env python3
"""CudaBench's JMH JSON -> a markdown table in which every GPU figure stands beside its ceiling from
the same run (java/bench/.../CudaBench.java):
  kernelOnly      bytes through device memory (x read, outputs written) over time, against
                  ceilingDeviceCopy (8 bytes per element, read + written);
  endToEnd(Direct) against the copy engines alone from pinned memory: sigma needs n elements each way
                  (ceilingBothWaysPinned); fused needs n up and 2n down (both ways, then n more down).
'of ceiling' = ceiling time / measured time: 1.00 means as fast as the copies alone.
usage: cuda-bench-table.py cuda-bench.json"""
import json
import sys


def main(path):
    try:
        with open(path) as f:
            runs = json.load(f)
    except (OSError, ValueError) as e:
        print(f"cuda-bench-table: no JMH results in {path}: {e}")
        return 1
    ms = {}  # (benchmark, op, size) -> (score ms, error ms)
    for r in runs:
        name = r["benchmark"].rsplit(".", 1)[-1]
        p = r.get("params", {})
        m = r["primaryMetric"]
        if m["scoreUnit"] != "ms/op":
            print(f"cuda-bench-table: unexpected unit {m['scoreUnit']} for {name}")
            return 1
        ms[(name, p.get("op"), int(p["size"]))] = (m["score"], m["scoreError"])
    if not ms:
        print(f"cuda-bench-table: {path} holds no results")
        return 1
    print("| size | benchmark | op | ms/call | ± | Gelem/s | GB/s | ceiling | of ceiling |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n in sorted({k[2] for k in ms}):
        ceil = {b: ms.get((b, None, n)) for b in ("ceilingDeviceCopy", "ceilingH2DPinned", "ceilingD2HPinned", "ceilingBothWaysPinned")}
        for b, c in ceil.items():
            if c:
                moved = (8 if b == "ceilingDeviceCopy" else 8 if b == "ceilingBothWaysPinned" else 4) * n
                print(f"| {n} | {b} | | {c[0]:.3f} | {c[1]:.3f} | | {moved / c[0] / 1e6:.1f} | | |")
        for (b, op, size), (t, err) in sorted(ms.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
            if size != n or op is None:
                continue
            outs = 2 if op == "fused" else 1
            if b == "kernelOnly":
                moved = (1 + outs) * 4 * n
                c = ceil["ceilingDeviceCopy"]
                ceiling, frac = ("d2d copy", f"{c[0] * moved / (8 * n) / t:.2f}") if c else ("d2d copy", "n/a")
            else:
                moved = (1 + outs) * 4 * n  # over PCIe
                both, down = ceil["ceilingBothWaysPinned"], ceil["ceilingD2HPinned"]
                if both and (outs == 1 or down):
                    need = both[0] + (down[0] if outs == 2 else 0)
                    ceiling, frac = ("pinned copies", f"{need / t:.2f}")
                else:
                    ceiling, frac = ("pinned copies", "n/a")
            print(f"| {n} | {b} | {op} | {t:.3f} | {err:.3f} | {n / t / 1e6:.2f} | {moved / t / 1e6:.1f} | {ceiling} | {frac} |")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
