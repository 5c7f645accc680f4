"""Operations on expression trees (no SymPy): render, substitute, definitions and their expansion.

Shared by the document model (which records definitions) and the deciders (which expand them).
"""

from __future__ import annotations

from derive.verify.read import nodes as N


def apply_key(node: N.Apply) -> str:
    return f"{node.fn}/{len(node.args)}/{len(node.given)}/{render(node.params) if node.params else ''}"


def find_definition(definitions: dict, node: N.Apply):
    """The definition of f that applies to this application, as (params, body), or None.

    A parameter that is a plain name matches any argument; a parameter x_i matches only
    arguments x_k (same base). An exact match wins; among equals the latest definition.
    """
    entries = definitions.get(apply_key(node))
    if not entries:
        return None
    args = node.args + node.given
    best = None
    for params, body in reversed(entries):
        if len(params) not in (len(args), len(node.args)):
            continue
        pairs = list(zip(params, args))
        if all(p == a for p, a in pairs):
            return params, body
        ok = True
        for p, a in pairs:
            if isinstance(p, N.Sym) and p != a and _is_collection(p, body):
                ok = False  # P(x | theta) with x = (x_1, ..., x_n): only for x itself
                break
            if isinstance(p, N.Indexed):
                if not (isinstance(a, N.Indexed) and a.base == p.base and len(a.indices) == len(p.indices)):
                    ok = False
                    break
        if ok and best is None:
            best = (params, body)
    return best


def _is_collection(param: N.Sym, body) -> bool:
    return any(isinstance(n, N.Indexed) and n.base == param.name for n in body.walk())


def bind(params, args) -> dict:
    """Parameter -> argument mapping for substitute_nodes (x_i -> x_k also maps i -> k)."""
    mapping = {}
    for p, a in zip(params, args):
        mapping[p] = a
        if isinstance(p, N.Indexed) and isinstance(a, N.Indexed):
            for pi, ai in zip(p.indices, a.indices):
                if isinstance(pi, N.Sym) and pi != ai:
                    mapping[pi] = ai
    return mapping


def substitute(node, mapping: dict):
    """Replace Sym(name) by mapping[name] (an AST) throughout; index names too."""
    if not mapping:
        return node
    if isinstance(node, N.Sym):
        return mapping.get(node.name, node)
    if isinstance(node, N.Indexed):
        new = tuple(substitute(i, mapping) for i in node.indices)
        return N.Indexed(node.base, new)
    if isinstance(node, N.BigOp):
        inner = {k: v for k, v in mapping.items() if k != node.index}
        return N.BigOp(node.op, node.index,
                       substitute(node.lo, mapping) if node.lo is not None else None,
                       substitute(node.hi, mapping) if node.hi is not None else None,
                       substitute(node.body, inner))
    if isinstance(node, tuple):
        return tuple(substitute(x, mapping) for x in node)
    if not isinstance(node, N.Node):
        return node
    values = {}
    for k, v in node.__dict__.items():
        if isinstance(v, N.Node):
            values[k] = substitute(v, mapping)
        elif isinstance(v, tuple):
            values[k] = tuple(
                substitute(x, mapping) if isinstance(x, (N.Node, tuple)) else x for x in v
            )
        else:
            values[k] = v
    return type(node)(**values)


def render(node) -> str:
    """A compact readable form of a tree, for display and as a key."""
    if isinstance(node, tuple):
        return ",".join(render(x) for x in node)
    if isinstance(node, N.Num):
        return node.text
    if isinstance(node, N.Const):
        return {"pi": "\\pi", "e": "e", "oo": "\\infty"}[node.name]
    if isinstance(node, N.Sym):
        return node.name
    if isinstance(node, N.Indexed):
        return node.base + "_{" + ",".join(render(i) for i in node.indices) + "}"
    if isinstance(node, N.Add):
        out = render(node.terms[0])
        for t in node.terms[1:]:
            out += " - " + render(t.arg) if isinstance(t, N.Neg) else " + " + render(t)
        return out
    if isinstance(node, N.Neg):
        return "-" + _wrap(node.arg)
    if isinstance(node, N.Mul):
        return " ".join(_wrap(f) for f in node.factors)
    if isinstance(node, N.Div):
        return "\\frac{" + render(node.num) + "}{" + render(node.den) + "}"
    if isinstance(node, N.Pow):
        return _wrap(node.base) + "^{" + render(node.exp) + "}"
    if isinstance(node, N.Transpose):
        return _wrap(node.arg) + "^\\top"
    if isinstance(node, N.Call):
        return "\\" + node.fn + "(" + render(node.args) + ")"
    if isinstance(node, N.Norm):
        return "\\|" + render(node.arg) + "\\|_" + str(node.p)
    if isinstance(node, N.Apply):
        given = (" \\mid " + render(node.given)) if node.given else ""
        sub = ("_{" + render(node.params) + "}") if node.params else ""
        return node.fn + sub + "'" * max(node.primes, 0) + "(" + render(node.args) + given + ")"
    if isinstance(node, N.BigOp):
        lo = ("=" + render(node.lo)) if node.lo is not None else ""
        hi = ("^{" + render(node.hi) + "}") if node.hi is not None else ""
        return "\\" + node.op + "_{" + node.index + lo + "}" + hi + " " + _wrap(node.body)
    if isinstance(node, N.Grad):
        sub = ("_{" + render(node.wrt) + "}") if node.wrt is not None else ""
        sup = "^2" if node.order == 2 else ""
        return "\\nabla" + sup + sub + " " + _wrap(node.body)
    if isinstance(node, N.Deriv):
        if node.order != 1:
            return ("\\frac{\\partial^{" + str(node.order) + "}}{\\partial " + _wrap(node.wrt) + "^{"
                    + str(node.order) + "}} " + _wrap(node.body))
        return "\\frac{\\partial}{\\partial " + render(node.wrt) + "} " + _wrap(node.body)
    if isinstance(node, N.Opt):
        return "\\" + node.kind + "_{" + render(node.wrt) + "} " + render(node.body)
    if isinstance(node, N.Density):
        x = render(node.x) + " \\mid " if node.x is not None else ""
        return node.family + "(" + x + render(node.params) + ")"
    if isinstance(node, N.Matrix):
        return "[" + "; ".join(", ".join(render(c) for c in row) for row in node.rows) + "]"
    if isinstance(node, N.Equation):
        return render(node.lhs) + " " + node.rel + " " + render(node.rhs)
    return _render_more(node)


def _render_more(node) -> str:
    """The nodes of the read stage's later constructs."""
    if isinstance(node, N.Elementwise):
        op = " \\odot " if node.kind == "hadamard" else " \\otimes "
        return _wrap(node.left) + op + _wrap(node.right)
    if isinstance(node, N.Expect):
        under = ""
        if node.var is not None:
            under = "_{" + render(node.var) + (" \\sim " + render(node.dist) if node.dist is not None else "") + "}"
        given = (" \\mid " + render(node.given)) if node.given else ""
        head = {"E": "\\mathbb{E}", "Var": "\\operatorname{Var}", "Cov": "\\operatorname{Cov}"}[node.op]
        return head + under + "[" + render(node.args) + given + "]"
    if isinstance(node, N.Integral):
        bounds = ("_{" + render(node.lo) + "}^{" + render(node.hi) + "}") if node.lo is not None else ""
        return "\\int" + bounds + " " + _wrap(node.body) + " \\, d" + render(node.var)
    if isinstance(node, N.Evaluated):
        at = (render(node.var) + "=" if node.var is not None else "") + render(node.hi if node.lo is None else node.lo)
        top = ("^{" + render(node.hi) + "}") if node.lo is not None else ""
        return "\\left. " + render(node.body) + " \\right|_{" + at + "}" + top
    if isinstance(node, N.Limit):
        return "\\lim_{" + render(node.var) + " \\to " + render(node.point) + "} " + _wrap(node.body)
    if isinstance(node, N.Sequence):
        return render(node.first) + ", \\ldots, " + render(node.last)
    if isinstance(node, N.Cases):
        rows = [render(v) + " & " + (render(c) if c is not None else "\\text{otherwise}") for v, c in node.pieces]
        return "\\begin{cases} " + " \\\\ ".join(rows) + " \\end{cases}"
    return "?"


def _wrap(node) -> str:
    text = render(node)
    if isinstance(node, (N.Add, N.Neg)):
        return "(" + text + ")"
    return text


# --- expanding definitions ---------------------------------------------------------------------


def stated_distribution(node: N.Expect, definitions: dict) -> N.Expect:
    """E[X] where the document states X ~ Bernoulli(p) (so p(X) is defined): over that law."""
    names = [node.var] if isinstance(node.var, N.Sym) else []
    for arg in node.args:
        for n in arg.walk():
            if isinstance(n, N.Sym) and n not in names:
                names.append(n)
    found = []
    for name in names:
        if found and found[0][0] == node.var:
            break
        got = find_definition(definitions, N.Apply("p", (name,)))
        if got is not None and isinstance(got[1], N.Density) and got[1].x == name:
            found.append((name, got[1]))
    if len(found) != 1:
        return node
    name, density = found[0]
    return N.Expect(node.op, node.args, node.given, name, N.Density(density.family, None, density.params))


def expand(node, definitions: dict, depth: int = 0):
    """Replace applications of defined functions by their definitions (AST level)."""
    if node is None or depth > 6 or not definitions:
        return node

    def named_function(name, var):
        """d sigma / dz with sigma(z) defined: the application sigma(z); L with L(u, lambda)
        defined: L(u, lambda) itself."""
        for key, entries in definitions.items():
            if key.split("/")[0] != name or not entries:
                continue
            params, _ = entries[-1]
            if len(params) == 1:
                return N.Apply(name, (var,))
            if var in params:
                fn, nargs, ngiven = key.split("/")[:3]
                nargs = int(nargs)
                return N.Apply(name, tuple(params[:nargs]), tuple(params[nargs:]))
        return None

    def visit(n):
        if isinstance(n, N.Expect) and n.dist is None:
            n = stated_distribution(n, definitions)
        if isinstance(n, (N.Grad, N.Deriv)) and isinstance(n.body, N.Sym) and isinstance(n.wrt, (N.Sym, N.Indexed)):
            app = named_function(n.body.name, n.wrt)
            if app is not None:
                n = N.Grad(app, n.wrt, n.order) if isinstance(n, N.Grad) else N.Deriv(app, n.wrt, n.order)
        if isinstance(n, N.Grad) and isinstance(n.body, N.Apply) and len(n.body.args) == 1 \
                and isinstance(n.body.args[0], (N.Sym, N.Indexed)) and n.wrt != n.body.args[0] \
                and (n.wrt is None or isinstance(n.wrt, (N.Sym, N.Indexed))):
            # nabla_theta L(theta_k): the gradient in the argument, at the point theta_k
            n = N.Grad(n.body, n.body.args[0], n.order)
        if isinstance(n, N.Apply) and n.primes in (1, 2) and len(n.args) == 1 and isinstance(n.args[0], (N.Sym, N.Indexed)):
            found = find_definition(definitions, N.Apply(n.fn, n.args, n.given, n.params, 0))
            if found is not None:
                params, body = found
                value = expand(substitute_nodes(body, bind(params, n.args + n.given)), definitions, depth + 1)
                return N.Deriv(value, n.args[0], n.primes)  # f'(w_t): the derivative at the point
        if isinstance(n, N.Apply) and n.primes == 0:
            found = find_definition(definitions, n)
            if found is not None:
                params, body = found
                return expand(substitute_nodes(body, bind(params, n.args + n.given)), definitions, depth + 1)
            return N.Apply(n.fn, tuple(visit(a) for a in n.args), tuple(visit(g) for g in n.given), n.params, n.primes)
        if not isinstance(n, N.Node):
            return n
        values = {}
        for k, v in n.__dict__.items():
            if isinstance(v, N.Node):
                values[k] = visit(v)
            elif isinstance(v, tuple):
                values[k] = tuple(
                    visit(x) if isinstance(x, N.Node) else (tuple(visit(y) for y in x) if isinstance(x, tuple) else x)
                    for x in v
                )
            else:
                values[k] = v
        return type(n)(**values)

    return visit(node)


def substitute_nodes(body, mapping: dict):
    """Replace parameter nodes (Sym or Indexed) by arguments; Sym parameters also rename
    the index of an Indexed (x -> x_k does not apply) and Indexed parameters match exactly."""
    sym_map = {p.name: a for p, a in mapping.items() if isinstance(p, N.Sym)}
    node_map = {p: a for p, a in mapping.items() if not isinstance(p, N.Sym)}
    if node_map:
        body = _replace_nodes(body, node_map)
    return substitute(body, sym_map) if sym_map else body


def _replace_nodes(node, mapping):
    if isinstance(node, N.Node) and node in mapping:
        return mapping[node]
    if isinstance(node, tuple):
        return tuple(_replace_nodes(x, mapping) for x in node)
    if not isinstance(node, N.Node):
        return node
    values = {k: _replace_nodes(v, mapping) if isinstance(v, (N.Node, tuple)) else v for k, v in node.__dict__.items()}
    return type(node)(**values)


# --- names at the tree level -------------------------------------------------------------------


def names_of(node) -> set:
    out = set()
    if node is None:
        return out
    for n in node.walk():
        if isinstance(n, N.Sym):
            out.add(n.name)
        elif isinstance(n, N.Indexed):
            out.add(n.base + "[]")
        elif isinstance(n, N.Apply):
            out.add("fn:" + n.fn)
    return out


def opaque_terms(node) -> set:
    """The applications of undefined functions, as written (indices of sums abstracted)."""
    out = set()
    if node is None:
        return out
    for n in node.walk():
        if isinstance(n, N.Apply) or isinstance(n, (N.Grad, N.Deriv)) and isinstance(n.body, (N.Apply, N.Sym, N.Indexed)):
            out.add(render(n))
    return out


def bound_indices(node) -> set:
    return {n.index for n in node.walk() if isinstance(n, N.BigOp)} if node is not None else set()


def opaque_functions(node) -> set:
    return {n.fn for n in node.walk() if isinstance(n, N.Apply)} if node is not None else set()
