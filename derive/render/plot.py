"""`derive plot ID -o fig.png`: figures computed from the catalogue's derived results.

    derive plot gd-quadratic-regression -o gd.png   # trajectory, loss curve, model curves (seed 000)
    derive plot gaussian-mle-mean -o mle.pdf        # the log-likelihood over mu, the MLE marked
    derive plot mse-hessian -o surface.png          # MSE contours of a 2-parameter model, minimiser marked

Every number drawn comes from the derivation: the gradient-descent iterates from iterating its
derived update exactly (rationals), the log-likelihood and the MLE from its result, the loss
surface and the minimiser from the MSE definition and the normal equations. matplotlib is the
optional extra `plot` (``pip install -e ".[plot]"`` in a checkout: derive is not on PyPI); it is imported only here, with the Agg
backend. PNG or PDF by the output's extension.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import sympy as sp

INSTALL_HINT = ("derive plot needs matplotlib: install the plot extra from the derive checkout, "
                "pip install -e \".[plot]\" (derive is not on PyPI), or pip install matplotlib")
FORMATS = (".png", ".pdf", ".svg")
SEED_X = (1, 4, 5, 6, 9)  # seed post 000, section 3.1: five samples of a Gaussian
SEED_SIGMA = 2  # any sigma > 0 gives the same maximiser; 2 draws a readable curve
HESSIAN_X = ((0, 1), (1, 1), (2, 1), (3, 1))  # a line through seed 000's data: t1 x + t2
HESSIAN_Y = (1, 2, 5, 10)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", help=f"one of: {', '.join(FIGURES)}")
    parser.add_argument("-o", "--output", default=None,
                        help="output file, .png or .pdf (default: <id>.png)")
    parser.add_argument("--dpi", type=int, default=150, help="resolution of PNG output")


def _pyplot():
    try:
        import matplotlib
    except ImportError as exc:
        raise RuntimeError(INSTALL_HINT) from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _vector_name(d) -> str:
    var = d.variables[0] if d.variables else sp.Symbol("theta")
    name = getattr(var, "name", str(var))
    return "\\" + name if name in ("theta", "beta", "mu", "w") and name != "w" else name


# --- gradient descent on the quadratic regression (seed 000, section 2.3.1) -------------------


def gd_iterates(d, steps: int = 10):
    """(iterates t_0..t_steps as exact rational 3-vectors, X, y): iterating the derived update."""
    t = d.variables[0]
    X, y = d.extras["X"], d.extras["y"]
    current = sp.ImmutableMatrix(d.extras.get("t0", sp.zeros(X.shape[1], 1)))
    update = d.result
    out = [current]
    for _ in range(steps):
        current = sp.ImmutableMatrix(update.xreplace({t: current}).doit())
        out.append(current)
    return out, X, y


def mse_value(X, y, t) -> sp.Rational:
    r = X * t - y
    return (r.T * r)[0, 0] / X.shape[0]


def figure_gd_quadratic_regression(plt, d):
    iterates, X, y = gd_iterates(d)
    losses = [mse_value(X, y, t) for t in iterates]
    xs = [float(v) for v in X[:, 1]]
    ys = [float(v) for v in y]
    name = _vector_name(d)
    fig = plt.figure(figsize=(15, 4.6))
    ax1 = fig.add_subplot(1, 3, 1)
    grid = [xs[0] + (xs[-1] - xs[0]) * k / 200 for k in range(201)]
    cmap = plt.get_cmap("viridis")
    for k, t in enumerate(iterates):
        a, b, c = (float(v) for v in t)
        curve = [a * u * u + b * u + c for u in grid]
        ax1.plot(grid, curve, color=cmap(k / max(len(iterates) - 1, 1)), lw=1.2)
        if k in (0, 1, 2, 3, len(iterates) - 1):
            ax1.annotate(f"k={k}", (grid[-1], curve[-1]), fontsize=8, xytext=(3, -3), textcoords="offset points")
    ax1.scatter(xs, ys, color="crimson", zorder=5, label="data")
    ax1.set_xlabel("$x$")
    ax1.set_ylabel(r"$\hat y = %s_1 x^2 + %s_2 x + %s_3$" % (name, name, name))
    ax1.set_title("Model at each iteration")
    ax1.legend(loc="upper left")

    ax2 = fig.add_subplot(1, 3, 2)
    ax2.plot(range(len(losses)), [float(v) for v in losses], marker="o")
    for k, value in enumerate(losses):
        if k in (0, 1, len(losses) - 1):
            ax2.annotate(f"{float(value):.6g}", (k, float(value)), fontsize=8, xytext=(4, 4),
                         textcoords="offset points")
    ax2.set_xlabel("iteration $k$")
    ax2.set_ylabel(r"$L(%s_k) = \frac{1}{n}\Vert X %s_k - y\Vert^2$" % (name, name))
    ax2.set_title(r"Loss ($\eta = %s$)" % sp.latex(d.extras.get("eta", "")))
    ax2.set_yscale("log")

    ax3 = fig.add_subplot(1, 3, 3, projection="3d")
    cols = [[float(t[i]) for t in iterates] for i in range(3)]
    ax3.plot(*cols, marker="o")
    for k, t in enumerate(iterates):
        ax3.text(*(float(v) for v in t), str(k), fontsize=8)
    ax3.set_xlabel(f"${name}_1$")
    ax3.set_ylabel(f"${name}_2$")
    ax3.set_zlabel(f"${name}_3$")
    ax3.set_title("Parameter trajectory")
    fig.suptitle(f"{d.title} ({d.id}): x = (0, 1, 2, 3), y = (1, 2, 5, 10), 10 exact steps")
    fig.tight_layout()
    return fig


# --- the Gaussian MLE of the mean (seed 000, section 3.1) -------------------------------------


def gaussian_log_likelihood(d, data=SEED_X, sigma=SEED_SIGMA):
    """(log-likelihood as a function of mu, the MLE) at the data, from the derivation."""
    mu = d.variables[0]
    ll = d.extras.get("log_likelihood", d.steps[0].expr)
    n = next(s for s in ll.free_symbols if s.name == "n")
    scale = next(s for s in ll.free_symbols if s.name == "sigma")
    base = next(b for b in ll.atoms(sp.IndexedBase))
    values = {base[k + 1]: sp.Integer(v) for k, v in enumerate(data)}
    concrete = ll.subs({n: len(data), scale: sigma}).doit().xreplace(values)
    mle = d.result.subs(n, len(data)).doit().xreplace(values)
    f = sp.lambdify(mu, concrete, "math")
    return f, sp.nsimplify(mle), concrete


def figure_gaussian_mle_mean(plt, d):
    import math

    f, mle, _ = gaussian_log_likelihood(d)
    m = float(mle)
    lo, hi = min(SEED_X) - 2, max(SEED_X) + 2
    grid = [lo + (hi - lo) * k / 400 for k in range(401)]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.4))
    density = lambda u, c: math.exp(-((u - c) ** 2) / (2 * SEED_SIGMA**2)) / math.sqrt(2 * math.pi * SEED_SIGMA**2)
    other = m - 3
    for centre, style, label in ((m, "-", rf"$\hat\mu = {sp.latex(mle)}$"), (other, "--", rf"$\mu = {other:g}$")):
        ax1.plot(grid, [density(u, centre) for u in grid], style, label=label)
    ax1.scatter(SEED_X, [0] * len(SEED_X), color="crimson", zorder=5, label="samples")
    for xv in SEED_X:
        ax1.vlines(xv, 0, density(xv, m), color="C0", alpha=0.4)
    ax1.set_xlabel("$x$")
    ax1.set_ylabel(rf"$N(x \mid \mu, \sigma^2)$, $\sigma = {SEED_SIGMA}$")
    ax1.set_title("The likelihood is the product of the heights")
    ax1.legend()
    ax2.plot(grid, [f(u) for u in grid])
    ax2.axvline(m, color="crimson", ls=":")
    ax2.plot([m], [f(m)], "o", color="crimson")
    ax2.annotate(rf"$\hat\mu = \frac{{1}}{{n}}\sum x_i = {sp.latex(mle)}$", (m, f(m)), xytext=(10, -20),
                 textcoords="offset points")
    ax2.set_xlabel(r"$\mu$")
    ax2.set_ylabel(r"$\ell(\mu) = \log L(\mu)$")
    ax2.set_title("Log-likelihood over the mean")
    fig.suptitle(f"{d.title} ({d.id}): x = {{{', '.join(map(str, SEED_X))}}}")
    fig.tight_layout()
    return fig


# --- the MSE surface of a 2-parameter model (mse-hessian) -------------------------------------


def mse_surface(d, X_rows=HESSIAN_X, y_values=HESSIAN_Y):
    """(loss as f(t1, t2), minimiser, Hessian) for a concrete 2-parameter least-squares problem:
    the loss from the derivation's definition, the Hessian from its result, the minimiser from
    the normal equations' closed form."""
    import derive

    X = sp.ImmutableMatrix(X_rows)
    y = sp.ImmutableMatrix(y_values)
    t1, t2 = sp.symbols("t1 t2", real=True)
    t = d.variables[0]
    loss = d.steps[0].expr
    mats = {m.name: m for m in loss.atoms(sp.MatrixSymbol) | d.result.atoms(sp.MatrixSymbol)}
    rows, cols = mats["X"].shape
    sizes = {s: v for s, v in ((rows, X.rows), (cols, X.cols)) if isinstance(s, sp.Symbol)}
    mapping = {mats["X"].subs(sizes): X, mats["y"].subs(sizes): y, t.subs(sizes): sp.ImmutableMatrix([t1, t2])}

    def concrete(expr):
        return sp.ImmutableMatrix(expr.subs(sizes).xreplace(mapping).doit())

    L = sp.expand(concrete(loss)[0, 0] / sp.Integer(1)).subs(sizes)
    H = concrete(d.result).subs(sizes)
    ne = derive.get("normal-equations")
    ne_mats = {m.name: m for m in ne.result.atoms(sp.MatrixSymbol)}
    ne_sizes = {s: v for s, v in zip(ne_mats["X"].shape, X.shape) if isinstance(s, sp.Symbol)}
    closed = ne.result.subs(ne_sizes)
    ne_mats = {m.name: m for m in closed.atoms(sp.MatrixSymbol)}
    minimiser = sp.ImmutableMatrix(closed.xreplace({ne_mats["X"]: X, ne_mats["y"]: y}).doit())
    return sp.lambdify((t1, t2), L, "math"), minimiser, H, L


def figure_mse_hessian(plt, d):
    f, tstar, H, L = mse_surface(d)
    a, b = (float(v) for v in tstar)
    eig = sorted(float(v) for v in H.eigenvals())
    span1, span2 = 2.5, 2.5 * (eig[-1] / eig[0]) ** 0.5 / 4
    n = 160
    g1 = [a - span1 + 2 * span1 * k / n for k in range(n + 1)]
    g2 = [b - span2 * 4 + 8 * span2 * k / n for k in range(n + 1)]
    Z = [[f(u, v) for u in g1] for v in g2]
    fig, ax = plt.subplots(figsize=(7, 5.6))
    levels = sorted({f(a, b) + (k / 12) ** 2 * (max(map(max, Z)) - f(a, b)) for k in range(1, 13)})
    cs = ax.contour(g1, g2, Z, levels=levels, cmap="viridis")
    ax.clabel(cs, fontsize=7, fmt="%.3g")
    ax.plot([a], [b], "*", color="crimson", ms=14,
            label=rf"minimiser $(X^\top X)^{{-1}}X^\top y = ({sp.latex(tstar[0])}, {sp.latex(tstar[1])})$, "
                  rf"$L = {sp.latex(L.subs(dict(zip(sorted(L.free_symbols, key=str), tstar))))}$")
    name = _vector_name(d)
    ax.set_xlabel(f"${name}_1$ (slope)")
    ax.set_ylabel(f"${name}_2$ (intercept)")
    ax.set_title(rf"$L({name}) = \frac{{1}}{{n}}\Vert X{name} - y\Vert^2$, "
                 rf"$H = \frac{{2}}{{n}}X^\top X$ = {H.tolist()}, eigenvalues "
                 f"{', '.join(f'{e:.3g}' for e in eig)}", fontsize=9)
    ax.legend(loc="upper right", fontsize=8)
    fig.suptitle(f"{d.title} ({d.id}): x = (0, 1, 2, 3), y = (1, 2, 5, 10)", fontsize=10)
    fig.tight_layout()
    return fig


FIGURES = {
    "gd-quadratic-regression": figure_gd_quadratic_regression,
    "gaussian-mle-mean": figure_gaussian_mle_mean,
    "mse-hessian": figure_mse_hessian,
}


def draw(name: str, output, dpi: int = 150) -> Path:
    """Draw the figure of derivation `name` into output (.png, .pdf or .svg)."""
    import derive

    if name not in FIGURES:
        raise KeyError(f"no figure for {name!r}; figures exist for: {', '.join(FIGURES)}")
    output = Path(output)
    if output.suffix.lower() not in FORMATS:
        raise ValueError(f"unsupported output {output.name!r}: expected one of {', '.join(FORMATS)}")
    plt = _pyplot()
    d = derive.get(name)
    fig = FIGURES[name](plt, d)
    fig.savefig(output, dpi=dpi)
    plt.close(fig)
    return output


def run(args: argparse.Namespace) -> int:
    import derive

    from derive.commands.output import check_writable

    output = args.output or f"{args.id}.png"
    check_writable(output, what="figure")
    if args.id not in derive.names():
        print(f"derive plot: unknown id {args.id!r}; figures exist for: {', '.join(FIGURES)}", file=sys.stderr)
        return 2
    try:
        path = draw(args.id, output, dpi=args.dpi)
    except RuntimeError as exc:
        print(f"derive plot: {exc}", file=sys.stderr)
        return 1
    except (KeyError, ValueError) as exc:
        print(f"derive plot: {exc.args[0]}", file=sys.stderr)
        return 2
    print(f"wrote {path}", file=sys.stderr)
    return 0
