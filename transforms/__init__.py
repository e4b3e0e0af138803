"""Pure transforms: page text in, polars frames out. No file, network or environment access here."""
PARSER_VERSION = "3.1.0"
