-- Respondents of wave $wave with their weight, derived flags and breakdown groups
-- (marts.md §4). Municipality attributes are read in the wave's numbering ($numbering);
-- merger status only where the wave asked about the reform ($asks_reform).
DELETE FROM respondents WHERE wave = $wave;

INSERT INTO respondents BY NAME
WITH located AS (
    SELECT
        r.*,
        m.landsdel,
        m.size_group,
        m.centrality_group,
        m.economy_group,
        innovator(r.innov_tjeneste, r.innov_produkt, r.innov_prosess, r.innov_kommunikasjon)
            AS innovator,
        CASE WHEN $asks_reform THEN
            in_merging_unit(r.forvaltningsniva, m.municipality_merged_2020, m.county_merged_2020)
        END AS in_merging_unit,
        -- the culture index counts the statements agreed with (helt or delvis enig); a
        -- respondent who left any of the five unanswered gets none
        CASE WHEN r.kultur_ideer IS NOT NULL AND r.kultur_laere_av_feil IS NOT NULL
                  AND r.kultur_gjenbruk IS NOT NULL AND r.kultur_nye_veier IS NOT NULL
                  AND r.kultur_pilot_til_drift IS NOT NULL
        THEN CAST(r.kultur_ideer IN (1, 2) AS INTEGER)
             + CAST(r.kultur_laere_av_feil IN (1, 2) AS INTEGER)
             + CAST(r.kultur_gjenbruk IN (1, 2) AS INTEGER)
             + CAST(r.kultur_nye_veier IN (1, 2) AS INTEGER)
             + CAST(r.kultur_pilot_til_drift IN (1, 2) AS INTEGER)
        END AS culture_index
    FROM responses AS r
    JOIN ref_municipality AS m
        ON m.numbering = $numbering AND m.kommunenr = r.kommunenr
    WHERE r.wave = $wave
)

SELECT
    l.wave,
    l.resp_id,
    -- the frame row the respondent falls in; its columns the wave does not weight on are NULL
    concat_ws('|', coalesce(CAST(w.sektor AS VARCHAR), '-'),
              coalesce(CAST(w.virksomhetstype AS VARCHAR), '-'), coalesce(w.landsdel, '-'))
        AS cell,
    w.n_respondents AS cell_respondents,
    w.n_population AS cell_population,
    w.weight,
    l.innovator,
    l.in_merging_unit,
    l.culture_index,
    'all' AS total,
    CAST(l.sektor AS VARCHAR) AS sector,
    -- fylkeskommune workplaces form their own group of the municipality breakdowns
    CASE WHEN l.forvaltningsniva = 2 THEN 'county' ELSE l.size_group END AS municipality_size,
    CASE WHEN l.forvaltningsniva = 2 THEN 'county' ELSE l.centrality_group END AS centrality,
    l.landsdel AS region,
    CAST(l.ansatte AS VARCHAR) AS employees,
    CASE WHEN l.forvaltningsniva = 2 THEN 'county' ELSE l.economy_group END AS economy,
    CASE
        WHEN l.innovator THEN 'innovator'
        WHEN NOT l.innovator AND l.utvikling = 1 THEN 'developing'
        WHEN NOT l.innovator THEN 'neither'
    END AS innovation_status,
    CASE l.in_merging_unit WHEN true THEN 'merging' WHEN false THEN 'not_merging' END AS merger,
    CAST(l.forvaltningsniva AS VARCHAR) AS government_level
FROM located AS l
JOIN weights AS w USING (wave, resp_id);

-- one row per respondent (pipelines/warehouse/schema.py)
SELECT CASE WHEN count(*) > count(DISTINCT resp_id)
    THEN error('respondents of wave ' || $wave || ': a respondent id occurs more than once')
END
FROM respondents
WHERE wave = $wave;
