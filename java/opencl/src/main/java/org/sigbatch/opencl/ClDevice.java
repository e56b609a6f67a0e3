package org.sigbatch.opencl;

import static org.jocl.CL.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;
import org.sigbatch.BackendUnavailableException;

/** Facts about one OpenCL device, read once when the backend enumerates devices. */
record ClDevice(
        int index,
        cl_platform_id platform,
        String platformName,
        String platformVersion,
        cl_device_id id,
        String name,
        long type,
        String vendor,
        String version,
        String driverVersion,
        int computeUnits,
        long globalMemBytes,
        long maxAllocBytes,
        boolean fp64,
        boolean f32Denorms,
        String extensions) {

    String typeName() {
        List<String> t = new ArrayList<>();
        if ((type & CL_DEVICE_TYPE_GPU) != 0) {
            t.add("GPU");
        }
        if ((type & CL_DEVICE_TYPE_CPU) != 0) {
            t.add("CPU");
        }
        if ((type & CL_DEVICE_TYPE_ACCELERATOR) != 0) {
            t.add("accelerator");
        }
        if (t.isEmpty()) {
            t.add("other");
        }
        return String.join("+", t);
    }

    boolean isGpu() {
        return (type & CL_DEVICE_TYPE_GPU) != 0;
    }

    boolean isCpu() {
        return (type & CL_DEVICE_TYPE_CPU) != 0;
    }

    /** Preference when no device is named: GPU, then accelerator, then anything else, then CPU. */
    int preference() {
        if (isGpu()) {
            return 0;
        }
        if ((type & CL_DEVICE_TYPE_ACCELERATOR) != 0) {
            return 1;
        }
        return isCpu() ? 3 : 2;
    }

    String label() {
        return index + ": " + name + " (" + typeName() + ", " + platformName + ")";
    }

    /**
     * The device the options name ({@code opencl.platform}, {@code opencl.device}), or the best one;
     * BackendUnavailableException with a reason a person can act on when there is none.
     */
    static ClDevice find(String platform, String device) {
        try {
            CL.setExceptionsEnabled(true);
        } catch (LinkageError e) {
            throw new BackendUnavailableException(OpenClBackend.ID, "no OpenCL ICD loader (libOpenCL.so.1) could be loaded: " + e, e);
        }
        List<String> empty = new ArrayList<>();
        List<ClDevice> all;
        try {
            all = ClDevice.enumerate(empty);
        } catch (CLException e) {
            if (e.getStatus() == CL_PLATFORM_NOT_FOUND_KHR) {
                throw new BackendUnavailableException(OpenClBackend.ID, "no OpenCL platform found (CL_PLATFORM_NOT_FOUND_KHR): the ICD loader"
                        + " lists no drivers; install one (e.g. pocl-opencl-icd) or check /etc/OpenCL/vendors and OCL_ICD_VENDORS", e);
            }
            throw new BackendUnavailableException(OpenClBackend.ID, "enumerating OpenCL platforms failed: " + OpenClBackend.describe(e), e);
        } catch (LinkageError e) {
            throw new BackendUnavailableException(OpenClBackend.ID, "no OpenCL ICD loader (libOpenCL.so.1) could be loaded: " + e, e);
        }
        if (all.isEmpty()) {
            if (empty.isEmpty()) {
                throw new BackendUnavailableException(OpenClBackend.ID, "no OpenCL platform found: the ICD loader lists no drivers"
                        + " (check /etc/OpenCL/vendors and OCL_ICD_VENDORS)");
            }
            throw new BackendUnavailableException(OpenClBackend.ID, "OpenCL platform(s) " + empty + " report no devices"
                    + (empty.stream().anyMatch(p -> p.contains("Portable Computing Language"))
                            ? " (PoCL does this when it cannot create its kernel cache: make POCL_CACHE_DIR or ~/.cache/pocl writable)" : ""));
        }
        String[] why = new String[1];
        ClDevice d = ClDevice.choose(all, platform, device, why);
        if (d == null) {
            throw new BackendUnavailableException(OpenClBackend.ID, why[0]);
        }
                return d;
    }

    /** Every device of every platform, in enumeration order. Platforms that report no devices are skipped. */
    static List<ClDevice> enumerate(List<String> emptyPlatforms) {
        int[] count = new int[1];
        clGetPlatformIDs(0, null, count);
        cl_platform_id[] platforms = new cl_platform_id[count[0]];
        if (count[0] > 0) {
            clGetPlatformIDs(platforms.length, platforms, null);
        }
        List<ClDevice> out = new ArrayList<>();
        for (cl_platform_id p : platforms) {
            String pName = platformString(p, CL_PLATFORM_NAME);
            String pVersion = platformString(p, CL_PLATFORM_VERSION);
            cl_device_id[] devices;
            try {
                int[] n = new int[1];
                clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 0, null, n);
                devices = new cl_device_id[n[0]];
                if (n[0] > 0) {
                    clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, n[0], devices, null);
                }
            } catch (CLException e) {
                if (e.getStatus() != CL_DEVICE_NOT_FOUND) {
                    throw e;
                }
                devices = new cl_device_id[0];
            }
            if (devices.length == 0) {
                emptyPlatforms.add(pName);
            }
            for (cl_device_id d : devices) {
                String ext = deviceString(d, CL_DEVICE_EXTENSIONS);
                long doubleConfig = ext.contains("cl_khr_fp64") ? deviceLong(d, CL_DEVICE_DOUBLE_FP_CONFIG) : 0;
                long singleConfig = deviceLong(d, CL_DEVICE_SINGLE_FP_CONFIG);
                out.add(new ClDevice(out.size(), p, pName, pVersion, d,
                        deviceString(d, CL_DEVICE_NAME).trim(),
                        deviceLong(d, CL_DEVICE_TYPE),
                        deviceString(d, CL_DEVICE_VENDOR).trim(),
                        deviceString(d, CL_DEVICE_VERSION).trim(),
                        deviceString(d, CL_DRIVER_VERSION).trim(),
                        deviceInt(d, CL_DEVICE_MAX_COMPUTE_UNITS),
                        deviceLong(d, CL_DEVICE_GLOBAL_MEM_SIZE),
                        deviceLong(d, CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                        ext.contains("cl_khr_fp64") && (doubleConfig & CL_FP_FMA) != 0 && (doubleConfig & CL_FP_DENORM) != 0,
                        (singleConfig & CL_FP_DENORM) != 0,
                        ext));
            }
        }
        return out;
    }

    /**
     * Picks the device: {@code platform} (index or case-insensitive name fragment) narrows the
     * platforms, {@code device} (index into the full list, or name fragment) names one; otherwise the
     * first GPU, else accelerator, else CPU.
     *
     * @return the device, or null with {@code why[0]} set when nothing matches
     */
    static ClDevice choose(List<ClDevice> all, String platform, String device, String[] why) {
        List<ClDevice> cands = new ArrayList<>(all);
        if (platform != null && !platform.isBlank()) {
            List<String> names = all.stream().map(ClDevice::platformName).distinct().toList();
            String want = platform.trim();
            if (want.matches("\\d+")) {
                int i = Integer.parseInt(want);
                if (i >= names.size()) {
                    why[0] = "opencl.platform=" + want + " but there are " + names.size() + " platform(s) with devices: " + names;
                    return null;
                }
                cands.removeIf(d -> !d.platformName().equals(names.get(i)));
            } else {
                cands.removeIf(d -> !lower(d.platformName()).contains(lower(want)));
            }
            if (cands.isEmpty()) {
                why[0] = "no OpenCL platform matches opencl.platform=" + want + "; platforms: " + names;
                return null;
            }
        }
        if (device != null && !device.isBlank()) {
            String want = device.trim();
            if (want.matches("\\d+")) {
                int i = Integer.parseInt(want);
                for (ClDevice d : cands) {
                    if (d.index() == i) {
                        return d;
                    }
                }
            } else {
                for (ClDevice d : cands) {
                    if (lower(d.name()).contains(lower(want))) {
                        return d;
                    }
                }
            }
            why[0] = "no OpenCL device matches opencl.device=" + want + "; devices: "
                    + cands.stream().map(ClDevice::label).toList();
            return null;
        }
        ClDevice best = null;
        for (ClDevice d : cands) {
            if (best == null || d.preference() < best.preference()) {
                best = d;
            }
        }
        return best;
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    static String platformString(cl_platform_id p, int param) {
        long[] size = new long[1];
        clGetPlatformInfo(p, param, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        clGetPlatformInfo(p, param, buf.length, Pointer.to(buf), null);
        return cString(buf);
    }

    static String deviceString(cl_device_id d, int param) {
        long[] size = new long[1];
        clGetDeviceInfo(d, param, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        clGetDeviceInfo(d, param, buf.length, Pointer.to(buf), null);
        return cString(buf);
    }

    static long deviceLong(cl_device_id d, int param) {
        long[] v = new long[1];
        clGetDeviceInfo(d, param, Sizeof.cl_ulong, Pointer.to(v), null);
        return v[0];
    }

    static int deviceInt(cl_device_id d, int param) {
        int[] v = new int[1];
        clGetDeviceInfo(d, param, Sizeof.cl_uint, Pointer.to(v), null);
        return v[0];
    }

    private static String cString(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }
}
