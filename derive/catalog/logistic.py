"""Logistic regression: the sigmoid's derivative, the Bernoulli negative log-likelihood of a
linear-logit model, its gradient X^T (sigma(X w) - y) and Hessian X^T S X, S = diag(p (1 - p)),
positive semidefinite (definite under full column rank, so the loss is convex), and the Newton
step as iteratively reweighted least squares.

The per-sample pieces come from the catalogue: the binary cross-entropy and its derivative
p - y in the logit (bernoulli-nll-bce), the sigmoid's derivative (sigmoid-derivative). The
matrix forms are assembled by the chain rule z_i = x_i^T w; the checker confirms each gradient
entry by entry at concrete sizes (n = 5 or 4 samples, d = 3 or 2 features).
"""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix
from sympy.matrices.expressions.matexpr import MatrixElement

from derive.catalog.likelihood import sigmoid
from derive.catalog.symbols import X, d, i, n, v, w, y
from derive.core.algebra import log_rules
from derive.core.derivation import (
    Assumption,
    Derivation,
    definition,
    equal,
    gradient,
    implies,
)

BISHOP = "C. M. Bishop, Pattern Recognition and Machine Learning (2006), sec. 4.3.2-4.3.3"
z = sp.Symbol("z", real=True)
S = sp.MatrixSymbol("S", n, n)  # the weight matrix diag(p_i (1 - p_i)) as one symbol
p_vec = sp.MatrixSymbol("p", n, 1)  # the fitted probabilities sigma(X w) as one symbol
H_w = sp.MatrixSymbol("H", d, d)
u = sp.MatrixSymbol("u", n, 1)  # X v
g_w = sp.MatrixSymbol("g", d, 1)

SIZES = (
    Assumption.positive_integer(n, "$n$ is a positive integer (samples)"),
    Assumption.positive_integer(d, "$d$ is a positive integer (features)"),
)


class Elementwise(ElementwiseApplyFunction):
    """f applied to every entry of a matrix expression, printed f(M) (here: sigma(X w))."""

    def _latex(self, printer):
        slot = sp.Symbol("ZZSLOTZZ")
        body = printer._print(self.function(slot))
        return body.replace("ZZSLOTZZ", printer._print(self.expr))


class Diag(DiagMatrix):
    """The diagonal matrix of a column vector, printed diag(v)."""

    def _latex(self, printer):
        return rf"\operatorname{{diag}}\left({printer._print(self.args[0])}\right)"


def sigma_of(M):
    """sigma applied entrywise: the fitted probabilities p = sigma(M)."""
    t = sp.Dummy("t", real=True)
    return Elementwise(sp.Lambda(t, sigmoid(t)), M)


def logits():
    return X * w


def nll_sum():
    """-sum_i [y_i log sigma(z_i) + (1 - y_i) log(1 - sigma(z_i))], z_i = (X w)_i, i = 0..n-1
    (0-based, as the entries of the MatrixSymbols are indexed)."""
    from derive.catalog import get

    bce = get("bernoulli-nll-bce")
    per_sample = bce.extras["per_sample"]  # ell(z) for one label y
    label = next(s for s in per_sample.free_symbols if s.name == "y")
    term = per_sample.xreplace({z: MatrixElement(logits(), i, 0), label: y[i, 0]})
    return sp.Sum(term, (i, 0, n - 1)), per_sample, label


# --- derivations -----------------------------------------------------------------------------


def sigmoid_derivative() -> Derivation:
    """sigma'(z) = sigma(z) (1 - sigma(z)), from sigma(z) = 1 / (1 + e^{-z})."""
    explicit = 1 / (1 + sp.exp(-z))
    derivative = sp.diff(explicit, z)
    # sigma = 1/(1 + e^{-z}) solved for e^{-z}: e^{-z} = (1 - sigma)/sigma; substitute and cancel
    s_, e_ = sp.symbols("s e", positive=True)
    (e_of_s,) = sp.solve(sp.Eq(s_, 1 / (1 + e_)), e_)
    in_s = sp.cancel(derivative.xreplace({sp.exp(-z): e_}).xreplace({e_: e_of_s}))
    in_s = sp.Mul(s_, sp.expand(sp.cancel(in_s / s_)))  # s (1 - s)
    in_sigma = in_s.xreplace({s_: sigmoid(z)})
    steps = (
        definition(explicit, "the logistic function", lhs="\\sigma(z)"),
        gradient(derivative, "differentiate: the chain rule on $(1 + e^{-z})^{-1}$", wrt=z,
                 lhs="\\sigma'(z)"),
        equal(in_sigma, "$\\sigma = 1/(1 + e^{-z})$ solved for $e^{-z}$ gives $e^{-z} = (1 - \\sigma)/\\sigma$; "
              "substitute and cancel"),
    )
    return Derivation(
        id="sigmoid-derivative",
        title="Derivative of the sigmoid",
        statement="The logistic function $\\sigma(z) = 1 / (1 + e^{-z})$ has the derivative $\\sigma'(z) = \\sigma(z) (1 - \\sigma(z))$.",
        topic="logistic",
        assumptions=(),
        steps=steps,
        result=in_sigma,
        claim=sigmoid(z) * (1 - sigmoid(z)),
        variables=(z,),
        references=(BISHOP,),
    )


def logistic_nll() -> Derivation:
    """The Bernoulli NLL of labels y_i with P(y_i = 1) = sigma(x_i^T w) is a sum of BCE terms."""
    zi = MatrixElement(logits(), i, 0)
    pi = sigmoid(zi)
    pmf = pi ** y[i, 0] * (1 - pi) ** (1 - y[i, 0])
    nll = -sp.log(sp.Product(pmf, (i, 0, n - 1)))
    as_sum = log_rules(nll)
    steps = (
        definition(nll, "the negative log-likelihood of $n$ independent binary labels $y_i$ (0 or 1), "
                   "with $P(y_i = 1) = \\sigma(z_i)$ and the linear logit $z_i = (Xw)_i = x_i^\\top w$: "
                   "the Bernoulli pmf $p^{y}(1 - p)^{1 - y}$", lhs="L(w)"),
        equal(as_sum, "the log of a product is the sum of the logs; $\\log a^{y} = y \\log a$ for $a > 0$"),
    )
    return Derivation(
        id="logistic-nll",
        title="The negative log-likelihood of logistic regression",
        statement='For labels $y_i \\in \\{0, 1\\}$ with $P(y_i = 1) = \\sigma(x_i^\\top w)$, the negative log-likelihood is $L(w) = -\\sum_i [y_i \\log \\sigma(x_i^\\top w) + (1 - y_i) \\log(1 - \\sigma(x_i^\\top w))]$, $n$ times the binary cross-entropy of the logits $X w$.',
        topic="logistic",
        assumptions=SIZES,
        steps=steps,
        result=as_sum,
        claim=-sp.Sum(y[i, 0] * sp.log(pi) + (1 - y[i, 0]) * sp.log(1 - pi), (i, 0, n - 1)),
        variables=(w,),
        references=(BISHOP + ", eq. 4.90",),
    )


def logistic_gradient_expr():
    """X^T (sigma(X w) - y): the per-sample derivative dl/dz = sigma(z) - y (bernoulli-nll-bce),
    split into its part in z and its part in y, assembled over the samples: sum_i r_i x_i = X^T r."""
    from derive.catalog import get

    loss, per_sample, label = nll_sum()
    dz = get("bernoulli-nll-bce").extras["gradient"]  # sigma(z) - y
    in_z, in_y = sp.Add(*[t for t in sp.Add.make_args(dz) if t.has(z)]), \
        sp.Add(*[t for t in sp.Add.make_args(dz) if not t.has(z)])
    t = sp.Dummy("t", real=True)
    fitted = Elementwise(sp.Lambda(t, in_z.xreplace({z: t})), logits())
    residual = fitted + (in_y / label) * y  # sigma(X w) - y
    return loss, sp.MatMul(X.T, residual), residual


def logistic_gradient() -> Derivation:
    """grad_w L = X^T (sigma(X w) - y)."""
    loss, grad, residual = logistic_gradient_expr()
    steps = (
        definition(loss, "the negative log-likelihood (logistic-nll), one binary cross-entropy term "
                   "per sample in its logit $z_i = x_i^\\top w$", lhs="L(w)"),
        gradient(grad, "the chain rule: $\\partial \\ell / \\partial z_i = \\sigma(z_i) - y_i$ "
                 "(bernoulli-nll-bce) and $\\nabla_w z_i = x_i$ (linear-form-gradient), so "
                 "$\\nabla_w L = \\sum_i (\\sigma(z_i) - y_i)  x_i = X^\\top(\\sigma(Xw) - y)$; "
                 "checked entry by entry", wrt=w, lhs="\\nabla_w L(w)"),
    )
    return Derivation(
        id="logistic-gradient",
        title="Gradient of the logistic-regression loss",
        statement='The gradient of the logistic negative log-likelihood $L(w)$ in $w$ is $X^\\top (\\sigma(X w) - y)$: the design transposed times the residuals of the probabilities.',
        topic="logistic",
        assumptions=SIZES,
        steps=steps,
        result=grad,
        claim=X.T * (sigma_of(X * w) - y),
        variables=(w,),
        extras={"residual": residual},
        references=(BISHOP + ", eq. 4.91",),
    )


def logistic_hessian_expr():
    """X^T diag(p (1 - p)) X: the derivative of sigma(z_i) is sigma(z_i)(1 - sigma(z_i))
    (sigmoid-derivative), so d(grad) = X^T diag(sigma'(X w)) X dw."""
    from derive.catalog import get

    slope = get("sigmoid-derivative").result  # sigma(z)(1 - sigma(z))
    t = sp.Dummy("t", real=True)
    weights = Elementwise(sp.Lambda(t, slope.xreplace({z: t})), logits())
    return sp.MatMul(X.T, Diag(weights), X), weights


def logistic_hessian() -> Derivation:
    """H = X^T S X, S = diag(p (1 - p)): positive semidefinite, definite under full column rank."""
    _, grad, _ = logistic_gradient_expr()
    hessian, weights = logistic_hessian_expr()
    as_norm = sp.MatMul(u.T, S, u)
    steps = (
        definition(grad, "the gradient (logistic-gradient)", lhs="\\nabla_w L(w)"),
        gradient(hessian, "differentiate once more: $\\nabla_w \\sigma(z_i) = \\sigma(z_i)(1 - "
                 "\\sigma(z_i))  x_i$ (sigmoid-derivative), so $\\nabla^2_w L = \\sum_i "
                 "p_i (1 - p_i)  x_i x_i^\\top = X^\\top S X$; checked entry by entry", wrt=w,
                 lhs="\\nabla^2_w L(w)"),
        definition(as_norm, "the Hessian's quadratic form in a direction $v$: $v^\\top X^\\top S X v "
                   "= u^\\top S u$ with $u = X v$ and $S = \\operatorname{diag}(p_i(1 - p_i))$, positive "
                   "definite because $0 < p_i = \\sigma(z_i) < 1$", lhs="v^\\top H v"),
        implies(sp.GreaterThan(as_norm, 0, evaluate=False),
                "$S$ is positive definite: $u^\\top S u \\ge 0$ for every $u$; so $H$ is positive "
                "semidefinite at every $w$ and $L$ is convex", uses=("$S$ is positive definite",)),
        implies(sp.StrictGreaterThan(as_norm, 0, evaluate=False),
                "with full column rank, $u = X v \\ne 0$ for $v \\ne 0$, so $u^\\top S u > 0$: "
                "$H$ is positive definite and $L$ strictly convex (a minimiser, if one exists, is unique)",
                uses=("$S$ is positive definite", "$u = X v \\ne 0$")),
    )
    return Derivation(
        id="logistic-hessian",
        title="Hessian of the logistic-regression loss; convexity",
        statement='The Hessian of the logistic negative log-likelihood is $X^\\top S X$ with $S = \\operatorname{diag}(p_i (1 - p_i))$, $p = \\sigma(X w)$; it is positive semidefinite for every $X$, so the loss is convex, and positive definite when $X$ has full column rank.',
        topic="logistic",
        assumptions=(
            *SIZES,
            Assumption.positive_definite(S, "$S = \\operatorname{diag}(p_i(1 - p_i))$ is positive definite"),
            Assumption.nonzero(u, "$u = X v \\ne 0$ ($v \\ne 0$ and $X$ has full column rank)"),
            Assumption.full_column_rank(X),
        ),
        steps=steps,
        result=hessian,
        claim=X.T * Diag(sp.HadamardProduct(sigma_of(X * w), sp.OneMatrix(n, 1) - sigma_of(X * w))) * X,
        variables=(w,),
        extras={"weights": weights, "gradient": grad},
        references=(BISHOP + ", eqs. 4.96-4.98",),
    )


def logistic_irls() -> Derivation:
    """Newton's step on the logistic loss is a weighted least-squares solve (IRLS)."""
    from derive.catalog import get

    step = get("newton-step").result  # -H^{-1} g
    gram = X.T * S * X
    grad = X.T * (p_vec - y)  # the gradient with p = sigma(X w)
    update = w + step.xreplace({H_w: gram, g_w: grad})
    # w = H^{-1} H w: one inverse for the whole update
    combined = sp.MatMul(sp.Inverse(gram), gram * w - grad)
    # the working response: H w - g = X^T S (X w) - X^T (p - y) = X^T S (X w - S^{-1} (p - y))
    working = X * w - S.I * (p_vec - y)
    irls = sp.MatMul(sp.Inverse(gram), X.T, S, working)
    steps = (
        definition(update, "one Newton step $w - H^{-1} g$ (newton-step) with $H = X^\\top S X$ "
                   "(logistic-hessian) and $g = X^\\top (p - y)$ (logistic-gradient), "
                   "$p = \\sigma(Xw)$", lhs="w_{+}"),
        equal(combined, "$w = H^{-1} H w$: one inverse for the whole update",
              uses=("$S$ is positive definite", "$X$ has full column rank")),
        equal(irls, "$X^\\top (p - y) = X^\\top S  S^{-1}(p - y)$: take $X^\\top S$ out; the "
              "working response is $z = Xw - S^{-1}(p - y)$",
              uses=("$S$ is positive definite",)),
    )
    return Derivation(
        id="logistic-irls",
        title="Newton's method for logistic regression is iteratively reweighted least squares",
        statement='A Newton step on the logistic loss is $w_+ = (X^\\top S X)^{-1} X^\\top S z$ with the weights $S = \\operatorname{diag}(p_i (1 - p_i))$ and the working response $z = X w - S^{-1} (p - y)$: the weighted least-squares solution for $z$, reweighted at every step.',
        topic="logistic",
        assumptions=(
            *SIZES,
            Assumption.positive_definite(S, "$S$ is positive definite"),
            Assumption.full_column_rank(X),
        ),
        steps=steps,
        result=irls,
        claim=(X.T * S * X).I * X.T * S * (X * w - S.I * (p_vec - y)),
        variables=(w,),
        extras={"working_response": working, "update": update},
        references=(BISHOP + ", eqs. 4.99-4.100",),
    )
