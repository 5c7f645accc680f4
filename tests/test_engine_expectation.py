"""The expectation operator: its rules, its exact values in concrete worlds, and its refusals."""

from __future__ import annotations

import json
import random

import pytest
import sympy as sp
import sympy.stats as st

from derive.core.check import FAILED, PASSED, UNDECIDED, prove_equal
from derive.core.context import Context
from derive.core.derivation import Assumption
from derive.core.expectation import (
    AnyLaw,
    Bernoulli,
    Beta,
    E,
    Exponential,
    Laplace,
    MvNormal,
    Normal,
    Poisson,
    Var,
    expectation_value,
    gaussian_quadratic_form,
    independence,
    linearity,
    moments,
    pair_split,
    variance_definition,
    variance_fold,
)
from derive.core.instantiate import Instance
from derive.render.json import decode_expr, encode_expr

mu = sp.Symbol("mu", real=True)
s = sp.Symbol("sigma", positive=True)
lam = sp.Symbol("lambda", positive=True)
p = sp.Symbol("p", positive=True)
b = sp.Symbol("b", positive=True)
x = sp.Symbol("x", real=True)
c = sp.Symbol("c", real=True)
n = sp.Symbol("n", integer=True, positive=True)
i, j = sp.symbols("i j", integer=True, positive=True)
xs = sp.IndexedBase("x", real=True)
CTX = Context.from_assumptions([Assumption.positive_integer(n), Assumption.positive(1 - p)], {n: (2, 3)})
SUM = sp.Sum(xs[i], (i, 1, n))


# --- rules ----------------------------------------------------------------------------------


def test_linearity_pulls_constants_and_splits_sums():
    law = Normal(mu, s**2)
    assert linearity(E(c * x + 3, x, law)) == c * E(x, x, law) + 3
    assert linearity(E(c, x, law)) == c  # E[c] = c
    assert linearity(E(SUM / n, xs, law)) == sp.Sum(E(xs[i], xs, law), (i, 1, n)) / n
    # a nested expectation is a constant of the outer one
    inner = E(x, x, law)
    assert linearity(E(inner * x, x, law)) == inner * E(x, x, law)


def test_pair_split_and_independence():
    law = AnyLaw(mu, s**2)
    split = pair_split(E(SUM**2, xs, law))
    assert split == n * E(xs[1] ** 2, xs, law) + n * (n - 1) * E(xs[1] * xs[2], xs, law)
    assert independence(E(xs[1] * xs[2], xs, law)) == E(xs[1], xs, law) * E(xs[2], xs, law)
    # the same sample twice is not independent of itself: the rule leaves it alone
    assert independence(E(xs[1] * xs[1] ** 2, xs, law)) == E(xs[1] ** 3, xs, law)


@pytest.mark.parametrize("law, mean, variance", [
    (Normal(mu, s**2), mu, s**2),
    (Bernoulli(p), p, p * (1 - p)),
    (Poisson(lam), lam, lam),
    (Exponential(lam), 1 / lam, 1 / lam**2),
    (Laplace(mu, b), mu, 2 * b**2),
    (Beta(p, b), p / (p + b), p * b / ((p + b) ** 2 * (p + b + 1))),
], ids=lambda v: type(v).__name__ if hasattr(v, "mgf") else None)
def test_mean_and_variance_of_the_named_laws(law, mean, variance):
    assert sp.simplify(law.mean - mean) == 0
    assert sp.simplify(law.variance - variance) == 0
    assert sp.simplify(expectation_value(Var(x, x, law)) - variance) == 0


@pytest.mark.parametrize("family", [Normal, Poisson, Exponential, Laplace, Bernoulli, Beta])
def test_rule_moments_and_exact_moments_agree_with_sympy_stats(family):
    rng = random.Random(family.__name__)
    params = [sp.Rational(rng.randint(1, 9), rng.randint(1, 4)) for _ in range(2)]
    stats_law = {
        Normal: lambda m, v: st.Normal("z", m, sp.sqrt(v)),
        Poisson: lambda r, _: st.Poisson("z", r),
        Exponential: lambda r, _: st.Exponential("z", r),
        Laplace: lambda m, sc: st.Laplace("z", m, sc),
        Bernoulli: lambda q, _: st.Bernoulli("z", q / (q + 1)),
        Beta: lambda a_, b_: st.Beta("z", a_, b_),
    }[family](*params)
    nargs = 1 if family in (Poisson, Exponential, Bernoulli) else 2
    args = params[:nargs] if family is not Bernoulli else [params[0] / (params[0] + 1)]
    law = family(*args)
    for k in range(1, 4 if family is not Beta else 3):
        reference = sp.simplify(st.moment(stats_law, k))
        assert sp.simplify(law.moment(k) - reference) == 0, (family, k)
        assert sp.simplify(law.exact_moment(k) - reference) == 0, (family, k)


def test_any_law_knows_only_two_moments():
    law = AnyLaw(mu, s**2)
    assert moments(E(x**2, x, law)) == s**2 + mu**2
    assert moments(E(x**3, x, law)) == E(x**3, x, law)  # unknown: the rule does not apply


def test_variance_definition_and_fold_are_inverse():
    law = Normal(mu, s**2)
    unfolded = variance_definition(Var(x**2, x, law))
    assert unfolded == E((x**2 - E(x**2, x, law)) ** 2, x, law)
    assert variance_fold(unfolded) == Var(x**2, x, law)


def test_gaussian_quadratic_form_rule():
    k = sp.Symbol("k", integer=True, positive=True)
    v, m, bb = (sp.MatrixSymbol(nm, k, 1) for nm in ("v", "m", "b"))
    A, S = sp.MatrixSymbol("A", k, k), sp.MatrixSymbol("S", k, k)
    node = E(sp.Trace((v - bb).T * A * (v - bb)), v, MvNormal(m, S))
    out = gaussian_quadratic_form(node)
    assert out == sp.Trace(A * S) + sp.Trace((m - bb).T * A * (m - bb))
    ctx = Context.from_assumptions([Assumption.positive_definite(S)], {k: (2, 3)})
    assert prove_equal(node, out, ctx).status == PASSED
    # dropping the trace term is refused with a counterexample
    wrong = prove_equal(node, sp.Trace((m - bb).T * A * (m - bb)), ctx)
    assert wrong.status == FAILED and wrong.counterexample


# --- the instantiation check ----------------------------------------------------------------


def test_a_right_expectation_passes_by_instantiation():
    verdict = prove_equal(E((SUM / n) ** 2, xs, AnyLaw(mu, s**2)), s**2 / n + mu**2, CTX)
    assert verdict.status == PASSED and verdict.method in ("instantiated", "symbolic")


def test_a_wrong_expectation_is_refused_with_a_counterexample():
    # E[xbar^2] with the variance of one sample instead of sigma^2 / n
    verdict = prove_equal(E((SUM / n) ** 2, xs, AnyLaw(mu, s**2)), s**2 + mu**2, CTX)
    assert verdict.status == FAILED
    assert verdict.method == "instantiated"
    assert verdict.counterexample["n"] in (2, 3)
    assert "x ~" in verdict.counterexample  # the concrete law of the world


def test_a_step_relying_on_gaussian_moments_fails_for_an_unspecified_law():
    # E[(x - mu)^4] = 3 sigma^4 holds for the Normal, not for every law with that variance
    law = AnyLaw(mu, s**2)
    verdict = prove_equal(E((x - mu) ** 4, x, law), 3 * s**4, CTX)
    assert verdict.status == FAILED  # the two-point world has E[(x - mu)^4] = sigma^4
    assert prove_equal(E((x - mu) ** 4, x, Normal(mu, s**2)), 3 * s**4, CTX).status == PASSED


def test_independence_is_true_in_the_worlds_and_dependence_is_not():
    law = Bernoulli(p)
    assert prove_equal(E(xs[1] * xs[2], xs, law), p**2, CTX).status == PASSED
    assert prove_equal(E(xs[1] * xs[1], xs, law), p**2, CTX).status == FAILED  # x^2 = x: E = p


def test_an_inadmissible_parameter_is_undecided_with_a_reason():
    q = sp.Symbol("q", real=True)  # nothing says 0 < q < 1
    verdict = prove_equal(E(x, x, Bernoulli(q)), q, Context.from_assumptions([]))
    assert verdict.status == UNDECIDED
    assert "(0, 1)" in verdict.detail


def test_exact_values_use_the_same_world_for_both_sides():
    world = Instance(CTX, seed=3, plan=0)
    value = world.evaluate(E(x, x, Normal(mu, s**2)) - mu)
    assert value == 0


def test_free_symbols_exclude_the_random_variable():
    node = E(SUM / n + c, xs, Normal(mu, s**2))
    assert node.free_symbols == {n, c, mu, s}


@pytest.mark.parametrize("node", [
    E(x**2 + c, x, Normal(mu, s**2)),
    Var(SUM / n, xs, AnyLaw(mu, s**2)),
    E(x, x, Beta(p, b)),
    E(x, x, Laplace(mu, b)),
], ids=["E-normal", "Var-anylaw", "E-beta", "E-laplace"])
def test_the_nodes_round_trip_through_json(node):
    assert decode_expr(json.loads(json.dumps(encode_expr(node)))) == node


def test_the_node_prints_as_latex_with_its_law():
    tex = sp.latex(E(x, x, Normal(mu, s**2)))
    assert tex.startswith(r"\mathbb{E}_{\mathcal{N}") and r"\left[x\right]" in tex
    assert sp.latex(Var(x, x, Poisson(lam))).startswith(r"\operatorname{Var}_{\operatorname{Poisson}")


def test_the_constructor_refuses_a_non_law():
    with pytest.raises(TypeError, match="expected a Law"):
        E(x, x, mu)
