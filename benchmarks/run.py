"""Benchmarks of the generated solvers (run by hand, never by pytest); prints a Markdown report.

    python benchmarks/run.py            # full sizes (several minutes, ~2 GB of RAM)
    python benchmarks/run.py --quick    # small sizes, for a smoke test
    python benchmarks/run.py --only ls  # one section: ls, lasso, lad, gd, mle, startup

Every timing is the best of k repeats, the candidates of one problem interleaved round by
round (in a shuffled order) in one process (so a burst of load elsewhere hits them alike), reported as a ratio to the
floor: one `X.T @ X` in numpy (a SYRK), the least any normal-equations solver must do.
Progress goes to stderr when it is a terminal; the report goes to stdout.

OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, if set, are recorded (not changed); to benchmark another
OpenBLAS kernel unset both in the one command that runs this script, e.g.
`env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/run.py`.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROGRESS = sys.stderr.isatty()


def progress(msg: str) -> None:
    if PROGRESS:
        print(f"\r\033[K{msg}", end="", file=sys.stderr, flush=True)


def done_progress() -> None:
    if PROGRESS:
        print("\r\033[K", end="", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------ machine


def machine() -> list[str]:
    import scipy
    import sympy

    lines = []
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        ncpu = len(os.sched_getaffinity(0))
    except AttributeError:
        ncpu = os.cpu_count()
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        mem_text = f"{mem:.0f} GiB"
    except (ValueError, OSError, AttributeError):
        mem_text = "?"
    lines.append(f"- machine: {cpu}, nproc = {ncpu}, {mem_text} RAM, {platform.platform()}")
    lines.append(
        f"- python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"sympy {sympy.__version__}"
        + _version(", scikit-learn ", "sklearn")
        + _version(", dask ", "dask")
    )
    try:
        from threadpoolctl import threadpool_info

        import scipy.linalg  # noqa: F401 - load scipy's BLAS too

        for info in threadpool_info():
            lines.append(
                f"- {info.get('user_api')}: {info.get('internal_api')} {info.get('version')} "
                f"(kernel {info.get('architecture', '?')}, {info.get('num_threads')} threads, "
                f"{Path(info.get('filepath', '?')).name})"
            )
    except ImportError:
        lines.append("- BLAS: threadpoolctl not installed, kernel unknown")
    env = {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
    lines.append("- environment: " + ", ".join(f"{k}={v if v is not None else '(unset)'}" for k, v in env.items()))
    try:
        load = os.getloadavg()
        lines.append(f"- load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    except OSError:
        pass
    return lines


def _version(prefix, module):
    try:
        return prefix + __import__(module).__version__
    except ImportError:
        return ""


# ------------------------------------------------------------------------------ timing


def race(candidates: dict, k: int, budget: float = 20.0) -> dict:
    """Best-of-k seconds for each callable, interleaved round by round.

    A candidate slower than budget / k per run gets fewer rounds (at least one).
    """
    best = {name: float("inf") for name in candidates}
    slow = set()
    # tiny problems: more rounds (up to 0.3 s in all), so that the minimum is a real minimum
    t0 = time.perf_counter()
    for fn in candidates.values():
        fn()
    once = time.perf_counter() - t0
    k = max(k, min(200, int(0.3 / max(once, 1e-9))))
    order = list(candidates)
    shuffle = np.random.default_rng(0).shuffle
    for r in range(k):
        shuffle(order)  # no candidate always runs right after the same other one
        for name in order:
            fn = candidates[name]
            if name in slow and r > 0:
                continue
            t0 = time.perf_counter()
            fn()
            dt = time.perf_counter() - t0
            best[name] = min(best[name], dt)
            if dt * k > budget:
                slow.add(name)
    return best


def fmt_ratio(x: float) -> str:
    return f"{x:.2f}" if x < 100 else f"{x:.0f}"


def fmt_time(t: float) -> str:
    if t < 1e-3:
        return f"{t * 1e6:.0f} µs"
    if t < 1:
        return f"{t * 1e3:.1f} ms"
    return f"{t:.2f} s"


# ------------------------------------------------------------------------------ sections


def least_squares(sizes, k, lam=1.0) -> list[str]:
    import numeric
    from derive import catalog

    ols = catalog.get("normal-equations").solver()
    ridge = catalog.get("ridge-solution").solver()
    try:
        from sklearn.linear_model import LinearRegression, Ridge
    except ImportError:
        LinearRegression = Ridge = None
    rows = []
    header = [
        "n", "d", "floor X^T X", "derive OLS", "derive ridge", "derive OLS kernel (unchecked)",
        "numeric.ols", "numeric.ridge", "np.linalg.lstsq", "sklearn LinearRegression",
        "sklearn Ridge (cholesky)",
    ]
    kernel = getattr(ols, "kernel", None)  # the generated function without the input checks
    rng = np.random.default_rng(0)
    for n, d in sizes:
        progress(f"least squares n={n} d={d}")
        X = rng.standard_normal((n, d))
        y = X @ rng.standard_normal(d) + rng.standard_normal(n)
        cands = {
            "floor": lambda: X.T @ X,
            "ols": lambda: ols(X, y),
            "ridge": lambda: ridge(X, y, lam),
            "numeric.ols": lambda: numeric.ols(X, y),
            "numeric.ridge": lambda: numeric.ridge(X, y, lam),
            "lstsq": lambda: np.linalg.lstsq(X, y, rcond=None),
        }
        if kernel is not None:
            cands["kernel"] = lambda: kernel(X, y)
        if LinearRegression is not None:
            cands["sk.lr"] = lambda: LinearRegression(fit_intercept=False).fit(X, y)
            cands["sk.ridge"] = lambda: Ridge(alpha=lam, fit_intercept=False, solver="cholesky").fit(X, y)
        t = race(cands, k)
        f = t["floor"]
        row = [str(n), str(d), fmt_time(f)] + [
            fmt_ratio(t[c] / f) if c in t else "-"
            for c in ("ols", "ridge", "kernel", "numeric.ols", "numeric.ridge", "lstsq", "sk.lr",
                      "sk.ridge")
        ]
        rows.append(row)
    return table(header, rows)


def least_squares_single_thread(sizes, k) -> list[str]:
    """The same comparison with BLAS limited to one thread (floor and solver alike)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return ["(threadpoolctl not installed: single-thread comparison skipped)"]
    from derive import catalog

    ols = catalog.get("normal-equations").solver()
    rows = []
    rng = np.random.default_rng(1)
    for n, d in sizes:
        progress(f"least squares, 1 BLAS thread, n={n} d={d}")
        X = rng.standard_normal((n, d))
        y = rng.standard_normal(n)
        with threadpool_limits(1, user_api="blas"):
            t = race({"floor": lambda: X.T @ X, "two": lambda: (X.T @ X, X.T @ y), "ols": lambda: ols(X, y)}, k)
        rows.append([str(n), str(d), fmt_time(t["floor"]), fmt_ratio(t["two"] / t["floor"]), fmt_ratio(t["ols"] / t["floor"])])
    return table(["n", "d", "floor (1 thread)", "X^T X then X^T y", "derive OLS"], rows)


def dask_rows(k) -> list[str]:
    try:
        import dask
        import dask.array as da
    except ImportError:
        return ["(dask not installed: skipped)"]
    from derive import catalog

    ols = catalog.get("normal-equations").solver()
    rng = np.random.default_rng(2)
    n, d = 1_000_000, 20
    X = rng.standard_normal((n, d))
    y = rng.standard_normal(n)
    Xd = da.from_array(X, chunks=(50_000, d))
    yd = da.from_array(y, chunks=50_000)
    progress("dask OLS")
    rows = []
    for sched in ("threads", "synchronous"):
        with dask.config.set(scheduler=sched):
            t = race({"floor": lambda: X.T @ X, "np": lambda: ols(X, y), "dask": lambda: ols(Xd, yd)}, k)
        rows.append([sched, f"{n} x {d}, 20 chunks", fmt_time(t["floor"]), fmt_ratio(t["np"] / t["floor"]), fmt_ratio(t["dask"] / t["floor"])])
    return table(["dask scheduler", "X", "floor", "derive OLS (numpy)", "derive OLS (dask)"], rows)


def lasso(sizes, k) -> list[str]:
    import numeric
    from derive import catalog

    solver = catalog.get("map-laplace-prior-lasso").solver()
    try:
        from sklearn.linear_model import Lasso
    except ImportError:
        Lasso = None
    rows = []
    rng = np.random.default_rng(3)
    for n, d, corr in sizes:
        progress(f"lasso n={n} d={d}")
        base = rng.standard_normal((n, 1))
        X = np.sqrt(1 - corr) * rng.standard_normal((n, d)) + np.sqrt(corr) * base
        w = np.zeros(d)
        w[: max(1, d // 10)] = rng.standard_normal(max(1, d // 10)) * 3
        y = X @ w + rng.standard_normal(n)
        lam = 0.1 * 2 * np.max(np.abs(X.T @ y))
        info = solver(X, y, lam, return_info=True)
        cands = {
            "floor": lambda: X.T @ X,
            "derive": lambda: solver(X, y, lam),
            "numeric": lambda: numeric.lasso(X, y, lam, tol=1e-4),
        }
        if Lasso is not None:
            cands["sk"] = lambda: Lasso(alpha=lam / (2 * n), fit_intercept=False, tol=1e-4).fit(X, y)
            cands["sk.gram"] = lambda: Lasso(
                alpha=lam / (2 * n), fit_intercept=False, tol=1e-4, precompute=True
            ).fit(X, y)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = race(cands, k)
        f = t["floor"]
        nnz = int(np.count_nonzero(info.coef))
        rows.append(
            [str(n), str(d), f"{corr:g}", f"{nnz}", str(info.n_iter), fmt_time(f)]
            + [fmt_ratio(t[c] / f) if c in t else "-" for c in ("derive", "numeric", "sk", "sk.gram")]
        )
    return table(
        ["n", "d", "column corr.", "nonzeros", "CD sweeps", "floor X^T X", "derive lasso",
         "numeric.lasso (tol 1e-4)", "sklearn Lasso", "sklearn Lasso (precompute)"],
        rows,
    )


def lad(sizes, k) -> list[str]:
    from scipy import sparse
    from scipy.optimize import linprog

    import numeric
    from derive import catalog

    try:
        solver = catalog.get("laplace-nll-mae").solver(part="lad")
    except Exception:
        from derive.codegen.solvers import _lad

        class _Stub:  # until the likelihood module provides laplace-nll-mae
            id = "laplace-nll-mae"
            extras = {}

        solver = _lad(_Stub())
    rows = []
    rng = np.random.default_rng(4)
    for n, d in sizes:
        progress(f"LAD n={n} d={d}")
        X = rng.standard_normal((n, d))
        y = X @ rng.standard_normal(d) + rng.laplace(size=n)
        eye = sparse.identity(n, format="csr")
        A = sparse.hstack([sparse.csr_matrix(X), eye, -eye], format="csr")
        cost = np.concatenate([np.zeros(d), np.ones(2 * n)])
        bounds = [(None, None)] * d + [(0, None)] * (2 * n)

        def ipm():
            return linprog(cost, A_eq=A, b_eq=y, bounds=bounds, method="highs-ipm")

        res = ipm()
        info = solver(X, y, return_info=True)
        cands = {"floor": lambda: X.T @ X, "derive": lambda: solver(X, y), "ipm": ipm}
        if n <= 20_000:  # HiGHS simplex on the LP takes minutes at n = 1e5 (352 s, 865 s measured)
            cands["numeric"] = lambda: numeric.lad(X, y)
        t = race(cands, k, budget=30)
        rel = (info.objective - res.fun) / res.fun
        rows.append(
            [str(n), str(d), fmt_time(t["derive"]), fmt_time(t["ipm"]), f"{t['ipm'] / t['derive']:.0f}x",
             fmt_time(t["numeric"]) if "numeric" in t else "minutes (skipped)", f"{rel:.1e}", "yes" if info.certified else "no",
             str(info.n_iter), fmt_ratio(t["derive"] / t["floor"])]
        )
    return table(
        ["n", "d", "derive LAD (IRLS)", "linprog highs-ipm", "speed-up", "numeric.lad (HiGHS)",
         "objective vs LP (rel.)", "certified optimal", "IRLS steps", "derive / floor"],
        rows,
    )


def gd(k) -> list[str]:
    import numeric
    from derive import catalog

    solver = catalog.get("gd-update-mse").solver()
    rows = []
    rng = np.random.default_rng(5)
    for n, d, steps in ((100_000, 20, 100), (10_000, 100, 200)):
        progress(f"GD n={n} d={d}")
        X = rng.standard_normal((n, d))
        y = rng.standard_normal(n)
        eta = 0.5 * n / np.linalg.norm(X, 2) ** 2

        def stepwise():
            t_ = np.zeros(d)
            for _ in range(steps):
                t_ = solver(X, y, t_, eta)
            return t_

        t = race({
            "floor": lambda: X.T @ X,
            "iterate": lambda: solver.iterate(np.zeros(d), steps, X=X, y=y, eta=eta),
            "stepwise": stepwise,
            "numeric": lambda: numeric.gd_least_squares(X, y, eta, steps),
        }, k)
        rows.append([str(n), str(d), str(steps), fmt_time(t["floor"])] + [
            fmt_ratio(t[c] / t["floor"]) for c in ("iterate", "stepwise", "numeric")])
    return table(["n", "d", "steps", "floor X^T X", "derive .iterate (affine M t + o)",
                  "derive step, called per step", "numeric.gd_least_squares (with losses)"], rows)


def mle(k) -> list[str]:
    import numeric
    from scipy import stats

    from derive import catalog

    rng = np.random.default_rng(6)
    n = 1_000_000
    rows = []
    cases = [
        ("gaussian-mle-mean", rng.normal(3, 2, n), lambda x: numeric.gaussian_mle(x).mean, lambda x: stats.norm.fit(x)[0]),
        ("gaussian-mle-variance", rng.normal(3, 2, n), lambda x: numeric.gaussian_mle(x).variance, lambda x: stats.norm.fit(x)[1] ** 2),
        ("bernoulli-mle", rng.integers(0, 2, n).astype(float), numeric.bernoulli_mle, lambda x: np.mean(x)),
        ("poisson-mle", rng.poisson(4.0, n).astype(float), numeric.poisson_mle, lambda x: np.mean(x)),
        ("exponential-mle", rng.exponential(2.0, n), numeric.exponential_mle, lambda x: 1 / stats.expon.fit(x, floc=0)[1]),
        ("laplace-mle", rng.laplace(1.0, 2.0, n), lambda x: numeric.laplace_mle(x).scale, lambda x: stats.laplace.fit(x)[1]),
        ("laplace-mle [location]", rng.laplace(1.0, 2.0, n), lambda x: numeric.laplace_mle(x).location, lambda x: stats.laplace.fit(x)[0]),
    ]
    options = {"gaussian-mle-variance": {"mu": "mle"}, "laplace-mle [location]": {"part": "location"}}
    for name, x, ref, outside in cases:
        progress(f"MLE {name}")
        try:
            solver = catalog.get(name.split(" ")[0]).solver(**options.get(name, {}))
        except Exception as exc:  # not in the catalogue yet
            rows.append([name, "-", "-", "-", f"not available: {type(exc).__name__}"])
            continue
        arg = solver.inputs[0]
        t = race({"derive": lambda: solver(**{arg: x}), "numeric": lambda: ref(x), "outside": lambda: outside(x)}, k)
        got = solver(**{arg: x})
        got = got[0] if isinstance(got, tuple) else got
        rows.append([name, fmt_time(t["derive"]), fmt_time(t["numeric"]), fmt_time(t["outside"]),
                     f"{abs(float(np.ravel(got)[0]) - float(np.ravel(ref(x))[0])):.1e}"])
    return table(["estimator (n = 1e6)", "derive", "numeric", "scipy.stats fit / numpy", "|derive - numeric|"], rows)


def startup(k) -> list[str]:
    py = sys.executable
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    rows = []

    def best_of(args, reps):
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            proc = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True)
            times.append(time.perf_counter() - t0)
        return min(times), proc

    progress("startup: python")
    base, _ = best_of([py, "-c", "pass"], k)
    for label, code in (("import derive", "import derive"), ("import sympy", "import sympy"),
                        ("import numpy", "import numpy"),
                        ("import derive.codegen (printer and runtime)", "import derive.codegen")):
        progress(f"startup: {label}")
        t, proc = best_of([py, "-c", code], k)
        rows.append([label, fmt_time(t), fmt_time(max(t - base, 0.0)), "ok" if proc.returncode == 0 else "failed"])
    cli = [py, "-m", "derive"]
    runs = [("derive check (all, cold)", cli + ["check"])]
    seeds = sorted(Path(os.environ.get("DERIVE_SEEDS", ROOT.parent / "shared" / "seeds")).glob("*.txt"))
    runs += [(f"derive verify {p.name}", cli + ["verify", str(p)]) for p in seeds]
    for label, args in runs:
        progress(label)
        t, proc = best_of(args, 1)
        # exit 1 from verify means "found wrong steps", which is its job on these posts
        status = "ok" if proc.returncode in (0, 1) else f"exit {proc.returncode}"
        lines = proc.stdout.strip().splitlines() or proc.stderr.strip().splitlines() or [""]
        rows.append([label, fmt_time(t), "-", f"{status}: {lines[-1][:90]}"])
    rows.insert(0, ["python -c pass", fmt_time(base), "-", "ok"])
    return table(["process", f"best of {k} (wall)", "minus bare python", "status"], rows)


def table(header, rows) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


# ------------------------------------------------------------------------------ main


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke test)")
    ap.add_argument("-k", "--repeat", type=int, default=None, help="best of k (default 7, quick 3)")
    ap.add_argument("--only", choices=["ls", "lasso", "lad", "gd", "mle", "startup"], action="append")
    args = ap.parse_args(argv)
    k = args.repeat or (3 if args.quick else 7)
    only = set(args.only or ["ls", "lasso", "lad", "gd", "mle", "startup"])
    if args.quick:
        ls_sizes = [(10_000, 10), (20_000, 50)]
        lasso_sizes = [(20_000, 50, 0.0)]
        lad_sizes = [(2_000, 5)]
    else:
        ls_sizes = [(10_000, 10), (10_000, 200), (100_000, 10), (100_000, 100), (200_000, 100),
                    (1_000_000, 10), (1_000_000, 50)]
        lasso_sizes = [(100_000, 100, 0.0), (100_000, 100, 0.5), (1_000_000, 20, 0.0)]
        lad_sizes = [(10_000, 10), (100_000, 10), (100_000, 30)]
    out = Report()
    out += ["# derive benchmarks", ""]
    out += machine()
    out += ["", f"Times are best of {k}, candidates interleaved; ratios are to the floor (one `X.T @ X`, numpy SYRK) on the same data.", ""]
    t_start = time.perf_counter()
    out.flush()
    sections = [
        ("ls", "Least squares (ratio to the floor; lower is better)", lambda: (
            least_squares(ls_sizes, k)
            + ["", "Same, BLAS limited to one thread (floor and solver alike):", ""]
            + least_squares_single_thread(ls_sizes[-3:] if not args.quick else ls_sizes, k)
            + ["", "Dask (X^T X and X^T y reduced chunk by chunk, then one d x d solve):", ""]
            + (dask_rows(k) if not args.quick else ["(skipped in --quick)"])
        )),
        ("lasso", "Lasso, lam = 0.1 lam_max, tol 1e-4 (ratio to the floor)", lambda: lasso(lasso_sizes, k)),
        ("lad", "Least absolute deviations", lambda: lad(lad_sizes, max(3, k // 2))),
        ("gd", "Gradient descent on the MSE (ratio to the floor)", lambda: gd(k)),
        ("mle", "Estimators (n = 1e6)", lambda: mle(k)),
        ("startup", "Start-up and catalogue (subprocesses)", lambda: startup(5)),
    ]
    failed = 0
    for key, title, section in sections:
        if key not in only:
            continue
        out += [f"## {title}", ""]
        try:
            out += section()
        except Exception as exc:  # report and go on: one broken section must not hide the rest
            failed += 1
            out += [f"(section failed: {type(exc).__name__}: {exc})"]
        out += [""]
        done_progress()
        out.flush()
    out += [f"Total benchmark time {time.perf_counter() - t_start:.0f} s."]
    done_progress()
    out.flush()
    return 1 if failed else 0


class Report(list):
    """Lines of the Markdown report, printed section by section as they complete."""

    printed = 0

    def flush(self):
        if self.printed < len(self):
            print("\n".join(self[self.printed:]), flush=True)
            self.printed = len(self)


if __name__ == "__main__":
    sys.exit(main())
