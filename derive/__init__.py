"""derive: the mathematics under machine learning, derived from definitions and checked.

    >>> import derive
    >>> d = derive.get("normal-equations")
    >>> d.check().ok
    True

Importing this package is cheap: derivations are computed on first use and cached.
"""

from derive.catalog import UnknownDerivation, get, names

__all__ = ["get", "names", "UnknownDerivation"]
__version__ = "0.1.0"
