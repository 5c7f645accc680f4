"""A Jupyter notebook's Markdown cells as one document, each block knowing its cell and line.

The notebook is read with nbformat (JSON only: nothing in it is run). Each Markdown cell is
extracted on its own, so an unclosed ``$$`` in one cell cannot swallow the next; the cells are
then laid end to end in one source, with `Document.cell_of` and `Document.line_of` giving the
cell (counted from 1, as a reader counts them in the notebook) and the line inside it.
"""

from __future__ import annotations

from dataclasses import replace

from derive.verify.read.extract import Document, ExtractError, MathBlock, _extract_markdown

SEPARATOR = "\n\n"


def _shift_block(block: MathBlock, delta: int) -> MathBlock:
    rows = tuple(
        replace(r, cells=tuple(replace(c, offset=c.offset + delta) for c in r.cells)) for r in block.rows
    )
    return replace(block, offset=block.offset + delta, rows=rows)


def markdown_cells(source: str, path: str) -> list[tuple[int, str]]:
    """(cell number from 1, text) of each Markdown cell; ExtractError if it is no notebook."""
    import nbformat

    try:
        nb = nbformat.reads(source, as_version=4)
    except Exception as exc:  # noqa: BLE001 - nbformat raises JSON, validation and key errors
        raise ExtractError(
            f"{path}: not a readable Jupyter notebook ({type(exc).__name__}); "
            "save it again from Jupyter, or export its Markdown"
        ) from None
    out = []
    for number, cell in enumerate(nb.get("cells", []), start=1):
        if cell.get("cell_type") == "markdown":
            text = cell.get("source", "")
            if isinstance(text, list):
                text = "".join(text)
            out.append((number, str(text).replace("\r\n", "\n").replace("\r", "\n")))
    return out


def extract_notebook(source: str, *, path: str, inline: bool = False) -> Document:
    cells = markdown_cells(source, path)
    parts: list[str] = []
    doc = Document(path=path, source="")
    offset = 0
    inherited: tuple = ()
    for number, text in cells:
        sub = _extract_markdown(text, path, inline, cell=number, inherited=inherited)
        inherited += tuple(replace(m, offset=-1) for m in sub.macros)
        doc.cell_starts.append((offset, number))
        doc.blocks.extend(_shift_block(b, offset) for b in sub.blocks)
        doc.inline.extend(_shift_block(b, offset) for b in sub.inline)
        doc.declarations.extend(sub.declarations)
        doc.sections.extend(s + offset for s in sub.sections)
        doc.problems.extend(f"cell {number}, {p}" for p in sub.problems)
        parts.append(text)
        offset += len(text) + len(SEPARATOR)
    doc.source = SEPARATOR.join(parts)
    return doc
