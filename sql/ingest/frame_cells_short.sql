-- Frame rows that give a weighting cell fewer workplaces than it has accepted respondents
-- (0 among them): the sample cannot be larger than its population, and such a cell would
-- weigh its respondents below 1 (by nothing, at 0) and make a sampling fraction above 1.
-- The frame row's line in frame.csv, its delivered population, the cell and its
-- respondents, the earliest frame row first. The cells are ingest_cells
-- (sql/ingest/respondent_cells.sql), matched as in sql/ingest/frame_cells_missing.sql.
SELECT
    f.source_row,
    f.n_population,
    c.sektor,
    c.virksomhetstype,
    c.landsdel,
    c.n_respondents,
    c.first_row
FROM ingest_frame_raw AS f
INNER JOIN ingest_cells AS c
    ON (NOT $by_sektor OR ingest_integer(f.sektor) = c.sektor)
    AND (NOT $by_virksomhetstype OR ingest_integer(f.virksomhetstype) = c.virksomhetstype)
    AND (NOT $by_landsdel OR ingest_blank(f.landsdel) = c.landsdel)
WHERE ingest_integer(f.n_population) < c.n_respondents
ORDER BY f.source_row;
