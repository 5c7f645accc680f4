"""The read stage of `derive verify`: a document's display mathematics -> expression trees.

extract (Markdown, .tex, .ipynb: math blocks with line numbers and cells, split into rows and
cells, the document's macros expanded) -> scan (TeX structure: items, no eval) -> parse (the
reading rules of ML notation) -> nodes (small frozen values, no SymPy).
"""
