"""The checker rejects mutated steps: a deterministic sample of mutants over the whole catalogue.

Each mutant changes one step (a constant, a dropped term, a flipped sign, a removed transpose,
a witness, an inequality's subject, a first-order condition, a root; see derive.core.mutate).
It must be rejected (failed or undecided) at its step or at a later one, unless it is listed in
EQUIVALENT, with the reason the mutated step is still right. benchmarks/mutations.py runs every
mutant and prints the kill rate per relation.
"""

from __future__ import annotations

import random

import pytest

import derive
from derive.core.mutate import mutants, run

SAMPLE = 320
SEED = 0  # the benchmark's seed: the sample is a subset of what it reviews

# (derivation, step, kind, description) -> why the mutated step is still a correct step
_ZERO_T0 = ("the term is multiplied by the zero vector t_0 = 0: the mutated data step has "
            "the same exact value (no symbol left, so equal values are a proof)")
_DESIGN = "Matrix([ [0, 0, 1], [1, 1, 1], [4, 2, 1], [9, 3, 1]])"
EQUIVALENT: dict[tuple[str, int, str, str], str] = {
    ("scalar-transpose", 1, "transpose", "drop the transpose of y.T*X*t at top"):
        "y^T X t is 1 x 1, and a 1 x 1 matrix is its own transpose",
    ("mse-gradient", 0, "transpose", "drop the transpose of X.T*X at top"):
        "(X^T X)^T = X^T X: the Gram matrix is symmetric",
    ("mse-hessian", 6, "drop-term", "drop Matrix([[2*s], [-s]]) at 2.1.1"):
        "the dropped move s v_0 is in the null space of the collinear design (X v_0 = 0), so "
        "L(t + s v_0) = L(t) either way",
    ("newton-step", 1, "transpose", "drop the transpose of H at 1.1"):
        "H is assumed symmetric: H^T = H",
    ("newton-step", 3, "transpose", "drop the transpose of H at top"):
        "H is assumed symmetric: H^T = H",
    ("newton-step", 6, "stationary", "set another gradient step to zero"):
        "the other gradient step is the same gradient before the symmetry of H is used: "
        "(H + H^T) h / 2 + g = H h + g for the assumed symmetric H",
    ("gd-quadratic-regression", 0, "drop-term", f"drop {_DESIGN}*Matrix([ [0], [0], [0]]) at 2"): _ZERO_T0,
    ("gd-quadratic-regression", 0, "flip-sign", f"negate {_DESIGN}*Matrix([ [0], [0], [0]]) at 2"): _ZERO_T0,
    ("gd-quadratic-regression", 3, "drop-term", f"drop Matrix([ [0], [0], [0]]).T*{_DESIGN}.T at 1"): _ZERO_T0,
    ("gd-quadratic-regression", 3, "flip-sign", f"negate Matrix([ [0], [0], [0]]).T*{_DESIGN}.T at 1"): _ZERO_T0,
    ("gd-quadratic-regression", 5, "constant", "2 -> 3 at 1.1.0.2.7"):
        "the changed entry of X sits in the product X^T X t_0 with t_0 = 0: " + _ZERO_T0,
    ("gd-quadratic-regression", 5, "drop-term",
     f"drop -(1/200)*{_DESIGN}.T*{_DESIGN}*Matrix([ [0], [0], [0]]) at top"): _ZERO_T0,
    ("gd-quadratic-regression", 5, "drop-term", "drop Matrix([[0], [0], [0]]) at top"):
        "the dropped term is t_0 = 0 itself",
    ("gd-quadratic-regression", 5, "flip-sign",
     f"negate -(1/200)*{_DESIGN}.T*{_DESIGN}*Matrix([ [0], [0], [0]]) at top"): _ZERO_T0,
}


def _sample():
    pool = []
    for name in derive.names():
        pool += mutants(derive.get(name), seed=SEED)
    pool = [m for m in pool if m.key not in EQUIVALENT]
    rng = random.Random(SEED)
    return sorted(rng.sample(pool, min(SAMPLE, len(pool))), key=lambda m: m.key)


def test_the_sample_is_large_and_covers_every_kind():
    sample = _sample()
    assert len(sample) >= 300
    assert {m.kind for m in sample} >= {"constant", "drop-term", "flip-sign", "transpose",
                                         "witness", "subject", "stationary", "root"}
    assert len({m.derivation_id for m in sample}) >= 25


def test_every_sampled_mutant_is_rejected_at_or_after_its_step():
    survivors = []
    for m in _sample():
        outcome = run(derive.get(m.derivation_id), m, timeout=10.0)
        if not outcome.killed:
            survivors.append((m.key, outcome.rejected_at))
    assert not survivors, survivors


@pytest.mark.parametrize("key", sorted(EQUIVALENT))
def test_an_equivalent_mutant_really_passes(key):
    """A mutant excused as equivalent must pass the checker (else it needs no excuse)."""
    name = key[0]
    found = [m for m in mutants(derive.get(name), seed=SEED, per_kind=10**6) if m.key == key]
    assert found, f"{key} is no longer generated: drop it from EQUIVALENT"
    assert not run(derive.get(name), found[0]).killed
