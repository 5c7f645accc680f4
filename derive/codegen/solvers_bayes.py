"""Solvers for the expectation, Fisher, KL and conjugacy results, with their inputs validated.

Closed forms are compiled from the derivation's result by the printer (`compile_expr`) and
wrapped with checks on the inputs (a variance must be positive, a probability in (0, 1), an
outcome 0 or 1, a count a non-negative integer), so a bad input raises a ValueError that says
what was expected and what came in, instead of returning NaN. The multivariate KL holds traces
and log-determinants the printer cannot spell; its solver evaluates the derived result's tree
with numpy (Cholesky solves, `slogdet`), node by node.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from derive.codegen import NoNumericMeaning, compile_expr

STATEMENTS = {
    "sample-mean-unbiased": "it states that E[xbar] = mu (an identity between expectations)",
    "bias-variance-decomposition": "it decomposes the error of an unspecified estimator T(x)",
    "kl-bernoulli-nonnegative": "it states an inequality, KL >= 0 with equality at q = p",
}

# input name -> the check it needs, per derivation (names as the printer spells them)
POSITIVE, UNIT, BINARY, COUNTS, MATRIX = "positive", "unit", "binary", "counts", "matrix"
CHECKS: dict[str, dict[str, str]] = {
    "sample-mean-variance": {"sigma": POSITIVE, "n": POSITIVE},
    "mle-variance-biased": {"sigma": POSITIVE, "n": POSITIVE},
    "sample-variance-unbiased": {"sigma": POSITIVE},
    "fisher-gaussian-mean": {"sigma_sq": POSITIVE},
    "fisher-gaussian-variance": {"sigma_sq": POSITIVE},
    "fisher-gaussian-cross": {},
    "fisher-bernoulli": {"p": UNIT},
    "fisher-poisson": {"lam": POSITIVE},
    "fisher-exponential": {"lam": POSITIVE},
    "cramer-rao-sample-mean": {"n": POSITIVE, "sigma_sq": POSITIVE},
    "kl-gaussian": {"sigma_1": POSITIVE, "sigma_2": POSITIVE},
    "kl-vae": {"sigma_1": POSITIVE},
    "kl-bernoulli": {"p": UNIT, "q": UNIT},
    "beta-bernoulli-posterior": {"x": BINARY, "a": POSITIVE, "b": POSITIVE},
    "beta-posterior-mean": {"a_N": POSITIVE, "b_N": POSITIVE},
    "beta-posterior-mode": {"a_N": POSITIVE, "b_N": POSITIVE},
    "gamma-poisson-posterior": {"x": COUNTS, "alpha": POSITIVE, "beta": POSITIVE},
    "normal-normal-posterior": {"sigma": POSITIVE, "tau_0": POSITIVE},
    "bayesian-linear-regression": {"X": MATRIX, "sigma": POSITIVE, "tau": POSITIVE},
}
HANDLED = set(STATEMENTS) | set(CHECKS) | {"kl-mvn"}


def _fail(did, name, expected, value):
    shown = np.array2string(np.asarray(value), threshold=6) if np.ndim(value) else repr(value)
    return ValueError(f"{did}: {name} must be {expected}; got {shown}")


def _check(did, name, kind, value):
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{did}: {name} must be real numbers; got {arr.dtype} ({value!r:.60})")
    arr = arr.astype(float)
    if not np.all(np.isfinite(arr)):
        raise _fail(did, name, "finite (no NaN or infinity)", value)
    if kind == POSITIVE and not np.all(arr > 0):
        raise _fail(did, name, "positive", value)
    if kind == UNIT and not np.all((arr > 0) & (arr < 1)):
        raise _fail(did, name, "a probability strictly between 0 and 1", value)
    if kind == BINARY and (arr.ndim != 1 or arr.size == 0 or not np.all((arr == 0) | (arr == 1))):
        raise _fail(did, name, "a non-empty 1-D array of 0/1 outcomes", value)
    if kind == COUNTS and (arr.ndim != 1 or arr.size == 0 or not np.all((arr >= 0) & (arr == np.round(arr)))):
        raise _fail(did, name, "a non-empty 1-D array of non-negative integer counts", value)
    if kind == MATRIX and (arr.ndim != 2 or arr.size == 0):
        raise _fail(did, name, "a non-empty 2-D array (n samples x d features)", value)


def _validated(did, fn, checks):
    def solver(*args, **kwargs):
        if len(args) > len(fn.inputs):
            raise TypeError(f"{did}: expected at most {len(fn.inputs)} arguments ({', '.join(fn.inputs)})")
        bound = dict(zip(fn.inputs, args))
        bound.update(kwargs)
        missing = [a for a in fn.inputs if a not in bound]
        if missing:
            raise TypeError(f"{did}: missing argument(s) {', '.join(missing)}; expected {', '.join(fn.inputs)}")
        for name, kind in checks.items():
            if name in bound:
                _check(did, name, kind, bound[name])
        return fn(**bound)

    solver.inputs, solver.source, solver.expr = fn.inputs, fn.source, fn.expr
    solver.__doc__ = fn.__doc__
    return solver


# --- the multivariate KL: the derived tree evaluated with numpy ----------------------------


class _Tree:
    """Evaluate a matrix/scalar SymPy tree with numpy for given matrix and scalar values."""

    def __init__(self, values):
        self.values = values  # name -> ndarray or float

    def __call__(self, e):
        if isinstance(e, (sp.MatrixSymbol, sp.Symbol)):
            return self.values[e.name]
        if e.is_Number:
            return float(e)
        if isinstance(e, sp.Identity):
            return np.eye(int(self(e.shape[0])))
        if isinstance(e, sp.MatMul):  # before Mul: MatMul subclasses it
            return self._product(e.args)
        if isinstance(e, (sp.Add, sp.MatAdd)):
            return sum(self(a) for a in e.args)
        if isinstance(e, sp.Mul):
            out = 1.0
            for a in e.args:
                out = out * self(a)
            return out
        if isinstance(e, sp.Pow):
            return self(e.base) ** self(e.exp)
        if isinstance(e, sp.Transpose):
            return np.swapaxes(np.atleast_2d(self(e.arg)), -1, -2)
        if isinstance(e, sp.Trace):
            return float(np.trace(np.atleast_2d(self(e.arg))))
        if isinstance(e, sp.log) and isinstance(e.args[0], sp.Determinant):
            sign, logdet = np.linalg.slogdet(self(e.args[0].arg))
            if sign <= 0:
                raise ValueError("a covariance must be positive definite (its determinant is not positive)")
            return logdet
        raise NotImplementedError(f"no numpy evaluation for {type(e).__name__}: {e}")

    def _product(self, factors):
        out = None
        for f in reversed(factors):  # right to left: A^-1 B -> solve(A, B)
            if isinstance(f, sp.Inverse):
                A = self(f.arg)
                out = np.linalg.inv(A) if out is None else _spd_solve(A, out)
            else:
                v = self(f)
                out = v if out is None else v @ out if np.ndim(v) else v * out
        return out


def _spd_solve(A, B):
    from scipy.linalg import cho_factor, cho_solve

    return cho_solve(cho_factor(A), B)


def _kl_mvn(derivation):
    expr = derivation.result

    def kl_mvn(mu_1, Sigma_1, mu_2, Sigma_2):
        """KL(N(mu_1, Sigma_1) || N(mu_2, Sigma_2)) from the derived result."""
        m1, m2 = (np.asarray(m, dtype=float).reshape(-1, 1) for m in (mu_1, mu_2))
        S1, S2 = np.asarray(Sigma_1, dtype=float), np.asarray(Sigma_2, dtype=float)
        k = m1.shape[0]
        for name, S in (("Sigma_1", S1), ("Sigma_2", S2)):
            if S.shape != (k, k):
                raise ValueError(f"kl-mvn: {name} must be {k} x {k} (the means have {k} entries); got shape {S.shape}")
            if not np.allclose(S, S.T):
                raise ValueError(f"kl-mvn: {name} must be symmetric")
            if not np.all(np.isfinite(S)) or np.linalg.eigvalsh(S)[0] <= 0:
                raise ValueError(f"kl-mvn: {name} must be positive definite (smallest eigenvalue > 0)")
        if m2.shape[0] != k:
            raise ValueError(f"kl-mvn: mu_2 has {m2.shape[0]} entries but mu_1 has {k}")
        tree = _Tree({"mu_1": m1, "mu_2": m2, "Sigma_1": S1, "Sigma_2": S2, "k": float(k)})
        return float(np.squeeze(tree(expr)))

    kl_mvn.inputs = ("mu_1", "Sigma_1", "mu_2", "Sigma_2")
    kl_mvn.expr = expr
    kl_mvn.source = f"# numpy evaluation of the derived tree:\n# {expr}"
    return kl_mvn


def solver_for(derivation, **options):
    did = derivation.id
    if did in STATEMENTS:
        raise NoNumericMeaning(
            f"derivation {did!r} has no numeric solver: {STATEMENTS[did]}. Its result is checked "
            "(derivation.check()) and rendered (derivation.latex()); nothing is left to compute."
        )
    if options:
        raise TypeError(f"{did!r} takes no solver options; got {', '.join(sorted(options))}")
    if did == "kl-mvn":
        return _kl_mvn(derivation)
    fn = compile_expr(derivation.result, name=did.replace("-", "_"))
    return _validated(did, fn, CHECKS[did])
