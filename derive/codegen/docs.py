"""What each generated solver's docstring says, and what the catalogue does not say about its inputs.

`DOCS[(derivation id, part)]` holds the summary, the return value, the scikit-learn / scipy /
numpy equivalent, the method and per-parameter notes. `params` entries are `Param` fields:
`doc` (the meaning), and where the catalogue lacks an assumption the solver needs, the
requirement itself (each such entry says so in `source`). A solver without an entry still
gets a docstring from its expression and assumptions.
"""

from __future__ import annotations

_X = {"doc": "The design matrix, one sample per row."}
_Y = {"doc": "The targets, one per row of X."}
_LAM_LS = {
    "doc": "The penalty weight.",
    "low": 0.0,
    "strict": False,
    "source": "the derivation assumes lambda > 0; lam = 0 is least squares, which then needs "
    "full column rank",
    "why": "The penalty weight cannot be negative.",
}
_INTERCEPT_CENTRE = (
    "fit_intercept=True fits y ~ X w + b with b unpenalised, by centring (derived): minimising "
    "over b first gives b = ybar - xbar^T w, and substituting it leaves the same problem on the "
    "centred X - 1 xbar^T and y - ybar 1; the solver runs on those (a copy of X) and returns "
    "LinearFit(coef, intercept). Centring rather than a column of ones keeps the intercept out "
    "of the penalty, as scikit-learn does, and keeps the Gram matrix well conditioned when the "
    "columns have large means."
)
_FALLBACK = (
    "fallback=None requires full column rank (RankDeficientError otherwise, naming the rank "
    "and the columns involved); fallback='lstsq' returns the minimum-norm least-squares "
    "solution instead (LAPACK gelsd, numpy.linalg.lstsq's rcond)."
)

DOCS: dict = {
    ("linear-form-gradient", None): dict(
        summary="The gradient of b^T t with respect to t: b (a fresh copy).",
        returns="ndarray of shape (d,)",
        equivalent="numpy: b.copy()",
    ),
    ("quadratic-form-gradient", None): dict(
        summary="The gradient of t^T A t with respect to t: (A + A^T) t.",
        returns="ndarray of shape (d,)",
        equivalent="numpy: (A + A.T) @ t",
    ),
    ("quadratic-form-hessian", None): dict(
        summary="The Hessian of t^T A t: A + A^T.",
        returns="ndarray of shape (d, d)",
        equivalent="numpy: A + A.T",
    ),
    ("mse-expansion", None): dict(
        summary="The mean squared error (1/n) ||X t - y||^2, from its expanded form.",
        returns="float",
        equivalent="sklearn.metrics.mean_squared_error(y, X @ t)",
        params={"X": _X, "y": _Y, "t": {"doc": "The parameter vector."}},
    ),
    ("mse-gradient", None): dict(
        summary="The gradient of the MSE (1/n) ||X t - y||^2: (2/n) X^T (X t - y).",
        returns="ndarray of shape (d,)",
        equivalent="numpy: (2 / n) * X.T @ (X @ t - y)",
        params={"X": _X, "y": _Y, "t": {"doc": "The parameter vector."}},
    ),
    ("normal-equations", None): dict(
        summary="The least-squares coefficients w = (X^T X)^{-1} X^T y, minimising ||y - X w||^2.",
        returns="ndarray w of shape (d,); LinearFit(coef, intercept) with fit_intercept=True.",
        equivalent="sklearn.linear_model.LinearRegression(fit_intercept=False).fit(X, y).coef_ "
        "(fit_intercept=True: LinearRegression() with coef_ and intercept_)",
        method="X^T X and X^T y in one pass over X, then a Cholesky solve of the equilibrated "
        "normal equations; above cond_limit (default 1e6) QR least squares on X with an "
        "IllConditionedWarning. " + _FALLBACK + " " + _INTERCEPT_CENTRE,
        params={"X": {"doc": "The design matrix, one sample per row; full column rank (the "
                      "derivation assumes it)."}, "y": _Y},
    ),
    ("mse-hessian", None): dict(
        summary="The Hessian of the MSE: (2/n) X^T X.",
        returns="ndarray of shape (d, d)",
        equivalent="numpy: (2 / n) * X.T @ X",
        params={"X": _X},
    ),
    ("ridge-solution", None): dict(
        summary="The ridge coefficients w = (X^T X + lam I)^{-1} X^T y, minimising "
        "||y - X w||^2 + lam ||w||^2.",
        returns="ndarray w of shape (d,); LinearFit(coef, intercept) with fit_intercept=True.",
        equivalent="sklearn.linear_model.Ridge(alpha=lam, fit_intercept=False).fit(X, y).coef_ "
        "(fit_intercept=True: Ridge(alpha=lam), intercept unpenalised)",
        method="One pass over X for X^T X and X^T y, a Cholesky solve of X^T X + lam I; "
        "ill-conditioned systems fall back to QR on [X; sqrt(lam) I]. At lam = 0: "
        + _FALLBACK + " " + _INTERCEPT_CENTRE,
        params={"X": _X, "y": _Y, "lam": _LAM_LS},
    ),
    ("map-gaussian-prior-ridge", None): dict(
        summary="The MAP weights under a Gaussian prior N(0, tau^2 I) and noise N(0, sigma^2): "
        "ridge with lam = sigma^2 / tau^2.",
        returns="ndarray w of shape (d,); LinearFit(coef, intercept) with fit_intercept=True.",
        equivalent="sklearn.linear_model.Ridge(alpha=sigma**2 / tau**2, fit_intercept=False)",
        method="As ridge-solution. " + _INTERCEPT_CENTRE,
        params={"X": _X, "y": _Y, "sigma": {"doc": "The noise scale."},
                "tau": {"doc": "The prior scale."}},
    ),
    ("newton-step", None): dict(
        summary="The Newton step h = -H^{-1} g of the quadratic model g^T h + h^T H h / 2.",
        returns="ndarray of shape (d,)",
        equivalent="scipy.linalg.solve(H, -g, assume_a='pos')",
        params={"H": {"doc": "The Hessian; symmetric positive definite (the derivation assumes "
                      "it: a Cholesky failure raises NotPositiveDefiniteError)."},
                "g": {"doc": "The gradient."}},
    ),
    ("gaussian-nll-mse", None): dict(
        summary="The mean squared error (1/n) sum (y_i - f_i)^2, what the Gaussian negative "
        "log-likelihood reduces to.",
        returns="float",
        equivalent="sklearn.metrics.mean_squared_error(y, f)",
        params={"y": {"doc": "The observations."}, "f": {"doc": "The predictions."}},
    ),
    ("gaussian-nll-mse", "nll"): dict(
        summary="The Gaussian negative log-likelihood of y given predictions f and scale sigma.",
        returns="float",
        equivalent="-scipy.stats.norm.logpdf(y, loc=f, scale=sigma).sum()",
    ),
    ("laplace-nll-mae", None): dict(
        summary="The mean absolute error (1/n) sum |y_i - f_i|, what the Laplace negative "
        "log-likelihood reduces to.",
        returns="float",
        equivalent="sklearn.metrics.mean_absolute_error(y, f)",
        params={"y": {"doc": "The observations."}, "f": {"doc": "The predictions."}},
    ),
    ("laplace-nll-mae", "nll"): dict(
        summary="The Laplace negative log-likelihood of y given predictions f and scale b.",
        returns="float",
        equivalent="-scipy.stats.laplace.logpdf(y, loc=f, scale=b).sum()",
    ),
    ("laplace-nll-mae", "lad"): dict(
        summary="Least absolute deviations: a w minimising sum_i |y_i - x_i^T w|, the Laplace "
        "likelihood's maximiser.",
        returns="ndarray w of shape (d,); LADInfo(coef, objective, n_iter, certified) with "
        "return_info=True; LinearFit(coef, intercept, info) with fit_intercept=True.",
        equivalent="sklearn.linear_model.QuantileRegressor(quantile=0.5, alpha=0, "
        "fit_intercept=False, solver='highs').fit(X, y).coef_",
        method="IRLS from the derived majoriser weight 1 / (2|r|), finished at a vertex with a "
        "dual certificate. Rank-deficient X (LAD minimisers then form a set): the problem is "
        "solved on a maximal set of independent columns (pivoted QR) and the other "
        "coefficients are 0, which reaches the same optimal objective. fit_intercept=True "
        "appends a column of ones (the augmented design): the L1 objective does not separate "
        "the intercept from w as the squared loss does, so centring would not be exact.",
        params={"X": _X, "y": _Y},
    ),
    ("bernoulli-nll-bce", None): dict(
        summary="The mean binary cross-entropy of labels y given logits z (stable log-sigmoid).",
        returns="float",
        equivalent="sklearn.metrics.log_loss(y, scipy.special.expit(z)); "
        "torch.nn.functional.binary_cross_entropy_with_logits",
        # not an assumption of the catalogue's derivation: what a label of a Bernoulli model is
        params={"y": {"doc": "The labels.", "support": "unit",
                      "source": "labels are Bernoulli outcomes or probabilities"},
                "z": {"doc": "The logits."}},
    ),
    ("bernoulli-nll-bce", "gradient"): dict(
        summary="The gradient of the binary cross-entropy in the logits: sigmoid(z) - y.",
        returns="ndarray of shape (n,)",
        params={"y": {"doc": "The labels.", "support": "unit",
                      "source": "labels are Bernoulli outcomes"}},
    ),
    ("gaussian-mle-mean", None): dict(
        summary="The maximum-likelihood mean of a Gaussian sample: (1/n) sum x_i.",
        returns="float",
        equivalent="numpy.mean(x); scipy.stats.norm.fit(x)[0]",
        params={"x": {"doc": "The sample."}},
    ),
    ("gaussian-mle-variance", None): dict(
        summary="The maximum-likelihood variance of a Gaussian sample: (1/n) sum (x_i - mu)^2, "
        "with mu the sample mean (the joint MLE) unless a known mean is given.",
        returns="float",
        equivalent="numpy.var(x) (ddof=0); scipy.stats.norm.fit(x)[1] ** 2; with a known mean "
        "mu: numpy.mean((x - mu) ** 2)",
        method="mu=None plugs the mean's MLE (gaussian-mle-mean) into the variance formula: "
        "the joint maximiser of the likelihood in (mu, sigma^2). Two passes (mean, then squared "
        "deviations): no cancellation.",
        params={"x": {"doc": "The sample."},
                "mu": {"doc": "The known mean; None (default) estimates it (the joint MLE)."}},
    ),
    ("mvn-mle-mean", None): dict(
        summary="The maximum-likelihood mean of a multivariate Gaussian sample: (1/N) D 1.",
        returns="ndarray of shape (k,)",
        equivalent="numpy.mean(D, axis=1)",
        params={"D": {"doc": "The data matrix, one sample per COLUMN (k x N)."}},
    ),
    ("mvn-mle-covariance", None): dict(
        summary="The maximum-likelihood covariance (1/N) (D - mu 1^T)(D - mu 1^T)^T, with mu the "
        "sample mean (the joint MLE) unless a known mean is given.",
        returns="ndarray of shape (k, k)",
        equivalent="numpy.cov(D, bias=True)",
        params={"D": {"doc": "The data matrix, one sample per COLUMN (k x N)."},
                "mu": {"doc": "The known mean vector; None (default) estimates it."}},
    ),
    ("bernoulli-mle", None): dict(
        summary="The maximum-likelihood success probability of 0/1 outcomes: (1/n) sum x_i.",
        returns="float",
        equivalent="numpy.mean(x)",
        # the catalogue declares x_i a non-negative integer; {0, 1} is in its statement only
        params={"x": {"doc": "The outcomes.", "support": "binary",
                      "source": "Bernoulli outcomes, as the derivation's statement says"}},
    ),
    ("laplace-mle", None): dict(
        summary="The maximum-likelihood location and scale of a Laplace sample: the median and "
        "the mean absolute deviation from it.",
        returns="LaplaceFit(location, scale), a named tuple of floats",
        equivalent="scipy.stats.laplace.fit(x) (for odd n; for even n any point between the two "
        "middle values is a maximiser and numpy's median, the midpoint, is returned)",
        params={"x": {"doc": "The sample."}},
    ),
    ("poisson-mle", None): dict(
        summary="The maximum-likelihood rate of Poisson counts: (1/n) sum x_i.",
        returns="float",
        equivalent="numpy.mean(x)",
        params={"x": {"doc": "The counts."}},
    ),
    ("exponential-mle", None): dict(
        summary="The maximum-likelihood rate of an exponential sample: n / sum x_i.",
        returns="float",
        equivalent="1 / scipy.stats.expon.fit(x, floc=0)[1]",
        params={"x": {"doc": "The waiting times."}},
    ),
    ("map-laplace-prior-lasso", None): dict(
        summary="The lasso: argmin ||y - X w||^2 + lam ||w||_1 (MAP with a Laplace prior, "
        "lam = 2 sigma^2 / b).",
        returns="ndarray w of shape (d,); LassoInfo(coef, gap, tol, n_iter) with "
        "return_info=True; LinearFit(coef, intercept, info) with fit_intercept=True.",
        equivalent="sklearn.linear_model.Lasso(alpha=lam / (2 * n), fit_intercept=False) "
        "(sklearn minimises (1/2n)||y - Xw||^2 + alpha ||w||_1, this objective over 2n: "
        "lam = 2 n alpha); fit_intercept=True: Lasso(alpha=lam / (2 * n)), intercept "
        "unpenalised.",
        method="Cyclic coordinate descent on the Gram matrix driven by the derived "
        "soft-threshold S(z, lam), sklearn's duality-gap stop (tol * ||y||^2). lam = 0 is "
        "least squares: " + _FALLBACK + " " + _INTERCEPT_CENTRE,
        params={"X": _X, "y": _Y, "lam": _LAM_LS,
                "tol": {"doc": "Duality-gap tolerance, relative to ||y||^2."},
                "max_iter": {"doc": "Maximum number of coordinate-descent sweeps."},
                "return_info": {"doc": "Return LassoInfo instead of the coefficients."}},
    ),
    ("gd-update-mse", None): dict(
        summary="One gradient-descent step on the MSE: t - (2 eta / n) X^T (X t - y).",
        returns="ndarray of shape (d,); .iterate(t0, n_iter, X=..., y=..., eta=...) returns "
        "the trajectory, shape (n_iter + 1, d)",
        equivalent="numeric.gd_least_squares(X, y, eta, n_iter).params",
        params={"X": _X, "y": _Y, "t": {"doc": "The current parameters."},
                "eta": {"doc": "The step size."}},
    ),
    ("gd-x-squared", None): dict(
        summary="One gradient-descent step on f(x) = x^2: x - eta f'(x) = x - 2 eta x "
        "(eta = 1/10 in the derivation, the default here).",
        returns="float; .iterate(x0, n_iter, eta=0.1) returns the trajectory x_0 .. x_n",
        params={"x": {"doc": "The current point."}, "eta": {"doc": "The step size."}},
    ),
    ("gd-quadratic-regression", None): dict(
        summary="One gradient-descent step of the seed post's quadratic regression (its data "
        "and eta = 1/100 are part of the derivation).",
        returns="ndarray of shape (3,); .iterate(t0, n_iter) returns the trajectory",
        params={"t": {"doc": "The current parameters."}},
    ),
    ("map-precision-prior-weight-decay", "update"): dict(
        summary="One weight-decay step: (1 - eta lam) w - eta g.",
        returns="ndarray of shape (d,)",
        params={"w": {"doc": "The current weights."}, "g": {"doc": "The loss gradient at w."},
                "eta": {"doc": "The step size."}, "lam": {"doc": "The prior precision."}},
    ),
}


def doc_for(did: str, part):
    return DOCS.get((did, part), {})
