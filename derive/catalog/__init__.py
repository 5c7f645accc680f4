"""The catalogue: every derivation derive knows, by id, built on first use and cached.

The index below is plain data (id -> module and builder function), so importing derive costs
nothing beyond this table; a derivation is computed only when somebody asks for it.
Friendly names work too: ``from derive.catalog import normal_equations``.
"""

from __future__ import annotations

import functools
import importlib

# (id, module under derive.catalog, builder function). Catalogue order: topic by topic.
INDEX: tuple[tuple[str, str, str], ...] = (
    # matrix calculus
    ("scalar-transpose", "calculus", "scalar_transpose"),
    ("linear-form-gradient", "calculus", "linear_form_gradient"),
    ("quadratic-form-gradient", "calculus", "quadratic_form_gradient"),
    ("quadratic-form-hessian", "calculus", "quadratic_form_hessian"),
    # least squares
    ("mse-expansion", "least_squares", "mse_expansion"),
    ("mse-gradient", "least_squares", "mse_gradient"),
    ("normal-equations", "least_squares", "normal_equations"),
    ("mse-hessian", "least_squares", "mse_hessian"),
    ("ridge-solution", "least_squares", "ridge_solution"),
    ("newton-step", "least_squares", "newton_step"),
    # likelihood to loss
    ("log-likelihood-iid", "likelihood", "log_likelihood_iid"),
    ("gaussian-nll-mse", "likelihood", "gaussian_nll_mse"),
    ("laplace-nll-mae", "likelihood", "laplace_nll_mae"),
    ("mle-cross-entropy", "likelihood", "mle_cross_entropy"),
    ("bernoulli-nll-bce", "likelihood", "bernoulli_nll_bce"),
    # maximum-likelihood estimators
    ("gaussian-mle-mean", "estimators", "gaussian_mle_mean"),
    ("gaussian-mle-variance", "estimators", "gaussian_mle_variance"),
    ("mvn-mle-mean", "estimators", "mvn_mle_mean"),
    ("mvn-mle-covariance", "estimators", "mvn_mle_covariance"),
    ("bernoulli-mle", "estimators", "bernoulli_mle"),
    ("laplace-mle", "estimators", "laplace_mle"),
    ("poisson-mle", "estimators", "poisson_mle"),
    ("exponential-mle", "estimators", "exponential_mle"),
    # MAP and priors
    ("bayes-rule", "priors", "bayes_rule"),
    ("map-uniform-prior-mle", "priors", "map_uniform_prior_mle"),
    ("map-gaussian-prior-ridge", "priors", "map_gaussian_prior_ridge"),
    ("map-precision-prior-weight-decay", "priors", "map_precision_prior_weight_decay"),
    ("map-laplace-prior-lasso", "priors", "map_laplace_prior_lasso"),
    # gradient descent
    ("gd-update-mse", "descent", "gd_update_mse"),
    ("gd-taylor", "descent", "gd_taylor"),
    ("gd-x-squared", "descent", "gd_x_squared"),
    ("gd-quadratic-regression", "descent", "gd_quadratic_regression"),
    # catalogue III (A): matrix calculus from the differential
    ("bilinear-form-gradient", "matrix_calculus", "bilinear_form_gradient"),
    ("bilinear-form-transpose-gradient", "matrix_calculus", "bilinear_form_transpose_gradient"),
    ("gram-form-gradient", "matrix_calculus", "gram_form_gradient"),
    ("trace-ax-gradient", "matrix_calculus", "trace_ax_gradient"),
    ("trace-axb-gradient", "matrix_calculus", "trace_axb_gradient"),
    ("trace-xta-gradient", "matrix_calculus", "trace_xta_gradient"),
    ("trace-square-gradient", "matrix_calculus", "trace_square_gradient"),
    ("trace-xtbx-gradient", "matrix_calculus", "trace_xtbx_gradient"),
    ("trace-axbxtc-gradient", "matrix_calculus", "trace_axbxtc_gradient"),
    ("trace-affine-square-gradient", "matrix_calculus", "trace_affine_square_gradient"),
    ("frobenius-norm-gradient", "matrix_calculus", "frobenius_norm_gradient"),
    ("determinant-gradient", "matrix_calculus", "determinant_gradient"),
    ("log-determinant-gradient", "matrix_calculus", "log_determinant_gradient"),
    ("symmetric-log-determinant-gradient", "matrix_calculus", "symmetric_log_determinant_gradient"),
    ("inverse-differential", "matrix_calculus", "inverse_differential"),
    ("inverse-form-gradient", "matrix_calculus", "inverse_form_gradient"),
    ("quadratic-affine-hessian", "matrix_calculus", "quadratic_affine_hessian"),
    # expectations of estimators
    ("sample-mean-unbiased", "expectations", "sample_mean_unbiased"),
    ("sample-mean-variance", "expectations", "sample_mean_variance"),
    ("mle-variance-biased", "expectations", "mle_variance_biased"),
    ("sample-variance-unbiased", "expectations", "sample_variance_unbiased"),
    ("bias-variance-decomposition", "expectations", "bias_variance_decomposition"),
    # Fisher information and the Cramer-Rao bound
    ("fisher-gaussian-mean", "fisher", "fisher_gaussian_mean"),
    ("fisher-gaussian-variance", "fisher", "fisher_gaussian_variance"),
    ("fisher-gaussian-cross", "fisher", "fisher_gaussian_cross"),
    ("fisher-bernoulli", "fisher", "fisher_bernoulli"),
    ("fisher-poisson", "fisher", "fisher_poisson"),
    ("fisher-exponential", "fisher", "fisher_exponential"),
    ("cramer-rao-sample-mean", "fisher", "cramer_rao_sample_mean"),
    # Kullback-Leibler divergences
    ("kl-gaussian", "kl", "kl_gaussian"),
    ("kl-mvn", "kl", "kl_mvn"),
    ("kl-bernoulli", "kl", "kl_bernoulli"),
    ("kl-bernoulli-nonnegative", "kl", "kl_bernoulli_nonnegative"),
    ("kl-vae", "kl", "kl_vae"),
    # conjugate priors
    ("beta-bernoulli-posterior", "conjugacy", "beta_bernoulli_posterior"),
    ("beta-posterior-mean", "conjugacy", "beta_posterior_mean"),
    ("beta-posterior-mode", "conjugacy", "beta_posterior_mode"),
    ("gamma-poisson-posterior", "conjugacy", "gamma_poisson_posterior"),
    ("normal-normal-posterior", "conjugacy", "normal_normal_posterior"),
    ("bayesian-linear-regression", "conjugacy", "bayesian_linear_regression"),
    # catalogue III (A): logistic regression
    ("sigmoid-derivative", "logistic", "sigmoid_derivative"),
    ("logistic-nll", "logistic", "logistic_nll"),
    ("logistic-gradient", "logistic", "logistic_gradient"),
    ("logistic-hessian", "logistic", "logistic_hessian"),
    ("logistic-irls", "logistic", "logistic_irls"),
    # EM for a Gaussian mixture
    ("gmm-responsibilities", "mixture", "gmm_responsibilities"),
    ("gmm-m-step-weights", "mixture", "gmm_m_step_weights"),
    ("gmm-m-step-means", "mixture", "gmm_m_step_means"),
    ("gmm-m-step-variances", "mixture", "gmm_m_step_variances"),
    # catalogue III (A): softmax and cross-entropy
    ("softmax-jacobian", "softmax", "softmax_jacobian"),
    ("softmax-cross-entropy-gradient", "softmax", "softmax_cross_entropy_gradient"),
    ("log-sum-exp-gradient", "softmax", "log_sum_exp_gradient"),
    ("multinomial-logistic-gradient", "softmax", "multinomial_logistic_gradient"),
    # catalogue III (A): generalised least squares and PCA
    ("gls-normal-equations", "weighted_least_squares", "gls_normal_equations"),
    ("pca-lagrange", "pca", "pca_lagrange"),
    ("pca-variance", "pca", "pca_variance"),
    ("rayleigh-bounds", "pca", "rayleigh_bounds"),
)

TOPICS = {
    "calculus": "Matrix calculus",
    "least_squares": "Least squares",
    "likelihood": "Likelihood and losses",
    "estimators": "Maximum-likelihood estimators",
    "priors": "MAP estimation and priors",
    "descent": "Gradient descent",
    "matrix_calculus": "Matrix calculus from the differential",
    "expectations": "Expectations of estimators",
    "fisher": "Fisher information and the Cramer-Rao bound",
    "kl": "Kullback-Leibler divergence",
    "conjugacy": "Conjugate priors",
    "logistic": "Logistic regression",
    "mixture": "EM for a Gaussian mixture",
    "softmax": "Softmax and cross-entropy",
    "weighted_least_squares": "Generalised and weighted least squares",
    "pca": "Principal component analysis",
}


class UnknownDerivation(KeyError):
    """An id that is not in the catalogue; the message lists the known ids."""

    def __init__(self, name: str):
        self.name = name
        known = ", ".join(names())
        super().__init__(f"unknown derivation {name!r}; known ids: {known}")

    def __str__(self) -> str:  # KeyError quotes its message otherwise
        return self.args[0]


def names() -> list[str]:
    """All derivation ids, in catalogue order."""
    return [entry[0] for entry in INDEX]


def _entry(name: str) -> tuple[str, str, str]:
    for entry in INDEX:
        if entry[0] == name:
            return entry
    raise UnknownDerivation(name)


def topic_of(name: str) -> str:
    return _entry(name)[1]


@functools.cache
def get(name: str):
    """The derivation with this id, derived on first use and cached."""
    _, module, function = _entry(name)
    builder = getattr(importlib.import_module(f"derive.catalog.{module}"), function)
    derivation = builder()
    if derivation.id != name:
        raise RuntimeError(f"catalogue entry {name!r} built a derivation with id {derivation.id!r}")
    return derivation


def __getattr__(attr: str):
    name = attr.replace("_", "-")
    if any(entry[0] == name for entry in INDEX):
        return get(name)
    raise AttributeError(f"module 'derive.catalog' has no attribute {attr!r}")


def __dir__():
    return sorted(list(globals()) + [n.replace("-", "_") for n in names()])
