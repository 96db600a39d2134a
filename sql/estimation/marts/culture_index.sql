-- culture_index mart of wave $wave (marts.md §3): agreement with five statements about the
-- workplace's culture, the index that counts them, and innovation along the index.
-- A query of the mart's observations, summed per breakdown group and weighting cell; the
-- runner (pipelines/estimation/transform.py, sql/estimation/write_mart.sql) estimates and writes them.
WITH
answers AS (
    SELECT * FROM respondent_answers WHERE wave = $wave
),

statements AS (
    UNPIVOT (SELECT wave, resp_id, COLUMNS('^kultur_') FROM answers)
    ON COLUMNS('^kultur_') INTO NAME question VALUE answer
),

measured AS (
    -- agree: helt or delvis enig
    SELECT wave, resp_id, 'agree' AS measure, replace(question, 'kultur_', '') AS item,
           CAST(answer IN (1, 2) AS INTEGER) AS value,
           false AS total_only
    FROM statements

    UNION ALL
    SELECT a.wave, a.resp_id, 'index_distribution', l.item,
           CAST(a.culture_index = l.code AS INTEGER), false
    FROM answers AS a
    JOIN label_item AS l ON l.measure = 'index_distribution'
    WHERE a.culture_index IS NOT NULL

    UNION ALL
    SELECT wave, resp_id, 'mean_index', '', culture_index, false
    FROM answers
    WHERE culture_index IS NOT NULL

    UNION ALL
    -- innovative_by_index: share innovative within each band of the index, total only
    SELECT wave, resp_id, 'innovative_by_index',
           CASE WHEN culture_index <= 2 THEN '0-2' ELSE CAST(culture_index AS VARCHAR) END,
           CAST(innovator AS INTEGER), true
    FROM answers
    WHERE culture_index IS NOT NULL AND innovator IS NOT NULL
)

SELECT * EXCLUDE (total_only) FROM observation_sums(measured)
WHERE NOT total_only OR breakdown = 'total';
