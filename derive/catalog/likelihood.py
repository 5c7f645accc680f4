"""From likelihoods to losses: negative log-likelihoods and the losses with the same minimiser."""

from __future__ import annotations

import sympy as sp

from derive.catalog.symbols import f_, i, n, sigma, y_
from derive.core.algebra import log_rules, sum_linearity
from derive.core.derivation import Assumption, Derivation, definition, equal, same_minimiser


def gaussian_density(x, mean, scale):
    """The N(mean, scale^2) density at x."""
    return sp.exp(-((x - mean) ** 2) / (2 * scale**2)) / sp.sqrt(2 * sp.pi * scale**2)


def split_constant(expr, variables):
    """expr = constant + rest, with the constant free of the variables (an Add split)."""
    terms = sp.Add.make_args(sp.expand(expr, deep=False))
    constant = [t for t in terms if not any(t.has(v) for v in variables)]
    rest = [t for t in terms if any(t.has(v) for v in variables)]
    return sp.Add(*constant), sp.Add(*rest)


def gaussian_nll_mse() -> Derivation:
    """With iid Gaussian residuals the negative log-likelihood has the same minimiser as the MSE."""
    residual = y_[i] - f_[i]
    nll = -sp.log(sp.Product(gaussian_density(y_[i], f_[i], sigma), (i, 1, n)))
    as_sum = log_rules(nll)
    linear = sum_linearity(as_sum, expand=False)
    constant, data_term = split_constant(linear, (f_,))
    sse = sum_linearity(data_term * 2 * sigma**2, expand=False)
    mse = sse / n
    steps = (
        definition(nll, "negative log-likelihood of n iid residuals y_i - f_i ~ N(0, sigma^2)",
                   lhs=r"-\log L(\theta)"),
        equal(as_sum, "the log of a product is the sum of the logs; log(exp(u)) = u"),
        equal(linear, "Sum linearity: constants leave the sum, Sum of a constant is n times it"),
        same_minimiser(data_term, f"drop the constant {sp.latex(constant)}, free of the model",
                       wrt=(f_,), alpha=1, beta=-constant),
        same_minimiser(sse, "multiply by 2 sigma^2 > 0", wrt=(f_,), alpha=2 * sigma**2, beta=0),
        same_minimiser(mse, "divide by n > 0: the mean squared error", wrt=(f_,), alpha=1 / n, beta=0),
    )
    return Derivation(
        id="gaussian-nll-mse",
        title="Gaussian noise gives the mean squared error",
        statement="If the residuals y_i - f(x_i) are iid N(0, sigma^2), the negative log-likelihood is "
        "(n/2) log(2 pi sigma^2) + (1/(2 sigma^2)) sum (y_i - f(x_i))^2 and has the same minimiser as the MSE.",
        topic="likelihood",
        assumptions=(
            Assumption.positive(sigma, "sigma > 0"),
            Assumption.positive_integer(n, "n is a positive integer (samples)"),
        ),
        steps=steps,
        result=mse,
        claim=sp.Sum((y_[i] - f_[i]) ** 2, (i, 1, n)) / n,
        variables=(f_,),
        extras={
            "nll": linear,
            "nll_claim": n / 2 * sp.log(2 * sp.pi * sigma**2)
            + sp.Sum(residual**2, (i, 1, n)) / (2 * sigma**2),
        },
    )
