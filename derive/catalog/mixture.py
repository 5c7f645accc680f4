"""EM for a Gaussian mixture: the E-step from Bayes' rule, the M-step from the expected
complete-data log-likelihood Q = sum_n sum_k r_nk (log pi_k + log N(x_n | mu_k, sigma_k^2)).

The weights are found with a Lagrange multiplier for sum_k pi_k = 1, for any number K of
components (the checker instantiates K); the chain goes through the dual function: the
stationary point in pi_k for a fixed multiplier, the multiplier that makes it feasible, and
the stationary point again at that multiplier. Each component's mean and variance maximise
its own weighted Gaussian log-likelihood; they are derived for one-dimensional data (the
dimension made concrete: d = 1), where the sums stay scalar.
"""

from __future__ import annotations

import sympy as sp

from derive.catalog.estimators import _opaque_sums, _ratio, _tidy, variance
from derive.catalog.symbols import i, mu, n
from derive.core.algebra import log_rules, sum_linearity
from derive.core.derivation import (
    Assumption,
    Derivation,
    definition,
    equal,
    gradient,
    iff,
    implies,
    stationary,
)

K = sp.Symbol("K", integer=True, positive=True)  # components
k = sp.Symbol("k", integer=True, positive=True)
j = sp.Symbol("j", integer=True, positive=True)
pi_ = sp.IndexedBase("phi", positive=True)  # mixing weights (phi_k: \pi is the constant to a reader)
dens = sp.IndexedBase("p", positive=True)  # p_k = N(x | mu_k, Sigma_k) at one sample x
counts = sp.IndexedBase("N", positive=True)  # N_k = sum_n r_nk, the soft counts
r_ = sp.IndexedBase("r", positive=True)  # responsibilities r_n of one component
x_ = sp.IndexedBase("x", real=True)
lam = sp.Symbol("lambda", positive=True)  # the multiplier (positive at the solution)
r_post = sp.Symbol("r_k", positive=True)  # p(z = k | x)
BISHOP = "C. M. Bishop, Pattern Recognition and Machine Learning (2006)"
DEMPSTER = ("A. P. Dempster, N. M. Laird, D. B. Rubin, Maximum likelihood from incomplete data "
            "via the EM algorithm, JRSS B 39 (1977)")


def gmm_responsibilities() -> Derivation:
    """The posterior of the component given a sample is r_k = pi_k p_k / sum_j pi_j p_j."""
    evidence = sp.Sum(pi_[j] * dens[j], (j, 1, K))
    product_rule = sp.Eq(r_post * evidence, pi_[k] * dens[k])
    M, c = sp.Poly(product_rule.lhs - product_rule.rhs, r_post).all_coeffs()
    solution = -c / M
    steps = (
        definition(product_rule, r"the product rule $p(z = k \mid x)\,p(x) = p(x \mid z = k)\,p(z = k)$ "
                   r"with $p(z = k) = \phi_k$, $p(x \mid z = k) = p_k = \mathcal{N}(x \mid \mu_k, \Sigma_k)$ "
                   r"and $p(x) = \sum_j \phi_j p_j$ by the sum rule",
                   source="Kolmogorov's definition of conditional probability; the sum rule"),
        iff(sp.Eq(r_post, solution), r"divide by $p(x) = \sum_j \phi_j p_j > 0$", wrt=(r_post,),
            factor=evidence),
    )
    return Derivation(
        id="gmm-responsibilities",
        title="EM for a Gaussian mixture: the responsibilities (E-step)",
        statement=r"In a mixture $\sum_k \phi_k \mathcal{N}(x \mid \mu_k, \Sigma_k)$ the posterior "
        r"probability that $x$ came from component $k$ is $r_k = \phi_k p_k / \sum_j \phi_j p_j$.",
        topic="mixture",
        assumptions=(Assumption.positive_integer(K, "$K$ is a positive integer (components)"),
                     Assumption.positive(evidence, r"$p(x) = \sum_j \phi_j p_j > 0$")),
        steps=steps,
        result=solution,
        claim=pi_[k] * dens[k] / evidence,
        variables=(r_post,),
        references=(f"{BISHOP}, eq. 9.13",),
    )


pi_1 = sp.Symbol("phi_1", positive=True)
count_1 = sp.Symbol("N_1", positive=True)


def _split_first(expr_k, lo=2):
    """sum_{k=1}^K f(k) as f(1) + sum_{k=2}^K f(k), component 1 written with plain symbols."""
    first = expr_k.xreplace({pi_[k]: pi_1, counts[k]: count_1})
    return first + sp.Sum(expr_k, (k, lo, K))


def gmm_m_step_weights() -> Derivation:
    """The M-step weights maximise sum_k N_k log phi_k subject to sum_k phi_k = 1: phi_k = N_k / sum_j N_j."""
    lagrangian = _split_first(counts[k] * sp.log(pi_[k])) + lam * (1 - _split_first(pi_[k]))
    G = sp.diff(lagrangian, pi_1)
    at_lambda = sp.solve(G, pi_1)[0]
    dual = lagrangian.xreplace({pi_1: count_1 / lam, pi_[k]: counts[k] / lam})
    dual = sum_linearity(sp.expand(log_rules(dual)))
    dual_slope = sp.diff(dual, lam)
    opaque, back = _opaque_sums(dual_slope)
    multiplier = sp.solve(opaque, lam)[0].xreplace(back)
    at_multiplier = lagrangian.xreplace({lam: multiplier})
    G2 = sp.diff(at_multiplier, pi_1)
    curvature = sp.diff(G2, pi_1)
    weight = sp.solve(G2, pi_1)[0]
    steps = (
        definition(lagrangian, r"the part of the expected complete-data log-likelihood that holds "
                   r"the weights, $\sum_k N_k \log \phi_k$ with $N_k = \sum_n r_{nk}$, plus a multiplier "
                   r"$\lambda$ for the constraint $\sum_k \phi_k = 1$; component 1 written apart",
                   lhs=r"\mathcal{L}(\phi, \lambda)",
                   source=f"{BISHOP}, eq. 9.20 (Lagrange multipliers, appendix E)"),
        stationary(sp.Eq(G, 0), r"stationary in $\phi_1$ (every component alike, by symmetry)", wrt=pi_1),
        implies(sp.Eq(pi_1, at_lambda), r"solve for $\phi_1$: $\phi_k = N_k / \lambda$", wrt=(pi_1,)),
        definition(dual, r"the dual function: the Lagrangian at $\phi_k = N_k/\lambda$ for every $k$",
                   lhs=r"g(\lambda)"),
        stationary(sp.Eq(dual_slope, 0), r"stationary in $\lambda$: the constraint holds", wrt=lam),
        implies(sp.Eq(lam, multiplier), r"solve for $\lambda$: $\lambda = \sum_k N_k$", wrt=(lam,)),
        definition(at_multiplier, r"the Lagrangian at that multiplier",
                   lhs=r"\mathcal{L}(\phi, \textstyle\sum_k N_k)"),
        gradient(G2, r"differentiate in $\phi_1$", wrt=pi_1,
                 lhs=r"\frac{\partial \mathcal{L}}{\partial \phi_1}"),
        gradient(curvature, r"differentiate again", wrt=pi_1,
                 lhs=r"\frac{\partial^2 \mathcal{L}}{\partial \phi_1^2}"),
        implies(sp.StrictLessThan(curvature, 0, evaluate=False),
                r"negative: strictly concave in each weight, so the stationary point is the maximum"),
        stationary(sp.Eq(G2, 0), r"the first-order condition in $\phi_1$", wrt=pi_1),
        implies(sp.Eq(pi_1, weight), r"solve: $\phi_k = N_k / \sum_j N_j$ (and "
                r"$\sum_j N_j = N$, the responsibilities of each sample summing to 1)", wrt=(pi_1,)),
    )
    return Derivation(
        id="gmm-m-step-weights",
        title="EM for a Gaussian mixture: the weights (M-step)",
        statement=r"Maximising $\sum_k N_k \log \phi_k$ subject to $\sum_k \phi_k = 1$ gives "
        r"$\phi_k = N_k / \sum_j N_j = N_k / N$, where $N_k = \sum_n r_{nk}$.",
        topic="mixture",
        assumptions=(Assumption.positive_integer(K, "$K$ is a positive integer (components)"),),
        steps=steps,
        result=weight,
        claim=count_1 / (count_1 + sp.Sum(counts[k], (k, 2, K))),
        variables=(pi_1,),
        extras={"multiplier": multiplier},
        references=(f"{BISHOP}, eqs. 9.20-9.22", DEMPSTER),
    )


_WEIGHTED = (
    Assumption.positive_integer(n, "$n$ is a positive integer (samples)"),
    Assumption.positive(variance, r"$\sigma_k^2 > 0$"),
)


def _weighted_chain(param, concave, extra_assumptions=()):
    """Q_k(param) = sum_n r_n log N(x_n | mu_k, sigma_k^2) -> score -> stationary -> solved."""
    density = sp.exp(-((x_[i] - mu) ** 2) / (2 * variance)) / sp.sqrt(2 * sp.pi * variance)
    start = sp.Sum(r_[i] * sp.log(density), (i, 1, n))
    # the mean needs sum_n r_n x_n apart; the variance keeps sum_n r_n (x_n - mu)^2 whole
    whole = param is not mu
    split = (lambda e: sum_linearity(sp.expand_mul(e), expand=False)) if whole else (
        lambda e: sum_linearity(sp.expand(e)))
    written = split(log_rules(start))
    score = split(sp.diff(written, param))
    curvature = split(sp.diff(score, param))
    opaque, back = _opaque_sums(score)
    roots = [s for s in sp.solve(opaque, param) if not (param.is_positive and s.is_nonpositive)]
    if len(roots) != 1:
        raise RuntimeError(f"expected one stationary point, got {roots}")
    estimate = _tidy(roots[0].xreplace(back))
    name = sp.latex(param)
    steps = [
        definition(start, r"the part of the expected complete-data log-likelihood $Q$ that holds "
                   r"component $k$'s parameters: its Gaussian log-density at each sample, weighted by "
                   r"the responsibility $r_n = r_{nk}$", lhs=rf"Q_k({name})",
                   source=f"{BISHOP}, eq. 9.40; {DEMPSTER}"),
        equal(written, r"the log of the density; Sum linearity"),
        gradient(score, rf"differentiate in ${name}$", wrt=param,
                 lhs=rf"\frac{{\partial Q_k}}{{\partial {name}}}"),
        gradient(curvature, rf"differentiate again", wrt=param,
                 lhs=rf"\frac{{\partial^2 Q_k}}{{\partial {name}^2}}"),
    ]
    if concave:
        steps.append(implies(sp.StrictLessThan(curvature, 0, evaluate=False),
                             r"negative: $Q_k$ is strictly concave in the mean"))
    steps += [
        stationary(sp.Eq(score, 0), "the first-order condition", wrt=param),
        implies(sp.Eq(param, estimate), rf"solve for ${name}$, the sums held whole", wrt=(param,)),
    ]
    if not concave:
        value = _tidy(sum_linearity(curvature.xreplace({param: estimate}), expand=False))
        steps += [
            implies(sp.Eq(curvature, value), "the curvature at the stationary point",
                    factor=_ratio(curvature - value, param - estimate)),
            implies(sp.StrictLessThan(value, 0, evaluate=False),
                    "negative: a strict local maximum, and the only stationary point on "
                    r"$\sigma_k^2 > 0$, so the global one"),
        ]
    return steps, estimate


def gmm_m_step_means() -> Derivation:
    """The M-step mean of component k is the responsibility-weighted mean sum_n r_nk x_n / sum_n r_nk."""
    steps, estimate = _weighted_chain(mu, concave=True)
    total = sp.Sum(r_[i], (i, 1, n))
    return Derivation(
        id="gmm-m-step-means",
        title="EM for a Gaussian mixture: the means (M-step)",
        statement=r"For one-dimensional data, $Q$ is maximised in $\mu_k$ at the responsibility-weighted "
        r"mean $\mu_k = \sum_n r_{nk} x_n / \sum_n r_{nk}$.",
        topic="mixture",
        assumptions=(*_WEIGHTED, Assumption.positive(total, r"$N_k = \sum_n r_{nk} > 0$")),
        steps=tuple(steps),
        result=estimate,
        claim=sp.Sum(r_[i] * x_[i], (i, 1, n)) / total,
        variables=(mu,),
        references=(f"{BISHOP}, eq. 9.17",),
    )


def gmm_m_step_variances() -> Derivation:
    """The M-step variance of component k is sum_n r_nk (x_n - mu_k)^2 / sum_n r_nk."""
    steps, estimate = _weighted_chain(variance, concave=False)
    total = sp.Sum(r_[i], (i, 1, n))
    squares = sp.Sum(r_[i] * (x_[i] - mu) ** 2, (i, 1, n))
    return Derivation(
        id="gmm-m-step-variances",
        title="EM for a Gaussian mixture: the variances (M-step)",
        statement=r"For one-dimensional data, $Q$ has one stationary point in $\sigma_k^2 > 0$, the "
        r"responsibility-weighted variance $\sigma_k^2 = \sum_n r_{nk}(x_n - \mu_k)^2 / \sum_n r_{nk}$.",
        topic="mixture",
        assumptions=(*_WEIGHTED, Assumption.positive(total, r"$N_k = \sum_n r_{nk} > 0$"),
                     Assumption.positive(squares, r"$\sum_n r_{nk}(x_n - \mu_k)^2 > 0$")),
        steps=tuple(steps),
        result=estimate,
        claim=squares / total,
        variables=(variance,),
        references=(f"{BISHOP}, eq. 9.19",),
    )
