-- failures mart of wave $wave (marts.md §3): innovation attempts that did not give the
-- expected improvement, their type and why they failed.
-- A query of the mart's observations, summed per breakdown group and weighting cell; the
-- runner (pipelines/estimation/transform.py, sql/estimation/write_mart.sql) estimates and writes them.
WITH
answers AS (
    SELECT * FROM respondent_answers WHERE wave = $wave
),

-- one row per failed attempt and reason answered (0/1)
reasons AS (
    UNPIVOT (SELECT wave, resp_id, COLUMNS('^arsak_') FROM answers WHERE mislykket = 1)
    ON COLUMNS('^arsak_') INTO NAME question VALUE answer
),

measured AS (
    SELECT wave, resp_id, 'failed_attempt' AS measure, '' AS item,
           CAST(mislykket = 1 AS INTEGER) AS value
    FROM answers
    WHERE mislykket IS NOT NULL

    UNION ALL
    SELECT a.wave, a.resp_id, 'failure_type', l.item, CAST(a.mislykket_type = l.code AS INTEGER)
    FROM answers AS a
    JOIN label_item AS l ON l.measure = 'failure_type'
    WHERE a.mislykket = 1 AND a.mislykket_type IS NOT NULL

    UNION ALL
    SELECT wave, resp_id, 'failure_reason', replace(question, 'arsak_', ''),
           CAST(answer = 1 AS INTEGER)
    FROM reasons
)

SELECT * FROM observation_sums(measured);
