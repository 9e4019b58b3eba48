"""The random numbers `torch.Tensor.normal_` draws on a CUDA device, emulated on the CPU.

Why: the authors' "Acc." runs (PROTOCOLS.md C.5) seed once per run and initialise every
sampled network *on the GPU* (Synflow's harness moves the copy to CUDA before its Kaiming
init), so their weights come from CUDA's Philox generator, which no CPU generator
reproduces. Its algorithm is public, though:

* PyTorch's `normal_` kernel (`distribution_nullary_kernel`, 256 threads a block, at most
  SMs x (threads per SM / 256) blocks) initialises one cuRAND Philox4x32-10 state per thread
  with `curand_init(seed, subsequence=thread index, offset=generator offset)`, and for a
  tensor with no more elements than threads (every NAS-Bench-201 weight, up to 36,864, on any
  GPU with 18 SMs or more) element i is the first of thread i's `curand_normal4`. Each call
  then advances the generator's offset by 4, whatever the size.
* `curand_normal4` turns the 4 words of one Philox block into 4 normals by Box-Muller:
  u = x 2^-32 + 2^-33, v = y 2pi 2^-32 + pi 2^-32, normal = sqrt(-2 log u) sin v.

The Philox block is exact here (checked against Random123's known answers). The Box-Muller
step is not bit-exact: the device uses the hardware `__sincosf` and its own `logf`, so a value
can differ from the GPU's in its last bits. Checked on an NVIDIA H200 (torch 2.11, 2026-12-04,
`record_gpu_draws`, six draws of 64 to 36,864 elements): every value within 2.3e-6 x std of
the GPU's, about a fifth of them bit-equal. That is far below the gaps that decide which
architecture a proxy selects.
"""
from __future__ import annotations

import numpy as np

_M0, _M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
_W0, _W1 = np.uint64(0x9E3779B9), np.uint64(0xBB67AE85)
_LO = np.uint64(0xFFFFFFFF)
_TWO_POW_M32 = np.float32(2.3283064e-10)  # CURAND_2POW32_INV
_TWO_POW_M32_2PI = np.float32(np.float32(2.3283064e-10) * np.float32(6.2831855))


def philox4x32_10(counter, key) -> tuple[np.ndarray, ...]:
    """Philox4x32-10 (Salmon et al. 2011): four 32-bit counter words (arrays broadcast
    together) and two key words -> four 32-bit output words (uint32 arrays)."""
    c0, c1, c2, c3 = (np.asarray(c, dtype=np.uint64) & _LO for c in counter)
    k0, k1 = np.uint64(key[0]) & _LO, np.uint64(key[1]) & _LO
    for r in range(10):
        p0, p1 = _M0 * c0, _M1 * c2  # 32 x 32 -> 64 bits: exact in uint64
        c0, c1, c2, c3 = (p1 >> np.uint64(32)) ^ c1 ^ k0, p1 & _LO, (p0 >> np.uint64(32)) ^ c3 ^ k1, p0 & _LO
        if r < 9:
            k0, k1 = (k0 + _W0) & _LO, (k1 + _W1) & _LO
    return tuple(np.broadcast_to(c, np.broadcast(c0, c1, c2, c3).shape).astype(np.uint32)
                 for c in (c0, c1, c2, c3))


def cuda_normal(seed: int, call: int, numel: int, std: float, mean: float = 0.0) -> np.ndarray:
    """float32 values of `normal_(mean, std)` on a CUDA tensor of `numel` elements that is
    the generator's `call`-th random call since `manual_seed(seed)` (offset 4 x call), for
    `numel` at most the kernel's thread count (see the module docstring)."""
    i = np.arange(numel, dtype=np.uint64)
    offset = np.uint64(call)  # the generator offset is 4 * call: Philox block `call`
    x, y, _, _ = philox4x32_10((offset & _LO, offset >> np.uint64(32), i & _LO, i >> np.uint64(32)),
                               (seed & 0xFFFFFFFF, seed >> 32))
    u = x.astype(np.float32) * _TWO_POW_M32 + np.float32(_TWO_POW_M32 / np.float32(2))
    v = y.astype(np.float32) * _TWO_POW_M32_2PI + np.float32(_TWO_POW_M32_2PI / np.float32(2))
    z = np.sqrt(np.float32(-2) * np.log(u)) * np.sin(v)
    return (z.astype(np.float32) * np.float32(std) + np.float32(mean)).astype(np.float32)


#: The draws `record_gpu_draws` takes on a GPU: (seed, call, numel, std). numel up to 36,864,
#: NAS-Bench-201's largest weight (a 3x3 conv of 64 -> 64 channels); std the Kaiming-normal
#: ones of the authors' init (sqrt(2 / fan_in)).
GPU_DRAWS = ((0, 0, 64, 1.0), (0, 1, 4096, 1.0), (3, 7, 432, (2 / 27) ** 0.5),
             (3, 44, 6400, (2 / 64) ** 0.5), (1, 5, 36864, (2 / 576) ** 0.5),
             (2 ** 31 - 1, 200, 9216, (2 / 144) ** 0.5))


def record_gpu_draws(path) -> None:
    """On a CUDA device: `normal_` on a fresh float32 tensor after `manual_seed(seed)` and
    `call` earlier one-tensor draws, for every case of `GPU_DRAWS`, saved with the GPU's name
    (NumPy .npz). The test suite compares `cuda_normal` with these bits on any machine."""
    import torch

    out = {"gpu": np.array(torch.cuda.get_device_name()), "torch": np.array(torch.__version__)}
    for k, (seed, call, numel, std) in enumerate(GPU_DRAWS):
        torch.manual_seed(seed)
        for _ in range(call):  # each earlier call advances the offset by 4, whatever its size
            torch.empty(1, device="cuda").normal_()
        out[f"draw{k}"] = torch.empty(numel, device="cuda").normal_(0.0, std).cpu().numpy()
    np.savez_compressed(path, **out)


if __name__ == "__main__":
    import sys

    record_gpu_draws(sys.argv[1])
