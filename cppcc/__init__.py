"""cppcc-warehouse: CLI and settings around the flows/, transforms/, expectations/ and warehouse/ packages."""
