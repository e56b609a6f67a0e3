package org.sigbatch.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;
import org.sigbatch.BackendKind;

/** The task's GPU addresses to a backend and device, without Spark (local mode cannot assign GPUs). */
class DevicePlanTest {
    private static String[] gpus(String... a) {
        return a;
    }

    @Test
    void addressesComeFromTheTaskResources() {
        Map<String, ResourceInformation> res = Map.of("gpu", new ResourceInformation("gpu", gpus("1", "3")),
                "fpga", new ResourceInformation("fpga", gpus("0")));
        assertArrayEquals(gpus("1", "3"), PartitionLedger.gpuAddresses(res));
        assertNull(PartitionLedger.gpuAddresses(Map.of("fpga", new ResourceInformation("fpga", gpus("0")))));
        assertNull(PartitionLedger.gpuAddresses(Map.of()));
        assertNull(PartitionLedger.gpuAddresses(null));
    }

    @Test
    void autoUsesTheAssignedGpuElseTheCpu() {
        DevicePlan p = DevicePlan.resolve(BackendKind.AUTO, gpus("2"), Map.of("cpu.threads", "1"));
        assertEquals(BackendKind.CUDA, p.kind());
        assertEquals("cuda:2", p.label());
        assertEquals("2", p.options().get("cuda.device"));
        assertEquals("1", p.options().get("cpu.threads"), "the user's options are kept");
        assertNull(p.note());
        assertEquals(BackendKind.CPU, DevicePlan.resolve(BackendKind.AUTO, null, Map.of()).kind());
        assertEquals("cpu", DevicePlan.resolve(BackendKind.AUTO, gpus(), Map.of()).label());
    }

    @Test
    void theAssignedGpuWinsOverTheOptionAndTheFirstOfSeveralIsUsed() {
        DevicePlan p = DevicePlan.resolve(BackendKind.CUDA, gpus(" 1 ", "0"), Map.of("cuda.device", "5"));
        assertEquals("cuda:1", p.label());
        assertTrue(p.note().contains("2 GPUs 1,0") && p.note().contains("first"), p.note());
        assertEquals("cuda:5", DevicePlan.resolve(BackendKind.CUDA, null, Map.of("cuda.device", "5")).label());
        assertEquals("cuda:0", DevicePlan.resolve(BackendKind.CUDA, null, Map.of()).label());
    }

    @Test
    void explicitCpuAndOpenClIgnoreGpuAddresses() {
        assertEquals("cpu", DevicePlan.resolve(BackendKind.CPU, gpus("0"), Map.of()).label());
        DevicePlan cl = DevicePlan.resolve(BackendKind.OPENCL, gpus("0"), Map.of("opencl.device", "1"));
        assertEquals(BackendKind.OPENCL, cl.kind());
        assertEquals("1", cl.options().get("opencl.device"));
    }

    @Test
    void anAddressThatIsNotADeviceIndexIsNamed() {
        for (String bad : new String[] {"GPU-8f3a", "-1", "", "1.0", "12345678901"}) {
            String m = assertThrows(IllegalArgumentException.class, () -> DevicePlan.resolve(BackendKind.AUTO, gpus(bad), Map.of())).getMessage();
            assertTrue(m.contains("GPU address '" + bad + "' is not a CUDA device index") && m.contains("discovery script"), m);
        }
        String m = assertThrows(IllegalArgumentException.class,
                () -> DevicePlan.resolve(BackendKind.CUDA, null, Map.of("cuda.device", "x"))).getMessage();
        assertTrue(m.contains("cuda.device option 'x'"), m);
    }
}
