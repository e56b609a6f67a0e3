// Host build of the float16/bfloat16 kernel math (../sigmoid_half.cuh, the functions the kernels
// call): evaluates every op over all 65,536 inputs of a format and writes the 16-bit results, so the
// JUnit test HostMathHalfTest can compare each one with the double-double reference rounded once.
//
// Build: nvcc -O2 -std=c++17 -Xcompiler -ffp-contract=off -o half_dump half_dump.cu
//        (or g++ -O2 -std=gnu++17 -ffp-contract=off -x c++ ...)
// Run:   half_dump f16|bf16 OUT   OUT: little-endian uint16, in order: the gradient sets G0..G2 (3 x
//        65,536: a fixed permutation of every pattern, then two constants), then sigmoid, derivative,
//        fused y, fused d (x = every pattern), then backward and backward-from-output for each G.
#include "../sigmoid_half.cuh"

#include <cstdio>
#include <cstring>
#include <vector>

int main(int argc, char** argv) {
    if (argc != 3 || (std::strcmp(argv[1], "f16") != 0 && std::strcmp(argv[1], "bf16") != 0)) {
        std::fprintf(stderr, "usage: half_dump f16|bf16 OUT\n");
        return 2;
    }
    bool bf = std::strcmp(argv[1], "bf16") == 0;
    sb::hfmt f = bf ? SB_BF16 : SB_F16;
    const int N = 1 << 16;
    std::vector<unsigned short> out;
    std::vector<std::vector<unsigned short>> gs(3, std::vector<unsigned short>(N));
    unsigned short one = bf ? 0x3F80 : 0x3C00;
    for (int i = 0; i < N; i++) {
        gs[0][i] = (unsigned short)((i * 40503u + 0x1234u) & 0xFFFF);  // odd multiplier: a permutation
        gs[1][i] = 6;                                                     // 6 smallest subnormals: g/4 is halfway
        gs[2][i] = (unsigned short)(one | 0x8000);                        // -1
    }
    for (auto& g : gs) out.insert(out.end(), g.begin(), g.end());
    std::vector<unsigned short> y(N), d(N), fy(N), fd(N);
    for (int i = 0; i < N; i++) {
        unsigned short x = (unsigned short)i;
        y[i] = sb::sigmoid_h(x, f);
        d[i] = sb::derivative_h(x, f);
        sb::fused_h(x, &fy[i], &fd[i], f);
    }
    for (auto* v : {&y, &d, &fy, &fd}) out.insert(out.end(), v->begin(), v->end());
    for (auto& g : gs) {
        for (int i = 0; i < N; i++) out.push_back(sb::backward_h((unsigned short)i, g[i], f));
    }
    for (auto& g : gs) {
        for (int i = 0; i < N; i++) out.push_back(sb::backward_from_output_h((unsigned short)i, g[i], f));
    }
    FILE* fp = std::fopen(argv[2], "wb");
    if (!fp || std::fwrite(out.data(), 2, out.size(), fp) != out.size() || std::fclose(fp) != 0) {
        std::perror(argv[2]);
        return 1;
    }
    std::printf("half_dump %s: %zu results\n", argv[1], out.size());
    return 0;
}
