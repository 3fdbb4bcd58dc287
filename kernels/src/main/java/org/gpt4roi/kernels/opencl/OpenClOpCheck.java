package org.gpt4roi.kernels.opencl;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.gpt4roi.kernels.Backend;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.HalfFloats;
import org.gpt4roi.tensor.Tensor;

/**
 * Runs every {@link Backend} op on a candidate backend (opencl) and a reference (cpu) over the same
 * random inputs of odd sizes, including views with offsets and strided rows, and reports the
 * relative error of each: {@code max|candidate − reference| / max|reference|}. The unit tests
 * assert on it; {@code benchmarks/gpu/run.sh} prints it on a GPU, where JUnit is not at hand.
 */
public final class OpenClOpCheck {
    /** One op's measured error against its tolerance; {@code failure} holds the exception text when it threw. */
    public record Result(String op, double relError, double tolerance, String failure) {
        public boolean ok() { return failure == null && relError <= tolerance; }

        @Override public String toString() {
            return String.format("%-44s %s", op, failure != null ? "FAILED: " + failure
                    : String.format("rel err %.2e (tol %.0e) %s", relError, tolerance, ok() ? "ok" : "TOO LARGE"));
        }
    }

    /** An op run on one backend, its result brought to the host as floats. */
    private interface Op { Tensor apply(Backend b); }

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Float32 sums taken in another order differ by about eps·√K relative to the largest output; K reaches 9216 here. */
    private static final double MATMUL_TOL = 2e-5, OP_TOL = 5e-6, EXACT = 0;

    private final Backend reference, candidate;
    private final Random rnd;
    private final List<Result> results = new ArrayList<>();

    private OpenClOpCheck(Backend reference, Backend candidate, long seed) {
        this.reference = reference;
        this.candidate = candidate;
        this.rnd = new Random(seed);
    }

    /** Small odd shapes covering every op and view kind; {@code realShapes} adds LLaMA/CLIP-sized cases. */
    public static List<Result> run(Backend reference, Backend candidate, long seed, boolean realShapes) {
        OpenClOpCheck c = new OpenClOpCheck(reference, candidate, seed);
        c.memory();
        c.linear(203, 67, 37);
        c.convolutions();
        c.spatial();
        c.norms();
        c.elementwise();
        c.transformer(5, 9, 3, 16);
        if (realShapes) {
            c.linear(4096, 4096, 129);
            c.linear(4096, 11008, 1);
            c.transformer(300, 300, 32, 128);
            c.transformer(1, 600, 32, 128);
            c.vision();
        }
        return c.results;
    }

    // ---------------------------------------------------------------- cases

    private void memory() {
        Tensor a = random(DType.F32, 1, 7, 11, 5);
        check("upload/download", EXACT, b -> b.upload(a));
        Tensor half = random(DType.F16, 9, 13);
        check("upload F16 host", EXACT, b -> b.upload(half));
        check("upload strided host", EXACT, b -> b.upload(a.get(0).transpose(0, 1)));
        check("download of a view", EXACT, b -> b.upload(a).get(0).slice(0, 2, 5).transpose(0, 2));
        check("copy transposed view", EXACT, b -> b.contiguous(b.upload(a).get(0).transpose(0, 2)));
        check("copy into a strided view", EXACT, b -> {
            Tensor dst = b.zeros(11, 9);
            b.copy(b.upload(a).get(0).transpose(0, 2).get(2), dst.slice(1, 1, 8));   // [11, 7] ← [11, 7], both strided
            return dst;
        });
        check("contiguous of an F16 weight", EXACT, b -> b.contiguous(b.weight(half).transpose(0, 1)));
        check("zeros", EXACT, b -> b.zeros(3, 5));
    }

    private void linear(int k, int n, int m) {
        Tensor bias = random(DType.F32, n);
        Tensor x = random(DType.F32, m + 2, k + 6);                 // used through row and column slices
        for (DType dt : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            Tensor fused = random(dt, n + 4, k);                     // w = rows 4.. (a view with an offset)
            String shape = " [" + m + "," + k + "]x[" + n + "," + k + "]ᵀ " + dt;
            check("linear 1 row" + shape.replace("[" + m + ",", "[1,"), MATMUL_TOL, b -> b.linear(
                    b.upload(x).slice(0, 1, 2).slice(1, 0, k).reshape(1, k), b.weight(fused).slice(0, 4, n + 4), b.weight(bias)));
            check("linear" + shape + " strided x", MATMUL_TOL, b -> b.linear(
                    b.upload(x).slice(0, 2, m + 2).slice(1, 3, k + 3), b.weight(fused).slice(0, 4, n + 4), null));
        }
    }

    private void convolutions() {
        Tensor x = random(DType.F32, 2, 5, 17, 19);
        Tensor w3 = random(DType.F16, 7, 5, 3, 3), bias = random(DType.F32, 7);
        check("conv2d 3x3 pad 1 F16 + bias", MATMUL_TOL, b -> b.conv2d(b.upload(x), b.weight(w3), b.weight(bias), 1, 1));
        Tensor w4 = random(DType.F32, 9, 5, 4, 4);
        check("conv2d 4x4 stride 4 (patches) F32", MATMUL_TOL, b -> b.conv2d(b.upload(x), b.weight(w4), null, 4, 0));
        Tensor w1 = random(DType.BF16, 6, 5, 1, 1), bias1 = random(DType.F32, 6);
        check("conv2d 1x1 BF16 stride 2 pad 1", MATMUL_TOL, b -> b.conv2d(b.upload(x), b.weight(w1), b.weight(bias1), 2, 1));
    }

    private void spatial() {
        Tensor x = random(DType.F32, 3, 7, 9);
        check("resizeBilinear 7x9→13x5 align", OP_TOL, b -> b.resizeBilinear(b.upload(x), 13, 5, true));
        check("resizeBilinear 7x9→4x17", OP_TOL, b -> b.resizeBilinear(b.upload(x), 4, 17, false));
        check("resizeBilinear 7x9→7x12 (one axis kept)", OP_TOL, b -> b.resizeBilinear(b.upload(x), 7, 12, false));
        Tensor map = random(DType.F32, 5, 16, 16);
        Tensor boxes = Tensor.ofFloats(new float[] {2.6f, 4.2f, 19.4f, 28.4f, 0, 0, 32, 32, -6, -4, 10, 80, 20, 20, 21, 20.4f}, 4, 4);
        check("roiAlign aligned, 2x2 samples", OP_TOL, b -> b.roiAlign(b.upload(map), b.upload(boxes), 0.5f, 7, 2, true));
        check("roiAlign not aligned, 3x3 samples", OP_TOL, b -> b.roiAlign(b.upload(map), b.upload(boxes), 0.5f, 5, 3, false));
    }

    private void norms() {
        Tensor x = random(DType.F32, 11, 77);
        Tensor w = random(DType.F16, 77), bias = random(DType.F32, 77);
        check("layerNorm (view rows 2..11, F16 w)", OP_TOL, b -> b.layerNorm(b.upload(x).slice(0, 2, 11), b.weight(w), b.weight(bias), 1e-5f));
        check("rmsNorm", OP_TOL, b -> b.rmsNorm(b.upload(x), b.weight(w), 1e-6f));
        Tensor g = random(DType.F32, 2, 12, 35);
        Tensor gw = random(DType.F32, 12), gb = random(DType.F32, 12);
        check("groupNorm 4 groups", OP_TOL, b -> b.groupNorm(b.upload(g), 4, b.weight(gw), b.weight(gb), 1e-5f));
        Tensor s = random(DType.F32, 6f, 7, 301);
        check("softmax", OP_TOL, b -> inPlace(b, s, b::softmax));
    }

    private void elementwise() {
        Tensor x = random(DType.F32, 4f, 13, 29), pos = random(DType.F16, 13, 29);
        check("add (F16 y)", OP_TOL, b -> { Tensor t = fresh(b, x); b.add(t, b.weight(pos)); return t; });
        check("add into a row view", OP_TOL, b -> { Tensor t = fresh(b, x); b.add(t.slice(0, 3, 4), b.upload(x).slice(0, 5, 6)); return t; });
        check("relu", EXACT, b -> inPlace(b, x, b::relu));
        check("quickGelu", OP_TOL, b -> inPlace(b, x, b::quickGelu));
        Tensor up = random(DType.F32, 13, 29);
        check("siluMul", OP_TOL, b -> { Tensor t = fresh(b, x); b.siluMul(t, b.upload(up)); return t; });
    }

    /** RoPE and attention with q a column slice of a fused qkv row and k, v rows of a longer cache. */
    private void transformer(int t, int s, int heads, int hd) {
        int d = heads * hd;
        Tensor qkv = random(DType.F32, t, 3 * d), cache = random(DType.F32, s + 3, 2 * d);
        String dims = " T=" + t + " S=" + s + " H=" + heads + " hd=" + hd;
        check("rope" + dims, OP_TOL, b -> { Tensor q = fresh(b, qkv); b.rope(q.slice(1, 0, d), heads, s - t, 10000f); return q; });
        check("rope start 0 contiguous" + dims, OP_TOL, b -> inPlace(b, qkv, q -> b.rope(q, 3 * heads, 0, 10000f)));
        for (boolean causal : new boolean[] {true, false}) {
            check("attention " + (causal ? "causal" : "full") + dims, 1e-5, b -> {
                Tensor c = b.upload(cache);
                return b.attention(b.upload(qkv).slice(1, 0, d), c.slice(0, 0, s).slice(1, 0, d),
                        c.slice(0, 0, s).slice(1, d, 2 * d), heads, causal);
            });
        }
        Tensor table = random(DType.BF16, 51, d);
        check("embedding BF16" + dims, EXACT, b -> b.embedding(b.weight(table), new int[] {3, 0, 50, 3}));
        Tensor halfTable = random(DType.F16, 51, d);
        check("embedding F16" + dims, EXACT, b -> b.embedding(b.weight(halfTable), new int[] {7}));
    }

    /** CLIP's patch embedding and the region module's fusion at their real sizes (F16 weights, as released). */
    private void vision() {
        Tensor image = random(DType.F32, 1, 3, 224, 224), patches = random(DType.F16, 1024, 3, 14, 14);
        check("conv2d CLIP patches 3x224x224 → 1024x16x16", MATMUL_TOL, b -> b.conv2d(b.upload(image), b.weight(patches), null, 14, 0));
        Tensor map = random(DType.F32, 1, 1024, 32, 32), fuse = random(DType.F16, 0.05f, 1024, 1024, 3, 3);
        check("conv2d 3x3 1024→1024 on 32x32", MATMUL_TOL, b -> b.conv2d(b.upload(map), b.weight(fuse), null, 1, 1));
        Tensor gw = random(DType.F16, 1024), gb = random(DType.F16, 1024);
        check("groupNorm 64 groups of [1024, 32x32]", OP_TOL, b -> b.groupNorm(b.upload(map).reshape(1, 1024, 1024), 64, b.weight(gw), b.weight(gb), 1e-5f));
        check("resizeBilinear 256x16x16 → 128x128 align", OP_TOL, b -> b.resizeBilinear(b.upload(map).get(0).slice(0, 0, 256).slice(1, 0, 16).slice(2, 0, 16), 128, 128, true));
        Tensor boxes = Tensor.ofFloats(new float[] {10, 20, 200, 180, 0, 0, 224, 224, 100.5f, 60.25f, 101, 200}, 3, 4);
        check("roiAlign 1024x32x32, 3 boxes, 14x14", OP_TOL, b -> b.roiAlign(b.upload(map).get(0), b.upload(boxes), 32f / 224, 14, 2, true));
    }

    // ---------------------------------------------------------------- helpers

    private void check(String name, double tolerance, Op op) {
        float[] ref = reference.download(op.apply(reference)).toFloatArray();
        float[] got;
        try {
            got = candidate.download(op.apply(candidate)).toFloatArray();
        } catch (RuntimeException e) {
            results.add(new Result(name, Double.NaN, tolerance, e.toString()));
            return;
        }
        results.add(new Result(name, relativeError(ref, got), tolerance, null));
    }

    /** {@code max|got − ref| / max|ref|}; infinite on a length mismatch or NaN. */
    static double relativeError(float[] ref, float[] got) {
        if (ref.length != got.length) return Double.POSITIVE_INFINITY;
        double diff = 0, scale = 0;
        for (int i = 0; i < ref.length; i++) {
            double e = Math.abs((double) got[i] - ref[i]);
            if (Double.isNaN(e)) return Double.POSITIVE_INFINITY;
            diff = Math.max(diff, e);
            scale = Math.max(scale, Math.abs(ref[i]));
        }
        return scale == 0 ? diff : diff / scale;
    }

    /** Runs an in-place op on a fresh copy of {@code host} (the cpu backend's upload may return the host tensor itself). */
    private static Tensor inPlace(Backend b, Tensor host, Consumer<Tensor> op) {
        Tensor t = fresh(b, host);
        op.accept(t);
        return t;
    }

    private static Tensor fresh(Backend b, Tensor host) { return b.upload(host.toF32()); }

    private Tensor random(DType dtype, int... shape) { return random(dtype, 1f, shape); }

    /** A host tensor of uniform values in [-scale, scale), stored in {@code dtype} (rounded as PyTorch rounds). */
    private Tensor random(DType dtype, float scale, int... shape) {
        Tensor t = Tensor.zeros(dtype, shape);
        for (long i = 0; i < t.numel(); i++) {
            float v = (rnd.nextFloat() * 2 - 1) * scale;
            switch (dtype) {
                case F32 -> t.segment().setAtIndex(F32_LE, i, v);
                case F16 -> t.segment().setAtIndex(I16_LE, i, HalfFloats.f32ToF16(v));
                case BF16 -> t.segment().setAtIndex(I16_LE, i, HalfFloats.f32ToBf16(v));
                default -> throw new IllegalArgumentException(dtype.toString());
            }
        }
        return t;
    }

}
