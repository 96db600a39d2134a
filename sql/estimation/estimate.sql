-- observation_sums(measured): a mart's observations summed per breakdown group and weight.
--
-- `measured` names a table (or a CTE of the calling query) with one row per respondent in a
-- measure's denominator: wave, resp_id, measure, item, value (y = 0 or 1 for a share; the
-- answer itself for a mean_* measure; always an integer), and any further column the mart
-- filters on afterwards. Returns, for every group of every breakdown of marts.md §4 the
-- respondents are in (none where their group is NULL) and every weighting cell: those
-- columns, `breakdown`, `group_code`, the cell (`cell`, its respondents `n_h`, population
-- `big_n_h` and weight `w`), the count `n_w` and the sums `sum_x` = Σy, `sum_x2` = Σy².
--
-- Respondents of the same cell and the same group in every breakdown are summed first,
-- and only their sums are spread over the ten breakdowns: a wave of a million respondents has
-- some 7 500 such profiles, where spreading every respondent's rows over the breakdowns first
-- made hundreds of millions of rows, 90 s and 18 GiB at a million respondents. The sums are of
-- integers, so the order they are added in cannot change them: the marts are the same to the
-- last bit.
CREATE OR REPLACE MACRO observation_sums(measured) AS TABLE
WITH profiles AS (
    SELECT
        m.* EXCLUDE (resp_id, value),
        r.cell,
        r.cell_respondents AS n_h,
        r.cell_population AS big_n_h,
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

-- row_cells(observations): per mart row and weighting cell h, what the variance of the row's
-- estimate is made of (marts.md §2).
--
-- `observations` names a table of observation_sums rows (above). Returns, per (wave, measure,
-- item, breakdown, group_code, cell): the cell's n_h and N_h; the row's respondents in it
-- (n_d) with their integer sums Σy and Σy² (sum_x, sum_x2); S_h = Σ_{h∩D} u and Q_h =
-- Σ_{h∩D} u² for u_i = w_i·(y_i − est)/W over the row's denominator D; and the row's own
-- sums (repeated on each of its cells): n, the integer Σy and Σy², W = Σw, Σw·y, Σw·y², est.
-- The estimator below turns them into mart rows; the differences mart (marts.md §7) takes
-- the covariance of two groups from their S_h.
CREATE OR REPLACE MACRO row_cells(observations) AS TABLE
WITH
-- Per row and cell: the respondents of D in the cell (n_d) and their integer sums Σy, Σy².
-- Every sum here is of integers, so the order DuckDB adds them in cannot change it;
-- everything in floating point below is summed over cells in a fixed order (list_sum ...
-- ORDER BY cell), so the marts are the same to the last bit run after run.
by_cell AS (
    SELECT
        wave, measure, item, breakdown, group_code, cell, n_h, big_n_h, w,
        sum(n_w) AS n_d,
        sum(sum_x) AS sum_x,
        sum(sum_x2) AS sum_x2
    FROM query_table(observations)
    GROUP BY wave, measure, item, breakdown, group_code, cell, n_h, big_n_h, w
),

sums AS (
    SELECT
        wave, measure, item, breakdown, group_code,
        sum(n_d) AS n,
        sum(sum_x) AS row_sum_x,
        sum(sum_x2) AS row_sum_x2,
        list_sum(list(n_d * w ORDER BY cell)) AS sum_w,
        list_sum(list(sum_x * w ORDER BY cell)) AS sum_wx,
        list_sum(list(sum_x2 * w ORDER BY cell)) AS sum_wx2
    FROM by_cell
    GROUP BY wave, measure, item, breakdown, group_code
),

point AS (
    -- a share p = Σw·y / Σw, or the weighted mean
    SELECT *, sum_wx / sum_w AS est FROM sums
)

SELECT
    c.wave, c.measure, c.item, c.breakdown, c.group_code, c.cell, c.n_h, c.big_n_h,
    c.n_d, c.sum_x, c.sum_x2,
    c.w * (c.sum_x - p.est * c.n_d) / p.sum_w AS s_h,
    c.w * c.w * (c.sum_x2 - 2 * p.est * c.sum_x + p.est * p.est * c.n_d)
        / (p.sum_w * p.sum_w) AS q_h,
    p.n, p.row_sum_x, p.row_sum_x2, p.sum_w, p.sum_wx, p.sum_wx2, p.est
FROM by_cell AS c
JOIN point AS p USING (wave, measure, item, breakdown, group_code);

-- estimate(cells, min_cell_size): the one estimator behind every mart (marts.md §2, §5).
--
-- `cells` names a table of row_cells rows (above). Returns the rows of marts.md §1: the
-- weighted share or mean, its design-based standard error (Taylor linearisation for the
-- stratified design with finite population correction, as R's survey package computes a
-- domain mean), design effect, 95 % interval, and the suppression.
CREATE OR REPLACE MACRO estimate(cells, min_cell_size) AS TABLE
WITH
-- Each cell contributes (1 − f_h) · n_h/(n_h − 1) · (Q_h − S_h²/n_h), where S_h²/n_h takes
-- ū_h over all n_h respondents of the cell, in D or not (marts.md §2); a cell with n_h = 1
-- contributes 0.
variance AS (
    SELECT
        wave, measure, item, breakdown, group_code,
        any_value(n) AS n,
        any_value(est) AS est,
        any_value(sum_w) AS sum_w,
        any_value(sum_wx2) AS sum_wx2,
        measure IN (SELECT measure FROM label_measure WHERE kind = 'mean') AS is_mean,
        -- every y in D equal (Cauchy–Schwarz with equality, decided on exact integers): then
        -- u is zero in theory, and rounding must not make a variance of it
        any_value(n * row_sum_x2 = row_sum_x * row_sum_x) AS constant,
        list_sum(list(
            CASE WHEN n_h > 1
                 -- Q_h ≥ S_h²/n_h exactly; rounding below 0 is taken as 0
                 THEN (1 - n_h / big_n_h) * n_h / (n_h - 1) * greatest(q_h - s_h * s_h / n_h, 0)
                 ELSE 0 END
            ORDER BY cell)) AS v
    FROM query_table(cells)
    GROUP BY wave, measure, item, breakdown, group_code
),

design AS (
    SELECT
        * REPLACE (CASE WHEN constant THEN 0 ELSE v END AS v),
        -- the weighted variance of a mean's answers, s²_w = Σw·x²/W − x̄²
        CASE WHEN constant THEN 0 ELSE sum_wx2 / sum_w - est * est END AS s2_w,
        1.959964 AS z
    FROM variance
),

effects AS (
    SELECT
        *,
        sqrt(v) AS se,
        -- design effect: the design's variance over simple random sampling's of the same n
        CASE WHEN is_mean AND s2_w > 0 THEN v / (s2_w / n)
             WHEN NOT is_mean AND est > 0 AND est < 1 THEN v / (est * (1 - est) / n)
             ELSE 1 END AS deff
    FROM design
),

intervals AS (
    SELECT
        *,
        -- Wilson score interval with n_eff = n / deff in place of n, written with
        -- a = 1 / n_eff = deff / n so that deff = 0 (no sampling variance) gives [p, p]
        deff / n AS a
    FROM effects
),

bounds AS (
    SELECT
        *,
        -- at p = 0 or 1 the Wilson bound equals p exactly; clamping keeps rounding from
        -- putting it a hair outside [0, 1] or on the wrong side of the estimate
        CASE WHEN is_mean THEN est - z * se
             ELSE least(est, greatest(0,
                 (est + z * z * a / 2) / (1 + z * z * a)
                 - z * sqrt(est * (1 - est) * a + z * z * a * a / 4) / (1 + z * z * a)))
        END AS lower,
        CASE WHEN is_mean THEN est + z * se
             ELSE greatest(est, least(1,
                 (est + z * z * a / 2) / (1 + z * z * a)
                 + z * sqrt(est * (1 - est) * a + z * z * a * a / 4) / (1 + z * z * a)))
        END AS upper,
        -- primary suppression: fewer respondents than the minimum cell size (its floor is
        -- checked where the setting enters, pipelines/marts/disclosure_rules.py)
        n < min_cell_size AS primary_hit
    FROM intervals
),

-- Secondary suppression (marts.md §5). A table is the groups of one breakdown other than
-- `total` for one (wave, measure, item); for a measure whose items are the groups of its table
-- (label_measure.items_are_groups: innovative_by_index's bands), it is (wave, measure). Where exactly one group of a table is primary-suppressed,
-- the published group with the smallest n is suppressed too (ties: the group listed first).
placed AS (
    SELECT
        b.*,
        lm.items_are_groups AS bands,
        CASE WHEN lm.items_are_groups THEN li.position ELSE lg.position END AS position,
        li.item_label,
        lg.group_label
    FROM bounds AS b
    LEFT JOIN label_measure AS lm USING (measure)
    LEFT JOIN label_item AS li USING (measure, item)
    LEFT JOIN label_group AS lg USING (breakdown, group_code)
),

tabled AS (
    SELECT
        *,
        count(*) FILTER (WHERE primary_hit) OVER tbl AS primaries,
        row_number() OVER (tbl ORDER BY primary_hit, n, position) AS rank_published
    FROM placed
    WHERE breakdown <> 'total' OR bands
    WINDOW tbl AS (PARTITION BY wave, measure, CASE WHEN bands THEN '' ELSE item END, breakdown)
),

suppressions AS (
    SELECT
        p.*,
        CASE WHEN p.primary_hit THEN 'primary'
             WHEN t.primaries = 1 AND t.rank_published = 1 THEN 'secondary'
             ELSE 'none' END AS suppression
    FROM placed AS p
    LEFT JOIN tabled AS t USING (wave, measure, item, breakdown, group_code)
)

SELECT
    wave,
    measure,
    item,
    coalesce(item_label,
             error('no label for item ''' || item || ''' of measure ' || measure)) AS item_label,
    breakdown,
    group_code,
    coalesce(group_label,
             error('no label for group ''' || group_code || ''' of ' || breakdown)) AS group_label,
    CAST(n AS INTEGER) AS n,
    CASE WHEN suppression = 'none' THEN est END AS estimate,
    CASE WHEN suppression = 'none' THEN lower END AS ci_lower,
    CASE WHEN suppression = 'none' THEN upper END AS ci_upper,
    CASE WHEN suppression = 'none' THEN se END AS se,
    CASE WHEN suppression = 'none' THEN deff END AS deff,
    suppression,
    suppression <> 'none' AS suppressed
FROM suppressions;
