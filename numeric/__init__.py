"""numeric: the machine-learning results of `derive`, computed independently by hand with NumPy.

Least squares (ols, ridge, lasso, lad), losses and negative log-likelihoods, closed-form
maximum-likelihood estimators, gradient descent with its full history, logistic regression
(Newton), generalised/weighted least squares (whitening) and PCA (SVD). Inputs are
checked; bad input raises an error (a ValueError or TypeError subclass) that says what was
expected, what came in, and how to fix it. This package never imports `derive`.
"""

from numeric._validate import (
    ConvergenceWarning,
    DivergenceError,
    DTypeError,
    EmptyInputError,
    NonFiniteError,
    NumericInputError,
    ParameterError,
    RankDeficientError,
    ShapeError,
    SupportError,
    TooFewRowsError,
)
from numeric.conjugacy import (
    bayesian_linear_regression,
    beta_bernoulli,
    gamma_poisson,
    normal_known_variance,
)
from numeric.descent import DescentHistory, gd_least_squares, gradient_descent
from numeric.divergences import kl_bernoulli, kl_gaussian, kl_mvn, kl_standard_normal
from numeric.estimators import (
    MVNMLE,
    GaussianMLE,
    LaplaceMLE,
    bernoulli_mle,
    exponential_mle,
    gaussian_mle,
    laplace_mle,
    mvn_mle,
    poisson_mle,
)
from numeric.mixture import MixtureParameters, em_step
from numeric.logistic import (
    SeparationError,
    logistic_fit,
    logistic_gradient,
    logistic_hessian,
    logistic_nll,
)
from numeric.pca import pca_svd
from numeric.weighted import gls, wls
from numeric.least_squares import OLS_RCOND, LADSolverError, LassoResult, lad, lasso, ols, ridge
from numeric.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    gaussian_nll,
    laplace_nll,
    mae,
    mse,
)

__all__ = [
    "MVNMLE",
    "OLS_RCOND",
    "ConvergenceWarning",
    "DTypeError",
    "DescentHistory",
    "DivergenceError",
    "EmptyInputError",
    "GaussianMLE",
    "LADSolverError",
    "LaplaceMLE",
    "LassoResult",
    "NonFiniteError",
    "NumericInputError",
    "ParameterError",
    "RankDeficientError",
    "SeparationError",
    "ShapeError",
    "SupportError",
    "TooFewRowsError",
    "bernoulli_mle",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "exponential_mle",
    "gaussian_mle",
    "gaussian_nll",
    "gd_least_squares",
    "gls",
    "gradient_descent",
    "lad",
    "laplace_mle",
    "laplace_nll",
    "lasso",
    "logistic_fit",
    "logistic_gradient",
    "logistic_hessian",
    "logistic_nll",
    "mae",
    "mse",
    "mvn_mle",
    "ols",
    "pca_svd",
    "poisson_mle",
    "ridge",
    # conjugate posteriors and KL divergences
    "bayesian_linear_regression",
    "beta_bernoulli",
    "gamma_poisson",
    "normal_known_variance",
    "kl_bernoulli",
    "kl_gaussian",
    "kl_mvn",
    "kl_standard_normal",
    "MixtureParameters",
    "em_step",
    "wls",
]
