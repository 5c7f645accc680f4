"""Property tests of the checker: rewrites of a random expression pass, perturbed ones fail."""

from __future__ import annotations

import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from derive.catalog.symbols import X, d, i, n, w, x_, y
from derive.core.algebra import expand_matrix, scalar_transpose, sum_linearity
from derive.core.check import FAILED, PASSED, check_pair
from derive.core.derivation import Relation

a, b, c = sp.symbols("a b c", real=True)

coefficients = st.integers(min_value=-5, max_value=5)


@st.composite
def polynomials(draw):
    terms = draw(st.lists(st.tuples(coefficients, st.integers(0, 3), st.integers(0, 2),
                                    st.integers(0, 2)), min_size=1, max_size=5))
    return sp.Add(*[k * a**p * b**q * c**r for k, p, q, r in terms])


@given(polynomials(), polynomials())
def test_factored_and_expanded_products_are_equal(p, q):
    verdict = check_pair(p * q, sp.expand(p * q), Relation.EQUAL)
    assert verdict.status == PASSED
    assert verdict.method == "symbolic"


@given(polynomials(), st.integers(1, 5), st.sampled_from([a, b, c, a * b, c**2]))
def test_a_perturbed_expansion_fails_with_a_counterexample(p, k, monomial):
    verdict = check_pair(p, sp.expand(p) + k * monomial, Relation.EQUAL)
    assert verdict.status == FAILED
    assert verdict.counterexample


@given(st.integers(-4, 4).filter(bool), st.integers(-4, 4))
def test_sum_linearity_keeps_the_value(k, m):
    s = sp.Sum(k * x_[i] ** 2 + m * x_[i] + 3, (i, 1, n))
    rewritten = sum_linearity(s)
    assert not any(isinstance(t, sp.Sum) and t.function.is_Add for t in rewritten.atoms(sp.Sum))
    assert check_pair(s, rewritten, Relation.EQUAL).status == PASSED


@given(st.integers(1, 4), st.integers(-3, 3))
def test_scalar_transpose_and_expansion_of_the_mse_pass(k, m):
    loss = k * (X * w - y).T * (X * w - y) + m * y.T * X * w
    rewritten = scalar_transpose(expand_matrix(loss))
    assert check_pair(loss, rewritten, Relation.EQUAL).status == PASSED


@given(st.integers(1, 4))
def test_a_gradient_off_by_a_factor_fails(k):
    loss = (X * w - y).T * (X * w - y)
    right = check_pair(loss, 2 * X.T * (X * w - y), Relation.GRADIENT, wrt=(w,))
    wrong = check_pair(loss, (2 + k) * X.T * (X * w - y), Relation.GRADIENT, wrt=(w,))
    assert right.status == PASSED
    assert wrong.status == FAILED
