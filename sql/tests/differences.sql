-- The differences mart of wave $wave (marts.md §7) from the tests of each table's published
-- groups (the temp table group_tests, computed by pipelines/significance.py): with the item's
-- label, the suppressed groups left out, and the Benjamini–Hochberg q-value over all rows of
-- the wave, q_(i) = min over j ≥ i of min(1, m · p_(j) / j) for the m p-values in rising
-- order (ties broken by the table's key, so the result does not depend on row order).
DELETE FROM mart_differences WHERE wave = $wave;

INSERT INTO mart_differences
WITH
ranked AS (
    SELECT
        *,
        count(p_value) OVER () AS m,
        row_number() OVER (ORDER BY p_value, mart, measure, item, breakdown) AS rank
    FROM group_tests
),

adjusted AS (
    SELECT
        *,
        CASE WHEN p_value IS NOT NULL THEN
            min(CASE WHEN p_value IS NOT NULL THEN least(1, m * p_value / rank) END) OVER (
                ORDER BY p_value DESC NULLS FIRST, mart DESC, measure DESC, item DESC,
                         breakdown DESC
                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
        END AS q_value
    FROM ranked
)

SELECT
    $wave AS wave,
    a.mart,
    a.measure,
    a.item,
    coalesce(li.item_label, '') AS item_label,
    a.breakdown,
    a.groups,
    a.groups_left_out,
    a.statistic,
    a.df,
    a.p_value,
    a.q_value,
    a.trend_z,
    a.trend_p
FROM adjusted AS a
LEFT JOIN label_item AS li USING (measure, item);
