package org.sigbatch.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sigbatch.BackendKind;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.Sigmoid;
import org.sigbatch.VerifyPolicy;
import picocli.CommandLine.Command;

/** {@code sigbatch devices}: every backend, whether it is available, its device, or why not. */
@Command(name = "devices", mixinStandardHelpOptions = true, description = "List every backend: available or not (with the reason), and the device it would use.")
final class DevicesCommand extends BaseCommand {

    @Override
    int run() {
        try (Sigmoid s = open(BackendKind.AUTO, VerifyPolicy.NONE)) {
            List<String> avail = s.availableBackends();
            Map<String, String> down = s.unavailableBackends();
            Map<String, String> rows = new LinkedHashMap<>();
            for (BackendKind k : BackendKind.values()) {
                if (k != BackendKind.AUTO) {
                    rows.put(k.id(), null);
                }
            }
            avail.forEach(id -> rows.put(id, null));
            down.keySet().forEach(id -> rows.put(id, null));
            var out = out();
            out.printf("%-8s %-11s %s%n", "backend", "available", "device / reason");
            for (String id : rows.keySet()) {
                if (avail.contains(id)) {
                    out.printf("%-8s %-11s %s%n", id, "yes", s.deviceName(id));
                } else {
                    String why = down.getOrDefault(id, "no provider on the class path (the sigbatch-" + id + " module is not included)");
                    out.printf("%-8s %-11s %s%n", id, "no", Main.oneLine(why));
                }
            }
            out.println();
            out.printf("precision: %s (verifier bounds: σ %s, σ' %s, backward %s ULP; --precision accurate|fast)%n", s.precision().id(),
                    Format.bound(s.precision().bound(Op.SIGMOID, 0)), Format.bound(s.precision().bound(Op.DERIVATIVE, 0)),
                    Format.bound(s.precision().bound(Op.BACKWARD, 0)));
            for (String id : avail) {
                out.println();
                out.println(id + ":");
                for (var e : s.describe(id).entrySet()) {
                    out.printf("  %-22s %s%n", e.getKey(), Main.oneLine(e.getValue()));
                }
            }
            out.println();
            long[] sizes = {1L << 12, 1L << 20, 1L << 24};
            StringBuilder sb = new StringBuilder("auto would choose, for float32 sigmoid:");
            for (long n : sizes) {
                sb.append(' ').append(Sizes.format(n)).append(" -> ").append(s.choose(Op.SIGMOID, DType.F32, n)).append(n == sizes[sizes.length - 1] ? "" : ",");
            }
            out.println(sb);
        }
        return ExitCodes.OK;
    }
}
