-- Weighting cells that hold accepted respondents but no frame row. A frame row matches a
-- respondent when every cell column it has agrees (NULL = the wave does not weight on that
-- column), as sql/estimation/weights.sql joins them. One row per missing cell, the cell with
-- the earliest respondent first. The cells are ingest_cells (sql/ingest/respondent_cells.sql).
SELECT sektor, virksomhetstype, landsdel, n_respondents, first_row
FROM ingest_cells AS c
WHERE NOT EXISTS (
    SELECT 1
    FROM ingest_frame AS f
    WHERE (f.sektor IS NULL OR f.sektor = c.sektor)
        AND (f.virksomhetstype IS NULL OR f.virksomhetstype = c.virksomhetstype)
        AND (f.landsdel IS NULL OR f.landsdel = c.landsdel)
)
ORDER BY first_row;
