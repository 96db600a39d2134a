-- The tests of wave $wave's groups as they are published (marts.md §7, §8): rounded last, from
-- the full precision of mart_differences, at level 0 (a test is of a whole table, not of one
-- group the reconstruction audit could flag). published_rounding holds the rounding of every
-- column per measure and level, from pipelines/marts/disclosure_rules.py.
SELECT
    d.wave, d.mart, d.measure, d.item, d.item_label, d.breakdown, d.groups, d.groups_left_out,
    published_number(d.statistic, r.statistic) AS statistic,
    d.df,
    published_number(d.p_value, r.p_value) AS p_value,
    published_number(d.q_value, r.q_value) AS q_value,
    published_number(d.trend_z, r.trend_z) AS trend_z,
    published_number(d.trend_p, r.trend_p) AS trend_p
FROM mart_differences AS d
LEFT JOIN published_rounding AS r ON r.measure = d.measure AND r.level = 0
WHERE d.wave = $wave
ORDER BY d.wave, d.mart, d.measure, d.item, d.breakdown;
