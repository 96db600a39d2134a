-- observation_sums(measured): a mart's observations summed per breakdown group and weight.
--
-- `measured` names a table (or a CTE of the calling query) with one row per respondent in a
-- measure's denominator: wave, resp_id, measure, item, value (y = 0 or 1 for a share; the
-- answer itself for a mean_* measure; always an integer), and any further column the mart
-- filters on afterwards. Returns, for every group of every breakdown of marts.md §4 the
-- respondents are in (none where their group is NULL) and every weight w: those columns,
-- `breakdown`, `group_code`, `w`, the count `n_w` and the sums `sum_x` = Σy, `sum_x2` = Σy².
--
-- Respondents with the same weight and the same group in every breakdown are summed first,
-- and only their sums are spread over the ten breakdowns: a wave of a million respondents has
-- some 7 500 such profiles, where spreading every respondent's rows over the breakdowns first
-- made hundreds of millions of rows, 90 s and 18 GiB (bench/, issue 7). The sums are of
-- integers, so the order they are added in cannot change them: the marts are the same to the
-- last bit.
CREATE OR REPLACE MACRO observation_sums(measured) AS TABLE
WITH profiles AS (
    SELECT
        m.* EXCLUDE (resp_id, value),
        r.weight AS w,
        r.total, r.sector, r.municipality_size, r.centrality, r.region, r.employees,
        r.economy, r.innovation_status, r.merger, r.government_level,
        count(*) AS n_w,
        sum(m.value) AS sum_x,
        sum(m.value * m.value) AS sum_x2
    FROM query_table(measured) AS m
    JOIN respondents AS r USING (wave, resp_id)
    GROUP BY ALL
)
UNPIVOT profiles
ON total, sector, municipality_size, centrality, region, employees, economy,
   innovation_status, merger, government_level
INTO NAME breakdown VALUE group_code;

-- estimate(observations, min_cell_size): the one estimator behind every mart (marts.md §2).
--
-- `observations` names a table of observation_sums rows (above) with wave, measure, item,
-- breakdown, group_code, w, n_w, sum_x and sum_x2. Returns the rows of marts.md §1.
CREATE OR REPLACE MACRO estimate(observations, min_cell_size) AS TABLE
WITH
-- Every respondent of a weighting cell has the same weight, so the sums are taken in two
-- steps: exact integer counts and sums per distinct weight, then the weighted total over
-- the few weights in a fixed order. Floating-point addition depends on its order, and
-- DuckDB's parallel aggregation would otherwise make the last digits, and so the published
-- bytes, differ from run to run.
by_weight AS (
    SELECT
        wave, measure, item, breakdown, group_code, w,
        sum(n_w) AS n_w,
        sum(sum_x) AS sum_x,
        sum(sum_x2) AS sum_x2
    FROM query_table(observations)
    GROUP BY wave, measure, item, breakdown, group_code, w
),

sums AS (
    SELECT
        wave, measure, item, breakdown, group_code,
        sum(n_w) AS n,
        list_sum(list(n_w * w ORDER BY w)) AS sum_w,
        list_sum(list(n_w * w * w ORDER BY w)) AS sum_w2,
        list_sum(list(sum_x * w ORDER BY w)) AS sum_wx,
        list_sum(list(sum_x2 * w ORDER BY w)) AS sum_wx2
    FROM by_weight
    GROUP BY wave, measure, item, breakdown, group_code
),

point AS (
    SELECT
        *,
        -- a share p = Σw·y / Σw, or the weighted mean
        sum_wx / sum_w AS est,
        -- Kish effective size
        sum_w * sum_w / sum_w2 AS n_eff,
        starts_with(measure, 'mean_') AS is_mean,
        1.959964 AS z
    FROM sums
),

spread AS (
    SELECT
        *,
        -- weighted variance of a mean: Σw(x − mean)² / Σw, written as Σwx²/Σw − mean²;
        -- rounding can take it a hair below zero for constant answers
        greatest(sum_wx2 / sum_w - est * est, 0) AS var_w,
        -- Wilson score interval with n_eff in place of n
        (est + z * z / (2 * n_eff)) / (1 + z * z / n_eff) AS wilson_centre,
        z * sqrt(est * (1 - est) / n_eff + z * z / (4 * n_eff * n_eff))
            / (1 + z * z / n_eff) AS wilson_half
    FROM point
),

intervals AS (
    SELECT
        *,
        -- at p = 0 or 1 the Wilson bound equals p exactly; clamping keeps rounding from
        -- putting it a hair outside [0, 1] or on the wrong side of the estimate
        CASE WHEN is_mean THEN est - z * sqrt(var_w / n_eff)
             ELSE least(est, greatest(0, wilson_centre - wilson_half)) END AS lower,
        CASE WHEN is_mean THEN est + z * sqrt(var_w / n_eff)
             ELSE greatest(est, least(1, wilson_centre + wilson_half)) END AS upper,
        -- privacy: no estimate for a cell with fewer respondents than the minimum
        n < CASE WHEN min_cell_size < 5
                 THEN error('the minimum cell size ' || min_cell_size || ' is below 5')
                 ELSE min_cell_size END AS suppressed
    FROM spread
)

SELECT
    i.wave,
    i.measure,
    i.item,
    coalesce(li.item_label,
             error('no label for item ''' || i.item || ''' of measure ' || i.measure)) AS item_label,
    i.breakdown,
    i.group_code,
    coalesce(lg.group_label,
             error('no label for group ''' || i.group_code || ''' of ' || i.breakdown)) AS group_label,
    CAST(i.n AS INTEGER) AS n,
    CASE WHEN i.suppressed THEN NULL ELSE i.est END AS estimate,
    CASE WHEN i.suppressed THEN NULL ELSE i.lower END AS ci_lower,
    CASE WHEN i.suppressed THEN NULL ELSE i.upper END AS ci_upper,
    i.suppressed
FROM intervals AS i
LEFT JOIN label_item AS li USING (measure, item)
LEFT JOIN label_group AS lg USING (breakdown, group_code);
