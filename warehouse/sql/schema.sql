-- The warehouse schema: the one place tables are written down (contract: ../shared/spec/warehouse.md).
-- Unique keys are checked by validation (expectations/), not by constraints: constraints slow reloads.

CREATE TABLE IF NOT EXISTS issues (
    issue_id          VARCHAR,   -- first 16 hex of the file's sha256
    source_name       VARCHAR,   -- file name as found in the inbox
    sha256            VARCHAR,   -- hash of the raw bytes
    section           VARCHAR,   -- page section from the header, e.g. 区县
    theme             VARCHAR,   -- page banner, NULL if none
    issue_date        DATE,
    issue_date_source VARCHAR,   -- filename | text | NULL
    article_count     INTEGER,
    parser_version    VARCHAR,
    loaded_at         TIMESTAMP
);

CREATE TABLE IF NOT EXISTS articles (
    article_id     VARCHAR,      -- {issue_id}-{seq:02d}
    issue_id       VARCHAR,
    seq            INTEGER,      -- reading order on the page
    kind           VARCHAR,      -- feature | news | brief | photo
    column_name    VARCHAR,      -- 区县快递, 渝事好商量, 图片新闻, …
    headline       VARCHAR,
    kicker         VARCHAR,
    subheads       VARCHAR[],
    district_code  VARCHAR,
    district_name  VARCHAR,
    reporters      VARCHAR[],
    correspondents VARCHAR[],
    authors        VARCHAR[],
    photographers  VARCHAR[],
    body           VARCHAR,
    char_count     INTEGER,
    keywords       VARCHAR[],
    event_date     DATE
);

CREATE TABLE IF NOT EXISTS proposals (
    proposal_id   VARCHAR,
    issue_id      VARCHAR,
    article_id    VARCHAR,
    title         VARCHAR,       -- without 《》
    kind          VARCHAR,       -- 提案 | 社情民意信息
    proposer      VARCHAR,
    session       VARCHAR,
    year          INTEGER,
    is_collective BOOLEAN,
    is_key        BOOLEAN,
    status        VARCHAR,
    district_code VARCHAR
);

CREATE TABLE IF NOT EXISTS metrics (
    metric_id     VARCHAR,
    issue_id      VARCHAR,
    article_id    VARCHAR,
    surface       VARCHAR,       -- as written, layout spaces removed
    value         DOUBLE,
    value_max     DOUBLE,        -- upper end of a range
    unit          VARCHAR,
    qualifier     VARCHAR,       -- 余, 多, 以上, 近, 约, …
    subject       VARCHAR,
    sentence      VARCHAR,
    span_start    INTEGER,       -- offsets of surface in articles.body
    span_end      INTEGER,
    district_code VARCHAR
);

CREATE TABLE IF NOT EXISTS districts (
    district_code VARCHAR,
    name          VARCHAR,
    short_name    VARCHAR,
    kind          VARCHAR        -- 区 | 县 | 自治县
);

-- Raw page text, kept so a new parser version can re-process every stored page.
CREATE TABLE IF NOT EXISTS pages (
    issue_id    VARCHAR,
    source_name VARCHAR,
    sha256      VARCHAR,
    raw         BLOB,
    stored_at   TIMESTAMP
);

-- Files that could not be loaded, and why.
CREATE TABLE IF NOT EXISTS quarantine (
    source_name VARCHAR,
    sha256      VARCHAR,
    stage       VARCHAR,         -- read | decode | parse | validate | load
    reason      VARCHAR,
    detected_at TIMESTAMP
);

-- One row per flow run.
CREATE TABLE IF NOT EXISTS runs (
    run_id       VARCHAR,
    started_at   TIMESTAMP,
    finished_at  TIMESTAMP,
    files_seen   INTEGER,
    loaded       INTEGER,
    skipped      INTEGER,
    duplicates   INTEGER,
    quarantined  INTEGER,
    status       VARCHAR
);
