"""The book: one LaTeX document with every proof, compiled with pdflatex, read back with pdftotext."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

import derive
from derive.cli import main
from derive.render import available, book
from derive.render.markup import segments

PDFLATEX = shutil.which("pdflatex")
needs_pdflatex = pytest.mark.skipif(
    PDFLATEX is None, reason="pdflatex is not installed (apt-get install texlive-latex-base texlive-latex-recommended)"
)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    """The whole book (every derivation built so far), two of them with check summaries."""
    if PDFLATEX is None:
        pytest.skip("pdflatex is not installed (apt-get install texlive-latex-base texlive-latex-recommended)")
    pairs = list(available())
    derivations = [d for _, d in pairs if d is not None]
    missing = [name for name, d in pairs if d is None]
    reports = {name: derive.get(name).check() for name in ("normal-equations", "quadratic-form-gradient")
               if name in derive.names()}
    tex = tmp_path_factory.mktemp("book") / "proofs.tex"
    tex.write_text(book.book_latex(derivations, reports, missing=missing))
    try:
        pdf = book.compile_pdf(tex)
    except book.CompileError as exc:
        pytest.fail(f"the book does not compile: {exc}")
    return derivations, tex, pdf


def _normal(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def test_the_book_compiles_with_every_title(compiled):
    derivations, _, pdf = compiled
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (poppler-utils)")
    text = _normal(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout)
    absent = []
    for d in derivations:
        words = [_normal(s.value) for s in segments(d.title) if s.kind == "text"]
        if not all(w in text for w in words if w):
            absent.append(d.title)
    assert not absent, f"titles missing from the PDF: {absent}"
    assert len(derivations) >= 3


def test_the_book_has_contents_topics_and_check_summaries(compiled):
    derivations, tex, _ = compiled
    source = tex.read_text()
    assert r"\tableofcontents" in source
    topics = {d.topic for d in derivations}
    assert source.count(r"\section{") == len(topics)
    assert source.count(r"\subsection{") == len(derivations)
    if "normal-equations" in {d.id for d in derivations}:
        assert re.search(r"\\texttt\{normal-equations\} \\quad Checked: \d+ symbolic", source)


def test_no_line_is_far_too_wide(compiled):
    _, tex, _ = compiled
    log = tex.with_suffix(".log").read_text(errors="replace")
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log)]
    assert all(w < 40 for w in widths), f"overfull lines (pt): {widths}"


@needs_pdflatex
def test_a_compile_error_names_the_message_and_the_line(tmp_path):
    tex = tmp_path / "broken.tex"
    tex.write_text("\\documentclass{article}\n\\begin{document}\nfine\n\\undefinedmacro\n\\end{document}\n")
    with pytest.raises(book.CompileError) as info:
        book.compile_pdf(tex, runs=1)
    assert info.value.line == 4
    assert any("Undefined control sequence" in m for m in info.value.messages)
    assert "undefinedmacro" in str(info.value)


def test_parse_log():
    log = "junk\n! Missing $ inserted.\n<inserted text>\nl.42 x^2\n"
    assert book.parse_log(log) == (["Missing $ inserted."], 42)


def test_without_pdflatex_the_command_says_what_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["book", "--pdf", "--no-check", "-o", str(tmp_path / "p.tex"), "normal-equations"]) == 1
    err = capsys.readouterr().err
    assert "texlive-latex-base" in err and "texlive-latex-recommended" in err


@needs_pdflatex
def test_book_command_writes_tex_and_pdf(tmp_path, capsys):
    out = tmp_path / "out" / "proofs.tex"
    assert main(["book", "--pdf", "--no-check", "-o", str(out), "normal-equations"]) == 0
    assert out.exists() and out.with_suffix(".pdf").exists()
    assert "The normal equations" in out.read_text()


@needs_pdflatex
def test_the_notebook_and_markdown_mathematics_is_valid_latex(tmp_path):
    """What MathJax shows (aligned, gathered, \\text) also compiles with amsmath."""
    from derive.render.latex import derivation_notebook_latex

    body = "\n\n".join(derivation_notebook_latex(d) for _, d in available() if d is not None)
    tex = tmp_path / "notebook.tex"
    tex.write_text("\\documentclass{article}\n\\usepackage[a3paper,margin=1cm]{geometry}\n"
                   "\\usepackage{amsmath,amssymb}\n\\begin{document}\n%s\n\\end{document}\n" % body)
    try:
        book.compile_pdf(tex, runs=1)
    except book.CompileError as exc:
        pytest.fail(f"the notebook LaTeX does not compile: {exc}")
