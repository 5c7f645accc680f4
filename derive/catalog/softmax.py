"""Softmax and cross-entropy: the softmax Jacobian diag(p) - p p^T, the gradient p - y of the
cross-entropy of softmax(z) (labels summing to 1), the gradient X^T (P - Y) of multinomial
logistic regression, and the gradient of log-sum-exp (the softmax).

SymPy cannot differentiate a softmax of symbolic length K (a Sum over a symbolic range inside
exp and log): these derivations work at the concrete class count K = 3 (and the multinomial
model at n = 2 samples, d = 2 features), which the statements say. The tests repeat them at
other K.
"""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement, MatrixExpr

from derive.core.derivation import Derivation, definition, equal, gradient

BISHOP = "C. M. Bishop, Pattern Recognition and Machine Learning (2006), sec. 4.3.4"
GOODFELLOW = "I. Goodfellow, Y. Bengio, A. Courville, Deep Learning (2016), sec. 6.2.2.3"

CLASSES = 3
#: the Jacobian is shown at K = 2 (a K x K matrix of quotients: K = 3 does not fit a page);
#: the tests repeat it at K = 3 and 4
JACOBIAN_CLASSES = 2


def logits(K=CLASSES):
    return sp.MatrixSymbol("z", K, 1)


def softmax(zv):
    """The column softmax(z)_j = exp(z_j) / sum_k exp(z_k), explicit."""
    K = zv.shape[0]
    total = sp.Add(*[sp.exp(zv[j, 0]) for j in range(K)])
    return sp.ImmutableMatrix([sp.exp(zv[j, 0]) / total for j in range(K)])


def log_softmax(zv):
    """log softmax(z)_j = z_j - log sum_k exp(z_k), explicit."""
    K = zv.shape[0]
    total = sp.Add(*[sp.exp(zv[j, 0]) for j in range(K)])
    return sp.ImmutableMatrix([zv[j, 0] - sp.log(total) for j in range(K)])


def labels_on_simplex(K=CLASSES):
    """y with sum_k y_k = 1: the last label is 1 minus the others."""
    yv = sp.MatrixSymbol("y", K, 1)
    first = [yv[j, 0] for j in range(K - 1)]
    return sp.ImmutableMatrix([*first, 1 - sp.Add(*first)]), yv


def _tidy(M):
    return M  # left as SymPy differentiates it: the checker compares it exactly and fast


def softmax_jacobian_at(K=CLASSES):
    zv = logits(K)
    p = softmax(zv)
    J = _tidy(sp.ImmutableMatrix(K, K, lambda r, c: sp.diff(p[c], zv[r, 0])))
    return zv, p, J


def softmax_jacobian() -> Derivation:
    """d softmax(z) / dz = diag(p) - p p^T, at K = 3."""
    zv, p, J = softmax_jacobian_at(JACOBIAN_CLASSES)
    textbook = sp.ImmutableMatrix(sp.diag(*p)) - p * p.T
    steps = (
        definition(p, f"the softmax of $K = {JACOBIAN_CLASSES}$ logits: $p_j = e^{{z_j}} / \\sum_k e^{{z_k}}$ "
                   "(a concrete $K$: SymPy cannot differentiate a sum of symbolic length)", lhs="p(z)"),
        gradient(J, "differentiate each $p_j$ in each $z_i$ (the quotient rule), checked entry by "
                 "entry", wrt=zv, lhs="\\frac{\\partial p}{\\partial z}"),
        equal(textbook, "$\\partial p_j / \\partial z_i = p_j (\\delta_{ij} - p_i)$: the Jacobian is "
              "$\\operatorname{diag}(p) - p p^\\top$ (symmetric, so the layout does not matter)"),
    )
    return Derivation(
        id="softmax-jacobian",
        title="Jacobian of the softmax",
        statement=r"For $p = \operatorname{softmax}(z)$, $\partial p_j / \partial z_i = p_j (\delta_{ij} - p_i)$: "
        r"the Jacobian is $\operatorname{diag}(p) - p p^\top$ "
        f"(derived at $K = {JACOBIAN_CLASSES}$ classes; the tests repeat it at $K = 3, 4$).",
        topic="softmax",
        assumptions=(),
        steps=steps,
        result=J,
        claim=textbook,
        variables=(zv,),
        references=(BISHOP + ", eq. 4.106",),
    )


def softmax_cross_entropy_gradient_at(K=CLASSES):
    zv = logits(K)
    p = softmax(zv)
    y_s, yv = labels_on_simplex(K)
    loss = -sp.Add(*[y_s[j] * sp.log(p[j]) for j in range(K)])
    lsm = log_softmax(zv)
    stable = -sp.Add(*[y_s[j] * lsm[j] for j in range(K)])
    grad = sp.ImmutableMatrix([sp.diff(stable, zv[j, 0]) for j in range(K)])
    return zv, p, y_s, loss, stable, grad


def softmax_cross_entropy_gradient() -> Derivation:
    """grad_z [-sum_k y_k log softmax(z)_k] = p - y when sum_k y_k = 1, at K = 3."""
    zv, p, y_s, loss, stable, grad = softmax_cross_entropy_gradient_at()
    textbook = p - y_s
    steps = (
        definition(loss, f"the cross-entropy of $p = \\operatorname{{softmax}}(z)$ against labels "
                   f"$y$ with $\\sum_k y_k = 1$ (one-hot or a distribution), $K = {CLASSES}$: the "
                   "last label is $1$ minus the others", lhs="\\ell(z)"),
        equal(stable, "$\\log p_k = z_k - \\log \\sum_j e^{z_j}$ (the log-softmax)"),
        gradient(grad, "differentiate in each logit $z_j$, checked entry by entry", wrt=zv,
                 lhs="\\nabla_z \\ell"),
        equal(textbook, "$\\partial \\ell / \\partial z_j = -y_j + p_j \\sum_k y_k = p_j - y_j$ "
              "because $\\sum_k y_k = 1$"),
    )
    return Derivation(
        id="softmax-cross-entropy-gradient",
        title="Gradient of the softmax cross-entropy",
        statement=r"For $p = \operatorname{softmax}(z)$ and labels $y$ with $\sum_k y_k = 1$, the gradient of "
        r"$-\sum_k y_k \log p_k$ in $z$ is $p - y$ "
        f"(derived at $K = {CLASSES}$ classes).",
        topic="softmax",
        assumptions=(),
        steps=steps,
        result=grad,
        claim=textbook,
        variables=(zv,),
        references=(GOODFELLOW, BISHOP + ", eq. 4.109"),
    )


def log_sum_exp_gradient() -> Derivation:
    """grad_z log sum_k exp(z_k) = softmax(z), at K = 3."""
    zv = logits()
    lse = sp.log(sp.Add(*[sp.exp(zv[j, 0]) for j in range(CLASSES)]))
    grad = _tidy(sp.ImmutableMatrix([sp.diff(lse, zv[j, 0]) for j in range(CLASSES)]))
    steps = (
        definition(lse, f"log-sum-exp of $K = {CLASSES}$ logits", lhs="\\operatorname{lse}(z)"),
        gradient(grad, "the chain rule: $\\partial / \\partial z_j \\log \\sum_k e^{z_k} = "
                 "e^{z_j} / \\sum_k e^{z_k}$, checked entry by entry", wrt=zv,
                 lhs="\\nabla_z \\operatorname{lse}"),
        equal(softmax(zv), "the softmax of $z$"),
    )
    return Derivation(
        id="log-sum-exp-gradient",
        title="Gradient of log-sum-exp",
        statement=r"The gradient of $\log \sum_k \exp(z_k)$ is $\operatorname{softmax}(z)$ "
        f"(derived at $K = {CLASSES}$).",
        topic="softmax",
        assumptions=(),
        steps=steps,
        result=grad,
        claim=softmax(zv),
        variables=(zv,),
        references=(GOODFELLOW,),
    )


# --- multinomial logistic regression ---------------------------------------------------------

n_, d_, K_ = sp.symbols("n d K", integer=True, positive=True)
i_, j_, k_ = sp.symbols("i j k", integer=True, nonnegative=True)


class RowSoftmax(MatrixExpr):
    """softmax applied to every row of a matrix: P_ik = exp(Z_ik) / sum_j exp(Z_ij)."""

    def __new__(cls, arg):
        return super().__new__(cls, arg)

    arg = property(lambda self: self.args[0])
    shape = property(lambda self: self.args[0].shape)

    def _entry(self, r, c, **kwargs):
        Z = self.arg
        cols = Z.shape[1]
        if not sp.sympify(cols, strict=True).is_Integer:
            return MatrixElement(self, r, c)
        return sp.exp(Z[r, c]) / sp.Add(*[sp.exp(Z[r, q]) for q in range(int(cols))])

    def _latex(self, printer):
        return rf"\operatorname{{softmax}}\left({printer._print(self.arg)}\right)"


class RowDistributions(MatrixExpr):
    """Labels whose rows sum to 1, from any U: Y_ik = U_ik^2 / sum_j U_ij^2 (printed Y)."""

    def __new__(cls, arg):
        return super().__new__(cls, arg)

    arg = property(lambda self: self.args[0])
    shape = property(lambda self: self.args[0].shape)

    def _entry(self, r, c, **kwargs):
        U = self.arg
        if not sp.sympify(U.shape[1], strict=True).is_Integer:
            return MatrixElement(self, r, c)
        return U[r, c] ** 2 / sp.Add(*[U[r, q] ** 2 for q in range(int(U.shape[1]))])

    def _latex(self, printer):
        return "Y"


def multinomial_symbols():
    Xm = sp.MatrixSymbol("X", n_, d_)
    W = sp.MatrixSymbol("W", d_, K_)
    Y = RowDistributions(sp.MatrixSymbol("U", n_, K_))
    return Xm, W, Y


def multinomial_loss():
    """-sum_i sum_k Y_ik ((X W)_ik - log sum_j exp((X W)_ij)), the log-softmax form."""
    Xm, W, Y = multinomial_symbols()
    Z = Xm * W
    lse = sp.log(sp.Sum(sp.exp(MatrixElement(Z, i_, j_)), (j_, 0, K_ - 1)))
    inner = sp.Sum(Y[i_, k_] * (MatrixElement(Z, i_, k_) - lse), (k_, 0, K_ - 1))
    return -sp.Sum(inner, (i_, 0, n_ - 1))


def multinomial_logistic_gradient() -> Derivation:
    """grad_W L = X^T (P - Y), P the row-wise softmax of X W."""
    Xm, W, Y = multinomial_symbols()
    loss = multinomial_loss()
    # the chain rule: dl_i/dz_i = p_i - y_i per sample (softmax-cross-entropy-gradient), and
    # z_i = W^T x_i, so dL/dW = sum_i x_i (p_i - y_i)^T = X^T (P - Y)
    grad = sp.MatMul(Xm.T, RowSoftmax(Xm * W) - Y)
    steps = (
        definition(loss, "the negative log-likelihood of $n$ samples with labels $Y$ (each row "
                   "a distribution: $Y_{ik} = U_{ik}^2 / \\sum_j U_{ij}^2$ for any $U$, so that the "
                   "checker draws rows that sum to 1) under $P = \\operatorname{softmax}(X W)$ row by row, written with the "
                   "log-softmax $\\log P_{ik} = (XW)_{ik} - \\log \\sum_j e^{(XW)_{ij}}$", lhs="L(W)"),
        gradient(grad, "the chain rule: per sample the gradient in the logits $z_i = W^\\top x_i$ "
                 "is $p_i - y_i$ (softmax-cross-entropy-gradient), so $\\nabla_W L = \\sum_i "
                 "x_i (p_i - y_i)^\\top = X^\\top (P - Y)$; checked entry by entry at "
                 f"$n \\in \\lbrace {', '.join(map(str, MULTINOMIAL_SIZES[n_]))} \\rbrace$, "
                 f"$d = {MULTINOMIAL_SIZES[d_][0]}$, $K \\in \\lbrace {', '.join(map(str, MULTINOMIAL_SIZES[K_]))} \\rbrace$",
                 wrt=W, lhs="\\nabla_W L"),
    )
    return Derivation(
        id="multinomial-logistic-gradient",
        title="Gradient of multinomial logistic regression",
        statement='For $P = \\operatorname{softmax}(X W)$ row by row and labels $Y$ whose rows sum to 1, the gradient of $-\\sum_{ik} Y_{ik} \\log P_{ik}$ in $W$ is $X^\\top (P - Y)$ (checked at concrete $n$, $d$, $K$).',
        topic="softmax",
        assumptions=(),
        steps=steps,
        result=grad,
        claim=Xm.T * (RowSoftmax(Xm * W) - Y),
        variables=(W,),
        references=(BISHOP + ", eq. 4.109",),
        sizes=MULTINOMIAL_SIZES,
    )


MULTINOMIAL_SIZES = {n_: (2, 3), d_: (2,), K_: (3, 2)}
