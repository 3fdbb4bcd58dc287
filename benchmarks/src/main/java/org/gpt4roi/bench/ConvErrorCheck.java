package org.gpt4roi.bench;

import java.util.Random;
import org.gpt4roi.kernels.cpu.CpuBackend;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.Tensor;

/**
 * Rounding error of the cpu backend's 3×3 convolution on the region module's shape (C = O = 1024,
 * stride 1, padding 1; this shape takes the Winograd F(4×4,3×3) path) against a double-precision
 * direct convolution, next to the error of a plain F32 im2col product (through {@code linear}) on
 * the same outputs. Inputs are like the fuse stage's: non-negative activations (after ReLU), weights
 * N(0, 1/fan_in). Errors are normwise, max|y − ref| / max|ref|, over a random sample of outputs.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp 'benchmarks/target/benchmarks-0.1.0.jar:benchmarks/target/lib/*'
 * org.gpt4roi.bench.ConvErrorCheck [size] [samples]}
 */
public final class ConvErrorCheck {
    private ConvErrorCheck() {}

    public static void main(String[] args) {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 32, samples = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        int c = 1024, o = 1024;
        Random rnd = new Random(7);
        float[] xv = new float[c * size * size], wv = new float[o * c * 9];
        for (int i = 0; i < xv.length; i++) xv[i] = Math.max(0f, (float) rnd.nextGaussian());
        double std = Math.sqrt(1.0 / (c * 9));
        for (int i = 0; i < wv.length; i++) wv[i] = (float) (rnd.nextGaussian() * std);
        Tensor x = Tensor.ofFloats(xv, 1, c, size, size);
        try (CpuBackend cpu = new CpuBackend(0)) {
            for (DType dtype : new DType[] {DType.F32, DType.F16}) {
                Tensor w = MatmulBench.weight(dtype, wv, o, c, 3, 3);
                float[] wq = w.toFloatArray();                       // the weights as the kernel sees them
                float[] y = cpu.conv2d(x, w, null, 1, 1).toFloatArray();
                double errWinograd = 0, errIm2col = 0, scale = 0;
                Random pick = new Random(11);
                Tensor w2 = w.reshape(o, c * 9);
                for (int s = 0; s < samples; s++) {
                    int oc = pick.nextInt(o), oy = pick.nextInt(size), ox = pick.nextInt(size);
                    float[] patch = new float[c * 9];
                    double ref = 0;
                    for (int ic = 0; ic < c; ic++)
                        for (int ky = 0; ky < 3; ky++)
                            for (int kx = 0; kx < 3; kx++) {
                                int iy = oy + ky - 1, ix = ox + kx - 1;
                                float v = iy < 0 || iy >= size || ix < 0 || ix >= size ? 0f : xv[(ic * size + iy) * size + ix];
                                patch[(ic * 3 + ky) * 3 + kx] = v;
                                ref += (double) v * wq[((oc * c + ic) * 3 + ky) * 3 + kx];
                            }
                    float direct = cpu.linear(Tensor.ofFloats(patch, 1, c * 9), w2.slice(0, oc, oc + 1), null).getFloat(0, 0);
                    errWinograd = Math.max(errWinograd, Math.abs(y[(oc * size + oy) * size + ox] - ref));
                    errIm2col = Math.max(errIm2col, Math.abs(direct - ref));
                    scale = Math.max(scale, Math.abs(ref));
                }
                System.out.printf("conv3x3 %d->%d on %dx%d, %s weights, %d sampled outputs: normwise error vs double: "
                                + "winograd F(4x4,3x3) %.2e, im2col F32 dot %.2e%n",
                        c, o, size, size, dtype, samples, errWinograd / scale, errIm2col / scale);
            }
        }
    }
}
