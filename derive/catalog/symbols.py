"""The symbols the catalogue shares, so that every derivation speaks of the same X, w, y, n.

Scalars are real; scales are positive; sizes and sample counts are positive integers; matrices
and vectors are MatrixSymbols with symbolic shapes; per-sample data are IndexedBase objects
summed over the index i from 1 to n.
"""

import sympy as sp

# sizes and counts
n, d, k = sp.symbols("n d k", integer=True, positive=True)
N = sp.Symbol("N", integer=True, positive=True)
i = sp.Symbol("i", integer=True, positive=True)
j = sp.Symbol("j", integer=True, positive=True)

# least squares: X is n x d, targets y, parameters w (or theta / t)
X = sp.MatrixSymbol("X", n, d)
y = sp.MatrixSymbol("y", n, 1)
w = sp.MatrixSymbol("w", d, 1)
theta = sp.MatrixSymbol("theta", d, 1)
t = sp.MatrixSymbol("t", d, 1)
h = sp.MatrixSymbol("h", d, 1)  # a perturbation
v = sp.MatrixSymbol("v", d, 1)  # a direction
A = sp.MatrixSymbol("A", d, d)
b = sp.MatrixSymbol("b", d, 1)
I_d = sp.Identity(d)

# scalars
sigma, tau, lam, eta = sp.symbols("sigma tau lambda eta", positive=True)
scale_b = sp.Symbol("b", positive=True)  # the Laplace scale
mu = sp.Symbol("mu", real=True)
p = sp.Symbol("p", positive=True)
rate = sp.Symbol("lambda", positive=True)

# per-sample data
x_ = sp.IndexedBase("x", real=True)
y_ = sp.IndexedBase("y", real=True)
f_ = sp.IndexedBase("f", real=True)  # model predictions f(x_i; theta)
r_ = sp.IndexedBase("r", real=True)  # residuals
