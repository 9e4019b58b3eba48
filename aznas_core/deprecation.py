"""Aliases for names that moved to another module: a module-level `__getattr__` that finds the
old name's new home, with a `DeprecationWarning` naming it (or silently, where a warning would
change the checked output of notebooks still using the old name)."""
from __future__ import annotations

import importlib
import warnings


def moved(module: str, names: dict[str, str], warn: bool = True):
    """`__getattr__` for `module`: `names` maps an old attribute to 'new.module:attr' (or
    'new.module' for a moved module)."""
    def __getattr__(name):
        if name not in names:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        target, _, attr = names[name].partition(":")
        if warn:
            where = f"{target}.{attr}" if attr else target
            warnings.warn(f"{module}.{name} moved to {where}", DeprecationWarning, stacklevel=2)
        new = importlib.import_module(target)
        return getattr(new, attr) if attr else new
    return __getattr__
