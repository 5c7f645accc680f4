"""A step's verdict: verified, wrong, undecided or unparsed, with how it was decided."""

from __future__ import annotations

from dataclasses import dataclass

VERIFIED, WRONG, UNDECIDED, UNPARSED = "verified", "wrong", "undecided", "unparsed"


@dataclass
class Outcome:
    verdict: str
    method: str | None
    reason: str
    counterexample: dict | None = None
    difference: str | None = None
    certain: bool = False  # no unknown function can rescue the step (a shape argument)
