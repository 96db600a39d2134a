-- factors mart of wave $wave (marts.md §3): what promoted and inhibited the newest
-- innovation, and the biggest inhibitor for workplaces that tried but did not innovate.
-- A query of the mart's observations, summed per breakdown group and weighting cell; the
-- runner (pipelines/estimation/transform.py, sql/estimation/write_mart.sql) estimates and writes them.
WITH
answers AS (
    SELECT * FROM respondent_answers WHERE wave = $wave
),

-- one row per innovator and factor answered (1-6 on the scale, 7 Ikke relevant, 9 Vet ikke)
factor_answers AS (
    UNPIVOT (SELECT wave, resp_id, COLUMNS('^f_') FROM answers WHERE innovator)
    ON COLUMNS('^f_') INTO NAME question VALUE answer
),

measured AS (
    SELECT wave, resp_id, 'promoted' AS measure, substr(question, 3) AS item,
           CAST(answer IN (5, 6) AS INTEGER) AS value
    FROM factor_answers

    UNION ALL
    SELECT wave, resp_id, 'inhibited', substr(question, 3), CAST(answer IN (1, 2) AS INTEGER)
    FROM factor_answers

    UNION ALL
    -- mean_score: the scale only, so "Ikke relevant" and "Vet ikke" are left out
    SELECT wave, resp_id, 'mean_score', substr(question, 3), answer
    FROM factor_answers
    WHERE answer BETWEEN 1 AND 6

    UNION ALL
    -- biggest_inhibitor: non-innovators with development under way; one row per factor
    SELECT a.wave, a.resp_id, 'biggest_inhibitor', l.item,
           CAST(a.storste_hemmer = l.code AS INTEGER)
    FROM answers AS a
    JOIN label_item AS l ON l.measure = 'biggest_inhibitor'
    WHERE NOT a.innovator AND a.utvikling = 1 AND a.storste_hemmer IS NOT NULL
)

SELECT * FROM observation_sums(measured)
-- the denominators are defined by innovation status, so it is no breakdown of them
WHERE breakdown <> 'innovation_status';
