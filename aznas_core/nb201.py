"""Public NAS-Bench-201 API: `archs()`, `flops_params(arch, dataset)`, `ground_truth()`."""
from aznas_core.benchmarks.nb201 import ground_truth
from aznas_core.spaces.nb201 import (
    DATASETS,
    OPS,
    archs,
    build,
    flops_params,
    from_naslib,
    index,
    parse,
    to_naslib,
    validate,
)

__all__ = [
    "DATASETS", "OPS", "archs", "build", "flops_params", "from_naslib", "ground_truth",
    "index", "parse", "to_naslib", "validate",
]
