-- Replace wave $wave's rows of the four ingest tables with the staged ones. Run inside one
-- transaction (pipelines/ingest/load.py), so a failure leaves every wave as it was.
-- $file names the responses file the rows come from (e.g. 2018/responses.csv).
DELETE FROM responses WHERE wave = $wave;
INSERT INTO responses BY NAME
SELECT CAST($wave AS INTEGER) AS wave, CAST($file AS VARCHAR) AS source_file, *
FROM ingest_responses
ORDER BY source_row;

DELETE FROM frame WHERE wave = $wave;
INSERT INTO frame BY NAME SELECT * FROM ingest_frame;

DELETE FROM quarantine WHERE wave = $wave;
INSERT INTO quarantine BY NAME SELECT * FROM ingest_quarantine;

DELETE FROM routing_warnings WHERE wave = $wave;
INSERT INTO routing_warnings BY NAME SELECT * FROM ingest_routing_warnings;

DELETE FROM wave_inputs WHERE wave = $wave;
INSERT INTO wave_inputs BY NAME SELECT * FROM ingest_wave_inputs;
