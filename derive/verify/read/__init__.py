"""The read stage of `derive verify`: a document's display mathematics -> expression trees.

extract (Markdown, .tex: math blocks with line numbers, split into rows and cells) -> parse
(the Lark grammar in latex.lark, no eval) -> nodes (small frozen values, no SymPy).
"""
