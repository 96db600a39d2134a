-- The weighting cells of the accepted respondents, for the frame checks
-- (frame_cells_short.sql, frame_cells_missing.sql): each cell's columns (NULL where the wave
-- does not weight on that column, $by_<column> false), its respondents and the row of its
-- earliest respondent. Frame rows are matched against them as sql/estimation/weights.sql
-- joins them.
CREATE OR REPLACE TEMP TABLE ingest_cells AS
SELECT
    CASE WHEN $by_sektor THEN sektor END AS sektor,
    CASE WHEN $by_virksomhetstype THEN virksomhetstype END AS virksomhetstype,
    CASE WHEN $by_landsdel THEN landsdel END AS landsdel,
    count(*) AS n_respondents,
    min(source_row) AS first_row
FROM ingest_accepted
GROUP BY ALL;
