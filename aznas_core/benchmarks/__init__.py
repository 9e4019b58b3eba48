"""Ground-truth loaders: benchmark files -> tidy pandas frames."""
