"""Kullback-Leibler divergences, each computed from its definition E_p[log p(x) - log q(x)].

The log-ratio is written out (log rules), linearity splits the expectation, and the moments of p
(or, for a Gaussian vector, E[(x - b)^T A (x - b)] = tr(A S) + (m - b)^T A (m - b)) give the
value. The multivariate case is symbolic in the dimension k; the checker instantiates it at
concrete k (2 and 3) with random positive definite covariances, drawing the vector exactly as
x = m + L z from S = L D L^T.
"""

from __future__ import annotations

import sympy as sp

from derive.catalog.expectations import REASONS, chain
from derive.catalog.likelihood import gaussian_density
from derive.catalog.symbols import k
from derive.core.algebra import log_rules
from derive.core.derivation import (
    Assumption,
    Derivation,
    definition,
    equal,
    gradient,
    implies,
    stationary,
)
from derive.core.expectation import (
    Bernoulli,
    E,
    MvNormal,
    Normal,
    gaussian_quadratic_form,
    linearity,
    moments,
)

x = sp.Symbol("x", real=True)
m1, m2 = sp.symbols("mu_1 mu_2", real=True)
s1, s2 = sp.symbols("sigma_1 sigma_2", positive=True)
p, q = sp.symbols("p q", positive=True)
KULLBACK = "S. Kullback, R. A. Leibler, On information and sufficiency, Ann. Math. Stat. 22 (1951)"
BISHOP = "C. M. Bishop, Pattern Recognition and Machine Learning (2006)"
KINGMA = "D. P. Kingma, M. Welling, Auto-encoding variational Bayes, ICLR (2014), appendix B"
DEFINITION = (r"the Kullback-Leibler divergence: the expectation under $p$ of the log-ratio "
              r"$\log p(x) - \log q(x)$")
_REASONS = {"linearity": REASONS["linearity"], "moments": r"the moments of $p$: "
            r"$\mathbb{E}[x] = \mu_1$, $\mathbb{E}[x^2] = \sigma_1^2 + \mu_1^2$"}


def _from_definition(log_ratio, law, extra_reason=""):
    """definition -> log rules -> linearity -> moments -> simplified; returns (steps, value)."""
    start = E(log_ratio, x, law)
    written = E(sp.expand(log_rules(log_ratio)), x, law)
    more, value = chain(written, [("linearity", lambda e: linearity(e, expand=True)),
                                  ("moments", moments)], reasons=_REASONS)
    result = _tidy(value)
    steps = [
        definition(start, DEFINITION + extra_reason, lhs=r"\operatorname{KL}(p \,\|\, q)",
                   source=KULLBACK),
        equal(written, "the log of a product is the sum of the logs; $\\log e^u = u$"),
        *more,
        equal(result, "simplify"),
    ]
    return steps, result


def _tidy(value):
    """The logarithms combined into one, the rest over a common denominator."""
    terms = sp.Add.make_args(sp.expand(sp.expand_log(sp.expand(value), force=True)))
    logs = sp.Add(*[t for t in terms if t.has(sp.log)])
    rest = sp.Add(*[t for t in terms if not t.has(sp.log)])
    return sp.logcombine(logs, force=True) + sp.factor(sp.together(rest))


def _gaussian_assumptions():
    return (Assumption.positive(s1, r"$\sigma_1 > 0$"), Assumption.positive(s2, r"$\sigma_2 > 0$"))


def kl_gaussian() -> Derivation:
    """KL(N(mu_1, sigma_1^2) || N(mu_2, sigma_2^2)) = log(sigma_2/sigma_1) + (sigma_1^2 + (mu_1 - mu_2)^2)/(2 sigma_2^2) - 1/2."""
    log_ratio = sp.log(gaussian_density(x, m1, s1)) - sp.log(gaussian_density(x, m2, s2))
    steps, result = _from_definition(log_ratio, Normal(m1, s1**2),
                                     r", $p = \mathcal{N}(\mu_1, \sigma_1^2)$, $q = \mathcal{N}(\mu_2, \sigma_2^2)$")
    return Derivation(
        id="kl-gaussian",
        title="KL divergence between two Gaussians",
        statement=r"$\operatorname{KL}(\mathcal{N}(\mu_1, \sigma_1^2) \,\|\, \mathcal{N}(\mu_2, \sigma_2^2)) = "
        r"\log\frac{\sigma_2}{\sigma_1} + \frac{\sigma_1^2 + (\mu_1 - \mu_2)^2}{2\sigma_2^2} - \frac{1}{2}$.",
        topic="kl",
        assumptions=_gaussian_assumptions(),
        steps=tuple(steps),
        result=result,
        claim=sp.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - sp.Rational(1, 2),
        variables=(m1, s1, m2, s2),
        references=(KULLBACK, f"{BISHOP}, exercise 1.30"),
    )


def kl_vae() -> Derivation:
    """KL(N(mu, sigma^2) || N(0, 1)) = (sigma^2 + mu^2 - 1 - log sigma^2) / 2, the VAE's regulariser."""
    log_ratio = sp.log(gaussian_density(x, m1, s1)) - sp.log(gaussian_density(x, 0, 1))
    steps, result = _from_definition(log_ratio, Normal(m1, s1**2),
                                     r", $p = \mathcal{N}(\mu_1, \sigma_1^2)$ (the encoder), "
                                     r"$q = \mathcal{N}(0, 1)$ (the prior)")
    return Derivation(
        id="kl-vae",
        title="KL divergence of a Gaussian to the standard normal (the VAE term)",
        statement=r"$\operatorname{KL}(\mathcal{N}(\mu_1, \sigma_1^2) \,\|\, \mathcal{N}(0, 1)) = "
        r"\frac{1}{2}(\sigma_1^2 + \mu_1^2 - 1 - \log \sigma_1^2)$; summed over the latent "
        r"coordinates it is the regulariser of a variational auto-encoder.",
        topic="kl",
        assumptions=(Assumption.positive(s1, r"$\sigma_1 > 0$"),),
        steps=tuple(steps),
        result=result,
        claim=(s1**2 + m1**2 - 1 - sp.log(s1**2)) / 2,
        variables=(m1, s1),
        references=(KINGMA,),
    )


def _bernoulli_pmf(value, prob):
    return prob**value * (1 - prob) ** (1 - value)


_BERNOULLI_ASSUMPTIONS = (
    Assumption.positive(1 - p, r"$0 < p < 1$"),
    Assumption.positive(1 - q, r"$0 < q < 1$"),
)


def kl_bernoulli() -> Derivation:
    """KL(Bern(p) || Bern(q)) = p log(p/q) + (1 - p) log((1 - p)/(1 - q))."""
    log_ratio = sp.log(_bernoulli_pmf(x, p)) - sp.log(_bernoulli_pmf(x, q))
    start = E(log_ratio, x, Bernoulli(p))
    written = E(sp.expand(log_rules(log_ratio)), x, Bernoulli(p))
    more, value = chain(written, [("linearity", lambda e: linearity(e, expand=True)),
                                  ("moments", moments)],
                        reasons={"linearity": REASONS["linearity"],
                                 "moments": r"$\mathbb{E}[x] = p$ for $x \sim \operatorname{Bern}(p)$"})
    result = sp.expand(value)
    steps = (
        definition(start, DEFINITION + r", $p = \operatorname{Bern}(p)$, $q = \operatorname{Bern}(q)$",
                   lhs=r"\operatorname{KL}(p \,\|\, q)", source=KULLBACK),
        equal(written, r"the log of a product is the sum of the logs"),
        *more,
        equal(result, "expand"),
    )
    return Derivation(
        id="kl-bernoulli",
        title="KL divergence between two Bernoullis",
        statement=r"$\operatorname{KL}(\operatorname{Bern}(p) \,\|\, \operatorname{Bern}(q)) = "
        r"p \log\frac{p}{q} + (1 - p) \log\frac{1 - p}{1 - q}$.",
        topic="kl",
        assumptions=_BERNOULLI_ASSUMPTIONS,
        steps=steps,
        result=result,
        claim=p * sp.log(p / q) + (1 - p) * sp.log((1 - p) / (1 - q)),
        variables=(p, q),
        references=(KULLBACK,),
    )


def kl_bernoulli_nonnegative() -> Derivation:
    """KL(Bern(p) || Bern(q)) >= 0, with equality only at q = p."""
    from derive.catalog import get

    kl = get("kl-bernoulli").result
    slope = sp.diff(kl, q)  # term by term: no product juxtaposed with a bracket
    # each term's sign visible: p / q^2 + (1 - p) / (1 - q)^2
    curvature = sp.collect(sp.expand_mul(sp.diff(kl, q, 2)), (q - 1) ** -2).xreplace({q - 1: 1 - q})
    root = sp.solve(sp.numer(sp.together(slope)), q)
    if len(root) != 1:
        raise RuntimeError(f"expected one stationary point, got {root}")
    at_root = kl.xreplace({q: root[0]})
    steps = (
        definition(kl, r"the divergence (kl-bernoulli) as a function of $q \in (0, 1)$",
                   lhs=r"K(q)"),
        gradient(slope, r"differentiate in $q$", wrt=q, lhs=r"K'(q)"),
        gradient(curvature, r"differentiate again", wrt=q, lhs=r"K''(q)"),
        implies(sp.StrictGreaterThan(curvature, 0, evaluate=False),
                r"positive on $(0, 1)$: $K$ is strictly convex in $q$"),
        stationary(sp.Eq(slope, 0), r"the first-order condition $K'(q) = 0$", wrt=q),
        implies(sp.Eq(q, root[0]), r"solve for $q$: the only stationary point", wrt=(q,)),
        definition(at_root, r"the value of $K$ at the stationary point $q = p$", lhs=r"K(p)"),
        equal(sp.simplify(at_root), r"$\log 1 = 0$"),
        definition(sp.GreaterThan(kl, 0, evaluate=False),
                   r"a strictly convex differentiable function on an interval is minimised at its "
                   r"stationary point, here with value $0$: $K(q) \ge K(p) = 0$, with equality "
                   r"only at $q = p$",
                   source="S. Boyd, L. Vandenberghe, Convex Optimization (2004), sec. 4.2.3"),
    )
    return Derivation(
        id="kl-bernoulli-nonnegative",
        title="The Bernoulli KL divergence is non-negative",
        statement=r"$\operatorname{KL}(\operatorname{Bern}(p) \,\|\, \operatorname{Bern}(q)) \ge 0$, "
        r"with equality exactly when $q = p$ (Gibbs' inequality, Bernoulli case).",
        topic="kl",
        assumptions=_BERNOULLI_ASSUMPTIONS,
        steps=steps,
        result=root[0],
        claim=p,
        variables=(q,),
        extras={"curvature": curvature, "minimum": sp.simplify(at_root)},
        references=(KULLBACK, "T. M. Cover, J. A. Thomas, Elements of Information Theory, "
                    "2nd ed. (2006), thm. 2.6.3"),
    )


# --- multivariate Gaussians ------------------------------------------------------------------

xv = sp.MatrixSymbol("x", k, 1)
mv1, mv2 = sp.MatrixSymbol("mu_1", k, 1), sp.MatrixSymbol("mu_2", k, 1)
S1, S2 = sp.MatrixSymbol("Sigma_1", k, k), sp.MatrixSymbol("Sigma_2", k, k)


def mvn_log_density(value, mean, cov):
    """log N(value | mean, cov) = -(k/2) log 2 pi - (1/2) log|cov| - (1/2) tr((v - m)^T cov^-1 (v - m))."""
    r = value - mean
    return (-k * sp.log(2 * sp.pi) / 2 - sp.log(sp.Determinant(cov)) / 2
            - sp.Trace(r.T * cov.I * r) / 2)


def kl_mvn() -> Derivation:
    """KL(N(mu_1, S_1) || N(mu_2, S_2)) = (tr(S_2^-1 S_1) + (mu_2 - mu_1)^T S_2^-1 (mu_2 - mu_1) - k + log(|S_2|/|S_1|)) / 2."""
    law = MvNormal(mv1, S1)
    # E_p[log p] - E_p[log q]: the negative entropy minus the cross-entropy (two shorter lines)
    start = E(mvn_log_density(xv, mv1, S1), xv, law) - E(mvn_log_density(xv, mv2, S2), xv, law)
    linear = linearity(start)
    quadratic = gaussian_quadratic_form(linear)
    result = quadratic.doit()
    steps = (
        definition(start, DEFINITION + r" (split in two), $p = \mathcal{N}(\mu_1, \Sigma_1)$, "
                   r"$q = \mathcal{N}(\mu_2, \Sigma_2)$ on $\mathbb{R}^k$, the quadratic forms "
                   "written as traces of $1 \\times 1$ matrices", lhs=r"\operatorname{KL}(p \,\|\, q)",
                   source=KULLBACK),
        equal(linear, REASONS["linearity"] + r"; the log-determinants and $\log 2\pi$ are constants"),
        equal(quadratic, r"for $x \sim \mathcal{N}(m, S)$: $\mathbb{E}[(x - b)^\top A (x - b)] = "
              r"\operatorname{tr}(A S) + (m - b)^\top A (m - b)$, from $\mathbb{E}[x x^\top] = S + m m^\top$",
              source="K. B. Petersen, M. S. Pedersen, The Matrix Cookbook (2012): the expectation of a Gaussian quadratic form"),
        equal(result, r"$\operatorname{tr}(\Sigma_1^{-1}\Sigma_1) = \operatorname{tr} I_k = k$ and "
              r"the quadratic form in $\mu_1 - \mu_1 = 0$ vanishes"),
    )
    d = mv2 - mv1
    return Derivation(
        id="kl-mvn",
        title="KL divergence between two multivariate Gaussians",
        statement=r"For Gaussians $p = \mathcal{N}(\mu_1, \Sigma_1)$ and $q = \mathcal{N}(\mu_2, \Sigma_2)$ "
        r"on $\mathbb{R}^k$, $2\operatorname{KL}(p \,\|\, q) = \operatorname{tr}(\Sigma_2^{-1}\Sigma_1) "
        r"+ (\mu_2 - \mu_1)^\top \Sigma_2^{-1} (\mu_2 - \mu_1) - k + \log |\Sigma_2| - \log |\Sigma_1|$.",
        topic="kl",
        assumptions=(
            Assumption.positive_integer(k, "$k$ is a positive integer (the dimension)"),
            Assumption.positive_definite(S1, r"$\Sigma_1$ is symmetric positive definite"),
            Assumption.positive_definite(S2, r"$\Sigma_2$ is symmetric positive definite"),
        ),
        steps=steps,
        result=result,
        claim=(sp.Trace(S2.I * S1) + sp.Trace(d.T * S2.I * d) - k
               + sp.log(sp.Determinant(S2)) - sp.log(sp.Determinant(S1))) / 2,
        variables=(mv1, S1, mv2, S2),
        sizes={k: (2, 3)},
        references=(KULLBACK, "The Matrix Cookbook (2012): the expectation of a Gaussian quadratic form"),
    )
