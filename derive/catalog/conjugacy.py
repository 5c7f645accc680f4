"""Conjugate priors: the posterior from log prior + log likelihood + constant, by matching kernels.

Every chain starts from Bayes' rule in logs, log p(theta | D) = log p(D | theta) + log p(theta)
- log p(D), turns the products into sums, and then writes the result as the log-density of a
named law plus a constant free of theta (a matched kernel, or a completed square); that last
equality is checked like any other, the constant being computed as the difference and shown
free of theta. A density proportional to a normalised density is that density, so the
posterior is the named law.
"""

from __future__ import annotations

import sympy as sp

from derive.catalog.expectations import chain
from derive.catalog.priors import isotropic_gaussian_log_density
from derive.catalog.symbols import X, d, i, mu, n, sigma, tau, v, w, y
from derive.core.algebra import (
    expand_matrix,
    linear_coefficients,
    log_rules,
    solve_stationary,
    sum_linearity,
)
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
from derive.core.expectation import Beta, E, moments

BISHOP = "C. M. Bishop, Pattern Recognition and Machine Learning (2006)"
MURPHY = "K. P. Murphy, Machine Learning: A Probabilistic Perspective (2012)"
BAYES_LOG = (r"Bayes' rule in logs: $\log p(\theta \mid D) = \log p(D \mid \theta) + "
             r"\log p(\theta) - \log p(D)$, the evidence $Z = p(D)$ a constant")

a, b = sp.symbols("a b", positive=True)  # Beta prior shapes
alpha, beta = sp.symbols("alpha beta", positive=True)  # Gamma prior shape and rate
p = sp.Symbol("p", positive=True)
lam = sp.Symbol("lambda", positive=True)
Z = sp.Symbol("Z", positive=True)  # the evidence
xc = sp.IndexedBase("x", integer=True, nonnegative=True)  # 0/1 outcomes, counts
xr = sp.IndexedBase("x", real=True)
mu0 = sp.Symbol("mu_0", real=True)
tau0 = sp.Symbol("tau_0", positive=True)
S_count = sp.Sum(xc[i], (i, 1, n))


def _constant_part(expr, theta, kernel):
    """expr - kernel, checked free of theta (the kernel holds every theta-dependent term)."""
    rest = sp.simplify(sp.expand(sp.expand_log(expr - kernel, force=True)))
    if rest.has(theta):
        raise RuntimeError(f"{expr} - {kernel} still depends on {theta}: {rest}")
    return rest


def _log_chain(log_posterior, theta):
    """log of the product -> sums -> constants out of the sums; returns (steps, expr)."""
    logged = log_rules(log_posterior)
    linear = sum_linearity(sp.expand(logged))
    collected = sp.collect(sp.expand(linear), [sp.log(theta), sp.log(1 - theta), theta], evaluate=True)
    return [
        equal(logged, "the log of a product is the sum of the logs"),
        equal(collected, r"Sum linearity, and collect the terms in the parameter"),
    ], collected


# --- Beta-Bernoulli --------------------------------------------------------------------------


def beta_log_density(value, shape_a, shape_b):
    # log B(a, b) = log Gamma(a) + log Gamma(b) - log Gamma(a + b)
    log_b = sp.log(sp.gamma(shape_a)) + sp.log(sp.gamma(shape_b)) - sp.log(sp.gamma(shape_a + shape_b))
    return (shape_a - 1) * sp.log(value) + (shape_b - 1) * sp.log(1 - value) - log_b


def _kernel_coefficients(expr, log_terms):
    """The coefficients of log(p), log(1 - p) (or lambda...) in a collected log-density."""
    e = sp.expand(expr)
    return [e.coeff(t) for t in log_terms]


def _beta_read_off():
    """log Beta(p | a, b) = (a - 1) log p + (b - 1) log(1 - p) + const: a, b from the coefficients."""
    c1, c2 = sp.symbols("c_1 c_2")
    return ((sp.log(p), sp.log(1 - p)), sp.Lambda((c1, c2), sp.Tuple(c1 + 1, c2 + 1)))


def _gamma_read_off():
    """log Gamma(lam | alpha, beta) = (alpha - 1) log lam - beta lam + const."""
    c1, c2 = sp.symbols("c_1 c_2")
    return ((sp.log(lam), lam), sp.Lambda((c1, c2), sp.Tuple(c1 + 1, -c2)))


def _normal_read_off(mu):
    """log N(mu | m, s^2) = -mu^2 / (2 s^2) + mu m / s^2 + const: the precision and the mean."""
    c1, c2 = sp.symbols("c_1 c_2")
    return ((mu**2, mu), sp.Lambda((c1, c2), sp.Tuple(c2 / (-2 * c1), -2 * c1)))


def beta_bernoulli_posterior() -> Derivation:
    """A Beta(a, b) prior and n Bernoulli(p) outcomes give the posterior Beta(a + sum x_i, b + n - sum x_i)."""
    prior = p ** (a - 1) * (1 - p) ** (b - 1) * sp.gamma(a + b) / (sp.gamma(a) * sp.gamma(b))
    likelihood = sp.Product(p ** xc[i] * (1 - p) ** (1 - xc[i]), (i, 1, n))
    log_posterior = sp.log(likelihood * prior / Z)
    steps, collected = _log_chain(log_posterior, p)
    c_log_p, c_log_q = _kernel_coefficients(collected, [sp.log(p), sp.log(1 - p)])
    a_post, b_post = sp.expand(c_log_p + 1), sp.expand(c_log_q + 1)
    kernel = beta_log_density(p, a_post, b_post)
    constant = _constant_part(collected, p, kernel)
    matched = kernel + constant
    return Derivation(
        id="beta-bernoulli-posterior",
        title="Beta-Bernoulli conjugacy",
        statement=r"With a $\operatorname{Beta}(a, b)$ prior on $p$ and $n$ Bernoulli($p$) "
        r"outcomes, the posterior is $\operatorname{Beta}(a + \sum_i x_i,\; b + n - \sum_i x_i)$.",
        topic="conjugacy",
        assumptions=(
            Assumption.positive_integer(n, "$n$ is a positive integer (outcomes)"),
            Assumption.positive(1 - p, r"$0 < p < 1$"),
            Assumption.positive(Z, r"$Z = p(D) > 0$"),
        ),
        steps=(
            definition(log_posterior, BAYES_LOG + r"; prior $\operatorname{Beta}(p \mid a, b)$, "
                       r"likelihood $\prod_i p^{x_i}(1-p)^{1-x_i}$", lhs=r"\log p(p \mid D)",
                       source=f"{BISHOP}, eq. 1.12"),
            *steps,
            equal(matched, r"match the kernel of $\log \operatorname{Beta}(p \mid a_N, b_N) = (a_N - 1)\log p "
                  r"+ (b_N - 1)\log(1-p) - \log B(a_N, b_N)$: $a_N = a + \sum_i x_i$, "
                  r"$b_N = b + n - \sum_i x_i$, and the rest is a constant"),
        ),
        result=sp.ImmutableMatrix([a_post, b_post]),
        claim=sp.ImmutableMatrix([a + S_count, b + n - S_count]),
        variables=(p,),
        extras={"posterior_a": a_post, "posterior_b": b_post, "log_constant": constant,
                "read_off": _beta_read_off()},
        references=(f"{BISHOP}, eq. 2.18", f"{MURPHY}, sec. 3.3"),
    )


a_, b_ = sp.symbols("a_N b_N", positive=True)  # the posterior's shapes (Bishop's a_N, b_N)


def beta_posterior_mean() -> Derivation:
    """The mean of Beta(a_N, b_N) is a_N / (a_N + b_N): the posterior mean of p."""
    start = E(p, p, Beta(a_, b_))
    more, value = chain(start, [("moments", moments)], reasons={
        "moments": r"the first moment of $\operatorname{Beta}(a_N, b_N)$: "
        r"$\mathbb{E}[p^k] = \prod_{r < k} \frac{a_N + r}{a_N + b_N + r}$"})
    from derive.catalog import get

    post = get("beta-bernoulli-posterior").result
    data = value.xreplace({a_: post[0], b_: post[1]})
    return Derivation(
        id="beta-posterior-mean",
        title="The Beta-Bernoulli posterior mean",
        statement=r"The mean of $\operatorname{Beta}(a_N, b_N)$ is $a_N/(a_N + b_N)$, so the posterior mean "
        r"of $p$ is $(a + \sum_i x_i)/(a + b + n)$.",
        topic="conjugacy",
        assumptions=(),
        steps=(definition(start, r"the posterior mean: the expectation of $p$ under "
                          r"$\operatorname{Beta}(a_N, b_N)$", lhs=r"\mathbb{E}[p \mid D]"), *more),
        result=value,
        claim=a_ / (a_ + b_),
        variables=(a_, b_),
        extras={"posterior_mean": sp.factor(data)},
        references=(f"{BISHOP}, eq. 2.15",),
    )


def beta_posterior_mode() -> Derivation:
    """The mode of Beta(a_N, b_N) for a_N, b_N > 1 is (a_N - 1)/(a_N + b_N - 2): the MAP estimate of p."""
    log_density = beta_log_density(p, a_, b_)
    slope = sp.diff(log_density, p)  # (a_N - 1)/p - (b_N - 1)/(1 - p), each term apart
    second = sp.expand(sp.diff(log_density, p, 2))
    # written -((a_N - 1)/p^2 + (b_N - 1)/(1 - p)^2): each term's sign visible
    c_left = sp.expand(-sp.cancel(second * p**2).subs(p, 0))
    c_right = sp.expand(-sp.cancel(second * (1 - p) ** 2).subs(p, 1))
    curvature = -(c_left / p**2 + c_right / (1 - p) ** 2)
    root = sp.solve(sp.numer(sp.together(slope)), p)
    if len(root) != 1:
        raise RuntimeError(f"expected one stationary point, got {root}")
    return Derivation(
        id="beta-posterior-mode",
        title="The Beta-Bernoulli posterior mode (MAP)",
        statement=r"For $a_N, b_N > 1$ the density of $\operatorname{Beta}(a_N, b_N)$ is strictly "
        r"log-concave with its maximum at $(a_N - 1)/(a_N + b_N - 2)$; with $a_N = a + \sum_i x_i$, "
        r"$b_N = b + n - \sum_i x_i$ that is the MAP estimate of $p$.",
        topic="conjugacy",
        assumptions=(
            Assumption.positive(1 - p, r"$0 < p < 1$"),
            Assumption.positive(a_ - 1, r"$a_N > 1$"),
            Assumption.positive(b_ - 1, r"$b_N > 1$"),
        ),
        steps=(
            definition(log_density, r"the log-density of $\operatorname{Beta}(a_N, b_N)$",
                       lhs=r"\log \operatorname{Beta}(p \mid a_N, b_N)"),
            gradient(slope, r"differentiate in $p$", wrt=p, lhs=r"\frac{d}{dp} \log \operatorname{Beta}"),
            gradient(curvature, r"differentiate again", wrt=p,
                     lhs=r"\frac{d^2}{dp^2} \log \operatorname{Beta}"),
            implies(sp.StrictLessThan(curvature, 0, evaluate=False),
                    r"negative for $a_N, b_N > 1$: strictly concave, so the stationary point is the maximum"),
            stationary(sp.Eq(slope, 0), "the first-order condition", wrt=p),
            implies(sp.Eq(p, root[0]), r"solve for $p$", wrt=(p,)),
        ),
        result=root[0],
        claim=(a_ - 1) / (a_ + b_ - 2),
        variables=(p,),
        references=(f"{MURPHY}, sec. 3.3.4",),
    )


# --- Gamma-Poisson ---------------------------------------------------------------------------


def gamma_poisson_posterior() -> Derivation:
    """A Gamma(alpha, beta) prior and n Poisson(lambda) counts give Gamma(alpha + sum x_i, beta + n)."""
    prior = beta**alpha * lam ** (alpha - 1) * sp.exp(-beta * lam) / sp.gamma(alpha)
    likelihood = sp.Product(lam ** xc[i] * sp.exp(-lam) / sp.factorial(xc[i]), (i, 1, n))
    log_posterior = sp.log(likelihood * prior / Z)
    steps, collected = _log_chain(log_posterior, lam)
    c_log, c_lin = _kernel_coefficients(collected, [sp.log(lam), lam])
    shape, rate = sp.expand(c_log + 1), sp.expand(-c_lin)
    kernel = (shape - 1) * sp.log(lam) - rate * lam + shape * sp.log(rate) - sp.loggamma(shape)
    constant = _constant_part(collected, lam, kernel)
    return Derivation(
        id="gamma-poisson-posterior",
        title="Gamma-Poisson conjugacy",
        statement=r"With a $\operatorname{Gamma}(\alpha, \beta)$ prior (shape, rate) on $\lambda$ and "
        r"$n$ Poisson($\lambda$) counts, the posterior is "
        r"$\operatorname{Gamma}(\alpha + \sum_i x_i,\; \beta + n)$.",
        topic="conjugacy",
        assumptions=(
            Assumption.positive_integer(n, "$n$ is a positive integer (counts)"),
            Assumption.positive(Z, r"$Z = p(D) > 0$"),
        ),
        steps=(
            definition(log_posterior, BAYES_LOG + r"; prior $\operatorname{Gamma}(\lambda \mid \alpha, "
                       r"\beta)$, likelihood $\prod_i \lambda^{x_i} e^{-\lambda} / x_i!$",
                       lhs=r"\log p(\lambda \mid D)", source=f"{BISHOP}, eq. 1.12"),
            *steps,
            equal(kernel + constant, r"match the kernel of $\log \operatorname{Gamma}(\lambda \mid "
                  r"\alpha_N, \beta_N) = (\alpha_N - 1)\log\lambda - \beta_N\lambda + \alpha_N \log\beta_N - "
                  r"\log\Gamma(\alpha_N)$: $\alpha_N = \alpha + \sum_i x_i$, $\beta_N = \beta + n$"),
        ),
        result=sp.ImmutableMatrix([shape, rate]),
        claim=sp.ImmutableMatrix([alpha + S_count, beta + n]),
        variables=(lam,),
        extras={"read_off": _gamma_read_off(), "posterior_shape": shape, "posterior_rate": rate,
                "posterior_mean": sp.factor(shape / rate), "log_constant": constant},
        references=(f"{MURPHY}, sec. 3.4 (Gamma-Poisson)", f"{BISHOP}, exercise 2.41"),
    )


# --- Normal-Normal ---------------------------------------------------------------------------


def normal_normal_posterior() -> Derivation:
    """A N(mu_0, tau_0^2) prior on the mean of N(mu, sigma^2) samples (sigma known) gives the
    posterior N(mu_N, tau_N^2) with 1/tau_N^2 = 1/tau_0^2 + n/sigma^2 and
    mu_N = tau_N^2 (mu_0/tau_0^2 + sum x_i / sigma^2)."""
    prior = sp.exp(-((mu - mu0) ** 2) / (2 * tau0**2)) / sp.sqrt(2 * sp.pi * tau0**2)
    likelihood = sp.Product(sp.exp(-((xr[i] - mu) ** 2) / (2 * sigma**2)) / sp.sqrt(2 * sp.pi * sigma**2), (i, 1, n))
    log_posterior = sp.log(likelihood * prior / Z)
    logged = log_rules(log_posterior)
    linear = sum_linearity(sp.expand(logged))
    poly = sp.Poly(sp.expand(linear), mu)
    if poly.degree() != 2:
        raise RuntimeError(f"the log posterior is not quadratic in mu: {linear}")
    quad, lin = poly.coeff_monomial(mu**2), poly.coeff_monomial(mu)
    precision = sp.factor(-2 * quad)  # 1/tau_N^2
    mean = sp.factor(lin / precision)
    collected = sp.collect(sp.expand(linear), mu, evaluate=True)
    constant = sp.simplify(sp.expand(linear + precision * (mu - mean) ** 2 / 2))
    if constant.has(mu):
        raise RuntimeError(f"the completed square leaves {constant}")
    completed = -precision * (mu - mean) ** 2 / 2 + constant
    return Derivation(
        id="normal-normal-posterior",
        title="Normal-Normal conjugacy (known variance)",
        statement=r"With a $\mathcal{N}(\mu_0, \tau_0^2)$ prior on the mean of $n$ samples of "
        r"$\mathcal{N}(\mu, \sigma^2)$ with $\sigma$ known, the posterior is "
        r"$\mathcal{N}(\mu_N, \tau_N^2)$ with $1/\tau_N^2 = 1/\tau_0^2 + n/\sigma^2$ and "
        r"$\mu_N = \tau_N^2(\mu_0/\tau_0^2 + \sum_i x_i/\sigma^2)$.",
        topic="conjugacy",
        assumptions=(
            Assumption.positive_integer(n, "$n$ is a positive integer (samples)"),
            Assumption.positive(sigma, r"$\sigma > 0$ (known)"),
            Assumption.positive(tau0, r"$\tau_0 > 0$"),
            Assumption.positive(Z, r"$Z = p(D) > 0$"),
        ),
        steps=(
            definition(log_posterior, BAYES_LOG + r"; prior $\mathcal{N}(\mu \mid \mu_0, \tau_0^2)$, "
                       r"likelihood $\prod_i \mathcal{N}(x_i \mid \mu, \sigma^2)$",
                       lhs=r"\log p(\mu \mid D)", source=f"{BISHOP}, eq. 1.12"),
            equal(logged, "the log of a product is the sum of the logs; $\\log e^u = u$"),
            equal(collected, r"Sum linearity, and collect the powers of $\mu$: a quadratic in $\mu$"),
            equal(completed, r"complete the square: the precision $1/\tau_N^2$ is $-2$ times the "
                  r"coefficient of $\mu^2$, the mean $\mu_N$ the coefficient of $\mu$ over the "
                  r"precision; the rest is a constant"),
        ),
        result=sp.ImmutableMatrix([mean, precision]),
        claim=sp.ImmutableMatrix([(mu0 / tau0**2 + sp.Sum(xr[i], (i, 1, n)) / sigma**2) / (1 / tau0**2 + n / sigma**2),
                                  1 / tau0**2 + n / sigma**2]),
        variables=(mu,),
        extras={"read_off": _normal_read_off(mu), "posterior_mean": mean, "posterior_precision": precision,
                "posterior_variance": sp.factor(1 / precision)},
        references=(f"{BISHOP}, eqs. 2.141-2.142", f"{MURPHY}, sec. 4.6.1"),
    )


# --- Bayesian linear regression ------------------------------------------------------------


def bayesian_linear_regression() -> Derivation:
    """With y = X w + e, e ~ N(0, sigma^2 I) and w ~ N(0, tau^2 I), the posterior is N(mu_N, Sigma_N)
    with Sigma_N^-1 = X^T X / sigma^2 + I / tau^2 and mu_N = Sigma_N X^T y / sigma^2."""
    from derive.catalog.priors import ONE

    log_lik = isotropic_gaussian_log_density(y, X * w, sigma**2, n)
    log_prior = isotropic_gaussian_log_density(w, sp.ZeroMatrix(d, 1), tau**2, d)
    log_posterior = sp.MatAdd(log_lik, log_prior, -sp.log(Z) * ONE)
    grad = log_posterior.diff(w)
    hessian = grad.diff(w)
    precision = (-hessian).expand().doit()  # Sigma_N^-1
    M, c = linear_coefficients(grad, w)
    normal = sp.Eq((-M * w).doit(), c.doit())
    mean = solve_stationary(normal.lhs - normal.rhs, w, invertible=(precision,))
    ridge = (X.T * X + sigma**2 / tau**2 * sp.Identity(d)).I * X.T * y
    steps = (
        definition(log_posterior, BAYES_LOG + r"; likelihood $\mathcal{N}(y \mid X w, \sigma^2 I_n)$, "
                   r"prior $\mathcal{N}(w \mid 0, \tau^2 I_d)$", lhs=r"\log p(w \mid X, y)",
                   source=f"{BISHOP}, eqs. 3.10, 3.52"),
        gradient(grad, "the gradient of the quadratic forms", wrt=w, lhs=r"\nabla_w \log p"),
        gradient(hessian, r"the Hessian: constant, so the log-posterior is a quadratic in $w$ and "
                 r"the posterior is Gaussian with precision $\Sigma_N^{-1} = -\nabla^2_w \log p$",
                 wrt=w, lhs=r"\nabla^2_w \log p"),
        implies(sp.StrictLessThan(expand_matrix(v.T * hessian * v), 0, evaluate=False),
                r"$v^\top \nabla^2 v < 0$ for $v \ne 0$: $X^\top X/\sigma^2$ is positive semidefinite "
                r"and $I/\tau^2$ positive definite, so the log-posterior is strictly concave and the "
                r"mean of the Gaussian is its mode, the stationary point"),
        stationary(sp.Eq(grad, sp.ZeroMatrix(d, 1)), "the mode: the gradient vanishes, which for the "
                   "strictly concave log-posterior (the step before) is the maximum", wrt=w, cites=(-1,)),
        iff(normal, r"move the data term to the right: $\Sigma_N^{-1} w = X^\top y / \sigma^2$",
            wrt=(w,), factor=-1),
        iff(sp.Eq(w, mean), r"$\Sigma_N^{-1}$ is positive definite, hence invertible", wrt=(w,),
            factor=precision),
        implies(sp.Eq(w, ridge), r"multiply $\Sigma_N^{-1}$ by $\sigma^2$ and $X^\top y/\sigma^2$ by "
              r"$\sigma^2$: the ridge solution with $\lambda = \sigma^2/\tau^2$"),
    )
    return Derivation(
        id="bayesian-linear-regression",
        title="Bayesian linear regression: the Gaussian posterior",
        statement=r"For $y = X w + e$, $e \sim \mathcal{N}(0, \sigma^2 I)$, and prior "
        r"$w \sim \mathcal{N}(0, \tau^2 I)$, the posterior is $\mathcal{N}(\mu_N, \Sigma_N)$ with "
        r"$\Sigma_N^{-1} = X^\top X/\sigma^2 + I/\tau^2$ and $\mu_N = \Sigma_N X^\top y/\sigma^2 = "
        r"(X^\top X + \lambda I)^{-1} X^\top y$, $\lambda = \sigma^2/\tau^2$: the ridge solution.",
        topic="conjugacy",
        assumptions=(
            Assumption.positive(sigma, r"$\sigma > 0$ (noise scale)"),
            Assumption.positive(tau, r"$\tau > 0$ (prior scale)"),
            Assumption.positive(Z, r"$Z = p(y \mid X) > 0$"),
            Assumption.positive_integer(n, "$n$ is a positive integer (samples)"),
            Assumption.positive_integer(d, "$d$ is a positive integer (features)"),
            Assumption.nonzero(v, r"$v$ is any nonzero vector in $\mathbb{R}^d$"),
        ),
        steps=steps,
        result=mean,
        claim=(X.T * X / sigma**2 + sp.Identity(d) / tau**2).I * X.T * y / sigma**2,
        variables=(w,),
        extras={"posterior_precision": precision, "posterior_covariance": precision.I,
                "ridge_form": ridge},
        references=(f"{BISHOP}, eqs. 3.53-3.54", f"{MURPHY}, sec. 7.6.1"),
    )
