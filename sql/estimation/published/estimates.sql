-- One wave ($wave) of an estimate mart ($mart, in the warehouse table $mart_table) as it is
-- published (marts.md §8). The warehouse keeps full precision; every number is rounded here,
-- last, after suppression and everything derived from it, at the level the reconstruction
-- audit set for the row's group in published_precision (none: level 0, §8's table).
-- published_rounding holds the rounding of every column per measure (a share's or a
-- mean's) and level, from pipelines/marts/disclosure_rules.py; a level above 0 coarsens the estimate
-- and its interval and withholds se and deff.
WITH
levelled AS (
    SELECT
        m.*,
        coalesce(g.level, 0) AS level
    FROM query_table($mart_table) AS m
    LEFT JOIN published_precision AS g
        ON g.mart = $mart
        AND g.wave = m.wave
        AND g.measure = m.measure
        AND g.breakdown = m.breakdown
        AND g.group_code = m.group_code
    WHERE m.wave = $wave
)

SELECT
    m.wave, m.measure, m.item, m.item_label, m.breakdown, m.group_code, m.group_label, m.n,
    published_number(m.estimate, r.estimate) AS estimate,
    published_number(m.ci_lower, r.ci_lower) AS ci_lower,
    published_number(m.ci_upper, r.ci_upper) AS ci_upper,
    published_number(m.se, r.se) AS se,
    published_number(m.deff, r.deff) AS deff,
    m.suppression,
    m.suppressed
FROM levelled AS m
LEFT JOIN published_rounding AS r USING (measure, level)
ORDER BY m.wave, m.measure, m.item, m.breakdown, m.group_code;
