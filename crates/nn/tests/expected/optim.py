"""Expected values for crates/nn/tests/optim.rs, computed independently of the Rust code.

Pure Python (no numpy), written from the update equations in issue 3 / CS231n assignment 2, not
from the Rust sources. Run `python3 optim.py` and paste the printed arrays into optim.rs.

Setup shared with the test: w0 (2x3), three steps with the gradients G[0], G[1], G[2].
"""
import math

W0 = [0.5, -1.0, 2.0, 0.0, 0.3, -0.7]
G = [
    [0.1, -0.2, 0.3, 1.5, 0.0, -0.05],
    [-0.4, 0.25, 0.3, 0.5, -1.0, 0.02],
    [0.2, 0.2, -0.6, 0.0, 0.7, -0.01],
]
LR = 0.1


def sgd():
    w = list(W0)
    for g in G:
        w = [wi - LR * gi for wi, gi in zip(w, g)]
    return w


def momentum(mu=0.9):
    w, v = list(W0), [0.0] * 6
    for g in G:
        v = [mu * vi - LR * gi for vi, gi in zip(v, g)]
        w = [wi + vi for wi, vi in zip(w, v)]
    return w


def nesterov(mu=0.9):
    w, v = list(W0), [0.0] * 6
    for g in G:
        v_prev = v
        v = [mu * vi - LR * gi for vi, gi in zip(v, g)]
        w = [wi - mu * vp + (1 + mu) * vi for wi, vp, vi in zip(w, v_prev, v)]
    return w


def rmsprop(rho=0.99, eps=1e-8):
    w, a = list(W0), [0.0] * 6
    for g in G:
        a = [rho * ai + (1 - rho) * gi * gi for ai, gi in zip(a, g)]
        w = [wi - LR * gi / (math.sqrt(ai) + eps) for wi, gi, ai in zip(w, g, a)]
    return w


def adam(b1=0.9, b2=0.999, eps=1e-8):
    w, m, v, t = list(W0), [0.0] * 6, [0.0] * 6, 0
    for g in G:
        t += 1
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        v = [b2 * vi + (1 - b2) * gi * gi for vi, gi in zip(v, g)]
        mh = [mi / (1 - b1 ** t) for mi in m]
        vh = [vi / (1 - b2 ** t) for vi in v]
        w = [wi - LR * a / (math.sqrt(b) + eps) for wi, a, b in zip(w, mh, vh)]
    return w


def adamw(wd=0.5, b1=0.9, b2=0.999, eps=1e-8):
    """AdamW (Loshchilov & Hutter; PyTorch's form): w <- w - lr*wd*w, then the Adam step."""
    w, m, v, t = list(W0), [0.0] * 6, [0.0] * 6, 0
    for g in G:
        t += 1
        w = [wi - LR * wd * wi for wi in w]
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        v = [b2 * vi + (1 - b2) * gi * gi for vi, gi in zip(v, g)]
        mh = [mi / (1 - b1 ** t) for mi in m]
        vh = [vi / (1 - b2 ** t) for vi in v]
        w = [wi - LR * a / (math.sqrt(b) + eps) for wi, a, b in zip(w, mh, vh)]
    return w


for name, f in [
    ("SGD", sgd), ("MOMENTUM", momentum), ("NESTEROV", nesterov), ("RMSPROP", rmsprop), ("ADAM", adam),
    ("ADAMW", adamw),
]:
    print(f"const {name}: [f64; 6] = [{', '.join(repr(x) for x in f())}];")
