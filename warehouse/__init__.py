"""The DuckDB warehouse: schema, loading, reading. The only package that writes to DuckDB."""
