"""Matrix Cookbook equation numbers are cited only where confirmed against the 2012 edition
(K. B. Petersen, M. S. Pedersen, version of November 15, 2012); elsewhere identities are cited by name."""

from __future__ import annotations

import re

import derive

# number -> the identity it states in the 2012 edition (read off its text, equation by equation)
CONFIRMED = {
    6: "(ABC...)^T = ...C^T B^T A^T",
    16: "Tr(ABC) = Tr(BCA) = Tr(CAB)",
    22: "det(A^-1) = 1/det(A)",
    36: "d Tr(X) = Tr(dX)",
    40: "d(X^-1) = -X^-1 (dX) X^-1",
    43: "d ln det(X) = Tr(X^-1 dX)",
    69: "d(x^T a)/dx = d(a^T x)/dx = a",
    81: "d(x^T B x)/dx = (B + B^T) x",
    98: "Hessian of x^T A x + b^T x is A + A^T",
    100: "d Tr(XA)/dX = A^T",
}
CITATION = re.compile(r"Cookbook[^;\]]*?\beqs?\.\s*((?:\d+(?:,\s*)?)+)")


def cited_numbers(text: str) -> set[int]:
    return {int(n) for m in CITATION.finditer(text) for n in re.findall(r"\d+", m.group(1))}


def test_the_pattern_reads_citations():
    assert cited_numbers("Matrix Cookbook eqs. 69, 81") == {69, 81}
    assert cited_numbers("K. B. Petersen, M. S. Pedersen, The Matrix Cookbook (2012), eq. 4") == {4}


def test_every_cookbook_number_is_confirmed():
    unconfirmed = {}
    for name in derive.names():
        d = derive.get(name)
        texts = [s.source for s in d.steps] + [s.reason for s in d.steps] + list(d.references)
        for number in set().union(*(cited_numbers(t) for t in texts)):
            if number not in CONFIRMED:
                unconfirmed.setdefault(name, []).append(number)
    assert not unconfirmed, f"unconfirmed Matrix Cookbook numbers (cite the identity by name): {unconfirmed}"


def test_the_determinant_of_an_inverse_is_eq_22():
    d = derive.get("mvn-mle-covariance")
    step = next(s for s in d.steps if "log|" in s.reason and "Lambda^{-1}" in s.reason)
    assert cited_numbers(step.source) == {22}
