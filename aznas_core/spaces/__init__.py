"""Search spaces. `nb201`: NAS-Bench-201 (cells, enumeration, network, FLOPs/#Params)."""
