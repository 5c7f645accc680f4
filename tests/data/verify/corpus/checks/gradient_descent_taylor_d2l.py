"""Checks for gradient-descent-taylor-d2l on f(x) = exp(x) - 2x (f'' = f''' = exp > 0, x* = log 2)
and on a random smooth function of three variables; orders of remainders by shrinking the step."""
import numpy as np
from checklib import Result

f = lambda x: np.exp(x) - 2 * x  # noqa: E731
f1 = lambda x: np.exp(x) - 2  # noqa: E731
f2 = f3 = np.exp
xstar = np.log(2.0)


def order(remainder, power):
    """remainder(h) / h**power stays bounded (ratios at h and h/10 within a factor 2 of each other)."""
    r1, r2 = abs(remainder(1e-2)) / 1e-2**power, abs(remainder(1e-3)) / 1e-3**power
    ok = r2 < 2 * r1 + 1e-9 and abs(remainder(1e-3)) < abs(remainder(1e-2))
    return Result(bool(ok), f"sampled: remainder / h^{power} is {r1:.3g} at h = 1e-2 and {r2:.3g} at h = 1e-3")


A = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 1.5]])
g = lambda x: np.sum(np.exp(0.3 * x)) + 0.5 * x @ A @ x  # noqa: E731
g1 = lambda x: 0.3 * np.exp(0.3 * x) + A @ x  # noqa: E731
g2 = lambda x: np.diag(0.09 * np.exp(0.3 * x)) + A  # noqa: E731
x0, d = np.array([0.4, -1.0, 2.0]), np.array([0.6, 0.8, -0.5])


def xi_for(xk):
    """The xi of the Lagrange remainder, from f''' = exp: solve the expansion of line 35 for f'''(xi)."""
    e = xk - xstar
    f3xi = 2 * (f1(xk - e) - f1(xk) + e * f2(xk)) / e**2
    return e, f3xi


def lagrange():
    for xk in (1.7, 0.1, -0.8):
        e, f3xi = xi_for(xk)
        lo, hi = sorted((f3(xk - e), f3(xk)))
        if not lo - 1e-12 <= f3xi <= hi + 1e-12:
            return Result(False, f"sampled: no xi in the interval at x = {xk}")
    return Result(True, "sampled: at x^(k) = 1.7, 0.1, -0.8 the needed f'''(xi) lies between f''' at the interval's ends")


def divide():
    for xk in (1.7, 0.1, -0.8):
        e, f3xi = xi_for(xk)
        if not np.isclose(e - f1(xk) / f2(xk), 0.5 * e**2 * f3xi / f2(xk)):
            return Result(False, f"sampled: the divided form fails at x = {xk}")
    return Result(True, "sampled: the divided form holds at three points, with the xi of line 35")


def newton_error():
    for xk in (1.7, 0.1, -0.8):
        e, f3xi = xi_for(xk)
        e_next = (xk - f1(xk) / f2(xk)) - xstar
        if not np.isclose(abs(e_next), 0.5 * e**2 * abs(f3xi) / f2(xk)):
            return Result(False, f"sampled: |e^(k+1)| differs at x = {xk}")
    return Result(True, "sampled: |e^(k+1)| after a Newton step equals the right side at three points")


CHECKS = {
    "taylor1": lambda: order(lambda h: f(0.7 + h) - f(0.7) - h * f1(0.7), 2),
    "taylor_step": lambda: order(lambda eta: f(0.7 - eta * f1(0.7)) - f(0.7) + eta * f1(0.7) ** 2, 2),
    "descent": lambda: Result(all(f(x - 1e-3 * f1(x)) < f(x) for x in (-2.0, 0.1, 1.5, 3.0)),
                              "sampled: f(x - 0.001 f'(x)) < f(x) at four points with f'(x) != 0"),
    "taylor_multi": lambda: order(lambda h: g(x0 + h * d) - g(x0) - h * d @ g1(x0), 2),
    "taylor_second": lambda: order(lambda h: g(x0 + h * d) - g(x0) - h * d @ g1(x0) - 0.5 * h**2 * d @ g2(x0) @ d, 3),
    "newton_step": lambda: Result(bool(np.allclose(g1(x0) + g2(x0) @ (-np.linalg.solve(g2(x0), g1(x0))), 0)),
                                  "sampled: epsilon = -H^-1 grad solves grad + H epsilon = 0 at a random point"),
    "optimality": lambda: Result(bool(abs(f1(xstar)) < 1e-15), "exact: f'(log 2) = 0"),
    "lagrange_remainder": lagrange,
    "divide": divide,
    "newton_error": newton_error,
}
