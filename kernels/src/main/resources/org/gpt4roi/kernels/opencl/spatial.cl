// Bilinear resize and RoIAlign on x[C, H, W] (contiguous F32).

// Source coordinate of output index `o` along an axis of `in` → `out` samples (PyTorch's rules).
float source_coord(int o, int in, int out, int alignCorners, float scale) {
    if (in == out) return (float) o;
    if (alignCorners) return scale * o;
    return fmax(scale * (o + 0.5f) - 0.5f, 0.0f);
}

kernel void resize_bilinear(global const float* x, int xOff, global float* y, int yOff, int C, int H, int W,
                            int outH, int outW, int alignCorners, float scaleH, float scaleW) {
    int ox = get_global_id(0), oy = get_global_id(1), c = get_global_id(2);
    if (ox >= outW || oy >= outH || c >= C) return;
    float sy = source_coord(oy, H, outH, alignCorners, scaleH);
    float sx = source_coord(ox, W, outW, alignCorners, scaleW);
    int y0 = (int) sy, x0 = (int) sx;
    int y1 = y0 + (y0 < H - 1 ? 1 : 0), x1 = x0 + (x0 < W - 1 ? 1 : 0);
    float ly = sy - y0, lx = sx - x0, hy = 1.0f - ly, hx = 1.0f - lx;
    global const float* p = x + xOff + c * H * W;
    y[yOff + (c * outH + oy) * outW + ox] = hy * (hx * p[y0 * W + x0] + lx * p[y0 * W + x1])
                                   + ly * (hx * p[y1 * W + x0] + lx * p[y1 * W + x1]);
}

// torchvision's bilinear_interpolate: zero outside [-1, size], clamped at the far edge.
float roi_sample(global const float* p, int H, int W, float y, float x) {
    if (y < -1.0f || y > H || x < -1.0f || x > W) return 0.0f;
    y = fmax(y, 0.0f);
    x = fmax(x, 0.0f);
    int yl = (int) y, xl = (int) x, yh, xh;
    if (yl >= H - 1) { yl = yh = H - 1; y = (float) yl; } else yh = yl + 1;
    if (xl >= W - 1) { xl = xh = W - 1; x = (float) xl; } else xh = xl + 1;
    float ly = y - yl, lx = x - xl, hy = 1.0f - ly, hx = 1.0f - lx;
    return hy * hx * p[yl * W + xl] + hy * lx * p[yl * W + xh] + ly * hx * p[yh * W + xl] + ly * lx * p[yh * W + xh];
}

// out[k, c, ph, pw]: the average of samplingRatio² bilinear samples in bin (ph, pw) of box k.
kernel void roi_align(global const float* x, int xOff, global const float* boxes, int boxOff, global float* out, int outOff,
                      int C, int H, int W, int K, int outSize, float spatialScale, int samplingRatio, int aligned) {
    int bin = get_global_id(0), c = get_global_id(1), k = get_global_id(2);
    if (bin >= outSize * outSize || c >= C || k >= K) return;
    int ph = bin / outSize, pw = bin - ph * outSize;
    global const float* box = boxes + boxOff + k * 4;
    float offset = aligned ? 0.5f : 0.0f;
    float x1 = box[0] * spatialScale - offset, y1 = box[1] * spatialScale - offset;
    float x2 = box[2] * spatialScale - offset, y2 = box[3] * spatialScale - offset;
    float roiW = x2 - x1, roiH = y2 - y1;
    if (!aligned) { roiW = fmax(roiW, 1.0f); roiH = fmax(roiH, 1.0f); }
    float binH = roiH / outSize, binW = roiW / outSize;
    int grid = samplingRatio;
    global const float* p = x + xOff + c * H * W;
    float acc = 0.0f;
    for (int iy = 0; iy < grid; iy++) {
        float yy = y1 + ph * binH + (iy + 0.5f) * binH / grid;
        for (int ix = 0; ix < grid; ix++) {
            float xx = x1 + pw * binW + (ix + 0.5f) * binW / grid;
            acc += roi_sample(p, H, W, yy, xx);
        }
    }
    out[outOff + ((k * C + c) * outSize + ph) * outSize + pw] = acc / (grid * grid);
}
