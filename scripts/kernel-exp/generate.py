#!/usr/bin/env python3
"""Generates experiment copies of the float32 sigma loops of two CPU kernels, straight from their sources,
so that what is timed is the shipped arithmetic (issue 9: why the float-only kernel is slow on the CPU).

For each kernel it writes a class with sigU(x, xo, y, yo, n) for U = 1, 2, 4: the sigma path of the
kernel's loop with U independent vectors per iteration, written statement by statement interleaved
(copy 0 of a statement, then copy 1, ...), so the CPU's scheduler sees U independent dependency chains.
U = 1 is the shipped loop body (sigma path only). The outputs must be bit-identical for every U
(the driver checks it). Also writes two probes of the double-inside kernel: the division replaced by a
multiplication (wrong results; it shows what the division costs) and 1/(1+e) from a float division and
one Newton step in double.
Usage: generate.py SRC_DIR OUT_DIR   (SRC_DIR = java/core/src/main/java/org/sigbatch/cpu/simd)
"""
import os, re, sys

DECL = re.compile(r'(?:FloatVector|IntVector|DoubleVector|LongVector|VectorMask<\w+>|VectorShuffle<\w+>)\s+(\w+)\s*=')


def interleaved(lines, U):
    names = {m.group(1) for m in map(DECL.match, lines) if m}
    # a local name, not a method name after '.', not part of a longer word
    pat = re.compile(r'(?<![\.\w])(' + '|'.join(sorted(names, key=len, reverse=True)) + r')\b')
    out = []
    for line in lines:
        for u in range(U):
            s = pat.sub(lambda m: '%s_%d' % (m.group(1), u), line)
            out.append('            ' + s.replace('+ i)', '+ i + %d * L)' % u))
    return out


def statements(body):
    return [l.strip() for l in body.split('\n') if l.strip() and not l.strip().startswith('//')]


def klass(name, header, consts, prologue, lines, variants, extra=''):
    out = header + 'public final class %s {\n' % name + consts
    for U in variants:
        out += ('\n    public static void sig%d(float[] x, int xo, float[] o0, int o0o, int n) {\n%s\n'
                '        for (int i = 0; i < n; i += %d * L) {\n%s\n        }\n    }\n') % (
            U, prologue, U, '\n'.join(interleaved(lines, U)))
    return out + extra + '}\n'


def between(s, a, b):
    return s[s.index(a):s.index(b, s.index(a))]


def header(src):
    h = src[:src.index('/**')]
    return re.sub(r'import org\.sigbatch\.cpu\.\w+;\n', '', h)


def main(src_dir, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    # float-only: the sigma path of fromX, up to its store
    fo = open(os.path.join(src_dir, 'VectorF32FloatOnlyKernels.java')).read()
    body = between(fo, 'FloatVector xv = FloatVector.fromArray(F, x, xo + i);', 'if (mode == SIG) {')
    lines = [l for l in statements(body) if not l.startswith('if (mode') and l != '}']
    consts = between(fo, '    private static final VectorSpecies<Float> F', '    private VectorF32FloatOnlyKernels()')
    pro = between(fo, '        FloatVector one = FloatVector.broadcast(F, 1f);', '        for (int i = 0; i < n; i += L) {')
    table = ('\n    private static IntVector table(float[] t) {\n        int[] b = new int[L];\n'
             '        for (int i = 0; i < L; i++) {\n            b[i] = Float.floatToRawIntBits(t[i % 8]);\n        }\n'
             '        return IntVector.fromArray(I, b, 0);\n    }\n')
    open(os.path.join(out_dir, 'FloatOnlyExp.java'), 'w').write(
        klass('FloatOnlyExp', header(fo), consts, pro, lines, (1, 2, 4), table))
    # double inside: the sigma path of fromX
    d = open(os.path.join(src_dir, 'VectorF32Kernels.java')).read()
    body = between(d, 'FloatVector xf = FloatVector.fromArray(F, x, xo + i);', 'DoubleVector res0;')
    lines = statements(body) + [
        'DoubleVector res0 = e.mul(inv).blend(inv, xd.compare(VectorOperators.GE, 0.0));',
        '((FloatVector) res0.convertShape(VectorOperators.D2F, F, 0)).intoArray(o0, o0o + i);']
    consts = between(d, '    private static final VectorSpecies<Double> D', '    private VectorF32Kernels()')
    pro = between(d, '        DoubleVector c1 = DoubleVector.broadcast', '        for (int i = 0; i < n; i += L) {')
    div = 'DoubleVector inv = c1.div(e.add(1.0));'
    assert div in lines
    nodiv = [l.replace(div, 'DoubleVector inv = c1.mul(e.add(1.0));') for l in lines]
    fdiv = []
    for l in lines:
        if l == div:
            fdiv += ['DoubleVector dd = e.add(1.0);',
                     'FloatVector df = (FloatVector) dd.convertShape(VectorOperators.D2F, F, 0);',
                     'DoubleVector q = (DoubleVector) FloatVector.broadcast(F, 1f).div(df).convertShape(VectorOperators.F2D, D, 0);',
                     'DoubleVector inv = q.fma(dd.neg().fma(q, c1), q);']
        else:
            fdiv.append(l)
    probes = ''
    for nm, ls in (('NoDiv', nodiv), ('FloatDiv', fdiv)):
        probes += ('\n    public static void sig%s(float[] x, int xo, float[] o0, int o0o, int n) {\n%s\n'
                   '        for (int i = 0; i < n; i += L) {\n%s\n        }\n    }\n') % (
            nm, pro, '\n'.join(interleaved(ls, 1)))
    open(os.path.join(out_dir, 'F64InsideExp.java'), 'w').write(
        klass('F64InsideExp', header(d), consts, pro, lines, (1, 2, 4), probes))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
