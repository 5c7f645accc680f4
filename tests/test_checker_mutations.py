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
SEED = 12

# (derivation, step, kind, description) -> why the mutated step is still a correct step
EQUIVALENT: dict[tuple[str, int, str, str], str] = {}


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
