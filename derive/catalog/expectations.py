"""Expectations of estimators: unbiasedness, the bias of the MLE variance, bias-variance.

Every chain starts from E[.] of a definition and applies the rules of `derive.core.expectation`
(linearity, the pair split of a double sum over an iid sample, independence, moments), one rule
a step. The samples come from `AnyLaw(mu, sigma^2)`, a law of which only the mean and the
variance are known: the checker instantiates it as a Normal in one world and as a two-point
law in the other, so no step can lean on anything but the two moments.
"""

from __future__ import annotations

import sympy as sp

from derive.catalog.symbols import i, j, mu, n, sigma, x_
from derive.core.algebra import sum_linearity
from derive.core.derivation import Assumption, Derivation, definition, equal
from derive.core.expectation import (
    AnyLaw,
    E,
    Var,
    independence,
    linearity,
    moments,
    pair_split,
    variance_definition,
    variance_fold,
)

LAW = AnyLaw(mu, sigma**2)
SIZES = {n: (2, 3)}  # the checker's worlds: n = 2 and n = 3 samples
SAMPLE_MEAN = sp.Sum(x_[j], (j, 1, n)) / n
CASELLA = "G. Casella, R. L. Berger, Statistical Inference, 2nd ed. (2002)"
_SAMPLES = Assumption.positive_integer(n, "$n$ is a positive integer (samples)")
_SIGMA = Assumption.positive(sigma, r"$\sigma > 0$")
_LAW_TEXT = (r"$x_1, \dots, x_n$ iid from a law with mean $\mu$ and variance $\sigma^2$ "
             r"(nothing else about it is used)")

REASONS = {
    "linearity": r"linearity: $\mathbb{E}[a f + b g] = a\,\mathbb{E}[f] + b\,\mathbb{E}[g]$ "
    r"for constants $a, b$, and $\mathbb{E}$ of a sum is the sum of the $\mathbb{E}$",
    "pair_split": r"split the double sum into its $n$ diagonal terms ($i = j$) and its "
    r"$n(n-1)$ off-diagonal terms ($i \ne j$); the samples are identically distributed",
    "independence": r"independence: $\mathbb{E}[x_1 x_2] = \mathbb{E}[x_1]\,\mathbb{E}[x_2]$ "
    r"for two different samples",
    "moments": r"the moments of the law: $\mathbb{E}[x_i] = \mu$, "
    r"$\mathbb{E}[x_i^2] = \sigma^2 + \mu^2$",
}


def _tidy(expr):
    return sp.factor(sp.expand(expr.doit()))


def chain(expr, rules, *, reasons=None):
    """Apply the named rules one step each; returns (steps, last expression)."""
    steps = []
    for name, rule in rules:
        new = rule(expr)
        if new == expr:
            raise RuntimeError(f"the rule {name} did not apply to {expr}")
        expr = new.doit() if new.has(sp.Sum) and name == "moments" else new
        steps.append(equal(expr, (reasons or REASONS)[name]))
    return steps, expr


def sample_mean_unbiased() -> Derivation:
    """The sample mean of iid samples with mean mu is unbiased: E[(1/n) sum x_i] = mu."""
    start = E(SAMPLE_MEAN, x_, LAW)
    steps, value = chain(start, [("linearity", linearity), ("moments", moments)])
    return Derivation(
        id="sample-mean-unbiased",
        title="The sample mean is unbiased",
        statement=r"For iid samples $x_1, \dots, x_n$ with mean $\mu$, "
        r"$\mathbb{E}[\bar x] = \mu$ where $\bar x = \frac{1}{n}\sum_j x_j$.",
        topic="expectations",
        assumptions=(_SAMPLES, _SIGMA),
        steps=(definition(start, "the expectation of the sample mean; " + _LAW_TEXT,
                          lhs=r"\mathbb{E}[\bar x]"), *steps),
        result=value,
        claim=mu,
        variables=(mu,),
        sizes=SIZES,
        references=(f"{CASELLA}, thm. 5.2.6",),
    )


def sample_mean_variance() -> Derivation:
    """The variance of the mean of n iid samples with variance sigma^2 is sigma^2 / n."""
    start = Var(SAMPLE_MEAN, x_, LAW)
    unfolded = variance_definition(start)
    steps, value = chain(unfolded, [
        ("linearity", lambda e: linearity(e, expand=True)),
        ("pair_split", pair_split),
        ("independence", independence),
        ("moments", moments),
    ])
    result = _tidy(value)
    return Derivation(
        id="sample-mean-variance",
        title="The variance of the sample mean",
        statement=r"For iid samples $x_1, \dots, x_n$ with variance $\sigma^2$, "
        r"$\operatorname{Var}[\bar x] = \sigma^2 / n$.",
        topic="expectations",
        assumptions=(_SAMPLES, _SIGMA),
        steps=(
            definition(start, "the variance of the sample mean; " + _LAW_TEXT,
                       lhs=r"\operatorname{Var}[\bar x]"),
            equal(unfolded, r"the definition $\operatorname{Var}[f] = \mathbb{E}[(f - \mathbb{E}[f])^2]$"),
            *steps,
            equal(result, "collect the terms"),
        ),
        result=result,
        claim=sigma**2 / n,
        variables=(sigma,),
        sizes=SIZES,
        references=(f"{CASELLA}, thm. 5.2.6",),
    )


def _variance_estimator(divisor):
    """E[(1/divisor) sum_i (x_i - xbar)^2] by the rules; returns (steps, value)."""
    start = E(sp.Sum((x_[i] - SAMPLE_MEAN) ** 2, (i, 1, n)) / divisor, x_, LAW)
    body = start.body
    split = sum_linearity(sp.expand(body))
    renamed = sp.expand(split.xreplace({sp.Sum(x_[i], (i, 1, n)): sp.Sum(x_[j], (j, 1, n))}))
    algebra = E(renamed, x_, LAW)
    steps = [
        definition(start, "the expectation of the estimator; " + _LAW_TEXT,
                   lhs=r"\mathbb{E}[\hat\sigma^2]"),
        equal(algebra, r"expand the square and sum term by term: "
              r"$\sum_i (x_i - \bar x)^2 = \sum_i x_i^2 - n \bar x^2$ (a summation index is a "
              r"bound variable: $\sum_i x_i = \sum_j x_j$)"),
    ]
    more, value = chain(algebra, [
        ("linearity", linearity),
        ("pair_split", pair_split),
        ("independence", independence),
        ("moments", moments),
    ])
    result = _tidy(value)
    return [*steps, *more, equal(result, "collect the terms")], result


def mle_variance_biased() -> Derivation:
    """The MLE of the variance is biased: E[(1/n) sum (x_i - xbar)^2] = (n - 1) sigma^2 / n."""
    steps, result = _variance_estimator(n)
    return Derivation(
        id="mle-variance-biased",
        title="The maximum-likelihood variance is biased",
        statement=r"For iid samples with variance $\sigma^2$, the maximum-likelihood variance "
        r"$\hat\sigma^2 = \frac{1}{n}\sum_i (x_i - \bar x)^2$ has "
        r"$\mathbb{E}[\hat\sigma^2] = \frac{n-1}{n}\sigma^2$: it underestimates $\sigma^2$.",
        topic="expectations",
        assumptions=(_SAMPLES, _SIGMA),
        steps=tuple(steps),
        result=result,
        claim=(n - 1) * sigma**2 / n,
        variables=(sigma,),
        sizes=SIZES,
        extras={"bias": sp.factor(result - sigma**2)},
        references=(f"{CASELLA}, thm. 5.2.6", "C. M. Bishop, Pattern Recognition and Machine "
                    "Learning (2006), eq. 1.59"),
    )


def sample_variance_unbiased() -> Derivation:
    """Bessel's correction: E[(1/(n - 1)) sum (x_i - xbar)^2] = sigma^2."""
    steps, result = _variance_estimator(n - 1)
    return Derivation(
        id="sample-variance-unbiased",
        title="The sample variance with n - 1 is unbiased",
        statement=r"For $n \ge 2$ iid samples with variance $\sigma^2$, "
        r"$s^2 = \frac{1}{n-1}\sum_i (x_i - \bar x)^2$ has $\mathbb{E}[s^2] = \sigma^2$ "
        r"(Bessel's correction).",
        topic="expectations",
        assumptions=(_SAMPLES, _SIGMA, Assumption.positive(n - 1, r"$n \ge 2$")),
        steps=tuple(steps),
        result=result,
        claim=sigma**2,
        variables=(sigma,),
        sizes=SIZES,
        references=(f"{CASELLA}, thm. 5.2.6",),
    )


# --- bias and variance ----------------------------------------------------------------------

x = sp.Symbol("x", real=True)
theta = sp.Symbol("theta", real=True)
estimator = sp.Function("T", real=True)  # any estimator T(x) of theta


def bias_variance_decomposition() -> Derivation:
    """E[(T - theta)^2] = Var[T] + (E[T] - theta)^2: the mean squared error of an estimator is its
    variance plus its squared bias."""
    T = estimator(x)
    mse = E((T - theta) ** 2, x, LAW)
    mean_T = E(T, x, LAW)
    centred = T - mean_T
    split = E(sp.Pow(sp.Add(centred, mean_T - theta, evaluate=False), 2, evaluate=False), x, LAW)
    u, w = sp.Dummy("u"), sp.Dummy("w")
    expanded = E(sp.expand((u + w) ** 2).xreplace({u: centred, w: mean_T - theta}), x, LAW)
    linear = linearity(linearity(expanded, repeat=False), repeat=False)  # the cross term kept
    zero = linearity(linear.xreplace({E(centred, x, LAW): linearity(E(centred, x, LAW))}))
    folded = variance_fold(zero)
    steps = (
        definition(mse, r"the mean squared error of an estimator $T(x)$ of a constant "
                   r"$\theta$; $x$ from any law with mean $\mu$ and variance $\sigma^2$",
                   lhs=r"\operatorname{MSE}(T)"),
        equal(split, r"add and subtract the constant $\mathbb{E}[T]$"),
        equal(expanded, r"expand the square of the sum of the two brackets"),
        equal(linear, REASONS["linearity"]),
        equal(zero, r"$\mathbb{E}[T - \mathbb{E}[T]] = \mathbb{E}[T] - \mathbb{E}[T] = 0$: "
              "the cross term vanishes"),
        equal(folded, r"the definition $\operatorname{Var}[T] = \mathbb{E}[(T - \mathbb{E}[T])^2]$"),
    )
    return Derivation(
        id="bias-variance-decomposition",
        title="Bias-variance decomposition of the squared error",
        statement=r"For any estimator $T$ of $\theta$, $\mathbb{E}[(T - \theta)^2] = "
        r"\operatorname{Var}[T] + (\mathbb{E}[T] - \theta)^2$: variance plus squared bias.",
        topic="expectations",
        assumptions=(_SIGMA,),
        steps=steps,
        result=folded,
        claim=Var(T, x, LAW) + (mean_T - theta) ** 2,
        variables=(theta,),
        references=("T. Hastie, R. Tibshirani, J. Friedman, The Elements of Statistical "
                    "Learning, 2nd ed. (2009), eq. 7.9", f"{CASELLA}, sec. 7.3.1"),
    )
