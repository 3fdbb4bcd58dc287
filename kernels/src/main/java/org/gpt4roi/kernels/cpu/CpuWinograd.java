package org.gpt4roi.kernels.cpu;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.gpt4roi.tensor.Tensor;

/**
 * 3×3 convolution, stride 1, padding 1, by Winograd's minimal filtering F(m×m, 3×3) (Lavin &amp; Gray):
 * the output is cut into m×m tiles; each tile's α×α input patch d (α = m + 2) and each filter g are
 * transformed, V = Bᵀ d B and U = G g Gᵀ; for each of the α² transform points ξ one matrix product
 * sums over input channels, M_ξ[P,O] = V_ξ[P,C] · U_ξ[O,C]ᵀ; each tile's output is Aᵀ M A.
 * F(4×4,3×3) spends 36 C-long dot products on 16 outputs where the direct method spends 144: 4× fewer
 * multiply-adds (F(2×2,3×3): 2.25×), for a larger rounding error (measured in CpuConvTest and
 * docs/BENCHMARKS.md).
 *
 * <pre>
 *   w[O,C,3,3] ─G g Gᵀ─▶ U[α²][O,C]             (once per call; kept for mapped weights: FilterCache)
 *   x[N,C,H,W] ─channels last, zero frame─▶ xt[≥H+2][≥W+2][C]           (per image)
 *              ─Bᵀ d B─▶ V[α²][P,C] ─α² GEMMs with U─▶ M[α²][P,O] ─Aᵀ M A + bias─▶ y[N,O,H,W]
 * </pre>
 * Tiles go through in chunks of ≤ {@value #CHUNK} (all tiles of one image row band). The transforms
 * run on vectors of consecutive channels, so every load and store is contiguous.
 */
final class CpuWinograd {
    private CpuWinograd() {}

    static final int CHUNK = 256;
    private static final VectorSpecies<Float> S = HalfVectors.FLOATS;
    private static final int L = HalfVectors.LANES;

    /** The transform matrices of F(m×m, 3×3): Bᵀ [α×α], G [α×3], Aᵀ [m×α]. */
    record Transform(int m, float[][] bt, float[][] g, float[][] at) {
        int alpha() { return m + 2; }
    }

    /** F(2×2,3×3), interpolation points 0, ±1, ∞. */
    static final Transform F2 = new Transform(2,
            new float[][] {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}},
            new float[][] {{1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}},
            new float[][] {{1, 1, 1, 0}, {0, 1, -1, -1}});

    /** F(4×4,3×3), interpolation points 0, ±1, ±2, ∞. */
    static final Transform F4 = new Transform(4,
            new float[][] {
                    {4, 0, -5, 0, 1, 0}, {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
                    {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}},
            new float[][] {
                    {1 / 4f, 0, 0}, {-1 / 6f, -1 / 6f, -1 / 6f}, {-1 / 6f, 1 / 6f, -1 / 6f},
                    {1 / 24f, 1 / 12f, 1 / 6f}, {1 / 24f, -1 / 12f, 1 / 6f}, {0, 0, 1}},
            new float[][] {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}});

    /**
     * {@code y[N,O,H,W] = conv3x3(x[N,C,H,W], w[O,C,3,3], padding 1) (+ bias[O])}; x contiguous F32,
     * w contiguous, any float dtype; y a contiguous F32 tensor of the output shape (overwritten).
     */
    static void conv3x3(Parallel par, Transform t, Tensor x, Tensor w, float[] bias, Tensor y) {
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3), o = w.dim(0);
        int a2 = t.alpha() * t.alpha(), cp = CpuGemm.roundUp(c), op = CpuGemm.roundUp(o);
        int tilesY = (h + t.m() - 1) / t.m(), tilesX = (wd + t.m() - 1) / t.m();
        int bandRows = Math.max(1, Math.min(tilesY, CHUNK / tilesX)), chunk = bandRows * tilesX, wp = tilesX * t.m() + 2;
        float[] u = FilterCache.get(w, t.m(), () -> transformFilters(par, t, WeightMatrix.of(w.reshape(o, c * 9)), c, cp)); // [α²][O][cp]
        float[] v = new float[a2 * chunk * cp], m = new float[a2 * chunk * op];              // [α²][chunk][cp|op]
        MemorySegment mSeg = MemorySegment.ofArray(m);
        for (int img = 0; img < n; img++) {
            float[] xt = channelsLast(par, x.segment().asSlice((long) img * c * h * wd * 4), c, h, wd, cp, tilesY * t.m() + 2, wp);
            MemorySegment yImg = y.segment().asSlice((long) img * o * h * wd * 4);
            for (int ty0 = 0; ty0 < tilesY; ty0 += bandRows) {
                int rows = Math.min(bandRows, tilesY - ty0), pc = rows * tilesX;
                transformInputs(par, t, xt, cp, wp, tilesX, ty0, pc, v, chunk);
                for (int xi = 0; xi < a2; xi++)
                    CpuGemm.multiply(par, CpuGemm.arrayRows(v, xi * chunk * cp, cp), pc, CpuGemm.arrayRows(u, xi * o * cp, cp), o, cp,
                            null, mSeg.asSlice((long) xi * chunk * op * 4), op, 1);
                transformOutputs(par, t, m, chunk, o, op, bias, yImg, h, wd, tilesX, ty0, pc);
            }
        }
    }

    /** U[ξ][o][c] = (G g Gᵀ)[ξ] for each 3×3 filter g = w[o, c]; channels padded to cp with zeros. */
    private static float[] transformFilters(Parallel par, Transform t, WeightMatrix w, int c, int cp) {
        int alpha = t.alpha(), o = w.rows(), plane = o * cp;
        float[] u = new float[alpha * alpha * plane];
        par.forRange(o, (o0, o1) -> {
            float[] row = new float[9 * c], taps = new float[9 * cp], gg = new float[alpha * 3 * L], out = new float[alpha * alpha * L];
            for (int oc = o0; oc < o1; oc++) {
                w.pack(oc, oc + 1, 0, 9 * c, row, 9 * c);
                for (int ic = 0; ic < c; ic++) for (int k = 0; k < 9; k++) taps[k * cp + ic] = row[ic * 9 + k];   // [9][cp]
                for (int ic = 0; ic < cp; ic += L) {
                    for (int b = 0; b < 3; b++) apply(t.g(), taps, b * cp + ic, 3 * cp, gg, b * L, 3 * L);      // G g
                    for (int i = 0; i < alpha; i++) apply(t.g(), gg, i * 3 * L, L, out, i * alpha * L, L);   // (G g) Gᵀ
                    for (int xi = 0; xi < alpha * alpha; xi++)
                        FloatVector.fromArray(S, out, xi * L).intoArray(u, xi * plane + oc * cp + ic);
                }
            }
        });
        return u;
    }

    /**
     * One image as xt[(y+1)·wp + x+1][cp] (channels last) for a padded frame of hp × wp ≥ (H+2) × (W+2)
     * covering every tile's patch, zero outside the image and in channels c..cp.
     */
    private static float[] channelsLast(Parallel par, MemorySegment x, int c, int h, int w, int cp, int hp, int wp) {
        float[] xt = new float[hp * wp * cp];
        par.forRange(h, (y0, y1) -> {
            for (int c0 = 0; c0 < c; c0 += 16)
                for (int y = y0; y < y1; y++)
                    for (int xx = 0; xx < w; xx++) {
                        int at = ((y + 1) * wp + xx + 1) * cp;
                        for (int ic = c0; ic < Math.min(c, c0 + 16); ic++)
                            xt[at + ic] = x.get(HalfVectors.F32, (((long) ic * h + y) * w + xx) * 4);
                    }
        });
        return xt;
    }

    /** V[ξ][q][c] = (Bᵀ d B)[ξ] for the tiles q = 0..pc-1 of the band starting at tile row ty0. */
    private static void transformInputs(Parallel par, Transform t, float[] xt, int cp, int wp, int tilesX, int ty0, int pc,
                                        float[] v, int chunk) {
        int alpha = t.alpha(), m = t.m();
        par.forRange(pc, (q0, q1) -> {
            float[] tmp = new float[alpha * alpha * L], out = new float[alpha * alpha * L];
            for (int q = q0; q < q1; q++) {
                int corner = ((ty0 + q / tilesX) * m * wp + q % tilesX * m) * cp;   // patch origin (padded coordinates)
                for (int ic = 0; ic < cp; ic += L) {
                    for (int b = 0; b < alpha; b++) apply(t.bt(), xt, corner + b * cp + ic, wp * cp, tmp, b * L, alpha * L);
                    for (int i = 0; i < alpha; i++) apply(t.bt(), tmp, i * alpha * L, L, out, i * alpha * L, L);
                    for (int xi = 0; xi < alpha * alpha; xi++)
                        FloatVector.fromArray(S, out, xi * L).intoArray(v, (xi * chunk + q) * cp + ic);
                }
            }
        });
    }

    /** y tile = Aᵀ M A (+ bias), clipped to the image, for the tiles of the band starting at tile row ty0. */
    private static void transformOutputs(Parallel par, Transform t, float[] mBuf, int chunk, int o, int op, float[] bias,
                                         MemorySegment y, int h, int w, int tilesX, int ty0, int pc) {
        int alpha = t.alpha(), m = t.m();
        par.forRange(pc, (q0, q1) -> {
            float[] tmp = new float[m * alpha * L], out = new float[m * m * L];
            for (int q = q0; q < q1; q++) {
                int oy = (ty0 + q / tilesX) * m, ox = q % tilesX * m;
                for (int oc0 = 0; oc0 < op; oc0 += L) {
                    for (int j = 0; j < alpha; j++) apply(t.at(), mBuf, q * op + oc0 + j * chunk * op, alpha * chunk * op, tmp, j * L, alpha * L);
                    for (int r = 0; r < m; r++) apply(t.at(), tmp, r * alpha * L, L, out, r * m * L, L);
                    for (int l = 0; l < L && oc0 + l < o; l++) {
                        float b = bias == null ? 0f : bias[oc0 + l];
                        long plane = (long) (oc0 + l) * h * w;
                        for (int r = 0; r < m && oy + r < h; r++)
                            for (int s = 0; s < m && ox + s < w; s++)
                                y.set(HalfVectors.F32, (plane + (long) (oy + r) * w + ox + s) * 4, out[(r * m + s) * L + l] + b);
                    }
                }
            }
        });
    }

    /**
     * One matrix applied to vectors of L lanes: {@code dst[d + i·dStride] = Σ_a mat[i][a] · src[s + a·sStride]}
     * for every row i (each index names the first of L consecutive floats). Zero coefficients are skipped.
     */
    private static void apply(float[][] mat, float[] src, int s, int sStride, float[] dst, int d, int dStride) {
        for (int i = 0; i < mat.length; i++) {
            FloatVector acc = FloatVector.zero(S);
            float[] row = mat[i];
            for (int a = 0; a < row.length; a++)
                if (row[a] != 0f) acc = FloatVector.fromArray(S, src, s + a * sStride).fma(FloatVector.broadcast(S, row[a]), acc);
            acc.intoArray(dst, d + i * dStride);
        }
    }
}
