"""PyTorch CPU forward of a random-weight Llama shape, timed; the other half of bench/versus_torch.ts.

Prints one JSON line: {"ms": median forward ms, "threads", "blas": the BLAS library loaded, "torch"}.
Run by bench/versus_torch.ts with Debian's /usr/bin/python3 (python3-torch, libopenblas0-pthread).
The model is the same computation as src/models/llama/model.ts: RMSNorm, RoPE (rotate_half),
causal softmax attention, SwiGLU MLP, the LM head; float32 throughout.
"""
import json
import statistics
import sys
import time

import torch

dim, layers, heads, ffn, vocab, T, threads, runs = (int(a) for a in sys.argv[1:9])
torch.set_num_threads(threads)
torch.manual_seed(0)
Hd = dim // heads


def rand(*shape):
    return (torch.rand(*shape) * 2 - 1) * 0.02


blocks = [
    {k: rand(*s) for k, s in {"q": (dim, dim), "k": (dim, dim), "v": (dim, dim), "o": (dim, dim),
                              "gate": (ffn, dim), "up": (ffn, dim), "down": (dim, ffn)}.items()}
    for _ in range(layers)
]
embed, head = rand(vocab, dim), rand(vocab, dim)
ones = torch.ones(dim)
inv_freq = 1.0 / (10000.0 ** (torch.arange(0, Hd, 2).float() / Hd))
freqs = torch.outer(torch.arange(T).float(), inv_freq)
cos, sin = torch.cat([freqs, freqs], -1).cos(), torch.cat([freqs, freqs], -1).sin()
mask = torch.full((T, T), float("-inf")).triu(1)
F = torch.nn.functional


def rmsnorm(x):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * ones


def rope(x):  # [H, T, Hd]
    x1, x2 = x[..., : Hd // 2], x[..., Hd // 2:]
    return x * cos + torch.cat([-x2, x1], -1) * sin


def forward(ids):
    x = embed[ids]
    for b in blocks:
        h = rmsnorm(x)
        q = rope(F.linear(h, b["q"]).view(T, heads, Hd).transpose(0, 1))
        k = rope(F.linear(h, b["k"]).view(T, heads, Hd).transpose(0, 1))
        v = F.linear(h, b["v"]).view(T, heads, Hd).transpose(0, 1)
        a = torch.softmax(q @ k.transpose(1, 2) / Hd ** 0.5 + mask, -1) @ v
        x = x + F.linear(a.transpose(0, 1).reshape(T, dim), b["o"])
        h = rmsnorm(x)
        x = x + F.linear(F.silu(F.linear(h, b["gate"])) * F.linear(h, b["up"]), b["down"])
    return F.linear(rmsnorm(x), head)


ids = torch.tensor([(i * 7919) % vocab for i in range(T)])
times = []
with torch.inference_mode():
    forward(ids)
    for _ in range(runs):
        t0 = time.perf_counter()
        forward(ids)
        times.append((time.perf_counter() - t0) * 1000)
with open("/proc/self/maps") as f:
    libs = sorted({line.split()[-1] for line in f if "blas" in line.split()[-1]})
print(json.dumps({"ms": statistics.median(times), "threads": torch.get_num_threads(), "blas": libs,
                  "torch": torch.__version__}))
