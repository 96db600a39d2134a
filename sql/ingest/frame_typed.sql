-- The weighting frame of wave $wave as the warehouse's `frame` rows (checked beforehand by
-- sql/ingest/frame_problems.sql).
CREATE OR REPLACE TEMP TABLE ingest_frame AS
SELECT
    CAST($wave AS INTEGER) AS wave,
    CAST(ingest_integer(sektor) AS SMALLINT) AS sektor,
    CAST(ingest_integer(virksomhetstype) AS SMALLINT) AS virksomhetstype,
    ingest_blank(landsdel) AS landsdel,
    ingest_integer(n_population) AS n_population
FROM ingest_frame_raw
ORDER BY source_row;
