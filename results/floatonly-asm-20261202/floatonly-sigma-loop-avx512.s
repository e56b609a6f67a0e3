 1e0: vmovups        0x10(%rax,%rsi,4),%zmm20
 1eb: vcmpge_oqps    %zmm26,%zmm20,%k7
 1f2: kmovq          %k7,0x200(%rsp)
 1fc: vmovdqu64      %zmm20,%zmm0
 202: vpbroadcastd   -0x240(%rip),%zmm1        # 0xffffffffffffffcc
 20c: vpandd         %zmm1,%zmm0,%zmm0
 212: vpbroadcastd   -0x24c(%rip),%zmm1        # 0xffffffffffffffd0
 21c: vpcmpnled      %zmm1,%zmm0,%k7
 223: vpblendmd      %zmm26,%zmm20,%zmm0{%k7}
 229: kmovq          %k7,(%rsp)
 22f: vandps         -0x101ad9(%rip),%zmm0,%zmm0        # 0xffffffffffefe760
 239: vxorps         -0x101aa3(%rip),%zmm0,%zmm0        # 0xffffffffffefe7a0
 243: vcmplt_oqps    %zmm6,%zmm0,%k7
 24a: vpblendmd      %zmm6,%zmm0,%zmm1{%k7}
 250: vmovdqu64      %zmm7,%zmm0
 256: vbroadcastss   -0x28c(%rip),%zmm2        # 0xffffffffffffffd4
 260: vfmadd231ps    %zmm2,%zmm1,%zmm0
 266: vsubps         %zmm7,%zmm0,%zmm2
 26c: vbroadcastss   -0x29e(%rip),%zmm0        # 0xffffffffffffffd8
 276: vfmadd231ps    %zmm0,%zmm2,%zmm1
 27c: vmulps         %zmm2,%zmm29,%zmm0
 282: vsubps         %zmm0,%zmm1,%zmm21
 288: vxorps         -0x101af2(%rip),%zmm0,%zmm0        # 0xffffffffffefe7a0
 292: vmovdqu64      %zmm12,%zmm22
 298: vbroadcastss   -0x2c6(%rip),%zmm23        # 0xffffffffffffffdc
 2a2: vfmadd231ps    %zmm23,%zmm21,%zmm22
 2a8: vmovdqu64      %zmm27,%zmm23
 2ae: vfmadd231ps    %zmm21,%zmm22,%zmm23
 2b4: vmovdqu64      %zmm30,%zmm22
 2ba: vfmadd231ps    %zmm21,%zmm23,%zmm22
 2c0: vmovdqu64      %zmm0,%zmm23
 2c6: vfmadd231ps    %zmm29,%zmm2,%zmm23
 2cc: vsubps         %zmm1,%zmm21,%zmm24
 2d2: vsubps         %zmm24,%zmm0,%zmm0
 2d8: vsubps         %zmm24,%zmm21,%zmm24
 2de: vsubps         %zmm24,%zmm1,%zmm1
 2e4: vaddps         %zmm0,%zmm1,%zmm0
 2ea: vsubps         %zmm23,%zmm0,%zmm1
 2f0: vbroadcastss   -0x31a(%rip),%zmm0        # 0xffffffffffffffe0
 2fa: vfmadd231ps    %zmm0,%zmm2,%zmm1
 300: vfmadd231ps    %zmm21,%zmm1,%zmm1
 306: vmulps         %zmm21,%zmm21,%zmm0
 30c: vmulps         %zmm9,%zmm0,%zmm23
 312: vmulps         %zmm0,%zmm21,%zmm24
 318: vxorps         -0x101b82(%rip),%zmm0,%zmm0        # 0xffffffffffefe7a0
 322: vfmadd231ps    %zmm21,%zmm21,%zmm0
 328: vmulps         %zmm9,%zmm0,%zmm0
 32e: vaddps         %zmm0,%zmm1,%zmm0
 334: vfmadd231ps    %zmm22,%zmm24,%zmm0
 33a: vaddps         %zmm23,%zmm21,%zmm1
 340: vsubps         %zmm21,%zmm1,%zmm21
 346: vsubps         %zmm21,%zmm23,%zmm21
 34c: vaddps         %zmm21,%zmm0,%zmm21
 352: vcvttps2dq     %zmm2,%zmm22
 358: vmovdqu32      -0x101bc2(%rip),%zmm0        # 0xffffffffffefe7a0
 362: vpcmpeqd       %zmm22,%zmm0,%k3
 368: kortestw       %k3,%k3
 36c: je             0x399
 36e: vpxord         %zmm23,%zmm23,%zmm23
 374: vcmpunordps    %zmm2,%zmm2,%k5
 37b: vmovdqu32      %zmm23,%zmm22{%k5}
 381: kxorw          %k5,%k3,%k3
 385: vcmpnlt_uqps   %zmm23,%zmm2,%k3{%k3}
 38c: vpternlogd     $0x11,%zmm0,%zmm0,%zmm23
 393: vmovdqu32      %zmm23,%zmm22{%k3}
 399: vpsrad         $0x3,%zmm22,%zmm23
 3a0: vpandd         %zmm4,%zmm22,%zmm0
 3a6: vpternlogd     $0x80,%zmm5,%zmm4,%zmm22
 3ad: vpcmpeqd       %zmm0,%zmm22,%k5
 3b4: vpcmpled       %zmm15,%zmm23,%k3
 3bb: vpsubd         %zmm8,%zmm22,%zmm0
 3c1: vpblendmd      %zmm22,%zmm0,%zmm0{%k5}
 3c7: vpandd         %zmm0,%zmm5,%zmm2
 3cd: vpcmpltd       %zmm14,%zmm23,%k5
 3d4: vpblendmd      %zmm14,%zmm23,%zmm22{%k5}
 3da: vpermd         %zmm18,%zmm2,%zmm0
 3e0: vpermd         %zmm19,%zmm2,%zmm2
 3e6: vfmadd231ps    %zmm1,%zmm0,%zmm0
 3ec: vfmadd231ps    %zmm21,%zmm2,%zmm0
 3f2: vpcmpnled      %zmm11,%zmm22,%k5
 3f9: vpblendmd      %zmm11,%zmm22,%zmm21{%k5}
 3ff: vpaddd         %zmm21,%zmm11,%zmm21
 405: vpslld         $0x17,%zmm21,%zmm21
 40c: vmulps         %zmm2,%zmm1,%zmm24
 412: vpcmpnled      %zmm11,%zmm23,%k2
 419: vxorps         -0x101c83(%rip),%zmm24,%zmm22        # 0xffffffffffefe7a0
 423: vfmadd231ps    %zmm1,%zmm2,%zmm22
 429: vaddps         %zmm0,%zmm22,%zmm0
 42f: vaddps         %zmm24,%zmm2,%zmm22
 435: vsubps         %zmm2,%zmm22,%zmm1
 43b: vsubps         %zmm1,%zmm24,%zmm1
 441: vaddps         %zmm0,%zmm1,%zmm2
 447: vpcmpltd       %zmm10,%zmm23,%k5
 44e: vpblendmd      %zmm10,%zmm23,%zmm0{%k5}
 454: vpaddd         %zmm11,%zmm0,%zmm0
 45a: vpslld         $0x17,%zmm0,%zmm1
 461: vpcmpltd       %zmm16,%zmm23,%k5
 468: vpblendmd      %zmm16,%zmm23,%zmm23{%k5}
 46e: vmulps         %zmm1,%zmm2,%zmm0
 474: vmulps         %zmm1,%zmm22,%zmm1
 47a: vpcmpnled      %zmm15,%zmm23,%k5
 481: vpblendmd      %zmm15,%zmm23,%zmm23{%k5}
 487: vpaddd         %zmm17,%zmm23,%zmm23
 48d: vpslld         $0x17,%zmm23,%zmm23
 494: vaddps         %zmm1,%zmm28,%zmm24
 49a: vdivps         %zmm24,%zmm28,%zmm25
 4a0: vmulps         %zmm25,%zmm2,%zmm31
 4a6: vsubps         %zmm28,%zmm24,%zmm2
 4ac: vsubps         %zmm2,%zmm1,%zmm1
 4b2: vaddps         %zmm1,%zmm0,%zmm0
 4b8: vxorps         -0x101d22(%rip),%zmm25,%zmm1        # 0xffffffffffefe7a0
 4c2: vmovdqu64      %zmm28,%zmm2
 4c8: vfmadd231ps    %zmm1,%zmm24,%zmm2
 4ce: vfmadd231ps    %zmm1,%zmm0,%zmm2
 4d4: vmulps         %zmm2,%zmm25,%zmm0
 4da: vfmadd231ps    %zmm0,%zmm22,%zmm31
 4e0: vaddps         %zmm0,%zmm25,%zmm0
 4e6: vmulps         %zmm25,%zmm22,%zmm1
 4ec: vxorps         -0x101d56(%rip),%zmm1,%zmm2        # 0xffffffffffefe7a0
 4f6: vfmadd231ps    %zmm25,%zmm22,%zmm2
 4fc: vaddps         %zmm31,%zmm2,%zmm2
 502: vaddps         %zmm2,%zmm1,%zmm22
 508: vsubps         %zmm1,%zmm22,%zmm1
 50e: vsubps         %zmm1,%zmm2,%zmm1
 514: vmulps         %zmm23,%zmm1,%zmm2
 51a: vmulps         %zmm23,%zmm22,%zmm1
 520: vmulps         %zmm13,%zmm22,%zmm23
 526: vpblendmd      %zmm23,%zmm22,%zmm22{%k2}
 52c: vmulps         %zmm21,%zmm22,%zmm22
 532: vcmplt_oqps    %zmm3,%zmm1,%k5
 539: kandw          %k3,%k5,%k5
 53d: vaddps         %zmm3,%zmm1,%zmm21
 543: vsubps         %zmm3,%zmm21,%zmm21
 549: vsubps         %zmm21,%zmm1,%zmm1
 54f: vcmpgt_oqps    %zmm26,%zmm2,%k4
 556: vcmplt_oqps    %zmm26,%zmm2,%k3
 55d: vbroadcastss   -0x583(%rip),%zmm2        # 0xffffffffffffffe4
 567: vcmpeqps       %zmm2,%zmm1,%k2
 56e: vcmpeqps       %zmm9,%zmm1,%k1
 575: kandw          %k2,%k3,%k6
 579: kandw          %k1,%k4,%k7
 57d: vaddps         %zmm21,%zmm28,%zmm1
 583: vpblendmd      %zmm1,%zmm21,%zmm1{%k7}
 589: vsubps         %zmm28,%zmm1,%zmm2
 58f: vpblendmd      %zmm2,%zmm1,%zmm1{%k6}
 595: vbroadcastss   -0x5b7(%rip),%zmm2        # 0xffffffffffffffe8
 59f: vmulps         %zmm2,%zmm1,%zmm1
 5a5: vpblendmd      %zmm1,%zmm22,%zmm1{%k5}
 5ab: kmovq          0x200(%rsp),%k7
 5b5: vpblendmd      %zmm0,%zmm1,%zmm0{%k7}
 5bb: kmovq          (%rsp),%k7
 5c1: vpblendmd      %zmm20,%zmm0,%zmm0{%k7}
 5c7: vmovdqu32      %zmm0,0x10(%rbp,%rsi,4)
 5d2: add            $0x10,%esi
 5d5: cmp            %ebx,%esi
 5d7: jl             0x1e0
