-- Weighting cells that hold accepted respondents but no frame row. A frame row matches a
-- respondent when every cell column it has agrees (NULL = the wave does not weight on that
-- column), as sql/staging/weights.sql joins them. One row per missing cell, the cell with
-- the earliest respondent first.
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

SELECT sektor, virksomhetstype, landsdel, n_respondents, first_row
FROM cells AS c
WHERE NOT EXISTS (
    SELECT 1
    FROM ingest_frame AS f
    WHERE (f.sektor IS NULL OR f.sektor = c.sektor)
        AND (f.virksomhetstype IS NULL OR f.virksomhetstype = c.virksomhetstype)
        AND (f.landsdel IS NULL OR f.landsdel = c.landsdel)
)
ORDER BY first_row;
