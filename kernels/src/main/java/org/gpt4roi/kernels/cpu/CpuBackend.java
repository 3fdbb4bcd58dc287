package org.gpt4roi.kernels.cpu;

import org.gpt4roi.kernels.Backend;
import org.gpt4roi.tensor.Tensor;

/**
 * The default backend: JDK Vector API kernels over host memory, work split over a fixed pool of
 * threads. Each op lives in a small class of its own (matrix products, convolutions, norms,
 * spatial ops, attention, element-wise); this class only routes and checks nothing itself.
 */
public final class CpuBackend implements Backend {
    private final Parallel par;

    public CpuBackend(int threads) {
        SegmentClasses.load();
        this.par = new Parallel(threads);
    }

    public Parallel parallel() { return par; }

    @Override public String name() { return "cpu"; }
    @Override public String describe() {
        return "cpu: " + par.threads() + " threads, Vector API " + CpuVectors.FLOATS.length() * 32 + "-bit";
    }

    @Override public Tensor weight(Tensor host) { return host; }
    @Override public Tensor upload(Tensor host) { return host.isContiguous() && host.dtype() == org.gpt4roi.tensor.DType.F32 ? host : host.toF32(); }
    @Override public Tensor zeros(int... shape) { return Tensor.zeros(org.gpt4roi.tensor.DType.F32, shape); }
    @Override public Tensor download(Tensor t) { return t.toF32(); }
    @Override public void copy(Tensor src, Tensor dst) { CpuCopy.copy(src, dst); }

    @Override public Tensor linear(Tensor x, Tensor w, Tensor bias) { return CpuMatmul.linear(par, x, w, bias); }
    @Override public Tensor[] linears(Tensor x, Tensor... ws) { return CpuMatmul.linears(par, x, ws); }
    @Override public Tensor conv2d(Tensor x, Tensor w, Tensor bias, int stride, int padding) {
        return CpuConv.conv2d(par, x, w, bias, stride, padding);
    }

    @Override public Tensor resizeBilinear(Tensor x, int outH, int outW, boolean alignCorners) {
        return CpuSpatial.resizeBilinear(par, x, outH, outW, alignCorners);
    }
    @Override public Tensor roiAlign(Tensor x, Tensor boxes, float spatialScale, int outSize, int samplingRatio, boolean aligned) {
        return CpuSpatial.roiAlign(par, x, boxes, spatialScale, outSize, samplingRatio, aligned);
    }

    @Override public Tensor layerNorm(Tensor x, Tensor w, Tensor b, float eps) { return CpuNorms.layerNorm(par, x, w, b, eps); }
    @Override public Tensor rmsNorm(Tensor x, Tensor w, float eps) { return CpuNorms.rmsNorm(par, x, w, eps); }
    @Override public Tensor groupNorm(Tensor x, int groups, Tensor w, Tensor b, float eps) {
        return CpuNorms.groupNorm(par, x, groups, w, b, eps);
    }

    @Override public void add(Tensor x, Tensor y) { CpuElementwise.add(par, x, y); }
    @Override public void relu(Tensor x) { CpuElementwise.relu(par, x); }
    @Override public void quickGelu(Tensor x) { CpuElementwise.quickGelu(par, x); }
    @Override public void siluMul(Tensor gate, Tensor up) { CpuElementwise.siluMul(par, gate, up); }
    @Override public void softmax(Tensor x) { CpuNorms.softmax(par, x); }

    @Override public void rope(Tensor x, int heads, int startPos, float theta) { CpuAttention.rope(par, x, heads, startPos, theta); }
    @Override public Tensor attention(Tensor q, Tensor k, Tensor v, int heads, boolean causal) {
        return CpuAttention.attention(par, q, k, v, heads, causal);
    }
    @Override public Tensor embedding(Tensor table, int[] ids) { return CpuCopy.embedding(table, ids); }

    @Override public void close() { par.close(); }
}
