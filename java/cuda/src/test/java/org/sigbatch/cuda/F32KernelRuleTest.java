package org.sigbatch.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sigbatch.DType;
import org.sigbatch.Op;

/** cuda.f32kernel without a GPU: the auto rule on the device's FP32:FP64 ratio, explicit choices, bad values, kernel names. */
class F32KernelRuleTest {
    @Test
    void autoTakesFloatOnlyWhereFp64IsSlow() {
        assertEquals("f64inside", Kernels.f32Rule("auto", 2), "A100/H100/H200: FP64 at half rate");
        assertEquals("f64inside", Kernels.f32Rule("auto", 4), "ratio 4 is not above 4");
        assertEquals("floatonly", Kernels.f32Rule("auto", 32), "e.g. RTX A6000 / L40S");
        assertEquals("floatonly", Kernels.f32Rule("auto", 64), "consumer GeForce");
        assertEquals("f64inside", Kernels.f32Rule("auto", 0), "ratio unknown (attribute not reported)");
        assertEquals("f64inside", Kernels.f32Rule(null, 2));
        assertEquals("floatonly", Kernels.f32Rule(" AUTO ", 64));
    }

    @Test
    void explicitChoicesWinOverTheRatio() {
        assertEquals("floatonly", Kernels.f32Rule("floatonly", 2));
        assertEquals("f64inside", Kernels.f32Rule("f64inside", 64));
    }

    @Test
    void badValueNamesTheOptionAndTheChoices() {
        var e = assertThrows(IllegalArgumentException.class, () -> Kernels.f32Rule("double", 2));
        assertTrue(e.getMessage().contains("cuda.f32kernel") && e.getMessage().contains("auto, f64inside or floatonly"), e.getMessage());
    }

    @Test
    void everyFloat32KernelHasAFloatOnlyVariantAndFloat64HasNone() {
        for (Op op : Op.values()) {
            assertTrue(Kernels.allNames().contains(Kernels.name(op, DType.F32) + "_floatonly"), op.name());
            assertTrue(!Kernels.allNames().contains(Kernels.name(op, DType.F64) + "_floatonly"), op.name());
        }
        assertEquals(Op.values().length * (DType.values().length + 1), Kernels.allNames().size());
    }
}
