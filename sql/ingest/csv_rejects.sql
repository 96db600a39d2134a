-- Rows of a delivered CSV that DuckDB could not split into the header's columns (a
-- truncated last line, a stray delimiter), as they will be quarantined (rule malformed_row)
-- with the whole line as the value: the row has no trustworthy columns, so none is named.
-- Every record of the file read starts with its line number in the delivery (see
-- pipelines/ingest/encoding.py); $delimiter is the file's delimiter and $id_position the
-- 1-based position of the respondent id among the delivered columns (NULL: none). The id
-- of a malformed row is a best effort: its fields are split on the delimiter, ignoring
-- quotes, since the row could not be parsed as CSV.
CREATE OR REPLACE TEMP TABLE ingest_malformed AS
WITH rejected AS (
    SELECT line, trim(csv_line, e'\r\n') AS numbered_line
    FROM ingest_rejects
),

located AS (
    SELECT
        -- DuckDB's own record count is the fallback for a line the numbering missed
        coalesce(TRY_CAST(regexp_extract(numbered_line, '^([0-9]+)', 1) AS BIGINT), line)
            AS source_row,
        regexp_replace(numbered_line, '^[0-9]+' || $delimiter, '') AS value
    FROM rejected
)

SELECT DISTINCT ON (source_row)
    source_row,
    nullif(trim(string_split(value, $delimiter)[$id_position], ' "'), '') AS resp_id,
    CAST(NULL AS VARCHAR) AS raw_column,
    value,
    'malformed_row' AS rule
FROM located
ORDER BY source_row;
