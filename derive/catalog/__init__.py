"""The catalogue: every derivation derive knows, by id, built on first use and cached.

The index below is plain data (id -> module and builder function), so importing derive costs
nothing beyond this table; a derivation is computed only when somebody asks for it.
Friendly names work too: ``from derive.catalog import normal_equations``.
"""

from __future__ import annotations

import functools
import importlib

# (id, module under derive.catalog, builder function). Catalogue order: topic by topic.
INDEX: tuple[tuple[str, str, str], ...] = (
    ("quadratic-form-gradient", "calculus", "quadratic_form_gradient"),
    ("normal-equations", "least_squares", "normal_equations"),
    ("gaussian-nll-mse", "likelihood", "gaussian_nll_mse"),
)

TOPICS = {
    "calculus": "Matrix calculus",
    "least_squares": "Least squares",
    "likelihood": "Likelihood and losses",
    "estimators": "Maximum-likelihood estimators",
    "priors": "MAP estimation and priors",
    "descent": "Gradient descent",
}


class UnknownDerivation(KeyError):
    """An id that is not in the catalogue; the message lists the known ids."""

    def __init__(self, name: str):
        self.name = name
        known = ", ".join(names())
        super().__init__(f"unknown derivation {name!r}; known ids: {known}")

    def __str__(self) -> str:  # KeyError quotes its message otherwise
        return self.args[0]


def names() -> list[str]:
    """All derivation ids, in catalogue order."""
    return [entry[0] for entry in INDEX]


def _entry(name: str) -> tuple[str, str, str]:
    for entry in INDEX:
        if entry[0] == name:
            return entry
    raise UnknownDerivation(name)


def topic_of(name: str) -> str:
    return _entry(name)[1]


@functools.cache
def get(name: str):
    """The derivation with this id, derived on first use and cached."""
    _, module, function = _entry(name)
    builder = getattr(importlib.import_module(f"derive.catalog.{module}"), function)
    derivation = builder()
    if derivation.id != name:
        raise RuntimeError(f"catalogue entry {name!r} built a derivation with id {derivation.id!r}")
    return derivation


def __getattr__(attr: str):
    name = attr.replace("_", "-")
    if any(entry[0] == name for entry in INDEX):
        return get(name)
    raise AttributeError(f"module 'derive.catalog' has no attribute {attr!r}")


def __dir__():
    return sorted(list(globals()) + [n.replace("-", "_") for n in names()])
