"""Checks of this package against independent references (the authors' code, NASLib)."""


def __getattr__(name):
    """`init_seeds` moved to `aznas_core.report.init_seeds` (it reads the report's comparison
    frames); the old import keeps working, with a warning."""
    if name != "init_seeds":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib
    import warnings

    warnings.warn("aznas_core.validation.init_seeds moved to aznas_core.report.init_seeds",
                  DeprecationWarning, stacklevel=2)
    return importlib.import_module("aznas_core.report.init_seeds")
