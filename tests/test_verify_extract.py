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
