#!/usr/bin/env python3
"""Fits Q(r) ~ (e^r - 1 - r)/r^2 on |r| <= ln2/2 (near-minimax, mpmath's Chebyshev fit), rounds the
coefficients to float32 and prints them with the worst relative error of 1 + r + r^2 Q(r) on a grid.
The degree-4 fit (total degree 6) gives the coefficients of VectorF32FastKernels. Needs mpmath, numpy."""
import mpmath as mp, numpy as np
mp.mp.dps = 40
h = mp.log(2)/2
def Q(r):
    if abs(r) < mp.mpf('1e-10'): return mp.mpf(1)/2 + r/6
    return (mp.exp(r) - 1 - r)/(r*r)
for deg in (3,4,5):
    c, err = mp.chebyfit(Q, [-h, h], deg+1, error=True)
    c = c[::-1]  # ascending
    cf = [np.float32(float(v)) for v in c]
    # measure relative error of 1 + r + r^2 Q(r) with float coefficients (exact arithmetic)
    worst = 0
    for i in range(2001):
        r = -h + 2*h*i/2000
        q = mp.mpf(0)
        for v in reversed(cf): q = q*r + mp.mpf(float(v))
        p = 1 + r + r*r*q
        worst = max(worst, abs(p/mp.exp(r) - 1))
    print(deg+2, [float(v).hex() for v in cf], [repr(float(v)) for v in cf], 'rel err', mp.nstr(worst, 5), mp.nstr(worst/2**-24, 4), 'ulp-ish')
