package org.gpt4roi.kernels.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.gpt4roi.tensor.Tensor;

/**
 * 3×3 convolution, stride 1, padding 1, by Winograd's minimal filtering F(m×m, 3×3) (Lavin &amp; Gray):
 * the output is cut into m×m tiles; each tile's (m+2)² input patch d and each filter g are
 * transformed, V = Bᵀ d B and U = G g Gᵀ, and for every one of the α² = (m+2)² transform points ξ
 * one matrix product sums over input channels, M_ξ[P,O] = V_ξ[P,C] · U_ξ[O,C]ᵀ; then each tile's
 * output is Aᵀ M A. F(4×4,3×3) does 36 products of C-long dot products for 16 outputs where the
 * direct method does 144: 4× fewer multiply-adds (F(2×2,3×3): 2.25×), at the price of a larger
 * rounding error (stated in docs/BENCHMARKS.md and checked in CpuConvTest).
 *
 * <p>Dataflow (tiles of all images in chunks of ≤ {@value #CHUNK}):
 * <pre>
 *   w[O,C,3,3] ─G g Gᵀ─▶ U[α²][O,C] (once per call)
 *   x[N,C,H,W] ─Bᵀ d B─▶ V[α²][P,C] ─α² GEMMs with U─▶ M[α²][P,O] ─Aᵀ M A (+bias)─▶ y[N,O,H,W]
 * </pre>
 * Transforms are scalar (they are ~1% of the work for hundreds of channels); the products run on
 * {@link CpuGemm}. Buffers live off-heap for the call only.
 */
final class CpuWinograd {
    private CpuWinograd() {}

    static final int CHUNK = 256;

    /** The transform matrices of F(m×m, 3×3): Bᵀ [α×α], G [α×3], Aᵀ [m×α], α = m + 2. */
    record Transform(int m, float[][] bt, double[][] g, float[][] at) {
        int alpha() { return m + 2; }
    }

    /** F(2×2,3×3), interpolation points 0, ±1, ∞. */
    static final Transform F2 = new Transform(2,
            new float[][] {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}},
            new double[][] {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}},
            new float[][] {{1, 1, 1, 0}, {0, 1, -1, -1}});

    /** F(4×4,3×3), interpolation points 0, ±1, ±2, ∞. */
    static final Transform F4 = new Transform(4,
            new float[][] {
                    {4, 0, -5, 0, 1, 0}, {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
                    {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}},
            new double[][] {
                    {1 / 4.0, 0, 0}, {-1 / 6.0, -1 / 6.0, -1 / 6.0}, {-1 / 6.0, 1 / 6.0, -1 / 6.0},
                    {1 / 24.0, 1 / 12.0, 1 / 6.0}, {1 / 24.0, -1 / 12.0, 1 / 6.0}, {0, 0, 1}},
            new float[][] {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}});

    /**
     * {@code y[N,O,H,W] = conv3x3(x[N,C,H,W], w[O,C,3,3], padding 1) (+ bias[O])}; x contiguous F32,
     * w any float dtype (contiguous), y a fresh contiguous F32 tensor.
     */
    static void conv3x3(Parallel par, Transform t, Tensor x, Tensor w, float[] bias, Tensor y) {
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3), o = w.dim(0);
        int a2 = t.alpha() * t.alpha();
        int tilesY = (h + t.m() - 1) / t.m(), tilesX = (wd + t.m() - 1) / t.m(), tiles = n * tilesY * tilesX;
        int chunk = Math.min(CHUNK, tiles);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment u = arena.allocate((long) a2 * o * c * 4, 64);          // [α²][O][C]
            MemorySegment v = arena.allocate((long) a2 * chunk * c * 4, 64);      // [α²][chunk][C]
            MemorySegment m = arena.allocate((long) a2 * chunk * o * 4, 64);      // [α²][chunk][O]
            transformFilters(par, t, WeightMatrix.of(w.reshape(o, c * 9)), c, u);
            for (int p0 = 0; p0 < tiles; p0 += chunk) {
                int p1 = Math.min(tiles, p0 + chunk), pc = p1 - p0;
                transformInputs(par, t, x.segment(), c, h, wd, tilesY, tilesX, p0, p1, v, chunk);
                for (int xi = 0; xi < a2; xi++) {
                    MemorySegment vXi = v.asSlice((long) xi * chunk * c * 4), mXi = m.asSlice((long) xi * chunk * o * 4);
                    WeightMatrix uXi = new WeightMatrix(org.gpt4roi.tensor.DType.F32, u.asSlice((long) xi * o * c * 4), o, c);
                    CpuGemm.multiply(par, CpuMatmul.rows(vXi, c), pc, uXi, null, mXi, o, 1);
                }
                transformOutputs(par, t, m, chunk, o, bias, y.segment(), h, wd, tilesY, tilesX, p0, p1);
            }
        }
    }

    /** U[ξ][o][c] = (G g Gᵀ)[ξ] for each filter g = w[o, c] (3×3), in double, rounded once. */
    private static void transformFilters(Parallel par, Transform t, WeightMatrix w, int c, MemorySegment u) {
        int alpha = t.alpha(), o = w.rows();
        double[][] g = t.g();
        par.forRange(o, (o0, o1) -> {
            double[] f = new double[9], gf = new double[alpha * 3];
            for (int oc = o0; oc < o1; oc++)
                for (int ic = 0; ic < c; ic++) {
                    for (int k = 0; k < 9; k++) f[k] = w.get(oc, ic * 9 + k);
                    for (int i = 0; i < alpha; i++)          // (G g)[i][b]
                        for (int b = 0; b < 3; b++) gf[i * 3 + b] = g[i][0] * f[b] + g[i][1] * f[3 + b] + g[i][2] * f[6 + b];
                    for (int i = 0; i < alpha; i++)
                        for (int j = 0; j < alpha; j++) {
                            double s = gf[i * 3] * g[j][0] + gf[i * 3 + 1] * g[j][1] + gf[i * 3 + 2] * g[j][2];
                            u.set(HalfVectors.F32, (((long) (i * alpha + j) * o + oc) * c + ic) * 4, (float) s);
                        }
                }
        });
    }

    /** V[ξ][p - p0][c] = (Bᵀ d B)[ξ] for the α×α input patch d of tile p (zero outside the image). */
    private static void transformInputs(Parallel par, Transform t, MemorySegment x, int c, int h, int w,
                                        int tilesY, int tilesX, int p0, int p1, MemorySegment v, int chunk) {
        int alpha = t.alpha(), m = t.m();
        float[][] bt = t.bt();
        par.forRange(p1 - p0, (q0, q1) -> {
            float[] d = new float[alpha * alpha], tmp = new float[alpha * alpha];
            for (int q = q0; q < q1; q++) {
                int p = p0 + q, img = p / (tilesY * tilesX), ty = p / tilesX % tilesY, tx = p % tilesX;
                int y0 = ty * m - 1, x0 = tx * m - 1;
                for (int ic = 0; ic < c; ic++) {
                    long plane = ((long) img * c + ic) * h * w;
                    for (int a = 0; a < alpha; a++)
                        for (int b = 0; b < alpha; b++) {
                            int iy = y0 + a, ix = x0 + b;
                            d[a * alpha + b] = iy >= 0 && iy < h && ix >= 0 && ix < w ? x.get(HalfVectors.F32, (plane + (long) iy * w + ix) * 4) : 0f;
                        }
                    sandwich(bt, d, alpha, alpha, tmp, d);
                    for (int xi = 0; xi < alpha * alpha; xi++)
                        v.set(HalfVectors.F32, (((long) xi * chunk + q) * c + ic) * 4, d[xi]);
                }
            }
        });
    }

    /** y tile = (Aᵀ M A) (+ bias), clipped to the image. */
    private static void transformOutputs(Parallel par, Transform t, MemorySegment mBuf, int chunk, int o, float[] bias,
                                         MemorySegment y, int h, int w, int tilesY, int tilesX, int p0, int p1) {
        int alpha = t.alpha(), m = t.m();
        float[][] at = t.at();
        par.forRange(p1 - p0, (q0, q1) -> {
            float[] mm = new float[alpha * alpha], tmp = new float[alpha * alpha], out = new float[alpha * alpha];
            for (int q = q0; q < q1; q++) {
                int p = p0 + q, img = p / (tilesY * tilesX), ty = p / tilesX % tilesY, tx = p % tilesX;
                for (int oc = 0; oc < o; oc++) {
                    for (int xi = 0; xi < alpha * alpha; xi++) mm[xi] = mBuf.get(HalfVectors.F32, (((long) xi * chunk + q) * o + oc) * 4);
                    sandwich(at, mm, m, alpha, tmp, out);
                    float b = bias == null ? 0f : bias[oc];
                    long plane = ((long) img * o + oc) * h * w;
                    for (int r = 0; r < m && ty * m + r < h; r++)
                        for (int s = 0; s < m && tx * m + s < w; s++)
                            y.set(HalfVectors.F32, (plane + (long) (ty * m + r) * w + tx * m + s) * 4, out[r * m + s] + b);
                }
            }
        });
    }

    /** out[rows×rows] = L · in · Lᵀ for L [rows×cols], in [cols×cols] (row-major); tmp [rows×cols]. */
    private static void sandwich(float[][] l, float[] in, int rows, int cols, float[] tmp, float[] out) {
        for (int i = 0; i < rows; i++)
            for (int b = 0; b < cols; b++) {
                float s = 0f;
                for (int a = 0; a < cols; a++) s += l[i][a] * in[a * cols + b];
                tmp[i * cols + b] = s;
            }
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < rows; j++) {
                float s = 0f;
                for (int b = 0; b < cols; b++) s += tmp[i * cols + b] * l[j][b];
                out[i * rows + j] = s;
            }
    }
}
