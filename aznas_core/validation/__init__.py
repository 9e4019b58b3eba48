"""Checks of this package against independent references (the authors' code, NASLib)."""


from aznas_core.deprecation import moved  # noqa: E402

#: `init_seeds` moved to `aznas_core.report.init_seeds` (it reads the report's comparison
#: frames); the old import keeps working, with a DeprecationWarning.
__getattr__ = moved(__name__, {"init_seeds": "aznas_core.report.init_seeds"})
