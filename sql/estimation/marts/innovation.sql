-- innovation mart of wave $wave (marts.md §3): whether workplaces innovated, in which types,
-- and how central and how new the newest innovation is.
-- A query of the mart's observations, summed per breakdown group and weighting cell; the
-- runner (pipelines/estimation/transform.py, sql/estimation/write_mart.sql) estimates and writes them.
WITH
answers AS (
    SELECT * FROM respondent_answers WHERE wave = $wave
),

innovation_types AS (
    UNPIVOT (SELECT wave, resp_id, COLUMNS('^innov_') FROM answers)
    ON COLUMNS('^innov_') INTO NAME question VALUE answer
),

measured AS (
    -- innovative: everyone who answered the innovation questions
    SELECT wave, resp_id, 'innovative' AS measure, '' AS item,
           CAST(innovator AS INTEGER) AS value
    FROM answers
    WHERE innovator IS NOT NULL

    UNION ALL
    -- innovation_type: everyone who answered that type
    SELECT wave, resp_id, 'innovation_type', replace(question, 'innov_', ''),
           CAST(answer = 1 AS INTEGER)
    FROM innovation_types

    UNION ALL
    -- development_underway: non-innovators
    SELECT wave, resp_id, 'development_underway', '', CAST(utvikling = 1 AS INTEGER)
    FROM answers
    WHERE NOT innovator AND utvikling IS NOT NULL

    UNION ALL
    -- multi_type: innovators whose newest innovation spans two or more types
    SELECT wave, resp_id, 'multi_type', '',
           CAST(coalesce(nyeste_tjeneste, 0) + coalesce(nyeste_produkt, 0)
                + coalesce(nyeste_prosess, 0) + coalesce(nyeste_kommunikasjon, 0) >= 2
                AS INTEGER)
    FROM answers
    WHERE innovator
      AND coalesce(nyeste_tjeneste, nyeste_produkt, nyeste_prosess,
                   nyeste_kommunikasjon) IS NOT NULL

    UNION ALL
    -- core_task: innovators; the newest innovation bears on present or future core tasks
    SELECT wave, resp_id, 'core_task', '', CAST(kjerne IN (1, 2) AS INTEGER)
    FROM answers
    WHERE innovator AND kjerne IS NOT NULL

    UNION ALL
    -- novelty: innovators whose newest innovation bears on core tasks; one row per item
    SELECT a.wave, a.resp_id, 'novelty', l.item, CAST(a.nyhet = l.code AS INTEGER)
    FROM answers AS a
    JOIN label_item AS l ON l.measure = 'novelty'
    WHERE a.innovator AND a.kjerne IN (1, 2) AND a.nyhet IS NOT NULL
)

SELECT * FROM observation_sums(measured)
-- innovation_status is defined by these measures, so it is no breakdown of them
WHERE breakdown <> 'innovation_status';
