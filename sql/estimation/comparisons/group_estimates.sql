-- The tables whose groups the differences mart of wave $wave compares (marts.md §7), one row
-- per group: the groups of one breakdown other than `total` for one (mart, measure, item);
-- for a measure whose items are the groups of its table (label_measure.items_are_groups), its
-- items (item '' in the table's key). Every group is listed, in the order of marts.md §4 (`position`); only
-- published ones (suppression 'none') carry an estimate and take part in the tests.
SELECT
    e.mart,
    e.measure,
    CASE WHEN lm.items_are_groups THEN '' ELSE e.item END AS item,
    e.breakdown,
    CASE WHEN lm.items_are_groups THEN e.item ELSE e.group_code END AS group_code,
    CASE WHEN lm.items_are_groups THEN li.position ELSE lg.position END AS position,
    e.suppression = 'none' AS published,
    e.estimate,
    e.se
FROM mart_estimates AS e
JOIN label_measure AS lm USING (measure)
LEFT JOIN label_item AS li USING (measure, item)
LEFT JOIN label_group AS lg USING (breakdown, group_code)
WHERE e.wave = $wave AND (e.breakdown <> 'total' OR lm.items_are_groups)
ORDER BY e.mart, e.measure, 3, e.breakdown, position;
