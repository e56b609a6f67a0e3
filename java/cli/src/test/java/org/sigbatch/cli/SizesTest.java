package org.sigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SizesTest {
    @Test
    void binarySuffixes() {
        assertEquals(4096, Sizes.parse("4K", "s"));
        assertEquals(16_777_216, Sizes.parse("16M", "s"));
        assertEquals(1L << 30, Sizes.parse("1G", "s"));
        assertEquals(4096, Sizes.parse("4k", "s"));
        assertEquals(4096, Sizes.parse("4Ki", "s"));
        assertEquals(1000, Sizes.parse("1000", "s"));
        assertArrayEquals(new long[] {4096, 65536}, Sizes.parseList("64K,4K,4K", "s"));
    }

    @Test
    void formatsBack() {
        assertEquals("4K", Sizes.format(4096));
        assertEquals("16M", Sizes.format(1 << 24));
        assertEquals("1G", Sizes.format(1L << 30));
        assertEquals("1000", Sizes.format(1000));
        assertEquals("1536K", Sizes.format(1536 * 1024));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "0", "-4K", "4X", "K", "4.5M", "1T", "4i", "99999999999999999999", "9000000000G", " "})
    void rejectsBadSizes(String s) {
        UserError e = assertThrows(UserError.class, () -> Sizes.parse(s, "--sizes"));
        assertTrue(e.getMessage().startsWith("--sizes: '" + s + "'"), e.getMessage());
        assertEquals(ExitCodes.BAD_INPUT, e.exitCode());
    }
}
