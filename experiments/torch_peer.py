#!/usr/bin/env python3
"""The PyTorch peer that grokscope's speed is measured against: plain PyTorch models of the committed
configs, timed the way `grokscope bench` times them (optimiser steps on one fixed training batch, a few
untimed warm-up steps first). Prints one JSON line:

  {"model": ..., "batch": ..., "threads": ..., "ms_per_step": {"median", "mean", "min"},
   "cpu_ms_per_step": ..., "peak_rss_mb": ...}

Models (sizes as in configs/):
  nanda   Nanda et al. 2023: 1 block, no LayerNorm, d 128, 4 heads, MLP 512 ReLU with biases, learned
          positions; (a + b) mod 113, full batch of 30% of the pairs; AdamW (0.9, 0.98), wd 1.
  power   Power et al. 2022: 2 pre-LN blocks plus a final LayerNorm, d 128, 4 heads, MLP 512 ReLU, no
          biases, learned positions; x / y mod 97, batch 512 of the 50% training pairs; AdamW (0.9, 0.98).
  gromov  Gromov 2023: f(x) = W (U x)^2 on the concatenated one-hot codes of a and b, width 500, no
          biases, MSE on one-hot targets; (a + b) mod 97, full batch of 50%; AdamW (0.9, 0.98), wd 5.

With --train-epochs E (full-batch models only) it instead trains E epochs from the start, measuring
accuracy on the training and validation pairs after each, and adds the first epochs at which each
reached 99% ("epoch_train99", "epoch_val99"); ms_per_step then times the steps only.

Usage: torch_peer.py --model power --threads 2 --steps 50 --warmup 5
       torch_peer.py --model gromov --threads 2 --train-epochs 150
"""
import argparse
import json
import math
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    """Causal self-attention and a ReLU MLP, each added to the residual stream (LayerNorm before each if pre_ln)."""

    def __init__(self, d, heads, d_mlp, pre_ln, mlp_bias):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(d, 3 * d, bias=False)
        self.out = nn.Linear(d, d, bias=False)
        self.mlp_in = nn.Linear(d, d_mlp, bias=mlp_bias)
        self.mlp_out = nn.Linear(d_mlp, d, bias=mlp_bias)
        self.ln1 = nn.LayerNorm(d) if pre_ln else nn.Identity()
        self.ln2 = nn.LayerNorm(d) if pre_ln else nn.Identity()

    def forward(self, r, mask):
        n, t, d = r.shape
        q, k, v = self.qkv(self.ln1(r)).view(n, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(d // self.heads)
        att = scores.masked_fill(mask, float("-inf")).softmax(-1)
        z = (att @ v).transpose(1, 2).reshape(n, t, d)
        r = r + self.out(z)
        return r + self.mlp_out(F.relu(self.mlp_in(self.ln2(r))))


class Transformer(nn.Module):
    """Decoder-only transformer on [a, b, =] read out at the last position."""

    def __init__(self, p, layers, pre_ln, mlp_bias, d=128, heads=4, d_mlp=512):
        super().__init__()
        self.embed = nn.Embedding(p + 1, d)
        self.pos = nn.Parameter(torch.randn(3, d) / math.sqrt(d))
        self.blocks = nn.ModuleList(Block(d, heads, d_mlp, pre_ln, mlp_bias) for _ in range(layers))
        self.ln_final = nn.LayerNorm(d) if pre_ln else nn.Identity()
        self.unembed = nn.Linear(d, p, bias=False)
        self.register_buffer("mask", ~torch.tril(torch.ones(3, 3, dtype=torch.bool)))

    def forward(self, tokens):
        r = self.embed(tokens) + self.pos
        for block in self.blocks:
            r = block(r, self.mask)
        return self.unembed(self.ln_final(r[:, -1]))


class Gromov(nn.Module):
    """f(x) = W (U x)^2 on concatenated one-hot codes, no biases."""

    def __init__(self, p, width):
        super().__init__()
        self.p = p
        self.U = nn.Parameter(torch.randn(width, 2 * p) / math.sqrt(2 * p))
        self.W = nn.Parameter(torch.randn(p, width) / math.sqrt(width))

    def forward(self, ab):
        x = torch.cat([F.one_hot(ab[:, 0], self.p), F.one_hot(ab[:, 1], self.p)], 1).float()
        return (x @ self.U.T) ** 2 @ self.W.T


def pairs(p, operation):
    a, b = torch.cartesian_prod(torch.arange(p), torch.arange(p)).unbind(1)
    if operation == "div":
        keep = b != 0
        a, b = a[keep], b[keep]
        inverse = torch.tensor([pow(int(y), p - 2, p) for y in b])
        return a, b, (a * inverse) % p
    return a, b, (a + b) % p


def setup(model, generator):
    """Model, optimiser, inputs of one training batch, its loss function, and accuracy on the training
    batch and on the validation pairs."""
    if model == "nanda":
        p, frac, batch, layers, pre_ln, bias, op, wd = 113, 0.3, 0, 1, False, True, "add", 1.0
    elif model == "power":
        p, frac, batch, layers, pre_ln, bias, op, wd = 97, 0.5, 512, 2, True, False, "div", 1.0
    else:
        p, frac, op, batch = 97, 0.5, "add", 0
    a, b, y = pairs(p, op)
    perm = torch.randperm(len(y), generator=generator)
    n_train = int(frac * len(y))
    train, val = perm[:n_train], perm[n_train:]
    if batch:
        train = train[:batch]
    if model == "gromov":
        net = Gromov(p, 500)
        inputs = torch.stack([a, b], 1)
        target = F.one_hot(y[train], p).float()
        loss = lambda out: F.mse_loss(out, target)
        opt = torch.optim.AdamW(net.parameters(), lr=1e-2, betas=(0.9, 0.98), weight_decay=5.0)
    else:
        net = Transformer(p, layers, pre_ln, bias)
        inputs = torch.stack([a, b, torch.full_like(a, p)], 1)
        loss = lambda out: F.cross_entropy(out, y[train])
        opt = torch.optim.AdamW(net.parameters(), lr=1e-3, betas=(0.9, 0.98), weight_decay=wd)

    def accuracy(idx):
        with torch.no_grad():
            return (net(inputs[idx]).argmax(-1) == y[idx]).float().mean().item()

    return net, opt, inputs[train], loss, lambda: (accuracy(train), accuracy(val))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", choices=["nanda", "power", "gromov"], required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--train-epochs", type=int, default=0, help="train this many epochs and report epochs to 99%%")
    args = ap.parse_args()
    if args.train_epochs and args.model == "power":
        ap.error("--train-epochs needs a full-batch model (nanda, gromov)")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    net, opt, x, loss, accuracies = setup(args.model, torch.Generator().manual_seed(args.seed))

    def step():
        opt.zero_grad(set_to_none=True)
        loss(net(x)).backward()
        opt.step()

    out = {"model": args.model, "batch": len(x), "threads": args.threads, "torch": torch.__version__}
    ms = []
    cpu = 0.0
    if args.train_epochs:
        first99 = [None, None]
        for epoch in range(1, args.train_epochs + 1):
            t0, c0 = time.perf_counter(), time.process_time()
            step()
            ms.append((time.perf_counter() - t0) * 1e3)
            cpu += time.process_time() - c0
            for i, acc in enumerate(accuracies()):
                if first99[i] is None and acc >= 0.99:
                    first99[i] = epoch
        out.update({"epochs": args.train_epochs, "epoch_train99": first99[0], "epoch_val99": first99[1]})
    else:
        for _ in range(args.warmup):
            step()
        c0 = time.process_time()
        for _ in range(args.steps):
            t0 = time.perf_counter()
            step()
            ms.append((time.perf_counter() - t0) * 1e3)
        cpu = time.process_time() - c0
        out.update({"steps": args.steps, "warmup_steps": args.warmup})
    out.update({"ms_per_step": {"median": statistics.median(ms), "mean": statistics.mean(ms), "min": min(ms)},
                "cpu_ms_per_step": cpu * 1e3 / len(ms),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
