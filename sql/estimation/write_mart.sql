-- Writes one mart of wave $wave: the observations its model selects (sql/estimation/marts/$mart.sql,
-- kept in the temp table mart_observations), estimated, replace the wave's rows of the mart
-- in mart_estimates, and their per-cell scores those of mart_cell_scores.
CREATE OR REPLACE TEMP TABLE mart_cells AS
SELECT * FROM row_cells('mart_observations');

DELETE FROM mart_estimates WHERE mart = $mart AND wave = $wave;

INSERT INTO mart_estimates
SELECT $mart, * FROM estimate('mart_cells', $min_cell_size);

DELETE FROM mart_cell_scores WHERE mart = $mart AND wave = $wave;

INSERT INTO mart_cell_scores
SELECT $mart, wave, measure, item, breakdown, group_code, cell, n_h, big_n_h, s_h, n_d, sum_x, sum_x2
FROM mart_cells;
