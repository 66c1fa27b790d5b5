#!/usr/bin/env python3
"""
Generates firmware/src/dsp/fft_m4.S: the radix-8 FFT kernels for the Cortex-M4F (FPv4-SP) used
by src/dsp/fft.c on ARM builds. Run it after changing this file: npm run generate (which runs
python3 firmware/tools/gen_fft_m4.py; VIGIL_GENERATE_ROOT=<dir> writes under <dir> instead of the
repository). The output is stamped with the SHA-256 of this file (first 16 hex digits).

Why generated: a radix-8 butterfly keeps its 8 complex points (16 floats) in registers; each
complex value lives in a pair of consecutive S registers, so a point loads and stores with one
VLDMIA/VSTMIA. The 8-point DFT (52 additions, 4 multiplications: the DFT8 macro of fft.c after
Duhamel & Vetterli 1990, the same operations in the same order) is done pair-wise: "A + B in
place, A - B into a free pair", so the pair that held B is free for the next one. Tracking which
registers hold which value by hand is error-prone; this script does it and asserts that no live
value is overwritten.

Kernels (AAPCS: r0-r3 arguments, r4-r11 and s16-s31 preserved):
  dsp_fft_r8_first_m4(float *buf, size_t groups)
      groups x 8 contiguous complex points: one VLDM of 16 floats, DFT8, eight VSTMIA of a pair.
      The first stage of a DIT FFT whose input was stored digit-reversed.
  dsp_fft_r8_tw_m4(float *p, size_t count, size_t stride_bytes, const float *tw)
      count butterflies k = 0 .. count-1 of a radix-8 stage: points p + 8 k + t stride_bytes
      (t = 0..7), twiddles tw[14 k .. 14 k + 13] for points 1..7, (re, im). Per point one VLDMIA
      (no writeback) and one VSTMIA with writeback, which also steps to the next k.
"""
import hashlib
import os
import random

SQRT1_2_REG = 0  # s0 holds sqrt(1/2) throughout


class Pairs:
    """Complex values in consecutive register pairs (s2n, s2n+1)."""

    def __init__(self, free_pairs, rng=None):
        self.free = sorted(free_pairs)  # first register of each free pair
        self.at = {}  # name -> first register
        self.rng = rng  # None: lowest free pair first; else a random free pair

    def put(self, name, r):
        assert r not in self.at.values(), (name, r)
        self.at[name] = r

    def new(self, name):
        i = 0 if self.rng is None else self.rng.randrange(len(self.free))
        r = self.free.pop(i)
        self.put(name, r)
        return r

    def drop(self, name):
        self.free.append(self.at.pop(name))
        self.free.sort()

    def rename(self, old, new):
        self.at[new] = self.at.pop(old)

    def re(self, name):
        return "s%d" % self.at[name]

    def im(self, name):
        return "s%d" % (self.at[name] + 1)


def bfly(out, P, a, b, sum_name, diff_name, what):
    """diff = a - b into a free pair; sum = a + b in place of a; b's pair is freed."""
    P.new(diff_name)
    out.append("    vsub.f32 %s, %s, %s   @ %s = %s - %s" % (P.re(diff_name), P.re(a), P.re(b), diff_name, a, b))
    out.append("    vsub.f32 %s, %s, %s" % (P.im(diff_name), P.im(a), P.im(b)))
    out.append("    vadd.f32 %s, %s, %s   @ %s = %s + %s  %s" % (P.re(a), P.re(a), P.re(b), sum_name, a, b, what))
    out.append("    vadd.f32 %s, %s, %s" % (P.im(a), P.im(a), P.im(b)))
    P.rename(a, sum_name)
    P.drop(b)


def bfly_minus_i(out, P, a, b, plus_name, minus_name, what):
    """plus = a - i b = (ar + bi, ai - br) in place of a; minus = a + i b = (ar - bi, ai + br) new."""
    P.new(minus_name)
    out.append("    vsub.f32 %s, %s, %s   @ %s = %s + i %s" % (P.re(minus_name), P.re(a), P.im(b), minus_name, a, b))
    out.append("    vadd.f32 %s, %s, %s" % (P.im(minus_name), P.im(a), P.re(b)))
    out.append("    vadd.f32 %s, %s, %s   @ %s = %s - i %s  %s" % (P.re(a), P.re(a), P.im(b), plus_name, a, b, what))
    out.append("    vsub.f32 %s, %s, %s" % (P.im(a), P.im(a), P.re(b)))
    P.rename(a, plus_name)
    P.drop(b)


def dft8(out, P):
    """X_q = sum_t a_t W8^(t q) on points a0..a7 (pairs); leaves X0..X7 in pairs."""
    tmp = 1  # s1 is the single scratch register for the W8 multiplications
    # even points: 4-point DFT of a0, a2, a4, a6
    bfly(out, P, "a0", "a4", "s04", "d04", "")
    bfly(out, P, "a2", "a6", "s26", "d26", "")
    bfly(out, P, "s04", "s26", "e0", "e2", "")
    bfly_minus_i(out, P, "d04", "d26", "e1", "e3", "e1 = d04 - i d26, e3 = d04 + i d26")
    # odd points
    bfly(out, P, "a1", "a5", "s15", "d15", "")
    bfly(out, P, "a3", "a7", "s37", "d37", "")
    bfly(out, P, "s15", "s37", "o0", "o2", "")
    bfly_minus_i(out, P, "d15", "d37", "o1", "o3", "")
    # t1 = W8 o1 = ((o1r + o1i) c, (o1i - o1r) c)
    r, i = P.re("o1"), P.im("o1")
    out.append("    vadd.f32 s%d, %s, %s   @ o1r + o1i" % (tmp, r, i))
    out.append("    vsub.f32 %s, %s, %s   @ o1i - o1r" % (i, i, r))
    out.append("    vmul.f32 %s, s%d, s%d   @ t1 = W8 o1" % (r, tmp, SQRT1_2_REG))
    out.append("    vmul.f32 %s, %s, s%d" % (i, i, SQRT1_2_REG))
    P.rename("o1", "t1")
    # t3 = W8^3 o3 = ((o3i - o3r) c, -(o3r + o3i) c)
    r, i = P.re("o3"), P.im("o3")
    out.append("    vadd.f32 s%d, %s, %s   @ o3r + o3i" % (tmp, r, i))
    out.append("    vsub.f32 %s, %s, %s   @ o3i - o3r" % (r, i, r))
    out.append("    vmul.f32 %s, %s, s%d   @ t3 = W8^3 o3" % (r, r, SQRT1_2_REG))
    out.append("    vnmul.f32 %s, s%d, s%d" % (i, tmp, SQRT1_2_REG))
    P.rename("o3", "t3")
    # outputs
    bfly(out, P, "e0", "o0", "X0", "X4", "")
    bfly(out, P, "e1", "t1", "X1", "X5", "")
    bfly(out, P, "e3", "t3", "X3", "X7", "")
    bfly_minus_i(out, P, "e2", "o2", "X2", "X6", "X2 = e2 - i o2, X6 = e2 + i o2")


with open(os.path.abspath(__file__), "rb") as _src:
    STAMP = "firmware/tools/gen_fft_m4.py sha256:" + hashlib.sha256(_src.read()).hexdigest()[:16]

HEADER = """/* Generated by """ + STAMP + """: do not edit; change the generator
 * and run npm run generate. Radix-8 FFT kernels for the Cortex-M4F; see the generator's docstring and src/dsp/fft.c. */
    .syntax unified
    .thumb
    .fpu fpv4-sp-d16
    .text
"""


def gen():
    out = [HEADER]
    # ---------------- first stage ----------------
    out.append("""
@ void dsp_fft_r8_first_m4(float *buf, size_t groups)
    .global dsp_fft_r8_first_m4
    .type dsp_fft_r8_first_m4, %function
    .p2align 2
dsp_fft_r8_first_m4:
    cmp     r1, #0
    beq     9f
    vpush   {s16-s31}
    vldr    s0, .Lsqrt_first
1:
    vldmia  r0, {s16-s31}
""")
    # The outputs go to 8 consecutive complex slots: search register assignments (deterministic
    # seed) for the fewest runs of ascending consecutive pairs, each run one VSTMIA.
    def runs(P):
        regs = [P.at["X%d" % k] for k in range(8)]
        return 1 + sum(1 for k in range(1, 8) if regs[k] != regs[k - 1] + 2)
    best = None
    rng = random.Random(20240501)
    for trial in range(20000):
        body = []
        P = Pairs(range(2, 16, 2), rng if trial else None)
        for t in range(8):
            P.put("a%d" % t, 16 + 2 * t)
        dft8(body, P)
        if best is None or runs(P) < best[0]:
            best = (runs(P), body, dict(P.at))
        if best[0] == 1:
            break
    nruns, body, at = best
    out += body
    k = 0
    while k < 8:
        j = k
        while j + 1 < 8 and at["X%d" % (j + 1)] == at["X%d" % j] + 2:
            j += 1
        out.append("    vstmia  r0!, {s%d-s%d}   @ X%d..X%d" % (at["X%d" % k], at["X%d" % j] + 1, k, j))
        k = j + 1
    out.append("@ %d store instructions for the 8 outputs" % nruns)
    out.append("""    subs    r1, r1, #1
    bne     1b
    vpop    {s16-s31}
9:
    bx      lr
    .p2align 2
.Lsqrt_first:
    .word   0x3f3504f3
    .size dsp_fft_r8_first_m4, .-dsp_fft_r8_first_m4
""")
    # ---------------- twiddle stage ----------------
    out.append("""
@ void dsp_fft_r8_tw_m4(float *p, size_t count, size_t stride_bytes, const float *tw)
@ r4-r11: the addresses of points 0..7 of the current butterfly; r3: the twiddles; r1: count.
    .global dsp_fft_r8_tw_m4
    .type dsp_fft_r8_tw_m4, %function
    .p2align 2
dsp_fft_r8_tw_m4:
    cmp     r1, #0
    beq     9f
    push    {r4-r11, lr}
    vpush   {s16-s31}
    mov     r4, r0
    add     r5, r4, r2
    add     r6, r5, r2
    add     r7, r6, r2
    add     r8, r7, r2
    add     r9, r8, r2
    add     r10, r9, r2
    add     r11, r10, r2
    vldr    s0, .Lsqrt_tw
1:
""")
    ptr = ["r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11"]
    # s0 constant, s1 scratch; pairs from s2. Points load into s16..s31 (pairs 16, 18, ...).
    P = Pairs(list(range(2, 16, 2)))
    for t in range(8):
        out.append("    vldmia  %s, {s%d-s%d}   @ point %d" % (ptr[t], 16 + 2 * t, 17 + 2 * t, t))
        P.put("p%d" % t, 16 + 2 * t)
    P.rename("p0", "a0")
    # twiddles: W^(t k) into s14/s15 would collide with pairs; use a dedicated pair taken from the
    # free list for each multiplication, then release it.
    for t in range(1, 8):
        w = P.new("w%d" % t)
        out.append("    vldmia  r3!, {s%d-s%d}   @ W^(%d k)" % (w, w + 1, t))
        a = P.new("a%d" % t)
        pr, pi = P.re("p%d" % t), P.im("p%d" % t)
        out.append("    vmul.f32 %s, %s, s%d   @ a%d = p%d W" % (P.re("a%d" % t), pr, w, t, t))
        out.append("    vfms.f32 %s, %s, s%d" % (P.re("a%d" % t), pi, w + 1))
        out.append("    vmul.f32 %s, %s, s%d" % (P.im("a%d" % t), pr, w + 1))
        out.append("    vfma.f32 %s, %s, s%d" % (P.im("a%d" % t), pi, w))
        P.drop("p%d" % t)
        P.drop("w%d" % t)
    dft8(out, P)
    for k in range(8):
        out.append("    vstmia  %s!, {%s-%s}" % (ptr[k], P.re("X%d" % k), P.im("X%d" % k)))
    out.append("""    subs    r1, r1, #1
    bne     1b
    vpop    {s16-s31}
    pop     {r4-r11, lr}
9:
    bx      lr
    .p2align 2
.Lsqrt_tw:
    .word   0x3f3504f3
    .size dsp_fft_r8_tw_m4, .-dsp_fft_r8_tw_m4
""")
    return "".join(line if line.endswith("\n") else line + "\n" for line in out)


here = os.path.dirname(os.path.abspath(__file__))
root = os.environ.get("VIGIL_GENERATE_ROOT") or os.path.join(here, "..", "..")
dst = os.path.join(root, "firmware", "src", "dsp", "fft_m4.S")
os.makedirs(os.path.dirname(dst), exist_ok=True)
with open(dst, "w") as f:
    f.write(gen())
print("wrote", os.path.normpath(dst))
