-- What makes a weighting frame (ingest_frame_raw: the delivered text of the cell columns,
-- NULL for a cell column the wave does not weight on) unusable; the first problem fails
-- the delivery. $by_sektor, $by_virksomhetstype and $by_landsdel say which cell columns
-- the wave weights on.
WITH problems AS (
    SELECT source_row, 'sektor' AS "column", sektor AS value,
           'the cell code is not an integer' AS problem
    FROM ingest_frame_raw
    WHERE $by_sektor AND ingest_integer(sektor) IS NULL
    UNION ALL
    SELECT source_row, 'virksomhetstype', virksomhetstype, 'the cell code is not an integer'
    FROM ingest_frame_raw
    WHERE $by_virksomhetstype AND ingest_integer(virksomhetstype) IS NULL
    UNION ALL
    SELECT source_row, 'landsdel', landsdel, 'the cell has no landsdel'
    FROM ingest_frame_raw
    WHERE $by_landsdel AND ingest_blank(landsdel) IS NULL
    UNION ALL
    SELECT source_row, 'n_population', n_population,
           'the population count is not a whole number of at least 0'
    FROM ingest_frame_raw
    WHERE coalesce(ingest_integer(n_population) < 0, true)
    UNION ALL
    SELECT source_row, 'n_population', n_population, 'the cell is listed more than once'
    FROM ingest_frame_raw
    QUALIFY count(*) OVER (
        PARTITION BY ingest_integer(sektor), ingest_integer(virksomhetstype),
                     ingest_blank(landsdel)
    ) > 1
)

SELECT source_row, "column", value, problem
FROM problems
ORDER BY source_row, "column"
LIMIT 1;
