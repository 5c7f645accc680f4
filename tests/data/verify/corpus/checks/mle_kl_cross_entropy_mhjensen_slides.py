"""Checks for mle-kl-cross-entropy-mhjensen-slides on five atoms: a data distribution f and an energy
model p = exp(-E)/Z (exact sums play the integrals)."""
import numpy as np
from checklib import Result

f = np.array([0.1, 0.25, 0.3, 0.05, 0.3])
E = np.array([0.4, -1.2, 0.0, 2.0, -0.3])
Z = np.exp(-E).sum()
p = np.exp(-E) / Z


def close(a, b, what):
    return Result(bool(np.isclose(a, b, rtol=1e-12)), f"exact sums over 5 atoms: {what}: {a:.6f} vs {b:.6f}")


k1 = np.sum(f * np.log(f / p))
k2 = np.sum(f * np.log(f)) - np.sum(f * np.log(p))
k3 = np.average(np.log(f), weights=f) - np.average(np.log(p), weights=f)
k4 = np.average(np.log(f), weights=f) + np.average(E, weights=f) + np.log(Z)

CHECKS = {
    "split_log": lambda: close(k1, k2, "the split"),
    "as_averages": lambda: close(k2, k3, "sums against f vs weighted averages"),
    "energy_model": lambda: close(k3, k4, "with -log p = E + log Z"),
}
