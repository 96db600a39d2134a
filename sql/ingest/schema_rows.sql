-- Wave $wave's rows of `responses` with the derived flags their routing refers to, for the
-- pandera schema (pipelines/ingest/schemas.py). $numbering is the wave's municipality
-- numbering. The flags come from the shared macros of sql/warehouse/macros.sql; the schema
-- recomputes `innovator` from the answers to check them.
SELECT
    r.*,
    innovator(r.innov_tjeneste, r.innov_produkt, r.innov_prosess, r.innov_kommunikasjon)
        AS innovator,
    in_merging_unit(r.forvaltningsniva, m.municipality_merged_2020, m.county_merged_2020)
        AS in_merging_unit
FROM responses AS r
LEFT JOIN ref_municipality AS m
    ON m.numbering = $numbering AND m.kommunenr = r.kommunenr
WHERE r.wave = $wave
ORDER BY r.source_row
