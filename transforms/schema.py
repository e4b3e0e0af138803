"""Column types of the frames the transforms return; the DuckDB DDL in warehouse/sql/ mirrors them."""
import pyarrow as pa

_names = pa.list_(pa.string())

ISSUES = pa.schema([
    ("issue_id", pa.string()), ("source_name", pa.string()), ("sha256", pa.string()),
    ("section", pa.string()), ("theme", pa.string()), ("issue_date", pa.date32()),
    ("issue_date_source", pa.string()), ("article_count", pa.int32()), ("parser_version", pa.string()),
    ("loaded_at", pa.timestamp("us")),
])
ARTICLES = pa.schema([
    ("article_id", pa.string()), ("issue_id", pa.string()), ("seq", pa.int32()), ("kind", pa.string()),
    ("column_name", pa.string()), ("headline", pa.string()), ("kicker", pa.string()), ("subheads", _names),
    ("district_code", pa.string()), ("district_name", pa.string()), ("reporters", _names),
    ("correspondents", _names), ("authors", _names), ("photographers", _names), ("body", pa.string()),
    ("char_count", pa.int32()), ("keywords", _names), ("event_date", pa.date32()),
])
PROPOSALS = pa.schema([
    ("proposal_id", pa.string()), ("issue_id", pa.string()), ("article_id", pa.string()), ("title", pa.string()),
    ("kind", pa.string()), ("proposer", pa.string()), ("session", pa.string()), ("year", pa.int32()),
    ("is_collective", pa.bool_()), ("is_key", pa.bool_()), ("status", pa.string()), ("district_code", pa.string()),
])
METRICS = pa.schema([
    ("metric_id", pa.string()), ("issue_id", pa.string()), ("article_id", pa.string()), ("surface", pa.string()),
    ("value", pa.float64()), ("value_max", pa.float64()), ("unit", pa.string()), ("qualifier", pa.string()),
    ("subject", pa.string()), ("sentence", pa.string()), ("span_start", pa.int32()), ("span_end", pa.int32()),
    ("district_code", pa.string()),
])
FACT_SCHEMAS = {"issues": ISSUES, "articles": ARTICLES, "proposals": PROPOSALS, "metrics": METRICS}
