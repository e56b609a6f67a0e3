package org.sigbatch.spark;

import java.util.Map;
import java.util.TreeMap;
import org.sigbatch.BackendKind;

/**
 * Which backend and device a task's evaluator uses, from the backend asked for and the GPU
 * addresses Spark assigned to the task ({@code TaskContext.resourcesJMap().get("gpu").addresses()}).
 *
 * <p>Spark's GPU addresses are whatever the discovery script printed; the usual NVIDIA script prints
 * {@code nvidia-smi} indices, which are CUDA device ordinals when {@code CUDA_DEVICE_ORDER=PCI_BUS_ID}
 * (or when the cluster manager isolates one GPU per executor, which then sees it as device 0).
 *
 * @param kind    the backend to open
 * @param options backend options for it ({@code cuda.device} for CUDA)
 * @param label   short name for reports: {@code cuda:0}, {@code opencl}, {@code cpu}
 * @param note    something the report should say about the choice (several GPUs assigned), or null
 */
record DevicePlan(BackendKind kind, Map<String, String> options, String label, String note) {

    static final String CUDA_DEVICE = "cuda.device";

    static DevicePlan cpu() {
        return new DevicePlan(BackendKind.CPU, Map.of(), "cpu", null);
    }

    /**
     * The plan for a task.
     *
     * @param requested    the backend option (AUTO: the assigned GPU through CUDA, else the CPU)
     * @param gpuAddresses the task's GPU addresses; null or empty when Spark assigned none
     * @param options      the user's backend options (their {@code cuda.device} applies when no GPU is assigned)
     * @throws IllegalArgumentException if an assigned address is not a device index
     */
    static DevicePlan resolve(BackendKind requested, String[] gpuAddresses, Map<String, String> options) {
        boolean assigned = gpuAddresses != null && gpuAddresses.length > 0;
        switch (requested) {
            case CPU:
                return cpu();
            case OPENCL:
                return new DevicePlan(BackendKind.OPENCL, Map.copyOf(options), "opencl", null);
            case AUTO:
                if (!assigned) {
                    return cpu();
                }
                return cuda(gpuAddresses, options);
            case CUDA:
                if (!assigned) {
                    String dev = options.getOrDefault(CUDA_DEVICE, "0");
                    return withDevice(parseIndex(dev, CUDA_DEVICE + " option"), options, null);
                }
                return cuda(gpuAddresses, options);
            default:
                throw new IllegalArgumentException("unknown backend " + requested);
        }
    }

    private static DevicePlan cuda(String[] addresses, Map<String, String> options) {
        int dev = parseIndex(addresses[0], "GPU address");
        String note = addresses.length > 1
                ? "task was assigned " + addresses.length + " GPUs " + String.join(",", java.util.Arrays.stream(addresses).map(String::trim).toList())
                        + "; sigbatch uses the first"
                : null;
        return withDevice(dev, options, note);
    }

    private static DevicePlan withDevice(int dev, Map<String, String> options, String note) {
        Map<String, String> o = new TreeMap<>(options);
        o.put(CUDA_DEVICE, Integer.toString(dev));
        return new DevicePlan(BackendKind.CUDA, Map.copyOf(o), "cuda:" + dev, note);
    }

    /** A device index: a non-negative decimal integer, surrounding blanks allowed. */
    static int parseIndex(String address, String what) {
        String a = address == null ? "" : address.trim();
        if (!a.isEmpty() && a.length() <= 9 && a.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return Integer.parseInt(a);
        }
        throw new IllegalArgumentException(what + " '" + address + "' is not a CUDA device index; the GPU discovery script must print "
                + "indices such as {\"name\":\"gpu\",\"addresses\":[\"0\",\"1\"]}");
    }
}
