-- Rows of wave $wave in `responses` whose resp_id another row of the wave has too. The
-- pandera schema sees one batch at a time, so uniqueness across the wave is checked here.
SELECT source_row, resp_id
FROM responses
WHERE wave = $wave
QUALIFY count(*) OVER (PARTITION BY resp_id) > 1
ORDER BY source_row
