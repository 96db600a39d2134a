-- What the pandera schema found in the typed delivery: one row per failed (row, column,
-- rule), registered with the connection as `delivery_failures` by
-- pipelines/ingest/validation.py. The quarantine records and routing warnings are made
-- from it (pipelines/ingest/responses_table.py).
CREATE OR REPLACE TEMP TABLE ingest_failures AS
SELECT source_row, "column", rule
FROM delivery_failures;
