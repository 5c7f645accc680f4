"""The bad inputs both sides must refuse: one table, read by `numeric`'s and the solvers' tests.

Each `Case` is a call of a `numeric` function with one bad argument, the error class it must
raise (a name that `numeric` and `derive.codegen.validate` both define, or a built-in), and a
fragment of the message. `targets` are the generated solvers that compute the same thing, with
the same bad argument translated to their calling convention; `derive_fragment` /
`derive_error` say where the solver's message or class differs, and `accepted` where a solver
accepts the input on purpose (the test then checks it computes what the good input gives).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 2.0], [2.0, 1.0]])
Y = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
V = np.array([0.5, 1.5, 2.0, 3.0])  # a generic positive 1-D sample
B = np.array([0, 1, 1, 0])  # a Bernoulli sample
X_DUP = np.column_stack([X, X[:, 0] + X[:, 1]])  # third column = first + second
X_ZERO = np.column_stack([X, np.zeros(5)])

#: accepted on purpose: a (k, 1) column is the column vector the derivation's y (or x) is
COLUMN = "a (k, 1) column is the derivation's column vector; it is read as shape (k,)"


@dataclass(frozen=True)
class Target:
    """A generated solver and how a numeric call's arguments map to it."""

    derivation: str
    part: str | None = None
    method: str = "call"  # or "iterate"
    translate: object = None  # numeric kwargs -> solver kwargs (None: the same names)

    def call(self, solver, kwargs):
        kw = dict(kwargs) if self.translate is None else self.translate(dict(kwargs))
        if self.method == "iterate":
            return solver.iterate(kw.pop("x0"), kw.pop("n_iter"), **kw)
        return solver(**kw)

    @property
    def label(self) -> str:
        return self.derivation + (f"[{self.part}]" if self.part else "")


@dataclass(frozen=True)
class Case:
    id: str
    function: str  # the numeric function's name
    kwargs: dict
    error: str  # class name
    fragment: str
    good: dict = field(default_factory=dict)  # the good kwargs this case was made from
    targets: tuple = None  # None: the function's default targets
    derive_error: str | None = None
    derive_fragment: str | None = None
    accepted: str = ""


def _residuals(name):
    """gaussian_nll(residuals, sigma) is the NLL of y = residuals given predictions f = 0."""

    def translate(kw):
        r = kw["residuals"]
        return {"y": r, "f": np.zeros(np.shape(r)) if np.ndim(r) else 0.0, name: kw[name]}

    return translate


def _gd_ls(kw):
    theta0 = kw.get("theta0")
    return {"x0": np.zeros(2) if theta0 is None else theta0, "n_iter": kw["n_iter"],
            "X": kw["X"], "y": kw["y"], "eta": kw["eta"]}


def _gd(kw):
    return {"x0": kw["x0"], "n_iter": kw["n_iter"], "eta": kw["eta"]}


def _lasso(kw):
    return {k: a for k, a in kw.items() if k != "polish"}


def _transpose_X(kw):
    a = kw["X"]
    try:
        D = np.transpose(np.asarray(a))
    except Exception:
        D = a
    return {"D": D}


#: numeric function -> (good kwargs, array arguments, generated counterparts)
FUNCTIONS = {
    "ols": ({"X": X, "y": Y}, ["X", "y"], (Target("normal-equations"),)),
    "ridge": ({"X": X, "y": Y, "lam": 1.0}, ["X", "y"], (Target("ridge-solution"),)),
    "lasso": ({"X": X, "y": Y, "lam": 1.0}, ["X", "y"],
              (Target("map-laplace-prior-lasso", translate=_lasso),)),
    "lad": ({"X": X, "y": Y}, ["X", "y"], (Target("laplace-nll-mae", "lad"),)),
    "mse": ({"y": Y, "yhat": Y}, ["y", "yhat"],
            (Target("gaussian-nll-mse", translate=lambda kw: {"y": kw["y"], "f": kw["yhat"]}),)),
    "mae": ({"y": Y, "yhat": Y}, ["y", "yhat"],
            (Target("laplace-nll-mae", translate=lambda kw: {"y": kw["y"], "f": kw["yhat"]}),)),
    "gaussian_nll": ({"residuals": Y, "sigma": 1.0}, ["residuals"],
                     (Target("gaussian-nll-mse", "nll", translate=_residuals("sigma")),)),
    "laplace_nll": ({"residuals": Y, "b": 1.0}, ["residuals"],
                    (Target("laplace-nll-mae", "nll", translate=_residuals("b")),)),
    # the generated cross-entropy takes logits: the probability form has no counterpart
    "binary_cross_entropy": ({"y": B, "p": B / 2 + 0.2}, ["y", "p"], ()),
    "binary_cross_entropy_with_logits": ({"y": B, "z": V}, ["y", "z"],
                                         (Target("bernoulli-nll-bce"),)),
    "gaussian_mle": ({"x": V}, ["x"], (Target("gaussian-mle-mean"), Target("gaussian-mle-variance"))),
    "mvn_mle": ({"X": X}, ["X"], (Target("mvn-mle-mean", translate=_transpose_X),
                                  Target("mvn-mle-covariance", translate=_transpose_X))),
    "bernoulli_mle": ({"x": B}, ["x"], (Target("bernoulli-mle"),)),
    "laplace_mle": ({"x": V}, ["x"], (Target("laplace-mle"),)),
    "poisson_mle": ({"x": B}, ["x"], (Target("poisson-mle"),)),
    "exponential_mle": ({"x": V}, ["x"], (Target("exponential-mle"),)),
    "gd_least_squares": ({"X": X, "y": Y, "eta": 0.01, "n_iter": 3}, ["X", "y"],
                         (Target("gd-update-mse", method="iterate", translate=_gd_ls),)),
    # the generated descent derives its gradient: only x0, eta and n_iter have a counterpart
    "gradient_descent": ({"grad": None, "x0": [1.0], "eta": 0.1, "n_iter": 3}, [],
                         (Target("gd-x-squared", method="iterate", translate=_gd),)),
}


def _with(value, index, a):
    out = np.array(a, dtype=object if value is None else float)
    out.flat[index] = value
    return out


def _wrong_ndim(a):
    a = np.asarray(a)
    return a[:, 0] if a.ndim == 2 else a[:, None]


BAD_ARRAYS = [
    # suffix, transform, error, message fragment
    ("nan", lambda a: _with(np.nan, 1, a), "NonFiniteError", "1 NaN and 0 infinite"),
    ("inf", lambda a: _with(np.inf, 1, a), "NonFiniteError", "0 NaN and 1 infinite"),
    ("strings", lambda a: np.asarray(a).astype(str), "DTypeError", "got an array of strings"),
    ("none", lambda a: _with(None, 0, a), "DTypeError", "Python objects"),
    ("complex", lambda a: np.asarray(a) + 1j, "DTypeError", "complex numbers"),
    ("empty", lambda a: np.asarray(a)[:0], "EmptyInputError", "must have at least 1"),
    ("wrong-ndim", _wrong_ndim, "ShapeError", "-D array of shape"),
    ("scalar", lambda a: 3.0, "ShapeError", "got a scalar"),
]


def _array_cases():
    for name, (good, array_args, _) in FUNCTIONS.items():
        for arg in array_args:
            for suffix, transform, error, fragment in BAD_ARRAYS:
                bad = transform(good[arg])
                accepted = COLUMN if suffix == "wrong-ndim" and np.ndim(good[arg]) == 1 else ""
                derive_fragment = None
                if suffix == "wrong-ndim" and name == "mvn_mle":
                    derive_fragment = "reshape(-1, 1)"
                yield Case(f"{name}-{suffix}-{arg}", name, {**good, arg: bad}, error, fragment,
                           good=good, accepted=accepted, derive_fragment=derive_fragment)
        if len(array_args) == 2:  # a pair that must have matching lengths
            first, second = array_args
            yield Case(f"{name}-mismatched-{first}-{second}", name,
                       {**good, second: np.asarray(good[second])[:-1]}, "ShapeError",
                       "must have the same number of rows", good=good)


def _c(id, function, kwargs, error, fragment, **kw):
    good = FUNCTIONS[function][0]
    return Case(id, function, {**good, **kwargs}, error, fragment, good=good, **kw)


NONE = ()  # no generated counterpart for this row
_GD_ONLY = "the generated descent derives its gradient; there is no grad argument"

SPECIFIC = [
    # least squares
    _c("ols-collinear-columns", "ols", {"X": X_DUP}, "RankDeficientError", "numerical rank 2 < d = 3"),
    _c("ols-collinear-suggests-fallback", "ols", {"X": X_DUP}, "RankDeficientError", "fallback='lstsq'"),
    _c("ols-zero-column", "ols", {"X": X_ZERO}, "RankDeficientError", "column(s) [2] are entirely zero"),
    _c("ols-n-less-than-d", "ols", {"X": X[:1], "y": Y[:1]}, "TooFewRowsError",
       "got n = 1 rows and d = 2 columns", derive_error="RankDeficientError",
       derive_fragment="n = 1 rows and d = 2 columns"),
    _c("ols-unknown-fallback", "ols", {"fallback": "qr"}, "ValueError",
       "fallback must be None or 'lstsq'", derive_fragment="fallback must be one of None, 'lstsq'"),
    _c("ridge-negative-lam", "ridge", {"lam": -1.0}, "ParameterError", "lam must be >= 0; got lam=-1"),
    _c("ridge-nan-lam", "ridge", {"lam": float("nan")}, "NonFiniteError", "lam must be a finite number"),
    _c("ridge-string-lam", "ridge", {"lam": "1.0"}, "DTypeError", "lam must be a real number"),
    _c("ridge-bool-lam", "ridge", {"lam": True}, "DTypeError", "lam must be a real number"),
    _c("ridge-zero-lam-collinear", "ridge", {"X": X_DUP, "lam": 0.0}, "RankDeficientError",
       "numerical rank 2 < d = 3"),
    _c("lasso-negative-lam", "lasso", {"lam": -0.5}, "ParameterError", "lam must be >= 0"),
    _c("lasso-inf-lam", "lasso", {"lam": float("inf")}, "NonFiniteError", "lam must be a finite number"),
    _c("lasso-zero-tol", "lasso", {"tol": 0.0}, "ParameterError", "tol must be > 0"),
    _c("lasso-zero-max-iter", "lasso", {"max_iter": 0}, "ParameterError", "max_iter must be >= 1"),
    _c("lasso-float-max-iter", "lasso", {"max_iter": 10.5}, "DTypeError", "max_iter must be an integer"),
    _c("lasso-zero-lam-collinear", "lasso", {"X": X_DUP, "lam": 0.0}, "RankDeficientError",
       "numerical rank 2"),
    # losses
    _c("gaussian_nll-zero-sigma", "gaussian_nll", {"sigma": 0.0}, "ParameterError", "sigma must be > 0"),
    _c("gaussian_nll-negative-sigma", "gaussian_nll", {"sigma": -2.0}, "ParameterError", "sigma must be > 0"),
    _c("laplace_nll-zero-b", "laplace_nll", {"b": 0.0}, "ParameterError", "b must be > 0"),
    _c("laplace_nll-nan-b", "laplace_nll", {"b": float("nan")}, "NonFiniteError", "b must be a finite number"),
    _c("binary_cross_entropy-p-above-one", "binary_cross_entropy", {"p": [0.1, 0.2, 1.5, 0.3]},
       "SupportError", "p[2] = 1.5"),
    _c("binary_cross_entropy-negative-p", "binary_cross_entropy", {"p": [0.1, -0.2, 0.5, 0.3]},
       "SupportError", "binary_cross_entropy_with_logits"),
    _c("binary_cross_entropy-label-2", "binary_cross_entropy", {"y": [0, 2, 1, 0], "p": V / 4},
       "SupportError", "y[1] = 2"),
    _c("binary_cross_entropy-bad-reduction", "binary_cross_entropy", {"p": V / 4, "reduction": "max"},
       "ValueError", "reduction must be 'mean' or 'sum'"),
    _c("binary_cross_entropy_with_logits-label-minus-1", "binary_cross_entropy_with_logits",
       {"y": [-1, 0, 1, 0]}, "SupportError", "y[0] = -1"),
    _c("mse-overflow", "mse", {"y": [1e200, 0.0], "yhat": [-1e200, 0.0]}, "NonFiniteError", "overflowed"),
    # estimators
    _c("bernoulli_mle-contains-2", "bernoulli_mle", {"x": [0, 1, 2, 1]}, "SupportError", "x[2] = 2"),
    _c("bernoulli_mle-contains-half", "bernoulli_mle", {"x": [0, 0.5, 1]}, "SupportError", "support {0, 1}"),
    _c("poisson_mle-negative-count", "poisson_mle", {"x": [1, -1, 3]}, "SupportError", "x[1] = -1"),
    _c("poisson_mle-non-integer-count", "poisson_mle", {"x": [1, 2.5, 3]}, "SupportError",
       "non-negative integer counts"),
    _c("exponential_mle-zero", "exponential_mle", {"x": [1.0, 0.0, 2.0]}, "SupportError", "x[1] = 0"),
    _c("exponential_mle-negative", "exponential_mle", {"x": [1.0, -3.0]}, "SupportError", "support (0, inf)"),
    # the mean of [1e300, -1e300] is 0, exactly: only the variance overflows
    _c("gaussian_mle-overflow", "gaussian_mle", {"x": [1e300, -1e300]}, "NonFiniteError", "overflowed",
       targets=(Target("gaussian-mle-variance"),)),
    _c("mvn_mle-1d-sample", "mvn_mle", {"X": V}, "ShapeError", "x.reshape(-1, 1)",
       derive_fragment="reshape(-1, 1)"),
    # descent
    _c("gradient_descent-grad-not-callable", "gradient_descent", {"grad": "2*x"}, "DTypeError",
       "grad must be a callable", targets=NONE),
    _c("gradient_descent-loss-not-callable", "gradient_descent", {"loss": 4.0}, "DTypeError",
       "loss must be a callable", targets=NONE),
    _c("gradient_descent-zero-eta", "gradient_descent", {"eta": 0.0}, "ParameterError", "eta must be > 0"),
    _c("gradient_descent-negative-eta", "gradient_descent", {"eta": -0.1}, "ParameterError", "eta must be > 0"),
    _c("gradient_descent-negative-n-iter", "gradient_descent", {"n_iter": -1}, "ParameterError",
       "n_iter must be >= 0"),
    _c("gradient_descent-float-n-iter", "gradient_descent", {"n_iter": 2.0}, "DTypeError",
       "n_iter must be an integer"),
    _c("gradient_descent-2d-x0", "gradient_descent", {"x0": [[1.0]]}, "ShapeError",
       "x0 must be a scalar or a 1-D array",
       accepted="f(x) = x^2 is applied entry by entry: any array of points is a batch of starts"),
    _c("gradient_descent-nan-x0", "gradient_descent", {"x0": [np.nan]}, "NonFiniteError",
       "x0 must contain only finite numbers"),
    _c("gradient_descent-empty-x0", "gradient_descent", {"x0": []}, "EmptyInputError",
       "x0 must have at least 1"),
    _c("gradient_descent-grad-wrong-shape", "gradient_descent", {"grad": "wrong-shape"}, "ShapeError",
       "grad must return a vector of shape (1,)", targets=NONE),
    _c("gradient_descent-grad-returns-string", "gradient_descent", {"grad": "string"}, "DTypeError",
       "grad must return real numbers", targets=NONE),
    _c("gradient_descent-grad-returns-nan", "gradient_descent", {"grad": "nan"}, "DivergenceError",
       "became NaN or infinite at step 1", targets=NONE),
    _c("gd_least_squares-theta0-wrong-length", "gd_least_squares", {"theta0": [0.0]}, "ShapeError",
       "theta0 must have one entry per column of X (d = 2)",
       derive_fragment="x0 has 1 along axis 0 but X has 2 along axis 1"),
    _c("gd_least_squares-zero-eta", "gd_least_squares", {"eta": 0.0}, "ParameterError", "eta must be > 0"),
    _c("gd_least_squares-inf-theta0", "gd_least_squares", {"theta0": [np.inf, 0.0]}, "NonFiniteError",
       "theta0 must contain only finite numbers",
       derive_fragment="x0 must contain only finite numbers"),
]


def _grad_for(kind):
    if kind is None or callable(kind):
        return kind or (lambda x: 2 * x)
    return {
        "wrong-shape": lambda x: [1.0, 2.0],
        "string": lambda x: "up",
        "nan": lambda x: x * np.nan,
    }.get(kind, kind)  # "2*x": a string, not callable


def numeric_kwargs(case: Case) -> dict:
    """The keyword arguments of the numeric call (gradient_descent gets a real callable)."""
    kw = dict(case.kwargs)
    if case.function == "gradient_descent":
        kw["grad"] = _grad_for(kw.get("grad"))
    return kw


CASES = list(_array_cases()) + SPECIFIC


def targets_of(case: Case) -> tuple:
    return FUNCTIONS[case.function][2] if case.targets is None else case.targets
