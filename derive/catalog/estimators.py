"""Maximum-likelihood estimators, each derived from its log-likelihood and shown to be a maximum.

Scalar parameters follow one pattern: the log of the iid likelihood becomes a sum (log rules,
Sum linearity), the score and the curvature are computed by differentiation (checked as gradient
steps), the curvature is shown negative (globally: the log-likelihood is strictly concave; or at
the stationary point, with its value computed there), and the first-order condition is solved
with every Sum held whole (so the estimator keeps its textbook form, e.g. (1/n) sum (x_i - mu)^2).

The Laplace location has no derivative at the samples: its steps count the samples below and
above, and the subgradient optimality condition (a premise of convex analysis) makes it a median.

The multivariate Gaussian is written with a k x N data matrix D whose i-th column is x_i (a
slice printed x_i) and the ones vector 1_N: sum_i x_i = D 1 and sum_i (x_i - mu)(x_i - mu)^T =
(D - mu 1^T)(D - mu 1^T)^T. SymPy differentiates traces and log-determinants to a silent 0, so
the differentials here are computed by explicit rules (d log|S| = tr(S^-1 dS), d S^-1 =
-S^-1 dS S^-1, d tr(M) = tr(dM), the product rule) and every step is checked at concrete
matrices by the checker, never trusted from SymPy's derivative.
"""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions.slice import MatrixSlice

from derive.catalog.likelihood import gaussian_density, laplace_density, split_constant
from derive.catalog.symbols import N, i, k, mu, n, p, rate, scale_b, sigma, x_
from derive.core.algebra import (
    split_scale,
    is_matrix,
    log_rules,
    sum_linearity,
    use_symmetry,
)
from derive.core.derivation import (
    Assumption,
    Derivation,
    approx,
    definition,
    equal,
    gradient,
    iff,
    implies,
    max_to_min,
    stationary,
)
from derive.render.latex import expression_latex as tex

# --- symbols of this module ------------------------------------------------------------------

#: counts (Poisson) and 0/1 outcomes (Bernoulli): integer, >= 0; the checker draws integers
counts_x = sp.IndexedBase("x", integer=True, nonnegative=True)
#: positive samples (exponential)
positive_x = sp.IndexedBase("x", positive=True)


class _VarianceSymbol(sp.Symbol):
    """The variance sigma^2 as one positive unknown (printed sigma^2, named sigma_sq in code)."""

    def _latex(self, printer):
        return r"\sigma^{2}"


variance = _VarianceSymbol("sigma_sq", positive=True)

# counts of samples strictly below / above the Laplace location
n_below = sp.Symbol("n_<", integer=True, nonnegative=True)
n_above = sp.Symbol("n_>", integer=True, nonnegative=True)

# multivariate Gaussian: D is k x N (column i is x_i), mean mu_v, covariance Sigma
D = sp.MatrixSymbol("D", k, N)
mu_v = sp.MatrixSymbol("mu", k, 1)
Sigma = sp.MatrixSymbol("Sigma", k, k)
Lam = sp.MatrixSymbol("Lambda", k, k)  # the precision Sigma^-1
H = sp.MatrixSymbol("H", k, k)  # a symmetric perturbation of Sigma
h = sp.MatrixSymbol("h", k, 1)  # a perturbation of mu
v = sp.MatrixSymbol("v", k, 1)  # a direction
ones = sp.OneMatrix(N, 1)
t = sp.Symbol("t", real=True)


class Median(sp.Function):
    """The sample median of x_1..x_n (any point with at most n/2 samples on either side;
    numpy.median picks the midpoint of the two middle samples when n is even)."""

    nargs = 1

    def _latex(self, printer):
        base = printer._print(self.args[0])
        return rf"\operatorname{{median}}({base}_1, \dots, {base}_n)"

    def _numpycode(self, printer):
        return f"{printer._module_format('numpy.median')}({printer._print(self.args[0])})"


class SampleColumn(MatrixSlice):
    """Column i (1-based) of the data matrix D: the sample x_i in R^k."""

    def _latex(self, printer):
        return f"x_{{{printer._print(self.colslice[0] + 1)}}}"


def column(data, index):
    return SampleColumn(data, (0, data.shape[0], 1), (index - 1, index, 1))


# --- scalar helpers ---------------------------------------------------------------------------


def _opaque_sums(expr):
    """Replace every Sum by a fresh symbol (so solve and cancel treat it as one unknown)."""
    sums = sorted(expr.atoms(sp.Sum), key=sp.default_sort_key)
    forward = {s: sp.Dummy(f"S{index}") for index, s in enumerate(sums)}
    return expr.xreplace(forward), {d: s for s, d in forward.items()}


def stationary_point(score, var):
    """The unique admissible root of score = 0 in var, with every Sum held whole.

    Sum linearity first (constants leave the sums), then `solve(simplify=False, check=False)`
    on the sums as opaque symbols; a root excluded by the variable's sign (var > 0) is dropped.
    """
    opaque, back = _opaque_sums(sum_linearity(score, expand=False))
    roots = sp.solve(opaque, var, simplify=False, check=False)
    if var.is_positive:
        roots = [r for r in roots if not (r.is_zero or r.is_nonpositive)]
    if len(roots) != 1:
        raise ValueError(f"expected one admissible root of {score} = 0 in {var}, got {roots}")
    root = sum_linearity(roots[0].xreplace(back), expand=False)
    return _tidy(root)


def _ratio(a, b):
    """cancel(a / b) with the Sums of both held whole (one opaque symbol per Sum)."""
    opaque, back = _opaque_sums(sp.Tuple(a, b))
    return sp.factor(sp.cancel(opaque[0] / opaque[1])).xreplace(back)


def _tidy(expr):
    """cancel() with the Sums held whole: a/(a + n - a) -> a/n, n^2/(n a) -> n/a."""
    opaque, back = _opaque_sums(expr)
    return sp.factor(sp.cancel(opaque)).xreplace(back)


def _log_likelihood_steps(density_i, lhs=r"\ell"):
    """The log of the iid likelihood, as a sum, with the constants out of the sum."""
    log_lik = sp.log(sp.Product(density_i, (i, 1, n)))
    as_sum = log_rules(log_lik)
    linear = sum_linearity(as_sum, expand=False)
    steps = (
        definition(log_lik, "the log-likelihood of $n$ iid samples: the log of the product of their densities", lhs=lhs),
        equal(as_sum, r"the log of a product is the sum of the logs; $\log(\exp(u)) = u$"),
        equal(linear, "linearity of the sum: constants leave it, and a sum of $n$ equal constants is $n$ times the constant"),
    )
    return steps, linear


def _maximum_steps(loglik, param, *, concave: bool, curvature_reason=""):
    """From a log-likelihood (a sum, constants out) to the estimator, with the maximum check.

    Returns (steps, estimator, score, curvature). With `concave`, the curvature is negative for
    every value of the parameter (a strictly concave log-likelihood: the stationary point is
    the global maximum); otherwise it is evaluated at the stationary point and shown negative
    there (the only stationary point on an interval, a strict local maximum: the global one).
    """
    score = sum_linearity(loglik.diff(param), expand=False)
    curvature = sum_linearity(score.diff(param), expand=False)
    estimator = stationary_point(score, param)
    name = tex(param)
    squared = f"({name})^2" if "^" in name else f"{name}^2"  # d(sigma^2)^2, not d sigma^2^2
    why = f" ({curvature_reason})" if curvature_reason else ""
    steps = [
        gradient(score, f"differentiate in ${name}$ (the score)", wrt=param,
                 lhs=rf"\frac{{\partial \ell}}{{\partial {name}}}"),
        gradient(curvature, f"differentiate once more in ${name}$", wrt=param,
                 lhs=rf"\frac{{\partial^2 \ell}}{{\partial {squared}}}"),
    ]
    if concave:
        steps.append(implies(
            sp.StrictLessThan(curvature, 0, evaluate=False),
            "negative for every value of the parameter: the log-likelihood is strictly concave, "
            "so its stationary point is the global maximum" + why,
        ))
    if concave:
        steps.append(stationary(
            sp.Eq(score, 0), "set the score to zero: for the strictly concave log-likelihood "
            "(the step before) a stationary point is the global maximum", wrt=param, cites=(-1,)))
    else:
        steps.append(stationary(
            sp.Eq(score, 0), "set the score to zero: a maximum inside the interval is a "
            "stationary point (that this one is the maximum is shown below)", wrt=param))
    steps += [
        implies(sp.Eq(param, estimator), f"solve for ${name}$, the sums held whole", wrt=(param,)),
    ]
    if not concave:
        value = _tidy(sum_linearity(curvature.xreplace({param: estimator}), expand=False))
        steps += [
            implies(sp.Eq(curvature, value), "substitute the stationary point into the curvature",
                    factor=_ratio(curvature - value, param - estimator)),
            implies(sp.StrictLessThan(value, 0, evaluate=False),
                    "negative: a strict local maximum, and as the only stationary point of a "
                    "smooth function on an interval it is the global maximum" + why),
        ]
    return steps, estimator, score, curvature


# --- scalar estimators -----------------------------------------------------------------------

_SAMPLES = Assumption.positive_integer(n, "$n$ is a positive integer (samples)")


def _scalar_derivation(*, id, title, statement, assumptions, density_i, param, concave, claim,
                       references=(), curvature_reason="", extras=None):
    ll_steps, loglik = _log_likelihood_steps(density_i, lhs=rf"\ell({sp.latex(param)})")
    steps, estimator, score, curvature = _maximum_steps(
        loglik, param, concave=concave, curvature_reason=curvature_reason
    )
    return Derivation(
        id=id,
        title=title,
        statement=statement,
        topic="estimators",
        assumptions=assumptions,
        steps=(*ll_steps, *steps),
        result=estimator,
        claim=claim,
        variables=(param,),
        extras={"log_likelihood": loglik, "score": score, "curvature": curvature, **(extras or {})},
        references=references,
    )


def gaussian_mle_mean() -> Derivation:
    """The maximum-likelihood mean of iid N(mu, sigma^2) samples is the sample mean (1/n) sum x_i."""
    return _scalar_derivation(
        id="gaussian-mle-mean",
        title="Gaussian MLE of the mean",
        statement=r"For iid samples $x_1, \dots, x_n$ from $\mathcal{N}(\mu, \sigma^2)$, the log-likelihood is strictly concave in $\mu$ and maximised at the sample mean $\mu = \frac{1}{n} \sum_i x_i$.",
        assumptions=(_SAMPLES, Assumption.positive(sigma, r"$\sigma > 0$")),
        density_i=gaussian_density(x_[i], mu, sigma),
        param=mu,
        concave=True,
        claim=sp.Sum(x_[i], (i, 1, n)) / n,
        references=("C. M. Bishop, Pattern Recognition and Machine Learning (2006), eq. 1.55",),
    )


def gaussian_mle_variance() -> Derivation:
    """The maximum-likelihood variance of iid N(mu, sigma^2) samples is (1/n) sum (x_i - mu)^2."""
    squares = sp.Sum((x_[i] - mu) ** 2, (i, 1, n))
    return _scalar_derivation(
        id="gaussian-mle-variance",
        title="Gaussian MLE of the variance",
        statement=r"For iid samples $x_1, \dots, x_n$ from $\mathcal{N}(\mu, \sigma^2)$, the log-likelihood as a function of the variance $\sigma^2 > 0$ has one stationary point, $\sigma^2 = \frac{1}{n} \sum_i (x_i - \mu)^2$, and it is the maximum (with $\mu$ the known mean, or its estimate $\frac{1}{n} \sum_i x_i$ for the joint maximum).",
        assumptions=(
            _SAMPLES,
            Assumption.positive(squares, r"$\sum_i (x_i - \mu)^2 > 0$ (not every sample equals $\mu$)"),
        ),
        density_i=sp.exp(-((x_[i] - mu) ** 2) / (2 * variance)) / sp.sqrt(2 * sp.pi * variance),
        param=variance,
        concave=False,
        claim=squares / n,
        references=("C. M. Bishop, Pattern Recognition and Machine Learning (2006), eq. 1.56",),
    )


def bernoulli_mle() -> Derivation:
    """The maximum-likelihood success probability of iid Bernoulli(p) outcomes is (1/n) sum x_i."""
    x = counts_x
    successes = sp.Sum(x[i], (i, 1, n))
    failures = n - successes
    return _scalar_derivation(
        id="bernoulli-mle",
        title="Bernoulli MLE",
        statement=r"For iid outcomes $x_1, \dots, x_n \in \{0, 1\}$ from $\operatorname{Bernoulli}(p)$ with at least one success and one failure, the log-likelihood is strictly concave in $p \in (0, 1)$ and maximised at $p = \frac{1}{n} \sum_i x_i$.",
        assumptions=(
            _SAMPLES,
            Assumption.positive(1 - p, "$p < 1$ (and $p > 0$: $p$ is declared positive)"),
            Assumption.positive(successes, r"$\sum_i x_i > 0$ (at least one success)"),
            Assumption.positive(failures, r"$n - \sum_i x_i > 0$ (at least one failure)"),
        ),
        density_i=p ** x[i] * (1 - p) ** (1 - x[i]),
        param=p,
        concave=True,
        claim=successes / n,
        curvature_reason="both sums count outcomes, and $p > 0$, $1 - p > 0$",
        references=("C. M. Bishop, Pattern Recognition and Machine Learning (2006), eq. 2.8",),
    )


def poisson_mle() -> Derivation:
    """The maximum-likelihood rate of iid Poisson(lambda) counts is their mean (1/n) sum x_i."""
    x = counts_x
    total = sp.Sum(x[i], (i, 1, n))
    return _scalar_derivation(
        id="poisson-mle",
        title="Poisson MLE",
        statement=r"For iid counts $x_1, \dots, x_n$ from $\operatorname{Poisson}(\lambda)$, not all zero, the log-likelihood is strictly concave in $\lambda > 0$ and maximised at the sample mean $\lambda = \frac{1}{n} \sum_i x_i$.",
        assumptions=(
            _SAMPLES,
            Assumption.positive(total, r"$\sum_i x_i > 0$ (not every count is zero)"),
        ),
        density_i=rate ** x[i] * sp.exp(-rate) / sp.factorial(x[i]),
        param=rate,
        concave=True,
        claim=total / n,
        references=("L. Wasserman, All of Statistics (2004), Sec. 9.3",),
    )


def exponential_mle() -> Derivation:
    """The maximum-likelihood rate of iid Exponential(lambda) samples is 1 / mean = n / sum x_i."""
    x = positive_x
    total = sp.Sum(x[i], (i, 1, n))
    return _scalar_derivation(
        id="exponential-mle",
        title="Exponential MLE",
        statement=r"For iid samples $x_1, \dots, x_n > 0$ from $\operatorname{Exponential}(\lambda)$ (density $\lambda e^{-\lambda x}$), the log-likelihood is strictly concave in $\lambda > 0$ and maximised at the reciprocal of the sample mean, $\lambda = n / \sum_i x_i$.",
        assumptions=(_SAMPLES, Assumption.positive(x, "$x_i > 0$ (the support of the exponential)")),
        density_i=rate * sp.exp(-rate * x[i]),
        param=rate,
        concave=True,
        claim=1 / (total / n),
        references=("L. Wasserman, All of Statistics (2004), Sec. 9.3",),
    )


def _sign_as_counts(expr):
    """sign(u) = H(u) - H(-u) with H(0) = 0: +1 above zero, -1 below, 0 at a tie."""
    out = expr.replace(
        lambda e: isinstance(e, sp.sign),
        lambda e: sp.Heaviside(e.args[0], 0) - sp.Heaviside(-e.args[0], 0),
    )
    return sum_linearity(out, expand=True)


def laplace_mle() -> Derivation:
    """The Laplace MLE: the location is a sample median, the scale the mean absolute deviation from it."""
    b = scale_b
    ll_steps, loglik = _log_likelihood_steps(laplace_density(x_[i], mu, b), lhs=r"\ell(\mu, b)")
    constant, data_term = split_constant(loglik, (mu,))
    deviations = sum_linearity(-b * data_term, expand=False)  # sum_i |x_i - mu|
    slope = sum_linearity(deviations.diff(mu), expand=False)
    counted = _sign_as_counts(slope)
    below = sp.Sum(sp.Heaviside(mu - x_[i], 0), (i, 1, n))  # n_<: samples strictly below mu
    above = sp.Sum(sp.Heaviside(x_[i] - mu, 0), (i, 1, n))  # n_>: samples strictly above mu
    # the one-sided derivatives of F: a sample equal to mu counts +1 to the right, -1 to the left
    left_derivative = below - sp.Sum(sp.Heaviside(x_[i] - mu, 1), (i, 1, n))
    right_derivative = sp.Sum(sp.Heaviside(mu - x_[i], 1), (i, 1, n)) - above
    left_counted = 2 * below - n
    right_counted = n - 2 * above
    optimality = sp.And(sp.Le(left_counted, 0), sp.Ge(right_counted, 0))
    median_condition = optimality.xreplace({below: n_below, above: n_above})
    scale_steps, scale, _score, _curvature = _maximum_steps(loglik, b, concave=False)
    location_steps = (
        max_to_min(deviations, r"for every $b > 0$, maximising over $\mu$ is minimising the sum of absolute deviations: multiply by $-b$ and drop the terms free of $\mu$",
                   wrt=(mu,), alpha=b, beta=b * constant, lhs=r"F(\mu)"),
        gradient(slope, r"differentiate where no sample equals $\mu$: $|u|$ is differentiable for $u \neq 0$, and the derivative of $|x_i - \mu|$ in $\mu$ is $\operatorname{sign}(\mu - x_i)$", wrt=mu,
                 lhs=r"F'(\mu)"),
        equal(counted, r"$\operatorname{sign}(u) = H(u) - H(-u)$ with $H(0) = 0$: each sample below "
              r"$\mu$ adds 1, each sample above subtracts 1"),
        definition(left_derivative, "$F$ is convex, so its subdifferential at $\\mu$ is the interval "
                   "$[F'_-(\\mu), F'_+(\\mu)]$ of its one-sided derivatives; to the left of $\\mu$ "
                   "a sample equal to $\\mu$ slopes like one above it: $F'_-(\\mu) = "
                   "\\sum_i H(\\mu - x_i) - \\sum_i H_1(x_i - \\mu)$ with $H_1(0) = 1$",
                   lhs=r"F'_-(\mu)", source="R. T. Rockafellar, Convex Analysis (1970), Thm. 24.1"),
        equal(left_counted, "$H_1(x_i - \\mu) = 1 - H(\\mu - x_i)$: $F'_-(\\mu) = 2 n_< - n$"),
        definition(right_derivative, "to the right of $\\mu$ a sample equal to $\\mu$ slopes like "
                   "one below it: $F'_+(\\mu) = \\sum_i H_1(\\mu - x_i) - \\sum_i H(x_i - \\mu)$",
                   lhs=r"F'_+(\mu)", source="R. T. Rockafellar, Convex Analysis (1970), Thm. 24.1"),
        equal(right_counted, "$H_1(\\mu - x_i) = 1 - H(x_i - \\mu)$: $F'_+(\\mu) = n - 2 n_>$"),
        definition(optimality, "$\\mu$ minimises the convex $F$ iff $0 \\in \\partial F(\\mu) = "
                   "[2 n_< - n, n - 2 n_>]$ (the two steps before): at most half of the samples lie "
                   "strictly on either side of $\\mu$, which is what a median is",
                   lhs=r"0 \in \partial F(\mu) \iff",
                   source="R. T. Rockafellar, Convex Analysis (1970), Thm. 27.1", cites=(-3, -1)),
    )
    scale_start = definition(loglik, r"the log-likelihood as a function of $b > 0$, at any fixed "
                             r"location $\mu$ (in particular at a median)", lhs=r"\ell(b)",
                             cites=(len(ll_steps) - 1,))
    location = Median(x_)  # the name of any mu meeting the derived condition
    at_median = scale.xreplace({mu: location})
    return Derivation(
        id="laplace-mle",
        title="Laplace MLE: the median and the mean absolute deviation",
        statement=r"For iid samples from $\operatorname{Laplace}(\mu, b)$, the log-likelihood is maximised at any sample median $\mu$ (at most $n/2$ samples strictly below and at most $n/2$ strictly above), for every scale $b$, and then at $b = \frac{1}{n} \sum_i |x_i - \mu|$, the mean absolute deviation from it.",
        topic="estimators",
        assumptions=(
            _SAMPLES,
            Assumption.positive(b, "$b > 0$ (the Laplace scale)"),
            Assumption.positive(sp.Sum(sp.Abs(x_[i] - mu), (i, 1, n)),
                                r"$\sum_i |x_i - \mu| > 0$ (not every sample equals the location)"),
        ),
        steps=(*ll_steps, *location_steps, scale_start, *scale_steps),
        result=at_median,
        result_substitution={mu: location},
        claim=sp.Sum(sp.Abs(x_[i] - Median(x_)), (i, 1, n)) / n,
        variables=(mu, b),
        extras={
            "location": Median(x_),
            "location_condition": median_condition,
            "scale": scale,
            "scale_claim": sp.Sum(sp.Abs(x_[i] - mu), (i, 1, n)) / n,
            "slope": counted,
            "log_likelihood": loglik,
        },
        references=(
            "R. T. Rockafellar, Convex Analysis (1970), Thms. 23.8 and 27.1",
            "K. P. Murphy, Machine Learning: A Probabilistic Perspective (2012), Sec. 7.4",
        ),
    )


# --- matrix helpers: the trace trick and differentials by rule -----------------------------


def _stack(vector, index, count):
    """The matrix whose column `index` (1..count) is `vector`: x_i -> D, an index-free c -> c 1^T."""
    terms = vector.args if isinstance(vector, sp.MatAdd) else (vector,)
    out = []
    for term in terms:
        if term.has(index):
            columns = term.atoms(SampleColumn)
            if len(columns) != 1 or term.xreplace({columns.pop(): sp.ZeroMatrix(*vector.shape)}).has(index):
                raise ValueError(f"cannot stack {term} over {index}: expected (scalar) * x_{index}")
            out.append(term.replace(lambda e: isinstance(e, SampleColumn), lambda e: e.parent))
        else:
            out.append(term * sp.OneMatrix(1, count))
    return sp.MatAdd(*out) if len(out) > 1 else out[0]


def trace_trick(expr):
    """sum_{i=1}^N tr(a_i^T P a_i) = tr(P sum_i a_i a_i^T) = tr(P A A^T), A = [a_1 .. a_N].

    The cyclic property tr(a^T P a) = tr(P a a^T) (Matrix Cookbook eq. 16) and linearity of the
    trace; the columns a_i = x_i - mu stack into A = D - mu 1^T.
    """

    def rewrite(node):
        (index, low, high), = node.limits
        product = node.function.arg
        factors = list(product.args) if isinstance(product, sp.MatMul) else [product]
        coeff = sp.Mul(*[f for f in factors if not is_matrix(f)])
        mats = [f for f in factors if is_matrix(f)]
        left, middle, right = mats[0], mats[1:-1], mats[-1]
        if low != 1 or left != right.T.doit():
            raise ValueError(f"{node} is not a sum of quadratic forms a_i^T P a_i")
        A = _stack(right, index, high)
        return coeff * sp.Trace(sp.MatMul(*middle, A, A.T))

    return expr.replace(lambda e: isinstance(e, sp.Sum) and isinstance(e.function, sp.Trace), rewrite)


def _zero_like(expr):
    return sp.ZeroMatrix(*expr.shape) if is_matrix(expr) else sp.Integer(0)


def _is_zero(expr):
    return expr == 0 or isinstance(expr, sp.ZeroMatrix)


def _add(terms, like):
    """The sum of the terms (0 of the right kind when there are none; no 1-term MatAdd)."""
    if not terms:
        return _zero_like(like)
    if len(terms) == 1:
        return terms[0]
    return sp.MatAdd(*terms) if is_matrix(like) else sp.Add(*terms)


def differential(expr, X, dX):
    """The differential of expr when X moves by dX, by the rules of matrix calculus:
    d(A + B) = dA + dB, d(AB) = dA B + A dB, d(A^T) = (dA)^T, d tr(A) = tr(dA),
    d A^-1 = -A^-1 dA A^-1 (Cookbook eq. 40), d log|A| = tr(A^-1 dA) (eq. 43), and the scalar
    chain rule. Terms free of X contribute 0. X may be a matrix symbol or a scalar symbol."""
    if not expr.has(X):
        return _zero_like(expr)
    if expr == X:
        return dX
    if isinstance(expr, sp.MatAdd) or (isinstance(expr, sp.Add) and not is_matrix(expr)):
        parts = [differential(a, X, dX) for a in expr.args]
        parts = [q for q in parts if not _is_zero(q)]
        return _add(parts, expr)
    if isinstance(expr, (sp.MatMul, sp.Mul)):
        args = list(expr.args)
        terms = []
        for index, a in enumerate(args):
            if not a.has(X):
                continue
            da = differential(a, X, dX)
            if _is_zero(da):
                continue
            new = args[:index] + [da] + args[index + 1:]
            terms.append(sp.MatMul(*new, evaluate=True) if is_matrix(expr) else sp.Mul(*new))
        return _add(terms, expr)
    if isinstance(expr, sp.Transpose):
        return sp.Transpose(differential(expr.arg, X, dX))
    if isinstance(expr, sp.Inverse):
        return -expr * differential(expr.arg, X, dX) * expr
    if isinstance(expr, sp.Trace):
        inner = differential(expr.arg, X, dX)
        return 0 if _is_zero(inner) else sp.Trace(inner)
    if isinstance(expr, sp.log) and isinstance(expr.args[0], sp.Determinant):
        A = expr.args[0].arg
        return sp.Trace(sp.Inverse(A) * differential(A, X, dX))
    if isinstance(expr, sp.log):
        return differential(expr.args[0], X, dX) / expr.args[0]
    if isinstance(expr, sp.Pow) and not expr.exp.has(X):
        return expr.exp * expr.base ** (expr.exp - 1) * differential(expr.base, X, dX)
    raise NotImplementedError(f"no differential rule for {type(expr).__name__}: {expr}")


def _products(M, dX):
    """M (a matrix expression) as a list of (scalar, [matrix factors]) with M = sum scalar *
    product; a factor that holds dX inside a sum is distributed, other sums stay whole."""
    M = M.doit()
    out = []
    for piece in (M.args if isinstance(M, sp.MatAdd) else (M,)):
        scale, mats = piece.as_coeff_mmul()
        factors = list(mats.args) if isinstance(mats, sp.MatMul) else [mats]
        if any(isinstance(f, sp.MatAdd) and f.has(dX) for f in factors):
            out += [(scale * c, fs) for c, fs in _products(sp.expand(piece), dX)]
            continue
        scalars = [f for f in factors if not is_matrix(f)]
        out.append((scale * sp.Mul(*scalars), [f for f in factors if is_matrix(f)]))
    return out


def _trace_terms(expr, dX):
    """expr = sum c tr(M) as a list of (c, [factors of M]), one entry per product."""
    out = []
    for term in sp.Add.make_args(sp.expand(expr, deep=False)):
        coeff, rest = term.as_independent(sp.Trace, as_Add=False)
        if not isinstance(rest, sp.Trace):
            raise ValueError(f"{term} is not a multiple of a trace")  # noqa: TRY004 - a bad value
        out += [(coeff * c, fs) for c, fs in _products(rest.arg, dX)]
    return out


def trace_coefficient(expr, dX):
    """G with expr = tr(G dX), for expr linear in dX: rotate each trace so that dX stands last
    (tr(ABC) = tr(CAB), Cookbook eq. 16; tr(A) = tr(A^T) when dX appears transposed)."""
    parts = []
    for coeff, factors in _trace_terms(expr, dX):
        if dX not in factors:
            flipped = sp.MatMul(*factors).T.doit()
            factors = list(flipped.args) if isinstance(flipped, sp.MatMul) else [flipped]
            factors = [f for f in factors if is_matrix(f)]
        if factors.count(dX) != 1 or any(f.has(dX) and f != dX for f in factors):
            raise ValueError(f"tr({sp.MatMul(*factors)}) is not linear in {dX}")
        at = factors.index(dX)
        rest = factors[at + 1:] + factors[:at]
        G = sp.MatMul(*rest) if rest else sp.Identity(dX.shape[1])
        parts.append(coeff * G)
    return sp.MatAdd(*parts).doit() if len(parts) > 1 else parts[0]


# --- the multivariate Gaussian -----------------------------------------------------------------

_MVN_ASSUMPTIONS = (
    Assumption.positive_integer(N, "$N$ is a positive integer (samples)"),
    Assumption.positive_integer(k, r"$k$ is a positive integer ($x_i \in \mathbb{R}^k$)"),
    Assumption.positive_definite(Sigma, r"$\Sigma$ is symmetric positive definite"),
)
_MVN_REFERENCES = (
    "K. B. Petersen, M. S. Pedersen, The Matrix Cookbook (2012), eqs. 16, 22, 36, 40, 43, 100",
    "C. M. Bishop, Pattern Recognition and Machine Learning (2006), eqs. 2.118-2.122",
)


def _mvn_log_likelihood_steps():
    """log prod_i N(x_i | mu, Sigma) -> a sum -> the trace form with the centred data matrix."""
    x_i = column(D, i)
    quadratic = (x_i - mu_v).T * Sigma.I * (x_i - mu_v)
    density_i = (
        (2 * sp.pi) ** (-k / sp.S(2))
        * sp.Determinant(Sigma) ** sp.Rational(-1, 2)
        * sp.exp(-sp.Trace(quadratic) / 2)
    )
    log_lik = sp.log(sp.Product(density_i, (i, 1, N)))
    as_sum = log_rules(log_lik)
    linear = sum_linearity(as_sum, expand=False)
    traced = trace_trick(linear)
    steps = (
        definition(log_lik, r"the log-likelihood of $N$ iid samples $x_i \sim \mathcal{N}(\mu, \Sigma)$, $x_i$ the $i$-th column of the $k \times N$ data matrix $D$; the $1 \times 1$ quadratic form is written as its trace, a scalar", lhs=r"\ell(\mu, \Sigma)"),
        equal(as_sum, r"the log of a product is the sum of the logs; $\log(\exp(u)) = u$"),
        equal(linear, "linearity of the sum: the constants leave it, $N$ times"),
        equal(traced, r"the trace trick: $\operatorname{tr}(a^\top P a) = \operatorname{tr}(P a a^\top)$ and $\sum_i a_i a_i^\top = A A^\top$ with $A = D - \mu \mathbf{1}^\top$ the centred data matrix", source="Matrix Cookbook eq. 16"),
    )
    return steps, traced


def _centred():
    return D - mu_v * ones.T


def mvn_mle_mean() -> Derivation:
    """The maximum-likelihood mean of iid N(mu, Sigma) samples is the sample mean (1/N) D 1."""
    ll_steps, loglik = _mvn_log_likelihood_steps()
    first = trace_coefficient(differential(loglik, mu_v, h), h)
    grad = use_symmetry(first.T.doit(), [Sigma])
    expanded = grad.expand().doit()
    hessian = use_symmetry(expanded.diff(mu_v), [Sigma])
    inner = sp.MatMul(*[f for f in grad.args if f != Sigma.I]).expand().doit()
    estimator = _solve_linear(inner, mu_v)
    steps = (
        *ll_steps,
        gradient(grad, r"$d \operatorname{tr}(P A A^\top) = \operatorname{tr}(P \, dA \, A^\top) + \operatorname{tr}(P A \, dA^\top)$ with $dA = -d\mu \, \mathbf{1}^\top$; rotate each trace so that $d\mu$ stands last and read off the gradient; $\Sigma^{-1}$ is symmetric",
                 wrt=mu_v, lhs=r"\nabla_\mu \ell", source="Matrix Cookbook eqs. 16, 100"),
        equal(expanded, r"distribute: $(D - \mu \mathbf{1}^\top) \mathbf{1} = D \mathbf{1} - N \mu$, since $\mathbf{1}^\top \mathbf{1} = N$"),
        gradient(hessian, "differentiate once more: the Hessian", wrt=mu_v, lhs=r"\nabla^2_\mu \ell"),
        implies(sp.StrictLessThan(v.T * hessian * v, 0, evaluate=False),
                r"negative definite ($\Sigma^{-1}$ is positive definite, $N > 0$): the log-likelihood is "
                r"strictly concave in $\mu$, so its stationary point is the global maximum"),
        stationary(sp.Eq(grad, sp.ZeroMatrix(k, 1)), "set the gradient to zero: for the strictly "
                   "concave log-likelihood (the step before) a stationary point is the global "
                   "maximum", wrt=mu_v, cites=(-1,)),
        iff(sp.Eq(inner, sp.ZeroMatrix(k, 1)), r"multiply by $\Sigma$, invertible", wrt=(mu_v,),
            factor=Sigma.I),
        implies(sp.Eq(mu_v, estimator), r"solve the linear equation for $\mu$", wrt=(mu_v,)),
    )
    return Derivation(
        id="mvn-mle-mean",
        title="Multivariate Gaussian MLE of the mean",
        statement=r"For iid samples $x_1, \dots, x_N \in \mathbb{R}^k$ from $\mathcal{N}(\mu, \Sigma)$ with $\Sigma$ positive definite, the log-likelihood is strictly concave in $\mu$ and maximised at the sample mean $\mu = \frac{1}{N} \sum_i x_i = \frac{1}{N} D \mathbf{1}$, where $D = [x_1, \dots, x_N]$.",
        topic="estimators",
        assumptions=(*_MVN_ASSUMPTIONS, Assumption.nonzero(v, r"$v \neq 0$ (a direction in $\mathbb{R}^k$)")),
        steps=steps,
        result=estimator,
        claim=D * ones / N,
        variables=(mu_v,),
        extras={"log_likelihood": loglik, "gradient": grad, "hessian": hessian},
        references=_MVN_REFERENCES,
    )


def _solve_linear(residual, var):
    """var from residual = c + a * var = 0 (a a nonzero scalar, c free of var), c kept whole."""
    terms = residual.args if isinstance(residual, sp.MatAdd) else (residual,)
    with_var = [term for term in terms if term.has(var)]
    constant = [term for term in terms if not term.has(var)]
    if len(with_var) != 1:
        raise ValueError(f"{residual} is not of the form c + a * {var}")
    coeff, rest = split_scale(with_var[0])
    if rest != var:
        raise ValueError(f"{with_var[0]} is not a scalar multiple of {var}")
    c = sp.MatAdd(*constant) if len(constant) > 1 else constant[0]
    return (c / -coeff).doit() if not isinstance(c, sp.MatMul) else sp.MatMul(-1 / coeff, c).doit()


def _collapse_inverses(expr):
    """(M^-1)^-1 = M and log|M^-1| = -log|M| (Matrix Cookbook eq. 22: det(M^-1) = 1/det M)."""
    expr = expr.replace(
        lambda e: isinstance(e, sp.Inverse) and isinstance(e.arg, sp.Inverse), lambda e: e.arg.arg
    )
    return expr.replace(
        lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.Determinant)
        and isinstance(e.args[0].arg, sp.Inverse),
        lambda e: -sp.log(sp.Determinant(e.args[0].arg.arg)),
    )


def _times_both_sides(G, left, right):
    """left * G * right term by term, letting SymPy cancel Sigma Sigma^-1 in each product."""
    terms = G.args if isinstance(G, sp.MatAdd) else (G,)
    out = [sp.MatMul(left, term, right).doit() for term in terms]
    return sp.MatAdd(*out).doit() if len(out) > 1 else out[0]


def mvn_mle_covariance() -> Derivation:
    """The maximum-likelihood covariance of iid N(mu, Sigma) samples is (1/N) sum (x_i - mu)(x_i - mu)^T."""
    ll_steps, loglik = _mvn_log_likelihood_steps()
    A = _centred()
    scatter = A * A.T
    increment = loglik.xreplace({Sigma: Sigma + H}) - loglik
    first = differential(loglik, Sigma, H)
    G = trace_coefficient(first, H)
    linear = sp.Trace(sp.MatMul(G, H))
    grad = use_symmetry(G.T.doit(), [Sigma])
    scaled_condition = _times_both_sides(grad, 2 * Sigma, Sigma)
    estimator = _solve_linear(scaled_condition, Sigma)
    # concavity along every line in the precision Lambda = Sigma^-1
    line = Lam + t * H
    in_precision = loglik.xreplace({Sigma: sp.Inverse(Lam)})
    precision_tidy = _collapse_inverses(in_precision)
    along = precision_tidy.xreplace({Lam: line})
    slope = differential(along, t, sp.Integer(1))
    curvature = differential(slope, t, sp.Integer(1))
    steps = (
        *ll_steps,
        definition(increment, r"the change of the log-likelihood when $\Sigma$ moves by a symmetric $H$",
                   lhs=r"\ell(\Sigma + H) - \ell(\Sigma)"),
        approx(first, r"first order in $H$: the differentials $d \log|\Sigma| = \operatorname{tr}(\Sigma^{-1} H)$, $d(\Sigma^{-1}) = -\Sigma^{-1} H \Sigma^{-1}$ and $d \operatorname{tr}(M) = \operatorname{tr}(dM)$", small=H, order=1,
               source="Matrix Cookbook eqs. 36, 40, 43"),
        equal(linear, "rotate each trace so that $H$ stands last and collect the coefficient $G$",
              source="Matrix Cookbook eq. 16"),
        gradient(grad, r"a differential $\operatorname{tr}(G H)$ identifies the gradient $G^\top$; $\Sigma$ is symmetric",
                 wrt=H, lhs=r"\nabla_\Sigma \ell", source="Matrix Cookbook eq. 100"),
        stationary(sp.Eq(grad, sp.ZeroMatrix(k, k)), "set the gradient to zero (for symmetric "
                   "$\\Sigma$ the constrained gradient $2G - \\operatorname{diag} G$ vanishes exactly "
                   "when $G$ does); that this stationary point is the maximum is shown below",
                   wrt=H),
        iff(sp.Eq(scaled_condition, sp.ZeroMatrix(k, k)), r"multiply by $2 \Sigma$ on the left and by "
            r"$\Sigma$ on the right, both invertible", wrt=(Sigma,),
            factor=(Sigma.I / 2, Sigma.I)),
        implies(sp.Eq(Sigma, estimator), r"solve the linear equation for $\Sigma$: the scatter matrix $\sum_i (x_i - \mu)(x_i - \mu)^\top$ over $N$", wrt=(Sigma,)),
        definition(in_precision, r"the log-likelihood in the precision $\Lambda = \Sigma^{-1}$, a bijection of the positive definite matrices onto themselves",
                   lhs=r"\ell(\Lambda^{-1})"),
        equal(precision_tidy, r"$(\Lambda^{-1})^{-1} = \Lambda$ and $\log|\Lambda^{-1}| = -\log|\Lambda|$",
              source="Matrix Cookbook eq. 22"),
        definition(along, r"along the line $\Lambda + t H$ through $\Lambda$ in a symmetric direction $H \neq 0$", lhs=r"g(t)"),
        gradient(slope, r"differentiate in $t$: $d \log|M| = \operatorname{tr}(M^{-1} \, dM)$ with $dM = H \, dt$", wrt=t,
                 lhs=r"g'(t)", source="Matrix Cookbook eq. 43"),
        gradient(curvature, "differentiate again: $d(M^{-1}) = -M^{-1} (dM) M^{-1}$", wrt=t,
                 lhs=r"g''(t)", source="Matrix Cookbook eq. 40"),
        implies(sp.StrictLessThan(curvature, 0, evaluate=False),
                r"$\operatorname{tr}(P H P H) = \lVert P^{1/2} H P^{1/2} \rVert_F^2 > 0$ for $P = M^{-1}$ positive definite and symmetric $H \neq 0$: the log-likelihood is strictly concave in $\Lambda$, so its only stationary point, $\Lambda = \Sigma^{-1}$ at the solution above, is the global maximum"),
    )
    return Derivation(
        id="mvn-mle-covariance",
        title="Multivariate Gaussian MLE of the covariance",
        statement=r"For iid samples $x_1, \dots, x_N \in \mathbb{R}^k$ from $\mathcal{N}(\mu, \Sigma)$, the log-likelihood over positive definite $\Sigma$ has one stationary point, $\Sigma = \frac{1}{N} \sum_i (x_i - \mu)(x_i - \mu)^\top = \frac{1}{N}(D - \mu \mathbf{1}^\top)(D - \mu \mathbf{1}^\top)^\top$, and it is the global maximum (the log-likelihood is strictly concave in the precision $\Sigma^{-1}$) when that scatter matrix is positive definite.",
        topic="estimators",
        assumptions=(
            *_MVN_ASSUMPTIONS,
            Assumption.positive_definite(
                scatter, r"the scatter matrix $(D - \mu \mathbf{1}^\top)(D - \mu \mathbf{1}^\top)^\top$ is positive definite ($N > k$ samples whose deviations span $\mathbb{R}^k$)"),
            Assumption.symmetric(H, "$H$ is symmetric (a covariance stays symmetric)"),
            Assumption.nonzero(H, r"$H \neq 0$"),
            Assumption.positive_definite(Lam, r"$\Lambda$ is symmetric positive definite"),
            Assumption.positive_definite(line, r"$\Lambda + t H$ is positive definite (the line stays in the domain)"),
        ),
        steps=steps,
        result=estimator,
        claim=scatter / N,
        variables=(Sigma,),
        extras={"log_likelihood": loglik, "gradient": grad, "differential": linear,
                "curvature_along_line": curvature},
        references=_MVN_REFERENCES,
    )
