"""From likelihoods to losses: negative log-likelihoods and the losses with the same minimiser.

Every loss here is reached from a likelihood by checked steps: the log of a product is a sum of
logs, constants free of the model leave through a same-minimiser step that names them, and a
positive factor is divided out by another (alpha > 0 proved under the assumptions).
"""

from __future__ import annotations

import sympy as sp

from derive.catalog.symbols import f_, i, n, scale_b, sigma, x_, y_
from derive.core.algebra import log_rules, sum_linearity
from derive.core.derivation import (
    Assumption,
    Derivation,
    definition,
    equal,
    gradient,
    max_to_min,
    same_minimiser,
)
from derive.render.latex import expression_latex as tex

# --- shared pieces ---------------------------------------------------------------------------

#: parameters of a generic model, a generic positive density p(x | theta)
theta = sp.Symbol("theta", real=True)
density = sp.Function("p", positive=True)

#: a finite support z_1..z_K, observed c_j times each (c_j >= 1), n samples in all
K = sp.Symbol("K", integer=True, positive=True)
support = sp.IndexedBase("z", real=True)
counts = sp.IndexedBase("c", integer=True, positive=True)

#: logits z_i of a binary classifier (labels y_i)
logit = sp.IndexedBase("z", real=True)
z = sp.Symbol("z", real=True)
label = sp.Symbol("y", real=True)


class sigmoid(sp.Function):
    """The logistic function sigma(z) = 1 / (1 + exp(-z)); sigma' = sigma (1 - sigma).

    Kept whole in symbolic work (so p = sigma(z) stays visible); at a rational number it
    evaluates to its exact exponential form, which is how the checker instantiates it.
    """

    nargs = 1

    @classmethod
    def eval(cls, arg):
        if arg.is_Rational:
            return 1 / (1 + sp.exp(-arg))
        return None

    def fdiff(self, argindex=1):
        return self * (1 - self)

    def _eval_is_positive(self):
        return True if self.args[0].is_extended_real else None

    def _eval_is_extended_real(self):
        return self.args[0].is_extended_real

    def _eval_rewrite_as_exp(self, arg, **kwargs):
        return 1 / (1 + sp.exp(-arg))

    def _eval_evalf(self, prec):
        return (1 / (1 + sp.exp(-self.args[0])))._eval_evalf(prec)

    def _latex(self, printer):
        return rf"\sigma\left({printer._print(self.args[0])}\right)"

    def _numpycode(self, printer):
        return f"1/(1 + {printer._module_format('numpy.exp')}(-{printer._print(self.args[0])}))"


def gaussian_density(x, mean, scale):
    """The N(mean, scale^2) density at x."""
    return sp.exp(-((x - mean) ** 2) / (2 * scale**2)) / sp.sqrt(2 * sp.pi * scale**2)


def laplace_density(x, location, scale):
    """The Laplace(location, scale) density at x: exp(-|x - location| / scale) / (2 scale)."""
    return sp.exp(-sp.Abs(x - location) / scale) / (2 * scale)


def split_constant(expr, variables):
    """expr = constant + rest, with the constant free of the variables (an Add split)."""
    terms = sp.Add.make_args(sp.expand(expr, deep=False))
    constant = [t for t in terms if not any(t.has(v) for v in variables)]
    rest = [t for t in terms if any(t.has(v) for v in variables)]
    return sp.Add(*constant), sp.Add(*rest)


def sum_into(expr):
    """c * Sum(f, limits) -> Sum(c * f, limits) for index-free c; Sum(f) + Sum(g) over the same
    limits -> Sum(f + g). The inverse of Sum linearity, used to show a weight inside its sum."""

    def pull(node):
        if isinstance(node, sp.Mul):
            sums = [a for a in node.args if isinstance(a, sp.Sum)]
            if len(sums) == 1:
                rest = sp.Mul(*[a for a in node.args if a is not sums[0]])
                return sp.Sum(rest * sums[0].function, *sums[0].limits)
        return node

    out = expr.replace(lambda e: isinstance(e, sp.Mul) and e.has(sp.Sum), pull)
    if isinstance(out, sp.Add):
        groups: dict = {}
        others = []
        for term in out.args:
            if isinstance(term, sp.Sum):
                groups.setdefault(term.limits, []).append(term.function)
            else:
                others.append(term)
        merged = [sp.Sum(sp.Add(*fs), *limits) for limits, fs in groups.items()]
        out = sp.Add(*others, *merged)
    return out


def logs_into_product(expr):
    """sum_j c_j log a_j -> log prod_j a_j^{c_j} inside each Sum of logs (a_j > 0)."""

    def rewrite(node):
        if isinstance(node, sp.Sum) and len(node.limits) == 1:
            coeff, rest = node.function.as_independent(sp.log, as_Add=False)
            if isinstance(rest, sp.log):
                return sp.log(sp.Product(rest.args[0] ** coeff, node.limits[0]))
        return node

    return expr.replace(lambda e: isinstance(e, sp.Sum), rewrite)


def _combine_logs_in_sum(node):
    """Sum(w log a - w log b) -> Sum(w log(a/b)): factor the weight out, combine the logs."""
    weight, rest = sp.factor_terms(node.function).as_independent(sp.log, as_Add=False)
    return sp.Sum(weight * sp.logcombine(rest, force=True), *node.limits)


# --- derivations -----------------------------------------------------------------------------


def log_likelihood_iid() -> Derivation:
    """For iid samples the log-likelihood is the sum of the per-sample log densities."""
    likelihood = sp.Product(density(x_[i], theta), (i, 1, n))
    log_lik = sp.log(likelihood)
    as_sum = log_rules(log_lik)
    score = as_sum.diff(theta)
    steps = (
        definition(log_lik, r"the log of the likelihood of $n$ iid samples: their joint density is the product of the densities $p(x_i \mid \theta) > 0$", lhs=r"\ell(\theta)"),
        equal(as_sum, "the log of a product of positive factors is the sum of their logs"),
        gradient(score, "the gradient of a sum is the sum of the gradients, one term per "
                 "sample (what makes mini-batch gradients possible)", wrt=theta,
                 lhs=r"\frac{\partial \ell}{\partial \theta}"),
    )
    return Derivation(
        id="log-likelihood-iid",
        title="The log-likelihood of iid samples is a sum",
        statement=r"For iid samples $x_1, \dots, x_n$ with density $p(x \mid \theta) > 0$, $\log \prod_i p(x_i \mid \theta) = \sum_i \log p(x_i \mid \theta)$; $\log$ is increasing, so both have the same maximiser.",
        topic="likelihood",
        assumptions=(
            Assumption.positive_integer(n, "$n$ is a positive integer (samples)"),
            Assumption.positive(density(x_[i], theta), r"$p(x \mid \theta) > 0$ (a density on its support)"),
        ),
        steps=steps,
        result=as_sum,
        claim=sp.Sum(sp.log(density(x_[i], theta)), (i, 1, n)),
        variables=(theta,),
        extras={"score": score},
        references=("I. Goodfellow, Y. Bengio, A. Courville, Deep Learning (2016), eq. 5.58-5.59",),
    )


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
        definition(nll, r"negative log-likelihood of $n$ iid residuals $y_i - f_i \sim \mathcal{N}(0, \sigma^2)$",
                   lhs=r"-\log L(\theta)"),
        equal(as_sum, r"the log of a product is the sum of the logs; $\log(\exp(u)) = u$"),
        equal(linear, "linearity of the sum: constants leave it, and a sum of $n$ equal constants is $n$ times the constant"),
        same_minimiser(data_term, f"drop the constant ${tex(constant)}$, free of the model",
                       wrt=(f_,), alpha=1, beta=-constant),
        same_minimiser(sse, r"multiply by $2 \sigma^2 > 0$", wrt=(f_,), alpha=2 * sigma**2, beta=0),
        same_minimiser(mse, "divide by $n > 0$: the mean squared error", wrt=(f_,), alpha=1 / n, beta=0),
    )
    return Derivation(
        id="gaussian-nll-mse",
        title="Gaussian noise gives the mean squared error",
        statement=r"If the residuals $y_i - f(x_i)$ are iid $\mathcal{N}(0, \sigma^2)$, the negative log-likelihood is $\frac{n}{2} \log(2 \pi \sigma^2) + \frac{1}{2 \sigma^2} \sum_i (y_i - f(x_i))^2$ and has the same minimiser as the MSE.",
        topic="likelihood",
        assumptions=(
            Assumption.positive(sigma, r"$\sigma > 0$"),
            Assumption.positive_integer(n, "$n$ is a positive integer (samples)"),
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


def laplace_nll_mae() -> Derivation:
    """With iid Laplace(0, b) residuals the negative log-likelihood has the same minimiser as the MAE."""
    b = scale_b
    residual = y_[i] - f_[i]
    nll = -sp.log(sp.Product(laplace_density(y_[i], f_[i], b), (i, 1, n)))
    as_sum = log_rules(nll)
    linear = sum_linearity(as_sum, expand=False)
    constant, data_term = split_constant(linear, (f_,))
    sae = sum_linearity(data_term * b, expand=False)
    mae = sae / n
    steps = (
        definition(nll, r"negative log-likelihood of $n$ iid residuals $y_i - f_i \sim \operatorname{Laplace}(0, b)$, density $\frac{1}{2b} \exp(-|r|/b)$", lhs=r"-\log L(\theta)"),
        equal(as_sum, r"the log of a product is the sum of the logs; $\log(\exp(u)) = u$"),
        equal(linear, "linearity of the sum: constants leave it, and a sum of $n$ equal constants is $n$ times the constant"),
        same_minimiser(data_term, f"drop the constant ${tex(constant)} = n \\log(2b)$, free of the model",
                       wrt=(f_,), alpha=1, beta=-constant),
        same_minimiser(sae, "multiply by $b > 0$: the sum of absolute errors", wrt=(f_,), alpha=b, beta=0),
        same_minimiser(mae, "divide by $n > 0$: the mean absolute error", wrt=(f_,), alpha=1 / n, beta=0),
    )
    return Derivation(
        id="laplace-nll-mae",
        title="Laplace noise gives the mean absolute error",
        statement=r"If the residuals $y_i - f(x_i)$ are iid $\operatorname{Laplace}(0, b)$, the negative log-likelihood is $n \log(2b) + \frac{1}{b} \sum_i |y_i - f(x_i)|$ and has the same minimiser as the MAE.",
        topic="likelihood",
        assumptions=(
            Assumption.positive(b, "$b > 0$ (the Laplace scale)"),
            Assumption.positive_integer(n, "$n$ is a positive integer (samples)"),
        ),
        steps=steps,
        result=mae,
        claim=sp.Sum(sp.Abs(y_[i] - f_[i]), (i, 1, n)) / n,
        variables=(f_,),
        extras={
            "nll": linear,
            "nll_claim": n * sp.log(2 * b) + sp.Sum(sp.Abs(residual), (i, 1, n)) / b,
        },
    )


def mle_cross_entropy() -> Derivation:
    """Maximising the mean log-likelihood = minimising the cross-entropy = minimising KL(p_data || p_model)."""
    j = sp.Symbol("j", integer=True, positive=True)
    model = density(support[j], theta)
    empirical = counts[j] / n
    grouped = sp.log(sp.Product(model ** counts[j], (j, 1, K))) / n
    mean_ll = sum_linearity(log_rules(grouped), expand=False)
    cross_entropy = sum_into(-mean_ll)
    neg_entropy = sp.Sum(empirical * sp.log(empirical), (j, 1, K))
    kl_split = sum_into(cross_entropy + neg_entropy)
    kl = kl_split.replace(lambda e: isinstance(e, sp.Sum), _combine_logs_in_sum)
    steps = (
        definition(grouped, r"the mean log-likelihood of $n$ iid samples in which the support point $z_j$ occurs $c_j$ times: the likelihood groups equal samples, $\prod_i p(x_i) = \prod_j p(z_j)^{c_j}$", lhs=r"\frac{1}{n}\log L(\theta)"),
        equal(mean_ll, "the log of a product of positive powers is the sum of the weighted logs"),
        max_to_min(cross_entropy, r"maximising the mean log-likelihood is minimising its negative, the cross-entropy $H(p_{\text{data}}, p_\theta)$ with the empirical $p_{\text{data}}(z_j) = c_j/n$",
                   wrt=(theta,), alpha=1, beta=0, lhs=r"H(\hat p_{\mathrm{data}}, p_\theta)"),
        same_minimiser(kl_split, r"add $\sum_j p_{\text{data}}(z_j) \log p_{\text{data}}(z_j) = -H(p_{\text{data}})$, free of $\theta$",
                       wrt=(theta,), alpha=1, beta=neg_entropy),
        equal(kl, r"combine the logs: the Kullback-Leibler divergence $\mathrm{KL}(p_{\text{data}} \,\|\, p_\theta)$",
              lhs=r"\mathrm{KL}(\hat p_{\mathrm{data}} \,\|\, p_\theta)"),
    )
    return Derivation(
        id="mle-cross-entropy",
        title="Maximum likelihood minimises the cross-entropy and the KL divergence",
        statement=r"For the empirical distribution $p_{\text{data}}(z_j) = c_j/n$ of $n$ samples on a finite support, the maximiser of the mean log-likelihood is the minimiser of the cross-entropy $H(p_{\text{data}}, p_\theta)$ and the minimiser of $\mathrm{KL}(p_{\text{data}} \,\|\, p_\theta)$: they differ by the sign and by the entropy of $p_{\text{data}}$, free of $\theta$.",
        topic="likelihood",
        assumptions=(
            Assumption.positive_integer(n, "$n$ is a positive integer (samples)"),
            Assumption.positive_integer(K, "$K$ is a positive integer (support points)"),
            Assumption.positive(density(support[j], theta), r"$p_\theta(z) > 0$ on the support"),
        ),
        steps=steps,
        result=kl,
        claim=sp.Sum(empirical * sp.log(empirical / model), (j, 1, K)),
        variables=(theta,),
        extras={
            "mean_log_likelihood": mean_ll,
            "cross_entropy": cross_entropy,
            "cross_entropy_claim": -sp.Sum(empirical * sp.log(model), (j, 1, K)),
            "entropy": -neg_entropy,
        },
        references=("I. Goodfellow, Y. Bengio, A. Courville, Deep Learning (2016), Sec. 5.5, eqs. 5.60-5.61",),
    )


def bernoulli_nll_bce() -> Derivation:
    """Bernoulli labels with p_i = sigmoid(z_i): the NLL is the binary cross-entropy, gradient p_i - y_i."""
    p_i = sigmoid(logit[i])
    pmf = p_i ** y_[i] * (1 - p_i) ** (1 - y_[i])
    nll = -sp.log(sp.Product(pmf, (i, 1, n)))
    as_sum = log_rules(nll)
    bce = sum_into(as_sum / n)
    per_sample = (n * bce.function).xreplace({logit[i]: z, y_[i]: label})  # one summand, times n
    grad = sp.expand(per_sample.diff(z))
    steps = (
        definition(nll, r"negative log-likelihood of $n$ independent labels $y_i \in \{0, 1\}$ with $P(y_i = 1) = p_i = \sigma(z_i)$: the Bernoulli pmf $p^y (1 - p)^{1 - y}$",
                   lhs=r"-\log L(z)"),
        equal(as_sum, r"the log of a product is the sum of the logs; $\log(a^y) = y \log a$ for $a > 0$"),
        same_minimiser(bce, "divide by $n > 0$: the binary cross-entropy (mean over the samples)",
                       wrt=(logit,), alpha=1 / n, beta=0, lhs=r"\mathrm{BCE}(z)"),
        definition(per_sample, "one sample's term of the sum (times $n$), a function of its logit $z$ with label $y$", lhs=r"\ell(z)"),
        gradient(grad, r"$\sigma' = \sigma (1 - \sigma)$: the factors $\sigma$ and $1 - \sigma$ cancel",
                 wrt=z, lhs=r"\frac{\partial \ell}{\partial z}"),
    )
    return Derivation(
        id="bernoulli-nll-bce",
        title="Bernoulli likelihood gives the binary cross-entropy",
        statement=r"For labels $y_i \in \{0, 1\}$ with $P(y_i = 1) = p_i = \sigma(z_i)$ (the logistic function), the negative log-likelihood divided by $n$ is the binary cross-entropy $-\frac{1}{n} \sum_i [y_i \log p_i + (1 - y_i) \log(1 - p_i)]$, and its gradient in $z_i$ is $(p_i - y_i)/n$ ($p - y$ per sample).",
        topic="likelihood",
        assumptions=(Assumption.positive_integer(n, "$n$ is a positive integer (samples)"),),
        steps=steps,
        result=bce,
        claim=-sp.Sum(y_[i] * sp.log(p_i) + (1 - y_[i]) * sp.log(1 - p_i), (i, 1, n)) / n,
        variables=(logit,),
        extras={"gradient": grad, "gradient_claim": sigmoid(z) - label, "per_sample": per_sample},
        references=("C. M. Bishop, Pattern Recognition and Machine Learning (2006), eqs. 4.89-4.91",),
    )
