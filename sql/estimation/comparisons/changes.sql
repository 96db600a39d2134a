-- The changes mart into wave $wave (marts.md §6): every row of the wave's estimate marts
-- (the warehouse's, being published now) beside the same row of every earlier wave's latest
-- release, at full precision: the rows release_estimates kept of the versions
-- compared_releases names for the wave (the Parquet is rounded, marts.md §8, and a change
-- is computed first and rounded last). The waves are independent samples: the variances
-- add. A change is suppressed when either side is; then it carries no number.
DELETE FROM mart_changes WHERE wave_to = $wave;

INSERT INTO mart_changes
WITH
earlier AS (
    SELECT r.*
    FROM release_estimates AS r
    JOIN compared_releases AS c ON c.wave_from = r.wave AND c.version = r.version
    WHERE c.wave_to = $wave
),

pairs AS (
    SELECT
        f.wave AS wave_from,
        t.wave AS wave_to,
        t.mart, t.measure, t.item, t.breakdown, t.group_code,
        t.item_label,
        t.group_label,
        f.suppressed OR t.suppressed AS suppressed,
        f.estimate AS estimate_from,
        t.estimate AS estimate_to,
        sqrt(f.se * f.se + t.se * t.se) AS se
    FROM mart_estimates AS t
    JOIN earlier AS f USING (mart, measure, item, breakdown, group_code)
    WHERE t.wave = $wave AND f.wave < t.wave
)

SELECT
    wave_from, wave_to, mart, measure, item, breakdown, group_code, item_label, group_label,
    CASE WHEN NOT suppressed THEN estimate_from END AS estimate_from,
    CASE WHEN NOT suppressed THEN estimate_to END AS estimate_to,
    CASE WHEN NOT suppressed THEN estimate_to - estimate_from END AS difference,
    CASE WHEN NOT suppressed THEN se END AS se,
    CASE WHEN NOT suppressed THEN estimate_to - estimate_from - 1.959964 * se END AS ci_lower,
    CASE WHEN NOT suppressed THEN estimate_to - estimate_from + 1.959964 * se END AS ci_upper,
    -- two-sided normal: erfc(|difference| / (se·√2)); none without sampling variance
    CASE WHEN NOT suppressed AND se > 0
         THEN two_sided_p((estimate_to - estimate_from) / se) END AS p_value,
    suppressed
FROM pairs;
