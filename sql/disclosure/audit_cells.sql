-- What the reconstruction audit (docs/disclosure.md) attacks, for one mart $mart of wave
-- $wave (its warehouse table $mart_table): per row key and every weighting cell its group
-- can hold respondents in, the cell's respondents n_h and population N_h (public: the frame
-- and the published n of the cells), and what the attacker is after — the row's respondents
-- in the cell (n_d) and the integer sums of their values (sum_x = Σy, sum_x2 = Σy²), zero
-- where the row has none there. A group can hold respondents in the cells where any row of
-- it, in this mart, has some. Private: this never leaves the warehouse; the audit only asks
-- whether the published rows pin these numbers down. A row without any cell record gets one
-- row with a NULL cell, which the audit refuses.
WITH
scores AS (
    SELECT * FROM mart_cell_scores WHERE mart = $mart AND wave = $wave
),

group_cells AS (
    SELECT DISTINCT breakdown, group_code, cell, n_h, big_n_h
    FROM scores
    WHERE n_d > 0
)

SELECT
    e.measure, e.item, e.breakdown, e.group_code, g.cell, g.n_h, g.big_n_h,
    coalesce(s.n_d, 0) AS n_d,
    coalesce(s.sum_x, 0) AS sum_x,
    coalesce(s.sum_x2, 0) AS sum_x2
FROM query_table($mart_table) AS e
LEFT JOIN group_cells AS g USING (breakdown, group_code)
LEFT JOIN scores AS s
    ON s.measure = e.measure AND s.item = e.item AND s.breakdown = e.breakdown
    AND s.group_code = e.group_code AND s.cell = g.cell
WHERE e.wave = $wave
ORDER BY e.measure, e.item, e.breakdown, e.group_code, g.cell;
