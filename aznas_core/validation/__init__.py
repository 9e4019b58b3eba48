"""Checks of this package against independent references (the authors' code, NASLib)."""
