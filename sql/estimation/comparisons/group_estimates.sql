-- The tables whose groups the differences mart of wave $wave compares (marts.md §7), one row
-- per group: the groups of one breakdown other than `total` for one (mart, measure, item);
-- for innovative_by_index, whose bands play the part of the groups, the bands (item '' in the
-- table's key). Every group is listed, in the order of marts.md §4 (`position`); only
-- published ones (suppression 'none') carry an estimate and take part in the tests.
SELECT
    e.mart,
    e.measure,
    CASE WHEN e.measure = 'innovative_by_index' THEN '' ELSE e.item END AS item,
    e.breakdown,
    CASE WHEN e.measure = 'innovative_by_index' THEN e.item ELSE e.group_code END AS group_code,
    CASE WHEN e.measure = 'innovative_by_index' THEN li.position ELSE lg.position END
        AS position,
    e.suppression = 'none' AS published,
    e.estimate,
    e.se
FROM mart_estimates AS e
LEFT JOIN label_item AS li USING (measure, item)
LEFT JOIN label_group AS lg USING (breakdown, group_code)
WHERE e.wave = $wave AND (e.breakdown <> 'total' OR e.measure = 'innovative_by_index')
ORDER BY e.mart, e.measure, 3, e.breakdown, position;
