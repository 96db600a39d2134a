"""A package's re-exported names, each imported from its module when first asked for
(PEP 562), so that importing the package loads none of the modules it names."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], object]:
    """The module-level ``__getattr__`` of ``package`` for ``exports`` (name -> module)."""

    def __getattr__(name: str) -> object:
        if name in exports:
            return getattr(importlib.import_module(exports[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
