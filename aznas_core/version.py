"""The package version, in one place below everything that records it (cache shards, bench tables)."""
__version__ = "0.1.0"
