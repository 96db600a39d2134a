-- reform_pressure mart of wave $wave (marts.md §3): workplaces in municipalities or counties
-- merged on 1 Jan 2020, and whether the reform gave them more pressure to innovate. Only a
-- wave that asked about the reform has merger status (respondents.in_merging_unit), so other
-- waves get no rows.
-- A query of the mart's observations, summed per breakdown group and weighting cell; the
-- runner (pipelines/estimation/transform.py, sql/estimation/write_mart.sql) estimates and writes them.
WITH
answers AS (
    SELECT * FROM respondent_answers WHERE wave = $wave AND in_merging_unit IS NOT NULL
),

measured AS (
    SELECT wave, resp_id, 'in_merging_unit' AS measure, '' AS item,
           CAST(in_merging_unit AS INTEGER) AS value
    FROM answers

    UNION ALL
    SELECT a.wave, a.resp_id, 'pressure', l.item, CAST(a.reform_trykk = l.code AS INTEGER)
    FROM answers AS a
    JOIN label_item AS l ON l.measure = 'pressure'
    WHERE a.in_merging_unit AND a.reform_trykk IS NOT NULL
)

SELECT * FROM observation_sums(measured);
