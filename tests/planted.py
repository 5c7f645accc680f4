"""Planting an error in one step of a catalogue derivation and checking where the checker stops."""

from __future__ import annotations

from dataclasses import replace

from derive.core.check import FAILED, check_step
from derive.core.context import Context


def check_planted(derivation, index, expr, **changes):
    """The verdict of step `index` when its expression is replaced by `expr`."""
    ctx = Context.from_assumptions(derivation.assumptions, derivation.sizes)
    steps = list(derivation.steps)
    steps[index] = replace(steps[index], expr=expr, **changes)
    return check_step(steps[index - 1].expr, steps[index], ctx, seed=index,
                      history=tuple(enumerate(steps[:index])))


def assert_rejected(derivation, index, expr, **changes):
    verdict = check_planted(derivation, index, expr, **changes)
    assert verdict.status == FAILED, verdict
    return verdict
