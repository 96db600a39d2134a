-- The changes into wave $wave as they are published (marts.md §6, §8): rounded last, from the
-- full precision of mart_changes, at the coarser of the levels the reconstruction audit set
-- for the group in its two waves (published_precision; none: level 0, §8's table).
-- published_rounding holds the rounding of every column per measure (a share's or a mean's)
-- and level, from pipelines/marts/disclosure_rules.py; a level above 0 coarsens the estimates, the
-- difference and its interval, and withholds se and p_value, which would give a withheld se
-- back.
WITH
levelled AS (
    SELECT
        c.*,
        greatest(coalesce(f.level, 0), coalesce(t.level, 0)) AS level
    FROM mart_changes AS c
    LEFT JOIN published_precision AS f
        ON f.mart = c.mart
        AND f.wave = c.wave_from
        AND f.measure = c.measure
        AND f.breakdown = c.breakdown
        AND f.group_code = c.group_code
    LEFT JOIN published_precision AS t
        ON t.mart = c.mart
        AND t.wave = c.wave_to
        AND t.measure = c.measure
        AND t.breakdown = c.breakdown
        AND t.group_code = c.group_code
    WHERE c.wave_to = $wave
)

SELECT
    c.wave_from, c.wave_to, c.mart, c.measure, c.item, c.breakdown, c.group_code,
    c.item_label, c.group_label,
    published_number(c.estimate_from, r.estimate_from) AS estimate_from,
    published_number(c.estimate_to, r.estimate_to) AS estimate_to,
    published_number(c.difference, r.difference) AS difference,
    published_number(c.se, r.se) AS se,
    published_number(c.ci_lower, r.ci_lower) AS ci_lower,
    published_number(c.ci_upper, r.ci_upper) AS ci_upper,
    published_number(c.p_value, r.p_value) AS p_value,
    c.suppressed
FROM levelled AS c
LEFT JOIN published_rounding AS r USING (measure, level)
ORDER BY c.wave_from, c.wave_to, c.mart, c.measure, c.item, c.breakdown, c.group_code;
