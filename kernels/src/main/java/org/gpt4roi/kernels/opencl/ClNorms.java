package org.gpt4roi.kernels.opencl;

import static org.gpt4roi.kernels.opencl.OpenClBackend.require;
import static org.gpt4roi.kernels.opencl.OpenClBackend.shape;

import org.gpt4roi.tensor.Tensor;

/** LayerNorm, RMSNorm, GroupNorm and softmax: one work-group per row (or group), on the kernels of norms.cl. */
final class ClNorms {
    private ClNorms() {}

    private static final long[] WG = {256};

    static Tensor layerNorm(OpenClBackend b, Tensor x, Tensor w, Tensor bias, float eps) {
        x = b.f32(x);
        int n = x.dim(-1), rows = rows(x, n);
        Tensor wf = vector(b, w, n, "layerNorm"), bf = vector(b, bias, n, "layerNorm");
        Tensor y = b.newTensor(x.shape());
        if (rows > 0) b.launch("norms", "", "layer_norm", groups(rows), WG, x, wf, bf, y, n, eps);
        return y;
    }

    static Tensor rmsNorm(OpenClBackend b, Tensor x, Tensor w, float eps) {
        x = b.f32(x);
        int n = x.dim(-1), rows = rows(x, n);
        Tensor wf = vector(b, w, n, "rmsNorm");
        Tensor y = b.newTensor(x.shape());
        if (rows > 0) b.launch("norms", "", "rms_norm", groups(rows), WG, x, wf, y, n, eps);
        return y;
    }

    /** x[N, C, L] (or [N, C, H, W]): statistics over each of {@code groups} channel groups per sample. */
    static Tensor groupNorm(OpenClBackend b, Tensor x, int groups, Tensor w, Tensor bias, float eps) {
        x = b.f32(x);
        require(x.rank() >= 2, "groupNorm", "x must be [N, C, L], not " + shape(x));
        int batch = x.dim(0), c = x.dim(1), l = (int) (x.numel() / Math.max(1, (long) batch * c));
        require(groups > 0 && c % groups == 0, "groupNorm", c + " channels do not split into " + groups + " groups");
        Tensor wf = vector(b, w, c, "groupNorm"), bf = vector(b, bias, c, "groupNorm");
        Tensor y = b.newTensor(x.shape());
        if (x.numel() > 0) b.launch("norms", "", "group_norm", groups(batch * groups), WG, x, wf, bf, y, c, l, groups, eps);
        return y;
    }

    static void softmax(OpenClBackend b, Tensor x) {
        int n = x.dim(-1), rows = rows(x, n);
        if (rows > 0) b.inPlace(x, c -> b.launch("norms", "", "softmax", groups(rows), WG, c, n));
    }

    private static int rows(Tensor x, int n) { return n == 0 ? 0 : Math.toIntExact(x.numel() / n); }

    private static long[] groups(long count) { return new long[] {count * WG[0]}; }

    private static Tensor vector(OpenClBackend b, Tensor v, int n, String op) {
        Tensor f = b.f32(v);
        require(f.numel() == n, op, "parameter " + shape(v) + " does not match the " + n + " features");
        return f;
    }
}
