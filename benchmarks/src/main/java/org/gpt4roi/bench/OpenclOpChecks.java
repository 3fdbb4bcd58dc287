package org.gpt4roi.bench;

import java.util.List;
import org.gpt4roi.kernels.Backend;
import org.gpt4roi.kernels.Backends;
import org.gpt4roi.kernels.opencl.OpenClOpCheck;

/**
 * Every op on opencl against the cpu backend, on small odd shapes and at the model's real shapes,
 * printing the relative error of each (the unit test's check, for machines without JUnit such as
 * the GPU host of {@code benchmarks/gpu/run.sh}). Exit status 1 when any op fails or misses its tolerance.
 *
 * <pre>java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp 'lib/*' org.gpt4roi.bench.OpenclOpChecks [device] [--small]</pre>
 */
public final class OpenclOpChecks {
    private OpenclOpChecks() {}

    public static void main(String[] args) {
        int device = args.length > 0 && !args[0].startsWith("--") ? Integer.parseInt(args[0]) : 0;
        boolean realShapes = !List.of(args).contains("--small");
        try (Backend opencl = Backends.create("opencl", 0, device); Backend cpu = Backends.create("cpu", 0, 0)) {
            System.out.println("candidate: " + opencl.describe());
            System.out.println("reference: " + cpu.describe());
            List<OpenClOpCheck.Result> results = OpenClOpCheck.run(cpu, opencl, 42, realShapes);
            results.forEach(System.out::println);
            long failed = results.stream().filter(r -> !r.ok()).count();
            System.out.println((results.size() - failed) + "/" + results.size() + " ops within tolerance");
            if (failed > 0) System.exit(1);
        }
    }
}
