// Rotary position embedding and multi-head attention. Rows of q, k, v may be strided (ld*).

// Rotate-half RoPE in place on x[T, heads·hd]; invFreq[hd/2] was computed on the host in float32.
kernel void rope(global float* x, int xOff, int ld, global const float* invFreq, int invOff, int heads, int hd, int startPos, int T) {
    int i = get_global_id(0), h = get_global_id(1), t = get_global_id(2);
    int half_hd = hd / 2;
    if (i >= half_hd || h >= heads || t >= T) return;
    float angle = (float) (startPos + t) * invFreq[invOff + i];
    float c = cos(angle), s = sin(angle);
    global float* p = x + xOff + t * ld + h * hd;
    float a = p[i], b = p[i + half_hd];
    p[i] = a * c - b * s;
    p[i + half_hd] = b * c + a * s;
}

#define ATT_WG 128
#define MAX_HD 256

// One work-group per (query t, head h): scores for keys 0..limit-1 go to scores[(t·H + h)·S + s],
// then softmax (max and sum in local memory), then out[t, h·hd + d] = Σ_s p_s · v[s, h·hd + d].
kernel __attribute__((reqd_work_group_size(ATT_WG, 1, 1)))
void attention(global const float* q, int qOff, int ldq, global const float* k, int kOff, int ldk,
               global const float* v, int vOff, int ldv, global float* out, int outOff, global float* scores,
               int T, int S, int H, int hd, int causal, float scale) {
    local float qs[MAX_HD];
    local float scratch[ATT_WG];
    int lid = get_local_id(0), g = get_group_id(0), t = g / H, h = g - t * H;
    for (int d = lid; d < hd; d += ATT_WG) qs[d] = q[qOff + t * ldq + h * hd + d];
    barrier(CLK_LOCAL_MEM_FENCE);

    int limit = causal ? S - T + t + 1 : S;
    global float* sc = scores + g * S;
    float m = -INFINITY;
    for (int s = lid; s < limit; s += ATT_WG) {
        global const float* kr = k + kOff + s * ldk + h * hd;
        float dotp = 0.0f;
        int d = 0;
        for (; d + 4 <= hd; d += 4) dotp += dot(vload4(0, kr + d), vload4(0, qs + d));
        for (; d < hd; d++) dotp += kr[d] * qs[d];
        float score = dotp * scale;
        sc[s] = score;
        m = fmax(m, score);
    }
    m = group_max(m, scratch);
    float sum = 0.0f;
    for (int s = lid; s < limit; s += ATT_WG) { float e = exp(sc[s] - m); sc[s] = e; sum += e; }
    float inv = 1.0f / group_sum(sum, scratch);
    barrier(CLK_GLOBAL_MEM_FENCE);   // the probabilities written above are read by other items below

    // Keys in chunks of ATT_WG with a barrier between chunks: items stay in step, so on a CPU
    // (PoCL runs a group's items one after another) a chunk's rows of v stay in cache.
    float acc[MAX_HD / ATT_WG] = {0.0f};
    global const float* vh = v + vOff + h * hd;
    for (int s0 = 0; s0 < limit; s0 += ATT_WG) {
        int s1 = min(s0 + ATT_WG, limit);
        for (int d = lid, j = 0; d < hd; d += ATT_WG, j++)
            for (int s = s0; s < s1; s++) acc[j] += sc[s] * vh[s * ldv + d];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int d = lid, j = 0; d < hd; d += ATT_WG, j++) out[outOff + t * H * hd + h * hd + d] = acc[j] * inv;
}
