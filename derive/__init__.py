"""derive: the mathematics under machine learning, derived from definitions and checked.

    >>> import derive
    >>> d = derive.get("normal-equations")
    >>> d.check().ok
    True

Importing this package is cheap: derivations are computed on first use and cached.
"""

from derive.catalog import UnknownDerivation, get, names
from derive.core.derivation import Derivation as _Derivation
from derive.render.hooks import attach as _attach_rendering

_attach_rendering(_Derivation)  # d.latex(), _repr_latex_, _repr_markdown_: the core knows no renderer

__all__ = ["get", "names", "UnknownDerivation"]
__version__ = "0.1.0"
