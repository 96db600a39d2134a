-- The municipality numbers of numbering $numbering: the values `kommunenr` may take, for
-- the pandera schema of the delivery (pipelines/ingest/schemas.py).
SELECT kommunenr
FROM ref_municipality
WHERE numbering = $numbering
ORDER BY kommunenr
