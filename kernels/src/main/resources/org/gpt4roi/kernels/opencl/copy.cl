// Copies and gathers; the source is `wtype` (any weight dtype), the destination F32.

// One step of turning a row-major linear index into strided offsets, for dimension `d`.
#define UNRAVEL(d) { int c = rem % shape.d; rem /= shape.d; s += c * srcStride.d; t += c * dstStride.d; }

// dst[view] = src[view] for two views of the same shape (rank <= 8, leading dims padded with 1).
kernel void copy_strided(global const wtype* src, int srcOff, global float* dst, int dstOff,
                         int8 shape, int8 srcStride, int8 dstStride, int n) {
    int i = get_global_id(0);
    if (i >= n) return;
    int rem = i, s = srcOff, t = dstOff;
    UNRAVEL(s7) UNRAVEL(s6) UNRAVEL(s5) UNRAVEL(s4) UNRAVEL(s3) UNRAVEL(s2) UNRAVEL(s1) UNRAVEL(s0)
    dst[t] = loadw(src, s);
}

// out[t, :] = table[ids[t], :]; table [V, D] contiguous.
kernel void embedding(global const wtype* table, int tableOff, global const int* ids,
                      global float* out, int outOff, int T, int D) {
    int d = get_global_id(0), t = get_global_id(1);
    if (d >= D || t >= T) return;
    out[outOff + t * D + d] = loadw(table, tableOff + ids[t] * D + d);
}
