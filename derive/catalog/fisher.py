"""Fisher information from its definition, and the Cramer-Rao bound the sample mean attains.

Each Fisher information starts from the definition I(theta) = E[(d/dtheta log p(x; theta))^2]
(or -E[d^2/dtheta^2 log p], for the Bernoulli) with the derivative unevaluated; the next step
writes the derivative out (the checker differentiates in each concrete world and compares),
then linearity and the law's moments give the value. Nothing is typed in but the density.
"""

from __future__ import annotations

import sympy as sp

from derive.catalog.estimators import variance
from derive.catalog.expectations import REASONS, SAMPLE_MEAN, chain
from derive.catalog.symbols import mu, n, p, rate, x_
from derive.core.algebra import log_rules
from derive.core.derivation import Assumption, Derivation, definition, equal
from derive.core.expectation import (
    Bernoulli,
    E,
    Exponential,
    Normal,
    Poisson,
    Var,
    independence,
    linearity,
    moments,
    pair_split,
    variance_definition,
)

x = sp.Symbol("x", real=True)
FISHER = "R. A. Fisher, Theory of statistical estimation, Proc. Camb. Phil. Soc. 22 (1925)"
CASELLA = "G. Casella, R. L. Berger, Statistical Inference, 2nd ed. (2002)"
CRAMER_RAO = (f"{CASELLA}, thm. 7.3.9 (Cramer-Rao inequality) and lemma 7.3.11 "
              "(the two forms of the information)")
MOMENTS = "the moments of the law"


def _score_square(log_density, theta, law):
    """The chain from E[(d/dtheta log p)^2] to the information; returns (steps, value)."""
    written = log_rules(log_density)
    score = sp.expand(sp.diff(written, theta))
    start = E(sp.Derivative(log_density, theta) ** 2, x, law)
    computed = E(score**2, x, law)
    more, value = chain(computed, [("linearity", lambda e: linearity(e, expand=True)),
                                   ("moments", moments)],
                        reasons={"linearity": REASONS["linearity"], "moments": MOMENTS})
    result = sp.factor(sp.simplify(value))
    name = sp.latex(theta)
    steps = [
        definition(start, rf"Fisher information: the expected squared score, the score being "
                   rf"the derivative in ${name}$ of the log-density",
                   lhs=rf"I({name})", source=FISHER),
        equal(computed, rf"differentiate the log-density in ${name}$: the score is "
              rf"${sp.latex(score)}$"),
        *more,
        equal(result, "simplify"),
    ]
    return steps, result


def _scalar_fisher(*, id, title, statement, law, log_density, theta, assumptions, claim, second=False):
    if second:
        written = log_rules(log_density)
        curvature = sp.expand(sp.diff(written, theta, 2))
        start = E(-sp.Derivative(log_density, (theta, 2)), x, law)
        computed = E(-curvature, x, law)
        more, value = chain(computed, [("linearity", lambda e: linearity(e, expand=True)),
                                       ("moments", moments)],
                            reasons={"linearity": REASONS["linearity"], "moments": MOMENTS})
        result = sp.factor(sp.simplify(value))
        name = sp.latex(theta)
        steps = [
            definition(start, rf"Fisher information in its second form: minus the expected "
                       rf"curvature of the log-density in ${name}$ (equal to the expected squared "
                       "score under the usual regularity conditions)", lhs=rf"I({name})",
                       source=f"{FISHER}; {CRAMER_RAO}"),
            equal(computed, rf"differentiate the log-density twice in ${name}$"),
            *more,
            equal(result, "simplify"),
        ]
    else:
        steps, result = _score_square(log_density, theta, law)
    return Derivation(
        id=id,
        title=title,
        statement=statement,
        topic="fisher",
        assumptions=assumptions,
        steps=tuple(steps),
        result=result,
        claim=claim,
        variables=(theta,),
        extras={"cramer_rao_bound": sp.factor(1 / (n * result))},
        references=(FISHER, CRAMER_RAO),
    )


def fisher_bernoulli() -> Derivation:
    """The Fisher information of Bernoulli(p) is 1 / (p (1 - p))."""
    return _scalar_fisher(
        id="fisher-bernoulli",
        title="Fisher information of the Bernoulli",
        statement=r"For $x \sim \operatorname{Bern}(p)$, $I(p) = \frac{1}{p(1-p)}$, so an unbiased "
        r"estimator of $p$ from $n$ samples has variance at least $p(1-p)/n$.",
        law=Bernoulli(p),
        log_density=sp.log(p**x * (1 - p) ** (1 - x)),
        theta=p,
        assumptions=(Assumption.positive(1 - p, r"$0 < p < 1$"),),
        claim=1 / (p * (1 - p)),
        second=True,
    )


def fisher_poisson() -> Derivation:
    """The Fisher information of Poisson(lambda) is 1 / lambda."""
    return _scalar_fisher(
        id="fisher-poisson",
        title="Fisher information of the Poisson",
        statement=r"For $x \sim \operatorname{Poisson}(\lambda)$, $I(\lambda) = 1/\lambda$, so an "
        r"unbiased estimator of $\lambda$ from $n$ samples has variance at least $\lambda/n$.",
        law=Poisson(rate),
        log_density=sp.log(rate**x * sp.exp(-rate) / sp.factorial(x)),
        theta=rate,
        assumptions=(Assumption.positive(rate, r"$\lambda > 0$"),),
        claim=1 / rate,
    )


def fisher_exponential() -> Derivation:
    """The Fisher information of Exponential(lambda) is 1 / lambda^2."""
    return _scalar_fisher(
        id="fisher-exponential",
        title="Fisher information of the exponential",
        statement=r"For $x \sim \operatorname{Exp}(\lambda)$ with density $\lambda e^{-\lambda x}$, "
        r"$I(\lambda) = 1/\lambda^2$.",
        law=Exponential(rate),
        log_density=sp.log(rate * sp.exp(-rate * x)),
        theta=rate,
        assumptions=(Assumption.positive(rate, r"$\lambda > 0$"),),
        claim=1 / rate**2,
    )


def _gaussian_log_density():
    return sp.log(sp.exp(-((x - mu) ** 2) / (2 * variance)) / sp.sqrt(2 * sp.pi * variance))


_GAUSSIAN = dict(law=Normal(mu, variance), log_density=None,
                 assumptions=(Assumption.positive(variance, r"$\sigma^2 > 0$"),))


def fisher_gaussian_mean() -> Derivation:
    """The Fisher information of N(mu, sigma^2) in the mean is 1 / sigma^2."""
    return _scalar_fisher(
        id="fisher-gaussian-mean",
        title="Fisher information of the Gaussian mean",
        statement=r"For $x \sim \mathcal{N}(\mu, \sigma^2)$, $I(\mu) = 1/\sigma^2$.",
        law=Normal(mu, variance), log_density=_gaussian_log_density(), theta=mu,
        assumptions=_GAUSSIAN["assumptions"], claim=1 / variance)


def fisher_gaussian_variance() -> Derivation:
    """The Fisher information of N(mu, sigma^2) in the variance is 1 / (2 sigma^4)."""
    return _scalar_fisher(
        id="fisher-gaussian-variance",
        title="Fisher information of the Gaussian variance",
        statement=r"For $x \sim \mathcal{N}(\mu, \sigma^2)$, the information in the variance is "
        r"$I(\sigma^2) = 1/(2\sigma^4)$ (it needs the fourth moment $\mathbb{E}[(x - \mu)^4] = 3\sigma^4$).",
        law=Normal(mu, variance), log_density=_gaussian_log_density(), theta=variance,
        assumptions=_GAUSSIAN["assumptions"], claim=1 / (2 * variance**2))


def fisher_gaussian_cross() -> Derivation:
    """The off-diagonal Fisher information of N(mu, sigma^2) is 0: mean and variance are orthogonal."""
    log_density = _gaussian_log_density()
    law = Normal(mu, variance)
    written = log_rules(log_density)
    s_mu, s_var = (sp.expand(sp.diff(written, t)) for t in (mu, variance))
    start = E(sp.Derivative(log_density, mu) * sp.Derivative(log_density, variance), x, law)
    computed = E(s_mu * s_var, x, law)
    more, value = chain(computed, [("linearity", lambda e: linearity(e, expand=True)),
                                   ("moments", moments)],
                        reasons={"linearity": REASONS["linearity"], "moments": MOMENTS})
    result = sp.simplify(value)
    steps = (
        definition(start, r"the off-diagonal entry of the Fisher information matrix: the expected "
                   r"product of the scores in $\mu$ and in $\sigma^2$", lhs=r"I_{\mu \sigma^2}",
                   source=FISHER),
        equal(computed, r"differentiate the log-density in $\mu$ and in $\sigma^2$"),
        *more,
        equal(result, "simplify"),
    )
    return Derivation(
        id="fisher-gaussian-cross",
        title="The Gaussian mean and variance are orthogonal",
        statement=r"For $x \sim \mathcal{N}(\mu, \sigma^2)$ the expected product of the scores in "
        r"$\mu$ and in $\sigma^2$ is 0: the Fisher information matrix in $(\mu, \sigma^2)$ is "
        r"$\operatorname{diag}(1/\sigma^2, 1/(2\sigma^4))$.",
        topic="fisher",
        assumptions=_GAUSSIAN["assumptions"],
        steps=steps,
        result=result,
        claim=sp.Integer(0),
        variables=(mu, variance),
        references=(FISHER, f"{CASELLA}, example 7.3.13"),
    )


def cramer_rao_sample_mean() -> Derivation:
    """The sample mean of n Gaussian samples has variance sigma^2 / n = 1 / (n I(mu)): it attains
    the Cramer-Rao bound."""
    from derive.catalog import get

    info = get("fisher-gaussian-mean").result
    law = Normal(mu, variance)
    start = Var(SAMPLE_MEAN, x_, law)
    unfolded = variance_definition(start)
    more, value = chain(unfolded, [
        ("linearity", lambda e: linearity(e, expand=True)),
        ("pair_split", pair_split),
        ("independence", independence),
        ("moments", moments),
    ], reasons={**REASONS, "moments": r"the moments of the normal law"})
    result = sp.factor(sp.expand(value))
    bound = 1 / (n * info)
    steps = (
        definition(start, r"the variance of the mean of $n$ iid samples of "
                   r"$\mathcal{N}(\mu, \sigma^2)$, an unbiased estimator of $\mu$",
                   lhs=r"\operatorname{Var}[\bar x]"),
        equal(unfolded, r"the definition $\operatorname{Var}[f] = \mathbb{E}[(f - \mathbb{E}[f])^2]$"),
        *more,
        equal(result, "collect the terms"),
        equal(bound, r"the Cramer-Rao lower bound $1/(n I(\mu))$ for unbiased estimators, with "
              r"$I(\mu) = 1/\sigma^2$ (fisher-gaussian-mean): the bound is attained",
              source=CRAMER_RAO),
    )
    return Derivation(
        id="cramer-rao-sample-mean",
        title="The sample mean attains the Cramer-Rao bound",
        statement=r"For $n$ iid samples of $\mathcal{N}(\mu, \sigma^2)$, "
        r"$\operatorname{Var}[\bar x] = \sigma^2/n = 1/(n I(\mu))$: no unbiased estimator of "
        r"$\mu$ has a smaller variance.",
        topic="fisher",
        assumptions=(Assumption.positive_integer(n, "$n$ is a positive integer (samples)"),
                     Assumption.positive(variance, r"$\sigma^2 > 0$")),
        steps=steps,
        result=bound,
        claim=variance / n,
        variables=(mu,),
        extras={"variance_of_mean": result, "fisher_information": info},
        sizes={n: (2, 3)},
        references=(CRAMER_RAO,),
    )
