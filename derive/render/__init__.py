"""Derivation -> things people read: LaTeX proofs and a book, Markdown, JSON, figures.

Each renderer is a module with plain functions over a `Derivation` (nothing here is imported
until it is used, so `import derive` stays cheap):

- `derive.render.latex`: `derivation_latex`, `derivation_notebook_latex`, `expression_latex`;
- `derive.render.markdown`: `derivation_markdown`;
- `derive.render.json`: `derivation_json`, `derivation_from_json`, `load_derivation`
  (the format is written down in `derive/render/FORMAT.md`);
- `derive.render.book`, `derive.render.export`, `derive.render.plot`: the `derive book`,
  `derive export` and `derive plot` subcommands;
- `derive.render.text`: readable Unicode text for a terminal, one step a line;
- `derive.render.markup`: the reasons markup (plain English with ``$...$`` LaTeX) rendered to
  LaTeX, Markdown, MathJax and Unicode text;
- `derive.render.hooks`: `d.latex()` and the notebook displays, attached to the core's
  Derivation by `derive/__init__.py` (the core imports no renderer).
"""

from __future__ import annotations


def available(ids=None):
    """Yield (id, derivation) for the catalogue entries that can be built now.

    An entry whose module or builder function does not exist yet is yielded as (id, None) so
    that callers can say what they left out; any other error while building propagates.
    """
    import importlib

    from derive.catalog import INDEX, get

    wanted = list(ids) if ids else [entry[0] for entry in INDEX]
    modules = {entry[0]: entry[1:] for entry in INDEX}
    for name in wanted:
        module, function = modules.get(name, (None, None))
        if module is not None:
            try:
                mod = importlib.import_module(f"derive.catalog.{module}")
            except ModuleNotFoundError as exc:
                if exc.name != f"derive.catalog.{module}":
                    raise
                yield name, None
                continue
            if not hasattr(mod, function):
                yield name, None
                continue
        yield name, get(name)
