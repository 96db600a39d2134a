-- The full-precision rows of one estimate mart ($table, the warehouse relation publishing
-- reads) of wave $wave, kept as those of release $version: the Parquet is rounded
-- (marts.md §8), and the changes into a later wave are computed from these rows. Rows of the
-- same (wave, version, mart) left by an attempt that crashed before its version appeared are
-- replaced.
DELETE FROM release_estimates WHERE wave = $wave AND version = $version AND mart = $mart;

INSERT INTO release_estimates BY NAME
SELECT $version AS version, $mart AS mart, *
FROM query_table($table)
WHERE wave = $wave;
