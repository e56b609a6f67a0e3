package org.sigbatch.cpu;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Bytecode size of every method of a compiled class, read from its class file (JVMS §4): the
 * {@code code_length} of each method's {@code Code} attribute, keyed by name + descriptor. A few
 * lines of parsing instead of a bytecode library: only the constant pool's layout is needed.
 */
final class ClassFileSizes {
    private ClassFileSizes() {
    }

    static Map<String, Integer> codeLengths(Class<?> c) throws IOException {
        String res = "/" + c.getName().replace('.', '/') + ".class";
        try (InputStream in = c.getResourceAsStream(res)) {
            if (in == null) {
                throw new IOException("class file " + res + " not found");
            }
            return codeLengths(in);
        }
    }

    static Map<String, Integer> codeLengths(InputStream raw) throws IOException {
        DataInputStream in = new DataInputStream(raw);
        if (in.readInt() != 0xCAFEBABE) {
            throw new IOException("not a class file");
        }
        in.readUnsignedShort(); // minor
        in.readUnsignedShort(); // major
        int n = in.readUnsignedShort();
        String[] utf8 = new String[n];
        for (int i = 1; i < n; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> utf8[i] = in.readUTF();
                case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipNBytes(4);
                case 5, 6 -> {
                    in.skipNBytes(8);
                    i++; // long and double take two entries
                }
                case 7, 8, 16, 19, 20 -> in.skipNBytes(2);
                case 15 -> in.skipNBytes(3);
                default -> throw new IOException("unknown constant pool tag " + tag + " at entry " + i);
            }
        }
        in.skipNBytes(6); // access flags, this class, super class
        in.skipNBytes(2L * in.readUnsignedShort()); // interfaces
        int fields = in.readUnsignedShort();
        for (int f = 0; f < fields; f++) {
            in.skipNBytes(6);
            skipAttributes(in);
        }
        Map<String, Integer> sizes = new LinkedHashMap<>();
        int methods = in.readUnsignedShort();
        for (int m = 0; m < methods; m++) {
            in.skipNBytes(2);
            String name = utf8[in.readUnsignedShort()];
            String desc = utf8[in.readUnsignedShort()];
            int attrs = in.readUnsignedShort();
            for (int a = 0; a < attrs; a++) {
                String an = utf8[in.readUnsignedShort()];
                int len = in.readInt();
                if (an.equals("Code")) {
                    in.skipNBytes(4); // max_stack, max_locals
                    int code = in.readInt();
                    sizes.put(name + desc, code);
                    in.skipNBytes(len - 8L);
                } else {
                    in.skipNBytes(len);
                }
            }
        }
        return sizes;
    }

    private static void skipAttributes(DataInputStream in) throws IOException {
        int attrs = in.readUnsignedShort();
        for (int a = 0; a < attrs; a++) {
            in.skipNBytes(2);
            in.skipNBytes(in.readInt() & 0xFFFFFFFFL);
        }
    }
}
