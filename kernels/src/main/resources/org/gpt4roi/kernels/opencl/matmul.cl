// Matrix products y[M,N] = A[M,K] · w[N,K]ᵀ (+ bias[N]) with w in its own dtype (wtype).
//
// gemm: M > 1. 64×64 output tiles, a 16×16 work-group, each item a 4×4 block kept in float4
// registers; 64×16 slices of A and w are staged (transposed) in local memory per K step.
// Built with -DCONV, A is the im2col view of an NCHW image read on the fly (implicit GEMM:
// m = (image, oy, ox), k = (channel, ky, kx)) and y is written NCHW; conv = (C,H,W,k,stride,pad,Ho,Wo).
//
// gemv: M == 1 (decode). 8 rows per work-group, 32 items per row reading 8 elements at a time
// (coalesced along K), then a tree sum in local memory.

#define TS 64
#define TK 16
#define PAD 4

float load_a(global const float* x, int xOff, int ldx, int m, int k, int M, int K, int8 conv) {
    if (m >= M || k >= K) return 0.0f;
#ifdef CONV
    int hw = conv.s6 * conv.s7, kk = conv.s3 * conv.s3;
    int img = m / hw, r = m - img * hw, oy = r / conv.s7, ox = r - oy * conv.s7;
    int c = k / kk, q = k - c * kk, ky = q / conv.s3, kx = q - ky * conv.s3;
    int iy = oy * conv.s4 - conv.s5 + ky, ix = ox * conv.s4 - conv.s5 + kx;
    if (iy < 0 || iy >= conv.s1 || ix < 0 || ix >= conv.s2) return 0.0f;
    return x[xOff + ((img * conv.s0 + c) * conv.s1 + iy) * conv.s2 + ix];
#else
    return x[xOff + m * ldx + k];
#endif
}

void store_y(global float* y, int yOff, int m, int n, int N, float v, int8 conv) {
#ifdef CONV
    int hw = conv.s6 * conv.s7, img = m / hw;
    y[yOff + (img * N + n) * hw + (m - img * hw)] = v;
#else
    y[yOff + m * N + n] = v;
#endif
}

kernel __attribute__((reqd_work_group_size(16, 16, 1)))
void gemm(global const float* x, int xOff, int ldx, global const wtype* w, int wOff,
          global const float* bias, int biasOff, int hasBias, global float* y, int yOff,
          int M, int N, int K, int8 conv) {
    local float As[TK][TS + PAD];   // As[k][m]
    local float Bs[TK][TS + PAD];   // Bs[k][n]
    int tx = get_local_id(0), ty = get_local_id(1);
    int m0 = get_group_id(1) * TS, n0 = get_group_id(0) * TS;
    int tid = ty * 16 + tx, lk = tid % TK, lr = tid / TK;
    float4 acc0 = 0.0f, acc1 = 0.0f, acc2 = 0.0f, acc3 = 0.0f;

    for (int k0 = 0; k0 < K; k0 += TK) {
        int k = k0 + lk;
        for (int i = 0; i < TS; i += 16) {
            int r = lr + i, n = n0 + r;
            As[lk][r] = load_a(x, xOff, ldx, m0 + r, k, M, K, conv);
            Bs[lk][r] = (n < N && k < K) ? loadw(w, wOff + n * K + k) : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int kk = 0; kk < TK; kk++) {
            float4 a = vload4(0, &As[kk][ty * 4]);
            float4 b = vload4(0, &Bs[kk][tx * 4]);
            acc0 = fma(a.s0, b, acc0);
            acc1 = fma(a.s1, b, acc1);
            acc2 = fma(a.s2, b, acc2);
            acc3 = fma(a.s3, b, acc3);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    int nb = n0 + tx * 4;
    float4 b4 = 0.0f;
    if (hasBias) for (int j = 0; j < 4; j++) if (nb + j < N) ((float*) &b4)[j] = bias[biasOff + nb + j];
    float4 rows[4] = {acc0 + b4, acc1 + b4, acc2 + b4, acc3 + b4};
    for (int i = 0; i < 4; i++) {
        int m = m0 + ty * 4 + i;
        if (m >= M) break;
        float vals[4];
        vstore4(rows[i], 0, vals);
        for (int j = 0; j < 4; j++) if (nb + j < N) store_y(y, yOff, m, nb + j, N, vals[j], conv);
    }
}

#define GEMV_ROWS 8
#define GEMV_LANES 32

kernel __attribute__((reqd_work_group_size(GEMV_ROWS * GEMV_LANES, 1, 1)))
void gemv(global const float* x, int xOff, global const wtype* w, int wOff,
          global const float* bias, int biasOff, int hasBias, global float* y, int yOff, int N, int K) {
    local float partial[GEMV_ROWS * GEMV_LANES];
    int lid = get_local_id(0), lane = lid % GEMV_LANES, r = lid / GEMV_LANES;
    int n = get_group_id(0) * GEMV_ROWS + r;
    float sum = 0.0f;
    if (n < N) {
        global const float* xs = x + xOff;
        int row = wOff + n * K;
        // 8-wide loads only from 8-element-aligned rows: NVIDIA's OpenCL reads vload_half8 / vload8 of
        // 16-bit data at a 2-byte-aligned address wrongly (seen on an H200), though the spec allows it.
        int k8 = ((row | xOff) & 7) == 0 ? K & ~7 : 0;
        for (int k = lane * 8; k < k8; k += GEMV_LANES * 8) {
            float8 p = vload8(0, xs + k) * loadw8(w, row + k);
            sum += dot(p.lo, (float4) 1.0f) + dot(p.hi, (float4) 1.0f);
        }
        for (int k = k8 + lane; k < K; k += GEMV_LANES) sum += xs[k] * loadw(w, row + k);
    }
    partial[lid] = sum;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = GEMV_LANES / 2; s > 0; s >>= 1) {
        if (lane < s) partial[lid] += partial[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lane == 0 && n < N) y[yOff + n] = partial[lid] + (hasBias ? bias[biasOff + n] : 0.0f);
}
