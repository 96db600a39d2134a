-- Frame rows that give a population of 0 to a weighting cell holding accepted respondents:
-- such a cell would weigh its respondents by nothing (and divide by zero). The frame row's
-- line in frame.csv, its delivered population, the cell and its respondents, the earliest
-- frame row first. Cells are matched as in sql/ingest/frame_cells_missing.sql.
WITH cells AS (
    SELECT
        CASE WHEN $by_sektor THEN sektor END AS sektor,
        CASE WHEN $by_virksomhetstype THEN virksomhetstype END AS virksomhetstype,
        CASE WHEN $by_landsdel THEN landsdel END AS landsdel,
        count(*) AS n_respondents,
        min(source_row) AS first_row
    FROM ingest_accepted
    GROUP BY ALL
)

SELECT
    f.source_row,
    f.n_population,
    c.sektor,
    c.virksomhetstype,
    c.landsdel,
    c.n_respondents,
    c.first_row
FROM ingest_frame_raw AS f
INNER JOIN cells AS c
    ON (NOT $by_sektor OR ingest_integer(f.sektor) = c.sektor)
    AND (NOT $by_virksomhetstype OR ingest_integer(f.virksomhetstype) = c.virksomhetstype)
    AND (NOT $by_landsdel OR ingest_blank(f.landsdel) = c.landsdel)
WHERE ingest_integer(f.n_population) = 0
ORDER BY f.source_row;
