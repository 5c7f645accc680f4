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
    "gmm-m-step-means": {"r": POSITIVE},
    "gmm-m-step-variances": {"r": POSITIVE},
}
PAIRS = {"beta-bernoulli-posterior", "gamma-poisson-posterior", "normal-normal-posterior"}
EM_PARTS = ("gmm-responsibilities", "gmm-m-step-weights")  # one EM iteration from all four
HANDLED = set(STATEMENTS) | set(CHECKS) | {"kl-mvn"} | set(EM_PARTS)


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
        out = fn(**bound)
        if did in PAIRS:  # posterior parameters: a column (p1, p2) -> a tuple of floats
            return tuple(float(v) for v in np.ravel(out))
        return out

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
    if did in EM_PARTS:
        return em_step()
    fn = compile_expr(derivation.result, name=did.replace("-", "_"))
    return _validated(did, fn, CHECKS[did])


# --- one EM iteration for a one-dimensional Gaussian mixture -------------------------------


class EMStep:
    """One EM iteration from the derived updates: responsibilities (gmm-responsibilities),
    weights (gmm-m-step-weights), means and variances (gmm-m-step-means / -variances).

    `step(x, weights, means, variances)` returns the new (weights, means, variances);
    `responsibilities(...)` the n x K matrix r_nk = pi_k p_k / sum_j pi_j p_j, evaluated in
    logs (log pi_k + log p_k minus their log-sum-exp) so that no density underflows to 0/0.
    """

    def __init__(self, weight, mean, variance):
        self.weight, self.mean, self.variance = weight, mean, variance
        self.inputs = ("x", "weights", "means", "variances")
        self.source = "\n".join(["# one EM iteration: responsibilities in logs, then the derived updates",
                                  weight.source, mean.source, variance.source])

    @staticmethod
    def _check(x, weights, means, variances):
        x = np.asarray(x, dtype=float)
        w, m, v = (np.asarray(a, dtype=float).ravel() for a in (weights, means, variances))
        if x.ndim != 1 or x.size == 0 or not np.all(np.isfinite(x)):
            raise ValueError(f"em step: x must be a non-empty 1-D array of finite numbers; got shape {x.shape}")
        if not (w.shape == m.shape == v.shape) or w.size == 0:
            raise ValueError(f"em step: weights, means and variances need one entry per component; "
                             f"got {w.size}, {m.size}, {v.size}")
        if np.any(w <= 0) or abs(w.sum() - 1) > 1e-8:
            raise ValueError(f"em step: the weights must be positive and sum to 1; got {w}")
        if np.any(v <= 0) or not np.all(np.isfinite(v)) or not np.all(np.isfinite(m)):
            raise ValueError(f"em step: the variances must be finite and positive; got {v}")
        return x, w, m, v

    def responsibilities(self, x, weights, means, variances):
        x, w, m, v = self._check(x, weights, means, variances)
        from scipy.special import logsumexp

        log_joint = np.log(w) - 0.5 * np.log(2 * np.pi * v) - (x[:, None] - m) ** 2 / (2 * v)
        return np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True))

    def __call__(self, x, weights, means, variances):
        r = self.responsibilities(x, weights, means, variances)
        x = np.asarray(x, dtype=float)
        counts = r.sum(axis=0)
        if np.any(counts <= 0):
            raise ValueError("em step: a component has no responsibility left (N_k = 0); "
                             "re-initialise it")
        K = r.shape[1]
        new_w = np.array([self.weight(N_1=counts[c], N_rest=np.delete(counts, c)) if K > 1 else 1.0
                          for c in range(K)])
        new_m = np.array([self.mean(x=x, r=r[:, c]) for c in range(K)])
        new_v = np.array([self.variance(x=x, r=r[:, c], mu=new_m[c]) for c in range(K)])
        return new_w, new_m, new_v


def em_step() -> EMStep:
    from derive import catalog
    from derive.catalog.mixture import counts, k as comp

    weight = catalog.get("gmm-m-step-weights").result
    rest = sp.IndexedBase("N_rest", positive=True)
    K = next(s for s in weight.free_symbols if getattr(s, "name", None) == "K")
    # re-index the other components' counts k = 2..K as N_rest[1..K-1] (a bound variable)
    weight = weight.replace(lambda e: isinstance(e, sp.Sum),
                            lambda e: sp.Sum(rest[comp], (comp, 1, K)))
    return EMStep(
        compile_expr(weight, name="gmm_weight"),
        compile_expr(catalog.get("gmm-m-step-means").result, name="gmm_mean"),
        compile_expr(catalog.get("gmm-m-step-variances").result, name="gmm_variance"),
    )
