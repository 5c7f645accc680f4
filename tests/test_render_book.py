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


def _pages(pdf) -> list[list[str]]:
    """The lines of each page of the PDF (pdftotext -layout; pages end with a form feed)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return [page.splitlines() for page in text.split("\f")]


TOC_ENTRY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s+(\S+).*?(?:\s\.)*\s{2,}(\d+)\s*$")
HEADING = re.compile(r"^(\d+(?:\.\d+)?)\s+(\S+)")


def toc_and_starts(pdf) -> tuple[dict[str, int], dict[str, int]]:
    """(number -> page in the table of contents, number -> page its heading is printed on).

    The contents run from the page with "Contents" while pages hold entries; an entry is
    "1.2 Title . . . 5" (or "1 Topic    3"); a heading is a line starting "1.2 Title"."""
    pages = _pages(pdf)
    start = next(k for k, lines in enumerate(pages) if any(ln.strip() == "Contents" for ln in lines))
    toc, end = {}, start
    for k in range(start, len(pages)):
        entries = [TOC_ENTRY.match(ln) for ln in pages[k]]
        entries = [m for m in entries if m]
        if not entries or (k > start and HEADING.match(pages[k][0] if pages[k] else "") and
                           not TOC_ENTRY.match(pages[k][0])):
            break
        for m in entries:
            toc.setdefault(m.group(1), (int(m.group(3)), m.group(2)))
        end = k + 1
    firsts = {}
    for k in range(end, len(pages)):
        for line in pages[k]:
            m = HEADING.match(line)
            if m and m.group(1) in toc and m.group(1) not in firsts and m.group(2) == toc[m.group(1)][1]:
                firsts[m.group(1)] = k + 1
    return {key: v[0] for key, v in toc.items()}, firsts


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed (poppler-utils)")
def test_every_contents_entry_names_the_page_its_section_starts_on(compiled):
    derivations, _, pdf = compiled
    toc, starts = toc_and_starts(pdf)
    assert len([k for k in toc if "." in k]) == len(derivations)
    assert {k: starts.get(k) for k in toc} == toc


def test_no_line_is_too_wide(compiled):
    _, tex, _ = compiled
    log = tex.with_suffix(".log").read_text(errors="replace")
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log)]
    assert not widths, f"overfull lines (pt): {widths}"


@needs_pdflatex
def test_a_compile_error_names_the_message_and_the_line(tmp_path):
    tex = tmp_path / "broken.tex"
    tex.write_text("\\documentclass{article}\n\\begin{document}\nfine\n\\undefinedmacro\n\\end{document}\n")
    with pytest.raises(book.CompileError) as info:
        book.compile_pdf(tex, max_runs=1)
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
    out.parent.mkdir()
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
        book.compile_pdf(tex, max_runs=1)
    except book.CompileError as exc:
        pytest.fail(f"the notebook LaTeX does not compile: {exc}")
