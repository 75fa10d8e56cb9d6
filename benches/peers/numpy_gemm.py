#!/usr/bin/env python3
"""numpy counterpart of benches/benches/gemm.rs: the same products, median of repeated timings.
Run with OPENBLAS_NUM_THREADS=1 for the single-thread comparison:
  OPENBLAS_NUM_THREADS=1 python3 benches/peers/numpy_gemm.py
"""
import time
import numpy as np

def median_time(f, reps=200):
    for _ in range(20):
        f()
    ts = []
    for _ in range(reps):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return float(np.median(ts))

rng = np.random.default_rng(0)
for dt in (np.float32, np.float64):
    x = rng.standard_normal((200, 3072)).astype(dt)
    for h in (50, 100):
        w = (1e-2 * rng.standard_normal((3072, h))).astype(dt)
        dout = rng.standard_normal((200, h)).astype(dt)
        flops = 2 * 200 * 3072 * h
        fw = median_time(lambda: x @ w)
        wg = median_time(lambda: x.T @ dout)
        print(f"numpy {np.dtype(dt).name} H={h}: forward {fw*1e6:8.1f} us {flops/fw/1e9:6.1f} GFLOP/s | "
              f"weight_grad {wg*1e6:8.1f} us {flops/wg/1e9:6.1f} GFLOP/s")
