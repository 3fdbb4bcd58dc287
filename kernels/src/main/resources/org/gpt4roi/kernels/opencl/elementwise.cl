// In-place element-wise ops on contiguous F32 ranges of n elements.

kernel void add(global float* x, int xOff, global const float* y, int yOff, int n) {
    int i = get_global_id(0);
    if (i < n) x[xOff + i] += y[yOff + i];
}

kernel void relu(global float* x, int xOff, int n) {
    int i = get_global_id(0);
    if (i < n) x[xOff + i] = fmax(x[xOff + i], 0.0f);
}

// x·σ(1.702x)
kernel void quick_gelu(global float* x, int xOff, int n) {
    int i = get_global_id(0);
    if (i < n) { float v = x[xOff + i]; x[xOff + i] = v / (1.0f + exp(-1.702f * v)); }
}

// gate = silu(gate) ⊙ up
kernel void silu_mul(global float* gate, int gOff, global const float* up, int uOff, int n) {
    int i = get_global_id(0);
    if (i < n) { float g = gate[gOff + i]; gate[gOff + i] = g / (1.0f + exp(-g)) * up[uOff + i]; }
}
