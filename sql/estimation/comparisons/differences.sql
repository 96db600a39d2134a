-- The differences mart of wave $wave (marts.md §7) from the tests of each table's published
-- groups (the temp table group_tests, computed by pipelines/estimation/comparisons.py), with the item's
-- label.
DELETE FROM mart_differences WHERE wave = $wave;

INSERT INTO mart_differences
SELECT
    $wave AS wave,
    t.mart,
    t.measure,
    t.item,
    coalesce(li.item_label, '') AS item_label,
    t.breakdown,
    t.groups,
    t.groups_left_out,
    t.statistic,
    t.df,
    t.p_value,
    t.q_value,
    t.trend_z,
    t.trend_p
FROM group_tests AS t
LEFT JOIN label_item AS li USING (measure, item);
