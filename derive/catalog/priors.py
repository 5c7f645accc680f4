"""MAP estimation and priors: Bayes' rule, and the regulariser each prior adds to the likelihood.

Matrix results (ridge, weight decay) use MatrixSymbols and 1x1 matrix expressions. The L1 norm
has no MatrixExpr form in SymPy, so the Laplace prior is written over coordinates: an
IndexedBase ``w_j`` summed over j = 1..d next to the matrix data term (the two are the same
vector w; the checker treats them as independent variables, which only makes its checks
stronger, since every identity used holds for all values of both).
"""

from __future__ import annotations

import sympy as sp

from derive.catalog.symbols import X, d, eta, j, lam, n, scale_b, sigma, tau, v, w, y
from derive.core.algebra import (
    is_matrix,
    linear_coefficients,
    log_rules,
    matrix_terms,
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
    max_to_min,
    same_minimiser,
    stationary,
)
from derive.render.latex import expression_latex as tex

# probabilities in Bayes' rule (names are LaTeX, they are never lambdified)
P_theta_given_D = sp.Symbol(r"P(\theta \mid D)", real=True)
P_D_given_theta = sp.Symbol(r"P(D \mid \theta)", real=True)
P_theta = sp.Symbol(r"P(\theta)", real=True)
P_D = sp.Symbol(r"P(D)", positive=True)

# MAP quantities
theta_s = sp.Symbol("theta", real=True)  # a parameter (the argument is pointwise in theta)
likelihood_f = sp.Function("L", positive=True)  # the likelihood L(theta) = P(D | theta) > 0
flat = sp.Symbol("c", positive=True)  # the constant density of a flat prior
evidence = sp.Symbol("Z", positive=True)  # Z = P(D), the evidence, free of the parameters
w_ = sp.IndexedBase("w", real=True)  # coordinates w_j of w, for the L1 norm
g = sp.MatrixSymbol("g", d, 1)  # the gradient of the data term at w (weight decay)
z = sp.Symbol("z", real=True)  # one-coordinate lasso: z = x_j^T r with a unit-norm column
u = sp.Symbol("u", real=True)  # one-coordinate lasso: the coordinate being chosen
u_pos = sp.Symbol("u", positive=True)
u_neg = sp.Symbol("u", negative=True)
g_sub = sp.Symbol("g", real=True)  # a subgradient of |u| at u = 0, g in [-1, 1]

ONE = sp.Identity(1)

BISHOP = "C. M. Bishop, Pattern Recognition and Machine Learning (2006)"
MURPHY = "K. P. Murphy, Machine Learning: A Probabilistic Perspective (2012)"
TIBSHIRANI = "R. Tibshirani, Regression shrinkage and selection via the lasso, JRSS B 58 (1996)"


# --- small helpers --------------------------------------------------------------------------


def isotropic_gaussian_log_density(value, mean, variance, size):
    """log N(value | mean, variance I_size) = -(size/2) log(2 pi variance) - r^T r / (2 variance).

    A 1x1 matrix expression: the constant is written times Identity(1).
    """
    r = value - mean
    return -sp.Rational(1, 2) * size * sp.log(2 * sp.pi * variance) * ONE - (r.T * r) / (2 * variance)


def laplace_density(x, mean, scale):
    """The Laplace(mean, scale) density at x: exp(-|x - mean| / scale) / (2 scale)."""
    return sp.exp(-sp.Abs(x - mean) / scale) / (2 * scale)


def negate(expr):
    """-expr, kept unevaluated so that a definition shows what it negates."""
    return sp.MatMul(-1, expr, evaluate=False) if is_matrix(expr) else sp.Mul(-1, expr, evaluate=False)


def _matrix_part(term):
    """(scalar coefficient, matrix core) of one product term of a matrix sum."""
    if isinstance(term, sp.MatMul):
        scalars = [a for a in term.args if not is_matrix(a)]
        mats = [a for a in term.args if is_matrix(a)]
        core = sp.MatMul(*mats).doit() if len(mats) > 1 else mats[0]
        return sp.Mul(*scalars), core
    return sp.Integer(1), term


def split_matrix_constant(expr, variables):
    """A 1x1 matrix sum as (scalar constant c, rest): expr = c * I + rest, c free of variables."""
    constant, rest = [], []
    for term in matrix_terms(expr):
        coeff, core = _matrix_part(term)
        if core == ONE:  # a scalar times I: split the scalar itself
            for part in sp.Add.make_args(sp.expand(coeff, deep=False)):
                if any(part.has(x) for x in variables):
                    rest.append(part * ONE)
                else:
                    constant.append(part)
        elif any(term.has(x) for x in variables):
            rest.append(term)
        else:
            raise ValueError(f"the constant term {term} is not a multiple of Identity(1)")
    rest_expr = sp.MatAdd(*rest) if len(rest) > 1 else rest[0]
    return sp.Add(*constant), rest_expr


def scale_terms(expr, factor):
    """factor * expr, distributed over the top-level terms only (inner products stay whole)."""
    terms = [sp.MatMul(factor, t).doit() for t in matrix_terms(expr)]
    return sp.MatAdd(*terms) if len(terms) > 1 else terms[0]


def coefficient(expr, core):
    """The scalar multiplying the matrix `core` in a sum of product terms."""
    total = sp.Integer(0)
    for term in matrix_terms(expr):
        coeff, mats = _matrix_part(term)
        if mats == core:
            total += coeff
    return total


def identity_multiple(M):
    """The scalar c with M = c * I, for a sum of multiples of an identity matrix."""
    total = sp.Integer(0)
    for term in matrix_terms(M):
        coeff, core = _matrix_part(term)
        if not core.is_Identity:
            raise ValueError(f"{M} is not a multiple of the identity (term {term})")
        total += coeff
    return total


def _scalar_coefficient(expr, factor):
    """The coefficient of `factor` in a scalar sum such as a * Sum(|w_j|) + const."""
    return sp.expand(expr).coeff(factor)


# --- Bayes' rule -----------------------------------------------------------------------------


def bayes_rule() -> Derivation:
    """P(theta | D) = P(D | theta) P(theta) / P(D), from the product rule and P(D) > 0."""
    product_rule = sp.Eq(P_theta_given_D * P_D, P_D_given_theta * P_theta)
    solution = solve_stationary(product_rule.lhs - product_rule.rhs, P_theta_given_D)
    if len(solution) != 1:
        raise RuntimeError(f"expected one solution of the product rule, got {solution}")
    posterior = solution[0]
    steps = (
        definition(
            product_rule,
            r"the product rule both ways: $P(\theta, D) = P(\theta \mid D) P(D) = P(D \mid \theta) P(\theta)$",
            source="Kolmogorov's definition of conditional probability",
        ),
        iff(
            sp.Eq(P_theta_given_D, posterior),
            "divide both sides by $P(D) > 0$",
            wrt=(P_theta_given_D,),
            factor=P_D,
            uses=("$P(D) > 0$",),
        ),
    )
    return Derivation(
        id="bayes-rule",
        title="Bayes' rule",
        statement=r"If $P(D) > 0$, the posterior is $P(\theta \mid D) = P(D \mid \theta) P(\theta) / P(D)$.",
        topic="priors",
        assumptions=(Assumption.positive(P_D, "$P(D) > 0$"),),
        steps=steps,
        result=posterior,
        claim=P_D_given_theta * P_theta / P_D,
        variables=(P_theta_given_D,),
        extras={"product_rule": product_rule},
        references=(f"{BISHOP}, eq. 1.12",),
    )


# --- flat prior -------------------------------------------------------------------------------


def map_uniform_prior_mle() -> Derivation:
    """With a flat prior the log-posterior is the log-likelihood plus a constant: MAP = MLE."""
    from derive.catalog import get

    bayes = get("bayes-rule").result
    L = likelihood_f(theta_s)
    posterior = bayes.xreplace({P_D_given_theta: L, P_theta: flat, P_D: evidence})
    log_posterior = sp.log(posterior)
    split = log_rules(log_posterior)
    constant = split - sp.log(L)
    if constant.has(theta_s):
        raise RuntimeError(f"the dropped part {constant} depends on theta")
    log_lik = sp.expand(split - constant)
    nll = -log_lik
    steps = (
        definition(
            log_posterior,
            r"the log of Bayes' rule with likelihood $L(\theta) = P(D \mid \theta)$, a flat prior $P(\theta) = c$ and evidence $Z = P(D)$",
            lhs=r"\log P(\theta \mid D)",
        ),
        equal(split, "the log of a product is the sum of the logs ($L$, $c$, $Z > 0$)"),
        same_minimiser(
            log_lik,
            f"drop the constant ${tex(constant)}$, free of $\\theta$: the maximisers are unchanged",
            wrt=(theta_s,),
            alpha=1,
            beta=-constant,
        ),
        max_to_min(nll, r"$\arg\max_\theta \log L(\theta) = \arg\min_\theta \, (-\log L(\theta))$: the negative log-likelihood", wrt=(theta_s,)),
    )
    return Derivation(
        id="map-uniform-prior-mle",
        title="A flat prior gives the maximum-likelihood estimate",
        statement=r"With a flat prior $P(\theta) = c$ the log-posterior is $\log L(\theta) + \log c - \log P(D)$, so the MAP estimate maximises the likelihood: it is the MLE.",
        topic="priors",
        assumptions=(
            Assumption.positive(flat, "the prior density is a constant $c > 0$ on the parameter set"),
            Assumption.positive(evidence, "$Z = P(D) > 0$"),
            Assumption.positive(L, r"$L(\theta) = P(D \mid \theta) > 0$"),
        ),
        steps=steps,
        result=nll,
        claim=-sp.log(likelihood_f(theta_s)),
        variables=(theta_s,),
        extras={"log_posterior": split, "dropped_constant": constant},
        references=(f"{MURPHY}, sec. 5.2.1",),
    )


# --- Gaussian prior: ridge ----------------------------------------------------------------------


def _negative_log_posterior(log_prior_term):
    """-log p(y | X, w) - log p(w) + log Z for y = X w + e, e ~ N(0, sigma^2 I_n)."""
    log_lik = isotropic_gaussian_log_density(y, X * w, sigma**2, n)
    return sp.MatAdd(negate(log_lik), negate(log_prior_term), sp.log(evidence) * ONE, evaluate=False)


def _data_term():
    residual = y - X * w
    return residual.T * residual


def map_gaussian_prior_ridge() -> Derivation:
    """With Gaussian noise and prior w ~ N(0, tau^2 I), MAP is ridge regression with lambda = sigma^2 / tau^2."""
    log_prior = isotropic_gaussian_log_density(w, sp.ZeroMatrix(d, 1), tau**2, d)
    nlp = _negative_log_posterior(log_prior)
    collected = nlp.doit()
    constant, objective = split_matrix_constant(collected, (w,))
    data_coeff = coefficient(objective, _data_term().doit())
    if data_coeff == 0:
        raise RuntimeError(f"no data term found in {objective}")
    scaled = scale_terms(objective, 1 / data_coeff)
    ridge_lam = coefficient(scaled, (w.T * w).doit()) / coefficient(scaled, _data_term().doit())
    grad = scaled.diff(w)
    hess = grad.diff(w)
    first_order = sp.Eq(grad, sp.ZeroMatrix(d, 1))
    M, c = linear_coefficients(grad, w)
    half = sp.Rational(1, 2)
    gram = (half * M).expand().doit()
    normal = sp.Eq(gram * w, (-half * c).expand().doit())
    solution = solve_stationary(normal.lhs - normal.rhs, w, invertible=(gram,))
    steps = (
        definition(
            nlp,
            r"the negative log-posterior $-\log p(y \mid X, w) - \log p(w) + \log p(y \mid X)$ for $y = X w + e$, $e \sim \mathcal{N}(0, \sigma^2 I_n)$, prior $w \sim \mathcal{N}(0, \tau^2 I_d)$, evidence $Z$",
            lhs=r"-\log p(w \mid X, y)",
            source=f"{BISHOP}, eqs. 2.43, 3.10, 3.52",
        ),
        equal(collected, "distribute the minus signs and collect the constants"),
        same_minimiser(
            objective,
            f"drop the constant ${tex(constant)}$, free of $w$",
            wrt=(w,),
            alpha=1,
            beta=-constant,
        ),
        same_minimiser(
            scaled,
            f"multiply by ${tex(1 / data_coeff)} > 0$: the coefficient of "
            r"$\lVert w \rVert^2$ relative to $\lVert y - X w \rVert^2$ is $\lambda = " + tex(ridge_lam) + "$",
            wrt=(w,),
            alpha=1 / data_coeff,
            beta=0,
        ),
        gradient(grad, "gradient of the quadratic forms", wrt=w, lhs=r"\nabla_w J(w)",
                 source="Matrix Cookbook eqs. 69, 81"),
        gradient(hess, "the Hessian: the gradient of the gradient", wrt=w, lhs=r"\nabla^2_w J(w)"),
        implies(
            sp.StrictGreaterThan(v.T * hess * v, 0, evaluate=False),
            r"$v^\top H v > 0$ for every $v \neq 0$: $X^\top X$ is positive semidefinite and $\lambda I$ positive definite, so $J$ is strictly convex and its stationary point is its unique minimiser",
            uses=(r"$\sigma > 0$ (noise scale)", r"$\tau > 0$ (prior scale)", r"$v \neq 0$ (a direction in $\mathbb{R}^d$)"),
        ),
        stationary(first_order, "set the gradient to zero: for the strictly convex $J$ (the step "
                   "before) the stationary point is the unique minimiser", wrt=w, cites=(-1,)),
        iff(normal, "divide by 2", wrt=(w,), factor=2),
        iff(
            sp.Eq(w, solution),
            r"$X^\top X + \lambda I$ is positive definite $(\lambda > 0)$, hence invertible",
            wrt=(w,),
            factor=gram,
            uses=(r"$\sigma > 0$ (noise scale)", r"$\tau > 0$ (prior scale)"),
        ),
    )
    return Derivation(
        id="map-gaussian-prior-ridge",
        title="A Gaussian prior gives ridge regression",
        statement=r"For $y = X w + e$ with $e \sim \mathcal{N}(0, \sigma^2 I)$ and prior $w \sim \mathcal{N}(0, \tau^2 I)$, the MAP estimate minimises $\lVert y - X w\rVert^2 + \lambda \lVert w\rVert^2$ with $\lambda = \sigma^2 / \tau^2$, so it is $w = (X^\top X + \lambda I)^{-1} X^\top y$.",
        topic="priors",
        assumptions=(
            Assumption.positive(sigma, r"$\sigma > 0$ (noise scale)"),
            Assumption.positive(tau, r"$\tau > 0$ (prior scale)"),
            Assumption.positive(evidence, r"$Z = p(y \mid X) > 0$"),
            Assumption.positive_integer(n, "$n$ is a positive integer (samples)"),
            Assumption.positive_integer(d, "$d$ is a positive integer (features)"),
            Assumption.nonzero(v, r"$v \neq 0$ (a direction in $\mathbb{R}^d$)"),
        ),
        steps=steps,
        result=solution,
        claim=(X.T * X + sigma**2 / tau**2 * sp.Identity(d)).I * X.T * y,
        variables=(w,),
        extras={
            "lam": ridge_lam,
            "objective": scaled,
            "objective_claim": _data_term() + sigma**2 / tau**2 * w.T * w,
            "negative_log_posterior": collected,
            "gradient": grad,
            "hessian": hess,
            "normal_equation": normal,
        },
        references=(f"{BISHOP}, sec. 3.3.1, eq. 3.55", f"{MURPHY}, sec. 7.5"),
    )


# --- Gaussian prior with precision lambda: weight decay ------------------------------------------


def map_precision_prior_weight_decay() -> Derivation:
    """A prior N(0, lambda^{-1} I) adds (lambda/2) ||w||^2 to the negative log-likelihood."""
    log_prior = isotropic_gaussian_log_density(w, sp.ZeroMatrix(d, 1), 1 / lam, d)
    neg = negate(log_prior)
    collected = neg.doit()
    constant, penalty = split_matrix_constant(collected, (w,))
    half_lam = coefficient(penalty, (w.T * w).doit())
    grad = penalty.diff(w)
    update = w - eta * (g + grad)
    M, c = linear_coefficients(update, w)
    decay = identity_multiple(M)
    collected_update = decay * w + c
    steps = (
        definition(
            neg,
            r"the negative log of the prior density $\mathcal{N}(w \mid 0, \lambda^{-1} I_d)$",
            lhs=r"-\log p(w)",
            source=f"{BISHOP}, eq. 2.43",
        ),
        equal(collected, r"distribute the minus sign; the exponent $-w^\top w / (2 \lambda^{-1})$ of the density gives $\lambda/2$, not $\lambda$"),
        same_minimiser(
            penalty,
            f"drop the constant ${tex(constant)}$, free of $w$: the penalty added to the "
            "negative log-likelihood",
            wrt=(w,),
            alpha=1,
            beta=-constant,
        ),
        gradient(grad, "gradient of the penalty", wrt=w, lhs=r"\nabla_w \frac{\lambda}{2}\|w\|^2"),
        definition(
            update,
            r"one gradient-descent step on $-\log p(D \mid w) + (\lambda/2)\lVert w\rVert^2$, with $g$ the gradient of the data term at $w$",
            lhs=r"w_{\text{new}}",
        ),
        equal(collected_update, r"collect $w$: each step first shrinks $w$ by the factor $1 - \eta \lambda$"),
    )
    return Derivation(
        id="map-precision-prior-weight-decay",
        title=r"A Gaussian prior with precision $\lambda$ is weight decay",
        statement=r"A prior $w \sim \mathcal{N}(0, \lambda^{-1} I)$ adds $(\lambda/2)\lVert w\rVert^2$ (not $\lambda \lVert w\rVert^2$) to the negative log-likelihood; a gradient step then multiplies $w$ by $1 - \eta \lambda$ before following the data gradient.",
        topic="priors",
        assumptions=(
            Assumption.positive(lam, r"$\lambda > 0$ (prior precision)"),
            Assumption.positive(eta, r"$\eta > 0$ (step size)"),
            Assumption.positive_integer(d, "$d$ is a positive integer (parameters)"),
        ),
        steps=steps,
        result=penalty,
        claim=lam / 2 * w.T * w,
        variables=(w,),
        extras={
            "coefficient": half_lam,
            "penalty": penalty,
            "gradient": grad,
            "update": collected_update,
            "decay_factor": decay,
            "dropped_constant": constant,
        },
        references=(f"{BISHOP}, sec. 5.5.1", f"{MURPHY}, sec. 7.5"),
    )


# --- Laplace prior: lasso ----------------------------------------------------------------------


def _branch_chain(objective, branch_var, side: str, objective_step: int):
    """Minimise the one-coordinate objective on the branch u > 0 or u < 0: stationary point and range."""
    f_branch = objective.xreplace({u: branch_var})  # |u| = u or -u, evaluated by SymPy
    first = sp.diff(f_branch, branch_var)
    second = sp.diff(first, branch_var)
    solutions = solve_stationary(first, branch_var)
    if len(solutions) != 1:
        raise RuntimeError(f"expected one stationary point on the branch, got {solutions}")
    point = solutions[0]
    if side == "positive":
        condition = sp.solve_univariate_inequality(point > 0, z)
        word, sign_text = "$u > 0$", "$|u| = u$"
    else:
        condition = sp.solve_univariate_inequality(point < 0, z)
        word, sign_text = "$u < 0$", "$|u| = -u$"
    steps = (
        definition(
            f_branch,
            rf"the one-coordinate objective $(z - u)^2 + \lambda |u|$ on the branch {word}, where {sign_text}",
            lhs=r"f(u),\ u > 0" if side == "positive" else r"f(u),\ u < 0",
            cites=(objective_step,),
        ),
        gradient(first, "differentiate on the open branch", wrt=branch_var, lhs="f'(u)"),
        gradient(second, "the second derivative", wrt=branch_var, lhs="f''(u)"),
        implies(sp.StrictGreaterThan(second, 0, evaluate=False),
                r"$f'' > 0$ on the branch; $f = (z - u)^2 + \lambda |u|$ is strictly convex (strictly convex "
                "plus convex), so a stationary point on the branch is the unique global minimiser"),
        stationary(sp.Eq(first, 0), "set the derivative to zero: for the strictly convex $f$ "
                   "(the step before) a stationary point on the branch is the unique minimiser",
                   wrt=branch_var, cites=(-1,)),
        implies(sp.Eq(branch_var, point), "solve for $u$", wrt=(branch_var,)),
        implies(condition, f"the stationary point lies on the branch {word} exactly when this holds"),
    )
    return steps, point, condition


def map_laplace_prior_lasso() -> Derivation:
    """With Gaussian noise and iid Laplace(0, b) priors, MAP is the lasso with lambda = 2 sigma^2 / b."""
    log_lik = isotropic_gaussian_log_density(y, X * w, sigma**2, n)
    log_prior = sp.log(sp.Product(laplace_density(w_[j], 0, scale_b), (j, 1, d)))
    nlp = sp.MatAdd(negate(log_lik), negate(log_prior * ONE), sp.log(evidence) * ONE, evaluate=False)
    # the scalar part: log of the product -> sum of logs -> Sum linearity
    prior_sum = sum_linearity(log_rules(-log_prior), expand=True)
    collected = (negate(log_lik).doit() + (prior_sum + sp.log(evidence)) * ONE).doit()
    constant, objective = split_matrix_constant(collected, (w, w_))
    data_coeff = coefficient(objective, _data_term().doit())
    scaled = scale_terms(objective, 1 / data_coeff)
    l1 = sp.Sum(sp.Abs(w_[j]), (j, 1, d))
    penalty_scalar = sum(
        _matrix_part(t)[0] for t in matrix_terms(scaled) if _matrix_part(t)[1] == ONE
    )
    lasso_lam = _scalar_coefficient(penalty_scalar, l1) / coefficient(scaled, _data_term().doit())

    # one coordinate with a unit-norm column (or an orthonormal design, coordinatewise)
    f_one = (z - u) ** 2 + lam * sp.Abs(u)
    one_step = 4  # the index of the one-coordinate objective in the steps below
    pos_steps, pos_point, pos_condition = _branch_chain(f_one, u_pos, "positive", one_step)
    neg_steps, neg_point, neg_condition = _branch_chain(f_one, u_neg, "negative", one_step)
    subgradient_condition = sp.Eq(-2 * z + lam * g_sub, 0)
    g_value = solve_stationary(subgradient_condition.lhs, g_sub)[0]
    zero_condition = sp.solve_univariate_inequality(sp.Abs(g_value) <= 1, z)
    soft = sp.Piecewise(
        (pos_point, pos_condition), (neg_point, neg_condition), (sp.Integer(0), zero_condition)
    )
    # the same cases in the variables of the chain (u on the branches is u > 0 or u < 0)
    by_cases = sp.Piecewise(
        (pos_point, pos_condition), (neg_point, neg_condition), (sp.Integer(0), True)
    )
    soft_claim = sp.sign(z) * sp.Max(sp.Abs(z) - lam / 2, 0)
    zero_steps = (
        definition(
            subgradient_condition,
            r"at $u = 0$: $0$ is in the subdifferential $-2z + \lambda [-1, 1]$, that is $-2z + \lambda g = 0$ for a subgradient $g \in [-1, 1]$ of $|u|$",
            source="Rockafellar, Convex Analysis (1970), Thm. 23.5",
        ),
        implies(sp.Eq(g_sub, g_value), r"solve for $g$; $|g| \leq 1$ holds exactly when $|z| \leq \lambda/2$",
                wrt=(g_sub,)),
    )
    steps = (
        definition(
            nlp,
            r"the negative log-posterior $-\log p(y \mid X, w) - \log p(w) + \log p(y \mid X)$ for $y = X w + e$, $e \sim \mathcal{N}(0, \sigma^2 I_n)$, prior $w_j \sim \operatorname{Laplace}(0, b)$ iid; the L1 norm is written over the coordinates $w_j$",
            lhs=r"-\log p(w \mid X, y)",
            source=f"{BISHOP}, eq. 2.43; {MURPHY}, sec. 13.3",
        ),
        equal(collected, "the log of the product of the prior densities is the sum of their logs; "
              "Sum linearity; collect the constants"),
        same_minimiser(
            objective,
            f"drop the constant ${tex(constant)}$, free of $w$",
            wrt=(w, w_),
            alpha=1,
            beta=-constant,
        ),
        same_minimiser(
            scaled,
            f"multiply by ${tex(1 / data_coeff)} > 0$: the coefficient of "
            r"$\lVert w \rVert_1$ relative to $\lVert y - X w \rVert^2$ is $\lambda = " + tex(lasso_lam) + "$",
            wrt=(w, w_),
            alpha=1 / data_coeff,
            beta=0,
        ),
        definition(
            f_one,
            "one coordinate: with the other coordinates fixed and a unit-norm column $x_j$, "
            "$J$ is, up to a constant, $(z - u)^2 + \\lambda |u|$ in $u = w_j$, where "
            "$z = x_j^\\top r$ for the partial residual $r$",
            lhs=r"f(u)",
        ),
        *pos_steps,
        *neg_steps,
        *zero_steps,
        definition(
            by_cases,
            "the minimiser of $f$ by cases: the branch $u > 0$, the branch $u < 0$ and the "
            "subgradient at $u = 0$ (the three solved steps above) cover every $z$",
            lhs=r"\operatorname{argmin}_u f(u)",
            cites=(one_step + 6, one_step + 7, one_step + 13, one_step + 14, one_step + 16),
        ),
        equal(soft_claim, "the soft threshold $S(z, \\lambda/2) = \\operatorname{sign}(z) "
              "\\max(|z| - \\lambda/2, 0)$: the same value on each case, checked at every sign "
              "of $z \\mp \\lambda/2$ and of $z$"),
    )
    return Derivation(
        id="map-laplace-prior-lasso",
        title="A Laplace prior gives the lasso",
        statement=r"For $y = X w + e$ with $e \sim \mathcal{N}(0, \sigma^2 I)$ and iid priors $w_j \sim \operatorname{Laplace}(0, b)$, the MAP estimate minimises $\lVert y - X w \rVert^2 + \lambda \lVert w \rVert_1$ with $\lambda = 2 \sigma^2 / b$; for one coordinate with a unit-norm column (or an orthonormal design) the minimiser of $(z - u)^2 + \lambda |u|$ is the soft threshold $S(z, \lambda/2) = \operatorname{sign}(z) \max(|z| - \lambda/2, 0)$.",
        topic="priors",
        assumptions=(
            Assumption.positive(sigma, r"$\sigma > 0$ (noise scale)"),
            Assumption.positive(scale_b, "$b > 0$ (Laplace scale)"),
            Assumption.positive(lam, r"$\lambda > 0$ (the L1 weight)"),
            Assumption.positive(evidence, r"$Z = p(y \mid X) > 0$"),
            Assumption.positive_integer(n, "$n$ is a positive integer (samples)"),
            Assumption.positive_integer(d, "$d$ is a positive integer (features)"),
        ),
        steps=steps,
        result=scaled,
        claim=_data_term() + 2 * sigma**2 / scale_b * l1 * ONE,
        variables=(w, w_),
        extras={
            "lam": lasso_lam,
            "objective": scaled,
            "negative_log_posterior": collected,
            "one_coordinate_objective": f_one,
            "soft_threshold": soft,
            "soft_threshold_claim": soft_claim,
            "subgradient": g_value,
            "branches": {"positive": (pos_point, pos_condition), "negative": (neg_point, neg_condition),
                         "zero": (sp.Integer(0), zero_condition)},
        },
        references=(TIBSHIRANI, f"{MURPHY}, sec. 13.3", "Rockafellar, Convex Analysis (1970)"),
    )
