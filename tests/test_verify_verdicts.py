"""derive verify: verdicts on small documents, the JSON contract, exit statuses."""

import json
import os
import subprocess
import sys

from derive.verify import verify_text

DATA = os.path.join(os.path.dirname(__file__), "data", "verify")


def verdicts(text, **kw):
    results, _ = verify_text(text, timeout=20, **kw)
    return [(r.step.line, r.outcome.verdict, r.outcome.method) for r in results]


def by_line(text, **kw):
    return {line: v for line, v, _ in verdicts(text, **kw)}


def test_correct_and_wrong_equalities():
    text = "$$\n(a + b)^2 = a^2 + 2ab + b^2 = a^2 + b^2\n$$\n"
    assert [v for _, v, _ in verdicts(text)] == ["verified", "wrong"]


def test_matrix_chain_with_transposes():
    text = (
        "$$\n\\begin{aligned}\n(Xw - y)^\\top (Xw - y) &= w^\\top X^\\top X w - w^\\top X^\\top y - y^\\top X w + y^\\top y \\\\\n"
        "&= w^\\top X^\\top X w - 2 y^\\top X w + y^\\top y \\\\\n&= w^\\top X^\\top X w - 2 X w y + y^\\top y\n\\end{aligned}\n$$\n"
    )
    assert [v for _, v, _ in verdicts(text)][:2] == ["verified", "verified"]


def test_a_sum_is_not_n_times_its_term():
    text = "$$\n\\sum_{i=1}^n x_i = n x_i\n$$\n"
    assert [v for _, v, _ in verdicts(text)] != ["verified"]


def test_same_minimiser_and_max_to_min():
    lines = by_line(open(os.path.join(DATA, "argmin.md")).read())
    assert lines[3] == "verified" and lines[4] == "verified"  # argmax prod = argmax sum log = argmin -sum log
    assert lines[9] == "verified" and lines[10] == "wrong"  # ridge scaled by 2 sigma^2; then a sign flip


def test_gradient_and_declarations(tmp_path):
    lines = by_line(open(os.path.join(DATA, "mse.md")).read())
    assert lines[10] == lines[11] == "verified"
    assert lines[12] == "wrong"  # the 1/n dropped from the cross term
    assert lines[19] == "verified"  # nabla_w of the definition of L(w)


def test_definitions_are_not_steps_to_check():
    results, _ = verify_text("$$\nL(w) = \\frac{1}{n}\\|Xw - y\\|^2\n$$\n")
    assert [(r.outcome.verdict, r.outcome.method) for r in results] == [("undecided", "definition")]


def test_unparsed_steps_say_why_and_where():
    results, _ = verify_text("$$\na + 1 = b + \\cdots\n$$\n")
    (r,) = results
    assert r.outcome.verdict == "unparsed" and "ellipsis" in r.outcome.reason and r.step.line == 2


def test_values_stated_in_the_prose_are_used():
    text = "Let $f(x) = x^2$ and $\\eta = 0.1$.\n\n$$\nx_{k+1} = x_k - \\eta \\nabla f(x_k) = x_k - 0.1 \\cdot 2 x_k = 0.8 x_k\n$$\n"
    assert verdicts(text) == [(4, "undecided", "definition"), (4, "verified", "symbolic"), (4, "verified", "symbolic")]


def test_a_value_not_stated_anywhere_is_undecided_not_wrong():
    text = "Let $f(x) = x^2$.\n\n$$\nx_{k+1} = x_k - \\eta \\nabla f(x_k) = x_k - 0.1 \\cdot 2 x_k\n$$\n"
    assert [v for _, v, _ in verdicts(text)] == ["undecided", "undecided"]


def test_unknown_functions_make_a_failure_undecided():
    text = "$$\nP(A \\mid B) P(B) = P(B \\mid A) P(A)\n$$\n"
    assert [v for _, v, _ in verdicts(text)] == ["undecided"]


def test_up_to_a_constant():
    text = "$$\n\\theta \\sim \\mathcal{N}(0, \\sigma^2)\n$$\n\n$$\n-\\log p(\\theta) = \\frac{\\theta^2}{2\\sigma^2} + \\text{const}\n$$\n"
    assert [v for _, v, _ in verdicts(text)] == ["verified"]


def test_equation_rows_are_iff_steps():
    text = (
        "$$\n\\begin{align*}\n\\frac{1}{\\sigma^2}\\sum_{i=1}^n (x_i - \\mu) &= 0 \\\\\n"
        "\\sum_{i=1}^n x_i - n\\mu &= 0 \\implies \\hat\\mu = \\frac{1}{n}\\sum_{i=1}^n x_i\n\\end{align*}\n$$\n"
    )
    assert verdicts(text) == [
        (3, "undecided", "condition"),  # A = 0: an equation to solve, not an identity
        (4, "verified", "symbolic"),  # same solutions (a nonzero factor)
        (4, "verified", "symbolic"),  # and the solution it implies
    ]


def test_tex_file_and_exit_status():
    path = os.path.join(DATA, "gaussian.tex")
    proc = subprocess.run([sys.executable, "-m", "derive", "verify", path, "--json"], check=False, capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    payload = json.loads(proc.stdout)
    assert payload["file"] == path
    steps = payload["steps"]
    assert {k for k in ("line", "source", "relation", "verdict", "method", "reason")} <= set(steps[0])
    assert [(s["line"], s["verdict"]) for s in steps] == [(6, "verified"), (7, "verified"), (9, "wrong")]
    assert steps[2]["counterexample"]


def test_exit_zero_without_wrong_steps_and_two_on_a_missing_file(tmp_path):
    ok = tmp_path / "ok.md"
    ok.write_text("$$\na + a = 2a\n$$\n")
    proc = subprocess.run([sys.executable, "-m", "derive", "verify", str(ok)], check=False, capture_output=True, text=True)
    assert proc.returncode == 0 and "1 verified" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "derive", "verify", str(tmp_path / "nope.md")], check=False, capture_output=True, text=True)
    assert proc.returncode == 2 and "check the path" in proc.stderr
