-- What the reconstruction audit (docs/disclosure.md) attacks, for one mart $mart of wave
-- $wave: per published row key and every weighting cell its group can hold respondents in,
-- the cell's respondents n_h and population N_h (public: the frame and the published n of
-- the cells), and what the attacker is after — the row's respondents in the cell (n_d) and
-- the integer sums of their values (sum_x = Σy, sum_x2 = Σy²), zero where the row has none
-- there. Private: this never leaves the warehouse; the audit only asks whether the
-- published rows pin these numbers down.
WITH group_cells AS (
    -- the cells a group can draw respondents from: those where the wave has any of it
    SELECT DISTINCT breakdown, group_code, cell, cell_respondents AS n_h,
        cell_population AS big_n_h
    FROM (
        UNPIVOT (SELECT * FROM respondents WHERE wave = $wave)
        ON total, sector, municipality_size, centrality, region, employees, economy,
           innovation_status, merger, government_level
        INTO NAME breakdown VALUE group_code
    )
)

SELECT
    e.measure, e.item, e.breakdown, e.group_code, g.cell, g.n_h, g.big_n_h,
    coalesce(s.n_d, 0) AS n_d,
    coalesce(s.sum_x, 0) AS sum_x,
    coalesce(s.sum_x2, 0) AS sum_x2
FROM mart_estimates AS e
JOIN group_cells AS g USING (breakdown, group_code)
LEFT JOIN mart_cell_scores AS s
    ON s.mart = e.mart AND s.wave = e.wave AND s.measure = e.measure AND s.item = e.item
    AND s.breakdown = e.breakdown AND s.group_code = e.group_code AND s.cell = g.cell
WHERE e.mart = $mart AND e.wave = $wave
ORDER BY e.measure, e.item, e.breakdown, e.group_code, g.cell;
