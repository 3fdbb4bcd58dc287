// Row statistics: one work-group of REDUCE_WG items per row (or per group of rows), local-memory trees.
// Inputs are contiguous F32; x and y may be the same buffer (softmax is in place).

kernel __attribute__((reqd_work_group_size(REDUCE_WG, 1, 1)))
void layer_norm(global const float* x, int xOff, global const float* w, int wOff, global const float* b, int bOff,
                global float* y, int yOff, int N, float eps) {
    local float scratch[REDUCE_WG];
    int lid = get_local_id(0), row = get_group_id(0);
    global const float* xr = x + xOff + row * N;
    float s = 0.0f;
    for (int i = lid; i < N; i += REDUCE_WG) s += xr[i];
    float mean = group_sum(s, scratch) / N;
    float v = 0.0f;
    for (int i = lid; i < N; i += REDUCE_WG) { float d = xr[i] - mean; v += d * d; }
    float inv = 1.0f / sqrt(group_sum(v, scratch) / N + eps);
    for (int i = lid; i < N; i += REDUCE_WG) y[yOff + row * N + i] = (xr[i] - mean) * inv * w[wOff + i] + b[bOff + i];
}

kernel __attribute__((reqd_work_group_size(REDUCE_WG, 1, 1)))
void rms_norm(global const float* x, int xOff, global const float* w, int wOff, global float* y, int yOff, int N, float eps) {
    local float scratch[REDUCE_WG];
    int lid = get_local_id(0), row = get_group_id(0);
    global const float* xr = x + xOff + row * N;
    float s = 0.0f;
    for (int i = lid; i < N; i += REDUCE_WG) s += xr[i] * xr[i];
    float inv = 1.0f / sqrt(group_sum(s, scratch) / N + eps);
    for (int i = lid; i < N; i += REDUCE_WG) y[yOff + row * N + i] = w[wOff + i] * (xr[i] * inv);
}

// x[n, C, L]: work-group (n, g) normalises channels g*C/G .. (g+1)*C/G - 1 of sample n.
kernel __attribute__((reqd_work_group_size(REDUCE_WG, 1, 1)))
void group_norm(global const float* x, int xOff, global const float* w, int wOff, global const float* b, int bOff,
                global float* y, int yOff, int C, int L, int groups, float eps) {
    local float scratch[REDUCE_WG];
    int lid = get_local_id(0), id = get_group_id(0);
    int n = id / groups, g = id - n * groups, cpg = C / groups, count = cpg * L;
    int start = (n * C + g * cpg) * L;
    global const float* xg = x + xOff + start;
    float s = 0.0f;
    for (int i = lid; i < count; i += REDUCE_WG) s += xg[i];
    float mean = group_sum(s, scratch) / count;
    float v = 0.0f;
    for (int i = lid; i < count; i += REDUCE_WG) { float d = xg[i] - mean; v += d * d; }
    float inv = 1.0f / sqrt(group_sum(v, scratch) / count + eps);
    for (int i = lid; i < count; i += REDUCE_WG) {
        int c = g * cpg + i / L;
        y[yOff + start + i] = (xg[i] - mean) * inv * w[wOff + c] + b[bOff + c];
    }
}

kernel __attribute__((reqd_work_group_size(REDUCE_WG, 1, 1)))
void softmax(global float* x, int xOff, int N) {
    local float scratch[REDUCE_WG];
    int lid = get_local_id(0);
    global float* xr = x + xOff + get_group_id(0) * N;
    float m = -INFINITY;
    for (int i = lid; i < N; i += REDUCE_WG) m = fmax(m, xr[i]);
    m = group_max(m, scratch);
    float s = 0.0f;
    for (int i = lid; i < N; i += REDUCE_WG) { float e = exp(xr[i] - m); xr[i] = e; s += e; }
    float inv = 1.0f / group_sum(s, scratch);
    for (int i = lid; i < N; i += REDUCE_WG) xr[i] *= inv;
}
