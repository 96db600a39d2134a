-- Post-stratification weights of wave $wave (marts.md §2): w = N_cell / n_cell, where
-- N_cell is the frame's population of the cell and n_cell the respondents in it after
-- quarantine. The cells are the frame's rows: sector (2020, 2024) or virksomhetstype ×
-- landsdel (2018); a cell column the wave does not weight on is NULL in its frame rows and
-- matches every respondent. $numbering is the municipality numbering of the wave.
DELETE FROM weights WHERE wave = $wave;

INSERT INTO weights
WITH
located AS (
    SELECT r.wave, r.resp_id, r.sektor, r.virksomhetstype, m.landsdel
    FROM responses AS r
    JOIN ref_municipality AS m
        ON m.numbering = $numbering AND m.kommunenr = r.kommunenr
    WHERE r.wave = $wave
),

in_cell AS (
    SELECT l.wave, l.resp_id, f.sektor, f.virksomhetstype, f.landsdel, f.n_population
    FROM located AS l
    LEFT JOIN frame AS f
        ON f.wave = l.wave
        AND (f.sektor IS NULL OR f.sektor = l.sektor)
        AND (f.virksomhetstype IS NULL OR f.virksomhetstype = l.virksomhetstype)
        AND (f.landsdel IS NULL OR f.landsdel = l.landsdel)
)

SELECT
    wave,
    resp_id,
    sektor,
    virksomhetstype,
    landsdel,
    -- ingest refuses a delivery with a respondent outside the frame; this guards the weights.
    -- The message names no respondent: it reaches the terminal and the run's log.
    coalesce(n_population,
             error('wave ' || wave || ': a respondent is in no frame cell of the frame '
                   || 'ingest loaded; run the wave again from its delivery'))
        AS n_population,
    count(*) OVER cell AS n_respondents,
    n_population / count(*) OVER cell AS weight
FROM in_cell
WINDOW cell AS (PARTITION BY sektor, virksomhetstype, landsdel);

-- one row per respondent (pipelines/warehouse/schema.py): overlapping frame cells would give more
SELECT CASE WHEN count(*) > count(DISTINCT resp_id)
    THEN error('weights of wave ' || $wave || ': a respondent falls in more than one frame cell')
END
FROM weights
WHERE wave = $wave;

-- Every frame cell with its respondents: a cell with none is reported, since its
-- population is then not represented by the weights.
CREATE OR REPLACE VIEW frame_coverage AS
SELECT
    f.wave, f.sektor, f.virksomhetstype, f.landsdel, f.n_population,
    coalesce(c.n_respondents, 0) AS n_respondents
FROM frame AS f
LEFT JOIN (
    SELECT DISTINCT wave, sektor, virksomhetstype, landsdel, n_respondents FROM weights
) AS c
    ON c.wave = f.wave
    AND c.sektor IS NOT DISTINCT FROM f.sektor
    AND c.virksomhetstype IS NOT DISTINCT FROM f.virksomhetstype
    AND c.landsdel IS NOT DISTINCT FROM f.landsdel;
