// sigbatch CUDA kernels: sigma, sigma' (from x), fused sigma+sigma' (one read, two writes), backward from x
// and backward from y, for float32 and float64. The per-element math is in sigmoid_math.cuh and is
// proven on the host by test/host_check.cu (all 2^32 float32 inputs); this file only moves data.
//
// Loads and stores are 128-bit (float4/double2) where every pointer of a call has the same alignment
// modulo 16 (the first elements up to the 16-byte boundary are done one by one); otherwise the kernel
// falls back to scalar accesses. Grid-stride loops with 64-bit indices: any length, any grid size.
// In-place calls (output pointer == input pointer) are fine: each element is read before it is
// written, by the same thread. No __restrict__ for that reason.
// Build: make fatbin (flags in fatbin.flags; -fmad=false is required by sigmoid_math.cuh).
#include <stdint.h>

#include "sigmoid_math.cuh"
#include "sigmoid_float_only.h"

namespace {

template <class T>
struct Vec;
template <>
struct Vec<float> {
    typedef float4 type;
    static const int N = 4;
};
template <>
struct Vec<double> {
    typedef double2 type;
    static const int N = 2;
};

__device__ __forceinline__ long long thread_index() { return (long long)blockIdx.x * blockDim.x + threadIdx.x; }

__device__ __forceinline__ long long thread_count() { return (long long)gridDim.x * blockDim.x; }

// Elements before the first 16-byte boundary when all pointers share the same offset modulo 16;
// -1 when they do not (no vector access possible).
template <class T>
__device__ __forceinline__ long long vector_head(long long n, const void* a, const void* b, const void* c) {
    uintptr_t m = (uintptr_t)a & 15;
    if (((uintptr_t)b & 15) != m || ((uintptr_t)c & 15) != m || (m % sizeof(T)) != 0) {
        return -1;
    }
    long long head = (long long)(((16 - m) & 15) / sizeof(T));
    return head < n ? head : n;
}

// y[i] = f(x[i])
template <class T, class F>
__device__ __forceinline__ void map_1_1(const T* x, T* y, long long n, F f) {
    typedef typename Vec<T>::type V;
    const int W = Vec<T>::N;
    long long tid = thread_index(), stride = thread_count();
    long long head = vector_head<T>(n, x, y, y);
    long long nv = head < 0 ? 0 : (n - head) / W;
    if (head < 0) head = 0;
    const V* xv = (const V*)(x + head);
    V* yv = (V*)(y + head);
    for (long long i = tid; i < nv; i += stride) {
        V v = xv[i];
        V r;
#pragma unroll
        for (int j = 0; j < W; j++) ((T*)&r)[j] = f(((const T*)&v)[j]);
        yv[i] = r;
    }
    long long tail = head + nv * W;
    for (long long s = tid; s < head + (n - tail); s += stride) {  // head and tail, one loop (one copy of the math)
        long long i = s < head ? s : tail + (s - head);
        y[i] = f(x[i]);
    }
}

// (y[i], d[i]) = f(x[i])
template <class T, class F>
__device__ __forceinline__ void map_1_2(const T* x, T* y, T* d, long long n, F f) {
    typedef typename Vec<T>::type V;
    const int W = Vec<T>::N;
    long long tid = thread_index(), stride = thread_count();
    long long head = vector_head<T>(n, x, y, d);
    long long nv = head < 0 ? 0 : (n - head) / W;
    if (head < 0) head = 0;
    const V* xv = (const V*)(x + head);
    V* yv = (V*)(y + head);
    V* dv = (V*)(d + head);
    for (long long i = tid; i < nv; i += stride) {
        V v = xv[i];
        V ry, rd;
#pragma unroll
        for (int j = 0; j < W; j++) f(((const T*)&v)[j], &((T*)&ry)[j], &((T*)&rd)[j]);
        yv[i] = ry;
        dv[i] = rd;
    }
    long long tail = head + nv * W;
    for (long long s = tid; s < head + (n - tail); s += stride) {
        long long i = s < head ? s : tail + (s - head);
        f(x[i], &y[i], &d[i]);
    }
}

// o[i] = f(a[i], b[i])
template <class T, class F>
__device__ __forceinline__ void map_2_1(const T* a, const T* b, T* o, long long n, F f) {
    typedef typename Vec<T>::type V;
    const int W = Vec<T>::N;
    long long tid = thread_index(), stride = thread_count();
    long long head = vector_head<T>(n, a, b, o);
    long long nv = head < 0 ? 0 : (n - head) / W;
    if (head < 0) head = 0;
    const V* av = (const V*)(a + head);
    const V* bv = (const V*)(b + head);
    V* ov = (V*)(o + head);
    for (long long i = tid; i < nv; i += stride) {
        V va = av[i];
        V vb = bv[i];
        V r;
#pragma unroll
        for (int j = 0; j < W; j++) ((T*)&r)[j] = f(((const T*)&va)[j], ((const T*)&vb)[j]);
        ov[i] = r;
    }
    long long tail = head + nv * W;
    for (long long s = tid; s < head + (n - tail); s += stride) {
        long long i = s < head ? s : tail + (s - head);
        o[i] = f(a[i], b[i]);
    }
}

struct Sigmoid32 { __device__ float operator()(float x) const { return sb::sigmoid_f32(x); } };
struct Derivative32 { __device__ float operator()(float x) const { return sb::derivative_f32(x); } };
struct Fused32 { __device__ void operator()(float x, float* y, float* d) const { sb::fused_f32(x, y, d); } };
struct Backward32 { __device__ float operator()(float x, float g) const { return sb::backward_f32(x, g); } };
struct BackwardY32 { __device__ float operator()(float y, float g) const { return sb::backward_from_output_f32(y, g); } };
// float-only compensated float32 (sigmoid_float_only.h): no FP64, for GPUs with slow double arithmetic
struct SigmoidFo { __device__ float operator()(float x) const { return sbfo_sigmoid(x); } };
struct DerivativeFo { __device__ float operator()(float x) const { return sbfo_derivative(x); } };
struct FusedFo { __device__ void operator()(float x, float* y, float* d) const { sbfo_fused(x, y, d); } };
struct BackwardFo { __device__ float operator()(float x, float g) const { return sbfo_backward(x, g); } };
struct BackwardYFo { __device__ float operator()(float y, float g) const { return sbfo_backward_from_output(y, g); } };
struct Sigmoid64 { __device__ double operator()(double x) const { return sb::sigmoid_f64(x); } };
struct Derivative64 { __device__ double operator()(double x) const { return sb::derivative_f64(x); } };
struct Fused64 { __device__ void operator()(double x, double* y, double* d) const { sb::fused_f64(x, y, d); } };
struct Backward64 { __device__ double operator()(double x, double g) const { return sb::backward_f64(x, g); } };
struct BackwardY64 { __device__ double operator()(double y, double g) const { return sb::backward_from_output_f64(y, g); } };

}  // namespace

#define SB_KERNEL extern "C" __global__ void __launch_bounds__(256)

SB_KERNEL sigmoid_f32(const float* x, float* y, long long n) { map_1_1(x, y, n, Sigmoid32()); }
SB_KERNEL derivative_f32(const float* x, float* d, long long n) { map_1_1(x, d, n, Derivative32()); }
SB_KERNEL fused_f32(const float* x, float* y, float* d, long long n) { map_1_2(x, y, d, n, Fused32()); }
SB_KERNEL backward_f32(const float* x, const float* g, float* out, long long n) { map_2_1(x, g, out, n, Backward32()); }
SB_KERNEL backward_from_output_f32(const float* y, const float* g, float* out, long long n) { map_2_1(y, g, out, n, BackwardY32()); }

SB_KERNEL sigmoid_f32_floatonly(const float* x, float* y, long long n) { map_1_1(x, y, n, SigmoidFo()); }
SB_KERNEL derivative_f32_floatonly(const float* x, float* d, long long n) { map_1_1(x, d, n, DerivativeFo()); }
SB_KERNEL fused_f32_floatonly(const float* x, float* y, float* d, long long n) { map_1_2(x, y, d, n, FusedFo()); }
SB_KERNEL backward_f32_floatonly(const float* x, const float* g, float* out, long long n) { map_2_1(x, g, out, n, BackwardFo()); }
SB_KERNEL backward_from_output_f32_floatonly(const float* y, const float* g, float* out, long long n) { map_2_1(y, g, out, n, BackwardYFo()); }

SB_KERNEL sigmoid_f64(const double* x, double* y, long long n) { map_1_1(x, y, n, Sigmoid64()); }
SB_KERNEL derivative_f64(const double* x, double* d, long long n) { map_1_1(x, d, n, Derivative64()); }
SB_KERNEL fused_f64(const double* x, double* y, double* d, long long n) { map_1_2(x, y, d, n, Fused64()); }
SB_KERNEL backward_f64(const double* x, const double* g, double* out, long long n) { map_2_1(x, g, out, n, Backward64()); }
SB_KERNEL backward_from_output_f64(const double* y, const double* g, double* out, long long n) { map_2_1(y, g, out, n, BackwardY64()); }

// ---------------------------------------------------------------- float16 and bfloat16
// Raw 16-bit patterns (the bits of __half / __nv_bfloat16), 16-byte vector accesses of 8 elements;
// the math (sigmoid_half.cuh) widens to double and rounds once, so every result is correctly rounded.
#include "sigmoid_half.cuh"

namespace {

template <>
struct Vec<unsigned short> {
    typedef uint4 type;
    static const int N = 8;
};

template <int FMT>
struct HalfOps {
    static __device__ __forceinline__ sb::hfmt f() { return FMT == 0 ? SB_F16 : SB_BF16; }
    struct Sigmoid { __device__ unsigned short operator()(unsigned short x) const { return sb::sigmoid_h(x, f()); } };
    struct Derivative { __device__ unsigned short operator()(unsigned short x) const { return sb::derivative_h(x, f()); } };
    struct Fused {
        __device__ void operator()(unsigned short x, unsigned short* y, unsigned short* d) const { sb::fused_h(x, y, d, f()); }
    };
    struct Backward { __device__ unsigned short operator()(unsigned short x, unsigned short g) const { return sb::backward_h(x, g, f()); } };
    struct BackwardY {
        __device__ unsigned short operator()(unsigned short y, unsigned short g) const { return sb::backward_from_output_h(y, g, f()); }
    };
};

typedef HalfOps<0> F16;
typedef HalfOps<1> BF16;
typedef unsigned short u16;

}  // namespace

SB_KERNEL sigmoid_f16(const u16* x, u16* y, long long n) { map_1_1(x, y, n, F16::Sigmoid()); }
SB_KERNEL derivative_f16(const u16* x, u16* d, long long n) { map_1_1(x, d, n, F16::Derivative()); }
SB_KERNEL fused_f16(const u16* x, u16* y, u16* d, long long n) { map_1_2(x, y, d, n, F16::Fused()); }
SB_KERNEL backward_f16(const u16* x, const u16* g, u16* out, long long n) { map_2_1(x, g, out, n, F16::Backward()); }
SB_KERNEL backward_from_output_f16(const u16* y, const u16* g, u16* out, long long n) { map_2_1(y, g, out, n, F16::BackwardY()); }

SB_KERNEL sigmoid_bf16(const u16* x, u16* y, long long n) { map_1_1(x, y, n, BF16::Sigmoid()); }
SB_KERNEL derivative_bf16(const u16* x, u16* d, long long n) { map_1_1(x, d, n, BF16::Derivative()); }
SB_KERNEL fused_bf16(const u16* x, u16* y, u16* d, long long n) { map_1_2(x, y, d, n, BF16::Fused()); }
SB_KERNEL backward_bf16(const u16* x, const u16* g, u16* out, long long n) { map_2_1(x, g, out, n, BF16::Backward()); }
SB_KERNEL backward_from_output_bf16(const u16* y, const u16* g, u16* out, long long n) { map_2_1(y, g, out, n, BF16::BackwardY()); }
