-- The earlier releases to compare with (the temp table earlier_releases) whose
-- full-precision rows the warehouse does not hold: published before it recorded them, or
-- by another warehouse. Running their wave again records them.
SELECT e.wave, e.version
FROM earlier_releases AS e
WHERE NOT EXISTS (
    SELECT 1 FROM release_estimates AS r WHERE r.wave = e.wave AND r.version = e.version
)
ORDER BY e.wave;
