-- Covariance of the estimates of two published groups a ≠ b of one table of wave $wave
-- (marts.md §7): the groups are disjoint domains, so only the cell means of their scores
-- meet, cov(a, b) = −Σ_h (1 − f_h) · n_h/(n_h − 1) · S_ah · S_bh / n_h, with S_h from
-- mart_cell_scores (a cell with n_h = 1 contributes 0). Summed over cells in cell order, so
-- the result is the same to the last bit run after run. One row per unordered pair (a
-- listed before b).
WITH
published AS (
    SELECT
        s.mart,
        s.measure,
        CASE WHEN lm.items_are_groups THEN '' ELSE s.item END AS item,
        s.breakdown,
        CASE WHEN lm.items_are_groups THEN s.item ELSE s.group_code END AS group_code,
        s.cell, s.n_h, s.big_n_h, s.s_h
    FROM mart_cell_scores AS s
    JOIN mart_estimates AS e USING (mart, wave, measure, item, breakdown, group_code)
    JOIN label_measure AS lm USING (measure)
    WHERE s.wave = $wave AND e.suppression = 'none'
      AND (s.breakdown <> 'total' OR lm.items_are_groups)
)

SELECT
    a.mart, a.measure, a.item, a.breakdown,
    a.group_code AS group_a,
    b.group_code AS group_b,
    -list_sum(list(
        CASE WHEN a.n_h > 1
             THEN (1 - a.n_h / a.big_n_h) * a.n_h / (a.n_h - 1) * a.s_h * b.s_h / a.n_h
             ELSE 0 END
        ORDER BY a.cell)) AS covariance
FROM published AS a
JOIN published AS b
    ON b.mart = a.mart AND b.measure = a.measure AND b.item = a.item
    AND b.breakdown = a.breakdown AND b.cell = a.cell AND b.group_code > a.group_code
GROUP BY a.mart, a.measure, a.item, a.breakdown, a.group_code, b.group_code;
