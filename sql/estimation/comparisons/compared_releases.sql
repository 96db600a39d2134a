-- The earlier releases the changes into wave $wave compare with (the temp table
-- earlier_releases: wave, version, manifest_sha256), recorded for the wave's manifest
-- (`compared_with`) with the changes they give.
DELETE FROM compared_releases WHERE wave_to = $wave;

INSERT INTO compared_releases BY NAME
SELECT $wave AS wave_to, wave AS wave_from, version, manifest_sha256
FROM earlier_releases;
