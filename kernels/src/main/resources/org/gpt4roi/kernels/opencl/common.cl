// Prepended to every program of the opencl backend.
//
// Weight dtype: each program that reads a weight-like tensor is built once per dtype with
// -DWEIGHT_F16, -DWEIGHT_BF16 or neither (F32). `wtype` is the element type in memory and
// loadw/loadw8 turn 1 or 8 of them into float. F16 uses vload_half (no cl_khr_fp16 needed);
// BF16 is the top half of an F32, so a shift.
//
// Offsets and sizes are in elements and fit in int (the Java side checks).
//
// No silent a*b+c → fma contraction: results then round like the Java cpu backend's (the matrix
// products call fma() explicitly where they want it).
#pragma OPENCL FP_CONTRACT OFF

#if defined(WEIGHT_F16)
#define wtype half      // a macro: OpenCL C allows half only as the target of a pointer
float loadw(global const wtype* p, int i) { return vload_half(i, p); }
float8 loadw8(global const wtype* p, int i) { return vload_half8(0, p + i); }
#elif defined(WEIGHT_BF16)
#define wtype ushort
float loadw(global const wtype* p, int i) { return as_float((uint) p[i] << 16); }
float8 loadw8(global const wtype* p, int i) { return as_float8(convert_uint8(vload8(0, p + i)) << 16); }
#else
#define wtype float
float loadw(global const wtype* p, int i) { return p[i]; }
float8 loadw8(global const wtype* p, int i) { return vload8(0, p + i); }
#endif

// Work-group reductions over a power-of-two local size; every item gets the result.
// `scratch` holds get_local_size(0) floats. A fixed tree: the same order on every run.
float group_sum(float v, local float* scratch) {
    int lid = get_local_id(0);
    scratch[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = get_local_size(0) / 2; s > 0; s >>= 1) {
        if (lid < s) scratch[lid] += scratch[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

float group_max(float v, local float* scratch) {
    int lid = get_local_id(0);
    scratch[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = get_local_size(0) / 2; s > 0; s >>= 1) {
        if (lid < s) scratch[lid] = fmax(scratch[lid], scratch[lid + s]);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

#define REDUCE_WG 256
