package org.sigbatch.cli.npy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sigbatch.DType;

/**
 * Reads and writes NumPy's .npy format (versions 1.0, 2.0, 3.0) for little-endian float32/float64/
 * float16 and bfloat16 arrays: magic {@code \x93NUMPY}, major and minor version bytes, header length (2 bytes little-endian in
 * 1.0, 4 bytes in 2.0 and 3.0), then a Python dict literal ({@code descr}, {@code fortran_order},
 * {@code shape}) padded with spaces and a newline so that the data starts on a 64-byte boundary.
 * See https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html.
 */
public final class Npy {
    private Npy() {
    }

    /**
     * The descrs read as bfloat16. NumPy has no bfloat16; {@code np.save} of an ml_dtypes bfloat16 array
     * writes the dtype's character code, {@code '<V2'} (2-byte void; jax-ml/ml_dtypes issue #41, and
     * {@code np.load} gives raw bytes back: {@code a.view(ml_dtypes.bfloat16)} restores it). NumPy
     * builds without byte order write {@code '|V2'}; {@code 'bfloat16'} is what a header written with
     * {@code str(a.dtype)} says (the workaround in that issue). Outputs use the input's descr.
     */
    public static final List<String> BF16_DESCRS = List.of("<V2", "|V2", "bfloat16");
    /** Raw 16-bit patterns ({@code a.view('<u2')}): float16 or bfloat16 as the user says. */
    public static final String RAW16 = "<u2";

    /** The descr written for {@code t} by default. */
    public static String descr(DType t) {
        return switch (t) {
            case F32 -> "<f4";
            case F64 -> "<f8";
            case F16 -> "<f2";
            case BF16 -> "<V2";
        };
    }

    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Headers are limited to keep a corrupt length field from allocating gigabytes. */
    private static final int MAX_HEADER = 1 << 20;
    private static final int ALIGN = 64;

    /** Reads and validates the header of {@code file}, and checks that the file holds all the data it announces. */
    public static NpyHeader readHeader(Path file) throws IOException {
        String name = file.toString();
        if (Files.isDirectory(file)) {
            throw new NpyFormatException(name + ": is a directory, not an .npy file");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer pre = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, pre, 0);
            pre.flip();
            if (pre.remaining() < 6 || !startsWithMagic(pre)) {
                if (pre.remaining() >= 4 && pre.get(0) == 'P' && pre.get(1) == 'K' && pre.get(2) == 3 && pre.get(3) == 4) {
                    throw new NpyFormatException(name + ": not an .npy file (it is a zip archive, perhaps an .npz: extract the array first)");
                }
                throw new NpyFormatException(name + ": not an .npy file (it does not start with the \\x93NUMPY magic)");
            }
            if (pre.remaining() < 10) {
                throw new NpyFormatException(name + ": truncated .npy header (" + size + " bytes in the file)");
            }
            int major = pre.get(6) & 0xff;
            int minor = pre.get(7) & 0xff;
            if (major < 1 || major > 3 || minor != 0) {
                throw new NpyFormatException(name + ": unsupported .npy format version " + major + "." + minor + " (supported: 1.0, 2.0, 3.0)");
            }
            int lenBytes = major == 1 ? 2 : 4;
            if (pre.remaining() < 8 + lenBytes) {
                throw new NpyFormatException(name + ": truncated .npy header (" + size + " bytes in the file)");
            }
            long headerLen = major == 1 ? (pre.getShort(8) & 0xffff) : (pre.getInt(8) & 0xffffffffL);
            long dataOffset = 8 + lenBytes + headerLen;
            if (headerLen > MAX_HEADER) {
                throw new NpyFormatException(name + ": corrupt .npy header (header length " + headerLen + " bytes)");
            }
            if (size < dataOffset) {
                throw new NpyFormatException(name + ": truncated .npy header (it announces " + headerLen + " header bytes, the file has "
                        + Math.max(0, size - 8 - lenBytes) + ")");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8 + lenBytes);
            String text = new String(hb.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
            NpyHeader h = parseHeader(name, text, dataOffset, major);
            long need;
            try {
                need = Math.multiplyExact(h.count(), (long) h.dtype().bytes());
            } catch (ArithmeticException e) {
                throw new NpyFormatException(name + ": corrupt .npy header (shape " + h.shapeString() + " overflows)");
            }
            long have = size - dataOffset;
            if (have < need) {
                throw new NpyFormatException(name + ": truncated data: shape " + h.shapeString() + " of " + h.dtype() + " needs "
                        + need + " bytes after the header, the file has " + have);
            }
            if (have > need) {
                throw new NpyFormatException(name + ": " + (have - need) + " unexpected bytes after the data of shape "
                        + h.shapeString() + " (corrupt or not a single array)");
            }
            return h;
        } catch (NoSuchFileException e) {
            throw new NpyFormatException(name + ": no such file");
        }
    }

    private static boolean startsWithMagic(ByteBuffer b) {
        for (int i = 0; i < MAGIC.length; i++) {
            if (b.get(i) != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    /** Reads until {@code dst} is full or the end of the file; returns bytes read. */
    public static int readFully(FileChannel ch, ByteBuffer dst, long pos) throws IOException {
        int total = 0;
        while (dst.hasRemaining()) {
            int r = ch.read(dst, pos + total);
            if (r < 0) {
                break;
            }
            total += r;
        }
        return total;
    }

    static NpyHeader parseHeader(String name, String text, long dataOffset, int version) {
        Object lit;
        try {
            lit = PyLiteral.parse(text);
        } catch (IllegalArgumentException e) {
            throw new NpyFormatException(name + ": corrupt .npy header (" + e.getMessage() + ")");
        }
        if (!(lit instanceof Map<?, ?> m)) {
            throw new NpyFormatException(name + ": corrupt .npy header (not a dictionary)");
        }
        for (String key : List.of("descr", "fortran_order", "shape")) {
            if (!m.containsKey(key)) {
                throw new NpyFormatException(name + ": corrupt .npy header (no '" + key + "' key)");
            }
        }
        DType dtype = dtypeOf(name, m.get("descr"));
        String descr = (String) m.get("descr");
        if (!(m.get("fortran_order") instanceof Boolean fortran)) {
            throw new NpyFormatException(name + ": corrupt .npy header ('fortran_order' is not True or False)");
        }
        if (!(m.get("shape") instanceof List<?> dims)) {
            throw new NpyFormatException(name + ": corrupt .npy header ('shape' is not a tuple)");
        }
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!(dims.get(i) instanceof Long d) || d < 0) {
                throw new NpyFormatException(name + ": corrupt .npy header (shape " + dims + " has a non-integer or negative dimension)");
            }
            shape[i] = d;
        }
        return new NpyHeader(dtype, shape, fortran, dataOffset, version, descr);
    }

    private static DType dtypeOf(String name, Object descr) {
        if (descr instanceof List) {
            throw new NpyFormatException(name + ": unsupported dtype: a structured (record) array; sigbatch reads only '<f4' (float32) and '<f8' (float64)");
        }
        if (!(descr instanceof String d)) {
            throw new NpyFormatException(name + ": corrupt .npy header ('descr' is not a string)");
        }
        switch (d) {
            case "<f4":
                return DType.F32;
            case "<f8":
                return DType.F64;
            case "<f2":
                return DType.F16;
            case RAW16:
                return DType.BF16; // until --dtype says which (NpyHeader.raw16)
            default:
                if (BF16_DESCRS.contains(d)) {
                    return DType.BF16;
                }
                break;
        }
        String only = "; sigbatch reads '<f4' (float32), '<f8' (float64), '<f2' (float16), '<V2' or 'bfloat16' (ml_dtypes bfloat16) and '<u2' (16-bit patterns, with --dtype f16 or bf16)";
        if (d.length() >= 2) {
            char order = d.charAt(0);
            char kind = d.charAt(1);
            String size = d.substring(2);
            if (order == '>' && kind == 'f') {
                return fail(name, "big-endian float" + (size.equals("2") ? "16" : bits(size)) + " ('" + d + "'); convert it with a.astype('<" + d.substring(1) + "')" + only);
            }
            String what = switch (kind) {
                case 'i' -> "integer";
                case 'u' -> "unsigned integer";
                case 'b' -> "boolean";
                case 'c' -> "complex";
                case 'O' -> "object";
                case 'S', 'a' -> "byte string";
                case 'U' -> "unicode string";
                case 'V' -> "void/raw";
                case 'M', 'm' -> "datetime";
                case 'f' -> size.equals("2") ? "float16" : ("float" + bits(size));
                default -> null;
            };
            if (what != null) {
                return fail(name, what + " ('" + d + "')" + only);
            }
        }
        return fail(name, "'" + d + "'" + only);
    }

    private static String bits(String bytes) {
        try {
            return String.valueOf(Integer.parseInt(bytes) * 8);
        } catch (NumberFormatException e) {
            return bytes;
        }
    }

    private static DType fail(String name, String what) {
        throw new NpyFormatException(name + ": unsupported dtype " + what);
    }

    /**
     * The header bytes for an array: version 1.0 when the dict fits in 65535 bytes (what NumPy writes),
     * else 2.0. The length is a multiple of 64.
     */
    public static byte[] header(DType dtype, long[] shape, boolean fortranOrder) {
        return header(descr(dtype), shape, fortranOrder);
    }

    /** The header bytes with an explicit descr string (e.g. the input's bfloat16 convention). */
    public static byte[] header(String descr, long[] shape, boolean fortranOrder) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortranOrder ? "True" : "False")
                + ", 'shape': " + NpyHeader.shapeString(shape) + ", }";
        int version = 1;
        int pre = 10;
        int total = padded(pre + dict.length() + 1);
        if (total - pre > 0xffff) {
            version = 2;
            pre = 12;
            total = padded(pre + dict.length() + 1);
        }
        int hlen = total - pre;
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) version).put((byte) 0);
        if (version == 1) {
            b.putShort((short) hlen);
        } else {
            b.putInt(hlen);
        }
        b.put(dict.getBytes(StandardCharsets.ISO_8859_1));
        while (b.position() < total - 1) {
            b.put((byte) ' ');
        }
        b.put((byte) '\n');
        return b.array();
    }

    private static int padded(int n) {
        return (n + ALIGN - 1) / ALIGN * ALIGN;
    }

    /** Writes a whole float32 array (tests, small outputs). */
    public static void write(Path file, long[] shape, float[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(data);
        writeRaw(file, header(DType.F32, shape, false), b.array());
    }

    public static void write(Path file, long[] shape, double[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asDoubleBuffer().put(data);
        writeRaw(file, header(DType.F64, shape, false), b.array());
    }

    /** Writes a whole 16-bit array (float16 or bfloat16 bit patterns) with the given descr (tests, small outputs). */
    public static void write(Path file, long[] shape, short[] data, String descr) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(data.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(data);
        writeRaw(file, header(descr, shape, false), b.array());
    }

    /** Reads a whole 16-bit array as raw bit patterns (any 16-bit descr sigbatch reads). */
    public static short[] readShorts(Path file) throws IOException {
        NpyHeader h = readHeader(file);
        if (!h.dtype().isHalf()) {
            throw new NpyFormatException(file + ": expected a 16-bit array, found " + h.dtype());
        }
        ByteBuffer b = data(file, h);
        short[] out = new short[(int) h.count()];
        b.asShortBuffer().get(out);
        return out;
    }

    private static void writeRaw(Path file, byte[] header, byte[] data) throws IOException {
        byte[] all = new byte[header.length + data.length];
        System.arraycopy(header, 0, all, 0, header.length);
        System.arraycopy(data, 0, all, header.length, data.length);
        Files.write(file, all);
    }

    /** Reads a whole float32 array (tests, small inputs). */
    public static float[] readFloats(Path file) throws IOException {
        NpyHeader h = readHeader(file);
        if (h.dtype() != DType.F32) {
            throw new NpyFormatException(file + ": expected float32, found " + h.dtype());
        }
        ByteBuffer b = data(file, h);
        float[] out = new float[(int) h.count()];
        b.asFloatBuffer().get(out);
        return out;
    }

    public static double[] readDoubles(Path file) throws IOException {
        NpyHeader h = readHeader(file);
        if (h.dtype() != DType.F64) {
            throw new NpyFormatException(file + ": expected float64, found " + h.dtype());
        }
        ByteBuffer b = data(file, h);
        double[] out = new double[(int) h.count()];
        b.asDoubleBuffer().get(out);
        return out;
    }

    private static ByteBuffer data(Path file, NpyHeader h) throws IOException {
        if (h.dataBytes() > Integer.MAX_VALUE - 8) {
            throw new NpyFormatException(String.format(Locale.ROOT, "%s: %d bytes is too large to read whole", file, h.dataBytes()));
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate((int) h.dataBytes()).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, b, h.dataOffset());
            b.flip();
            return b;
        }
    }
}
