"""derive verify: finding the math of a document (Markdown or LaTeX) with its line numbers."""

import pytest

from derive.verify.read.extract import ExtractError, extract_file, extract_text


def rows_of(doc):
    return [(r.line, [c.text for c in r.cells]) for b in doc.blocks for r in b.rows]


def test_display_dollars_keep_line_numbers():
    doc = extract_text("intro\n\n$$\na = b\n$$\n\ntext\n\n$$x = 1$$\n", path="p.md")
    assert rows_of(doc) == [(4, ["a = b"]), (9, ["x = 1"])]


def test_code_fences_and_currency_are_not_math():
    src = "It costs $5 and $6.\n\n```\n$$ not = math $$\n```\n\n    $$ indented = code $$\n"
    assert extract_text(src, path="p.md").blocks == []


def test_inline_math_only_with_the_flag():
    src = "Let $a = b$ and \\(c = d\\).\n"
    assert extract_text(src, path="p.md").blocks == []
    texts = [b.text for b in extract_text(src, path="p.md", inline=True).blocks]
    assert texts == ["a = b", "c = d"]


def test_brackets_and_amsmath_environments():
    src = "\\[\nx = y\n\\]\n\n\\begin{align}\na &= b \\\\\n  &= c\n\\end{align}\n"
    assert rows_of(extract_text(src, path="p.md")) == [(2, ["x = y"]), (6, ["a", "= b"]), (7, ["", "= c"])]


def test_rows_and_cells_skip_braces_and_nested_environments():
    src = "$$\n\\begin{aligned}\nX &= \\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix} \\\\\n  &= {a \\\\ b}\n\\end{aligned}\n$$\n"
    rows = rows_of(extract_text(src, path="p.md"))
    assert rows[0] == (3, ["X", "= \\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}"])
    assert rows[1] == (4, ["", "= {a \\\\ b}"])


def test_a_row_break_eaten_by_markdown_still_ends_the_row():
    # "\\" followed by spaces at the end of a line inside align: Markdown turned \\ into "\ "
    src = "$$\n\\begin{align}\nf &= a + b \\  \n  &= b + a\n\\end{align}\n$$\n"
    rows = rows_of(extract_text(src, path="p.md"))
    assert [r[0] for r in rows] == [3, 4]


def test_tags_labels_and_spacing_rows_are_dropped():
    src = "$$\n\\begin{align*} a &= b \\tag{1}\\label{eq} \\\\[6pt] &= c \\nonumber \\end{align*}\n$$\n"
    rows = rows_of(extract_text(src, path="p.md"))
    assert [c for _, cells in rows for c in cells] == ["a", "= b", "", "= c"]


def test_math_inside_details_html_is_found():
    src = "<details><summary>Derivation</summary>\n$$\na = a\n$$\n</details>\n"
    assert rows_of(extract_text(src, path="p.md")) == [(3, ["a = a"])]


def test_declarations_in_markdown_and_tex():
    md = extract_text("<!-- derive: X matrix n x d; sigma > 0 -->\n$$a=b$$\n", path="p.md")
    assert [d.text for d in md.declarations] == ["X matrix n x d; sigma > 0"]
    tex = extract_text("% derive: w vector d\n\\[ a = b \\]\n", path="p.tex")
    assert [d.text for d in tex.declarations] == ["w vector d"]


def test_tex_files():
    src = "\\documentclass{article}\n\\begin{document}\n$$ a = b $$\n\\begin{equation}\nc = d % note\n\\end{equation}\n$x$\n\\end{document}\n"
    doc = extract_text(src, path="p.tex")
    assert rows_of(doc) == [(3, ["a = b"]), (5, ["c = d"])]
    assert [b.text for b in doc.inline] == ["x"]


def test_other_extensions_read_as_markdown(tmp_path):
    f = tmp_path / "post.txt"
    f.write_text("$$\nx = 1\n$$\n")
    assert rows_of(extract_file(str(f))) == [(2, ["x = 1"])]


def test_errors_say_what_to_do(tmp_path):
    with pytest.raises(ExtractError, match="check the path"):
        extract_file(str(tmp_path / "missing.md"))
    with pytest.raises(ExtractError, match="split it"):
        extract_text("x" * 3_000_000)


# --- macros, notebooks, one-line displays, hostile layouts ------------------------------------


def cells_of(doc):
    return [c.text for b in doc.blocks for r in b.rows for c in r.cells if c.text]


@pytest.mark.parametrize(
    "definition, use, expected",
    [
        (r"\newcommand{\R}{\mathbb{R}}", r"x \in \R", r"x \in \mathbb{R}"),
        (r"\newcommand{\norm}[1]{\left\| #1 \right\|}", r"\norm{w}^2", r"\left\| w \right\|^2"),
        (r"\renewcommand{\vec}[1]{\mathbf{#1}}", r"\vec{x}^\top \vec y", r"\mathbf{x}^\top \mathbf{y}"),
        (r"\newcommand{\E}[2][p]{\mathbb{E}_{#1}[#2]}", r"\E{x} + \E[q]{y}", r"\mathbb{E}_{p}[x] + \mathbb{E}_{q}[y]"),
        (r"\def\x{\mathbf{x}}", r"\x^\top\x", r"\mathbf{x}^\top\mathbf{x}"),
        (r"\def\inner#1#2{\langle #1, #2 \rangle}", r"\inner{a}{b}", r"\langle a, b \rangle"),
        (r"\DeclareMathOperator{\Tr}{Tr}", r"\Tr(A)", r"\operatorname{Tr}(A)"),
        (r"\DeclareMathOperator*{\argmax}{arg\,max}", r"\argmax_w f", r"\operatorname*{arg\,max}_w f"),
        (r"\let\eps\varepsilon", r"\eps^2", r"\varepsilon^2"),
        (r"\newcommand{\bx}{\mathbf{x}}", r"\bx_i", r"\mathbf{x}_i"),
    ],
    ids=["newcommand", "newcommand-args", "renewcommand", "optional-argument", "def", "def-args",
         "DeclareMathOperator", "DeclareMathOperator-star", "let", "macro-then-script"],
)
def test_document_macros_are_expanded(definition, use, expected):
    doc = extract_text(f"$${definition}$$\n\n$$\n{use}\n$$\n", path="p.md")
    assert cells_of(doc) == [expected]
    assert doc.problems == []


def test_macros_apply_from_their_definition_on():
    doc = extract_text("$$\\R$$\n\n$$\\newcommand{\\R}{\\mathbb{R}}$$\n\n$$\\R$$\n", path="p.md")
    assert cells_of(doc) == ["\\R", "\\mathbb{R}"]


def test_macros_in_a_tex_preamble():
    src = "\\documentclass{article}\n\\newcommand{\\w}{\\mathbf{w}}\n\\begin{document}\n\\[ \\w^\\top \\w \\]\n\\end{document}\n"
    assert cells_of(extract_text(src, path="p.tex")) == ["\\mathbf{w}^\\top \\mathbf{w}"]


@pytest.mark.parametrize(
    "definition, message",
    [
        (r"\newcommand{\a}{\a x}", "nest more than"),
        (r"\newcommand{\a}{xxxxxxxxxx}\newcommand{\b}{\a\a\a\a\a\a\a\a\a\a}\newcommand{\c}{\b\b\b\b\b\b\b\b\b\b}"
         r"\newcommand{\d}{\c\c\c\c\c\c\c\c\c\c}\newcommand{\e}{\d\d\d\d\d\d\d\d\d\d}", "grows past|more than"),
        (r"\newcommand{\f}[2]{#1 #2}", "fewer are written"),
    ],
    ids=["self-recursive", "exponential", "missing-arguments"],
)
def test_runaway_macros_stop_with_a_clear_problem(definition, message):
    use = r"\e" if r"\e" in definition else (r"\f" if r"\f" in definition else r"\a")
    doc = extract_text(f"$${definition}$$\n\n$${use}$$\n", path="p.md")
    assert cells_of(doc) == [use]  # read unexpanded: the parser then refuses the unknown command
    assert len(doc.problems) == 1
    import re as _re

    assert _re.search(message, doc.problems[0])


@pytest.mark.parametrize("command", [r"\input{secret}", r"\include{chapter}", r"\InputIfFileExists{x}{}{}"])
def test_other_files_are_refused_never_read(command, tmp_path):
    secret = tmp_path / "secret.tex"
    secret.write_text("\\newcommand{\\leak}{x}\n")
    src = f"\\documentclass{{article}}\n{command}\n\\begin{{document}}\n\\[ a = b \\]\n\\end{{document}}\n"
    doc = extract_text(src, path=str(tmp_path / "p.tex"))
    assert cells_of(doc) == ["a = b"]
    assert any("refused" in p and "line 2" in p for p in doc.problems)


def test_two_displays_on_one_line_are_two_rows_of_one_block():
    doc = extract_text("text\n\n$$ a = b $$ $$ = c $$\n", path="p.md")
    assert cells_of(doc) == ["a = b", "= c"]
    assert len(doc.blocks) == 1 and [r.line for r in doc.blocks[0].rows] == [3, 3]


def test_unclosed_environment_lines_are_not_math_and_do_not_swallow_the_rest():
    src = "\\begin{gather}\na = b\n\n" * 3 + "$$\nx = 1\n$$\n\\begin{align}\nc &= d\n\\end{align}\n"
    doc = extract_text(src, path="p.md")
    assert cells_of(doc) == ["x = 1", "c", "= d"]


def test_line_table_is_built_once():
    doc = extract_text("a\n$$x=1$$\nb\n", path="p.md")
    assert doc._table is doc._table
    assert doc.line_of(3) == 2


def _notebook(tmp_path, cells):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(t) if kind == "md" else nbformat.v4.new_code_cell(t) for kind, t in cells]
    path = tmp_path / "notes.ipynb"
    path.write_text(nbformat.writes(nb))
    return str(path)


def test_notebook_markdown_cells_with_cell_numbers_and_lines(tmp_path):
    path = _notebook(tmp_path, [
        ("md", "$$\\newcommand{\\w}{\\mathbf{w}}$$\n# Loss"),
        ("code", "x = '$$ not = math $$'"),
        ("md", "Expand:\n\n$$\n\\w^2 = a\n$$\n"),
        ("md", "$$ u = v $$ and <!-- derive: w vector d -->"),
    ])
    doc = extract_file(path)
    rows = [(r.cell, r.line, [c.text for c in r.cells]) for b in doc.blocks for r in b.rows]
    assert rows == [(3, 4, ["\\mathbf{w}^2 = a"]), (4, 1, ["u = v"])]
    offset = doc.blocks[0].rows[0].cells[0].offset
    assert (doc.cell_of(offset), doc.line_of(offset)) == (3, 4)
    assert doc.source[offset : offset + 10] == "\\w^2 = a\n$"  # offsets index the joined cells
    assert [(d.text, d.cell) for d in doc.declarations] == [("w vector d", 4)]


def test_a_broken_notebook_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.ipynb"
    path.write_text("{not json")
    with pytest.raises(ExtractError, match="not a readable Jupyter notebook"):
        extract_file(str(path))


@pytest.mark.parametrize("suffix", [".qmd", ".Rmd"])
def test_quarto_and_r_markdown_are_markdown(tmp_path, suffix):
    f = tmp_path / ("post" + suffix)
    f.write_text("---\ntitle: x\n---\n\n```{r}\nx <- '$$a=b$$'\n```\n\n$$\nx = 1\n$$\n")
    assert rows_of(extract_file(str(f))) == [(10, ["x = 1"])]


def test_the_guard_blanks_only_openers_that_nothing_closes():
    from derive.verify.read.extract import _guard_unclosed_environments

    src = "\\begin{align}\na\n\\begin{gather}\nb\n\\end{gather}\n"
    assert _guard_unclosed_environments(src) == " begin{align}\na\n\\begin{gather}\nb\n\\end{gather}\n"


@pytest.mark.parametrize(
    "row, kept",
    [
        (r"x_i = \mu + e_i \quad \text{for } i = 1..n", r"x_i = \mu + e_i"),
        (r"x_i = \mu, \; \text{for all } i", r"x_i = \mu"),
        (r"a_k = 0 \quad \forall k", r"a_k = 0"),
        (r"w = v \quad \text{where } v = 1", r"w = v \quad \text{where } v = 1"),
    ],
    ids=["quad-text-for", "comma-text-for-all", "forall", "where-is-kept"],
)
def test_a_range_in_words_at_the_end_of_a_row_is_prose(row, kept):
    assert cells_of(extract_text(f"$$\n{row}\n$$\n", path="p.md")) == [kept]


@pytest.mark.parametrize("env", ["eqnarray", "gather", "multline", "align*", "flalign"])
def test_row_environments(env):
    src = f"\\begin{{{env}}}\na &= b \\nonumber \\\\\n&= c \\label{{e}} \\tag{{2}}\n\\end{{{env}}}\n"
    assert cells_of(extract_text(src, path="p.md")) == ["a", "= b", "= c"]


def test_split_inside_equation():
    src = "\\begin{equation}\n\\begin{split}\na &= b \\\\\n&= c\n\\end{split}\n\\end{equation}\n"
    assert cells_of(extract_text(src, path="p.md")) == ["a", "= b", "= c"]


def test_a_row_ending_in_a_relation_or_operator_goes_on_in_the_next():
    src = "\\begin{align}\nA &= \\\\\nB + \\\\\nC &= D \\\\\n&= E\n\\end{align}\n"
    doc = extract_text(src, path="p.md")
    rows = doc.blocks[0].rows
    assert [[c.text for c in r.cells if c.text] for r in rows] == [["A", "=", "B +", "C", "= D"], ["= E"]]
    assert [c.line for c in rows[0].cells if c.text] == [2, 2, 3, 4, 4]


def test_a_display_that_ends_in_a_relation_goes_on_in_the_next_display():
    src = "$$a = b =$$\n$$= c$$\n\ntext\n\n$$= d$$\n"
    doc = extract_text(src, path="p.md")
    assert [[c.text for r in b.rows for c in r.cells] for b in doc.blocks] == [["a = b =", "= c"], ["= d"]]


def test_an_expression_alone_on_its_row_starts_the_chain_of_the_rows_after_it():
    doc = extract_text("$$\n(y-Xw)'(y-Xw) \\\\\n=y'y - 2y'Xw \\\\\n= c\n$$\n", path="p.md")
    rows = doc.blocks[0].rows
    assert [[c.text for c in r.cells] for r in rows] == [["(y-Xw)'(y-Xw)", "=y'y - 2y'Xw"], ["= c"]]


def test_newline_inside_a_formula_is_a_row_break():
    doc = extract_text("$$a = b \\newline = c$$\n", path="p.md")
    assert [[c.text for c in r.cells] for r in doc.blocks[0].rows] == [["a = b"], ["= c"]]


def test_a_notebook_step_is_reported_at_its_line_in_its_cell(tmp_path):
    from derive.verify import verify_file

    path = _notebook(tmp_path, [("md", "intro"), ("code", "x = 1"), ("md", "text\n\n$$\n(a+b)^2 = a^2 + 2ab + b^2\n$$\n")])
    results, _ = verify_file(path, jobs=1)
    assert [r.step.line for r in results] == [4]
