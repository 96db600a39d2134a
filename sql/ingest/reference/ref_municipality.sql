-- ref_municipality: every municipality code of each numbering the waves use, with the
-- municipality attributes behind the breakdowns of marts.md §4.
--   numbering 2019: the 2019 list (wave 2020 — fieldwork autumn 2019)
--   numbering 2018: the same list with Rindal as 1567, its code before 2019 (wave 2018)
--   numbering 2024: the 2024 list (wave 2024)
-- Parameter: $reference_dir, the folder holding the SSB reference CSVs.
CREATE OR REPLACE TABLE ref_municipality AS
WITH
municipalities_2019 AS (
    SELECT * FROM read_csv($reference_dir || '/municipalities_2019.csv', all_varchar = true)
),
municipalities_2020 AS (
    SELECT * FROM read_csv($reference_dir || '/municipalities_2020.csv', all_varchar = true)
),
municipalities_2024 AS (
    SELECT * FROM read_csv($reference_dir || '/municipalities_2024.csv', all_varchar = true)
),
changes_2019_2020 AS (
    SELECT * FROM read_csv($reference_dir || '/municipality_changes_2019_2020.csv', all_varchar = true)
),
counties_2020 AS (
    SELECT county_code
    FROM read_csv($reference_dir || '/counties.csv', all_varchar = true)
    WHERE structure = '2020'
),

-- The economy group of a KOSTRA group, as fixed by marts.md §4: the first-named class of its
-- free disposable income level; EKG13 (Oslo) and EKG16 (spans all classes) are medium.
economy_of_kostra_group(kostra_group, economy_group) AS (
    VALUES
        ('EKG01', 'low'), ('EKG04', 'low'), ('EKG07', 'low'), ('EKG09', 'low'),
        ('EKG10', 'low'), ('EKG11', 'low'), ('EKG12', 'low'), ('EKG14', 'low'),
        ('EKG02', 'medium'), ('EKG05', 'medium'), ('EKG08', 'medium'),
        ('EKG13', 'medium'), ('EKG16', 'medium'),
        ('EKG03', 'high'), ('EKG06', 'high'), ('EKG15', 'high'), ('EKG17', 'high')
),

-- A 2019 municipality merged on 1 Jan 2020 when it was merged or split (the kommunereform).
merged_2019 AS (
    SELECT municipality_code_2019 AS kommunenr,
           bool_or(change_type IN ('merged', 'split')) AS merged
    FROM changes_2019_2020
    GROUP BY municipality_code_2019
),

structure_2019 AS (
    SELECT
        m.municipality_code AS kommunenr,
        m.municipality_name,
        m.landsdel_nuts2_code AS landsdel,
        CAST(m.population_2019_01_01 AS INTEGER) AS population,
        -- the 2018 version of SSB's centrality index is the one made on 2019-structure codes
        CAST(m.centrality_class_ssb2018 AS INTEGER) AS centrality_class,
        -- KOSTRA groups exist for 2020 codes only: go through the successor, the first one
        -- listed for the two municipalities split in 2020 (Tysfjord, Snillfjord)
        successor.kostra_group,
        merged_2019.merged AS municipality_merged_2020
    FROM municipalities_2019 AS m
    JOIN merged_2019 ON merged_2019.kommunenr = m.municipality_code
    JOIN municipalities_2020 AS successor
        ON successor.municipality_code = split_part(m.municipality_code_2020, '|', 1)
),

numbered AS (
    SELECT 2019 AS numbering, * FROM structure_2019
    UNION ALL
    SELECT 2018 AS numbering,
           * REPLACE (CASE kommunenr WHEN '5061' THEN '1567' ELSE kommunenr END AS kommunenr)
    FROM structure_2019
    UNION ALL
    SELECT
        2024 AS numbering,
        municipality_code AS kommunenr,
        municipality_name,
        landsdel_nuts2_code AS landsdel,
        CAST(population_2024_01_01 AS INTEGER) AS population,
        CAST(centrality_class_ssb2024 AS INTEGER) AS centrality_class,
        kostra_group,
        -- no reform between the 2024 numbering and a wave that asks about it
        CAST(NULL AS BOOLEAN) AS municipality_merged_2020
    FROM municipalities_2024
)

SELECT
    numbering,
    kommunenr,
    municipality_name,
    -- the county code is the first two digits of the municipality code in every numbering
    left(kommunenr, 2) AS county_code,
    landsdel,
    population,
    CASE
        WHEN population < 5000 THEN '<5k'
        WHEN population < 20000 THEN '5k-20k'
        WHEN population < 50000 THEN '20k-50k'
        ELSE '50k+'
    END AS size_group,
    CASE
        WHEN centrality_class <= 2 THEN 'central'
        WHEN centrality_class <= 4 THEN 'intermediate'
        ELSE 'peripheral'
    END AS centrality_group,
    economy_group,
    municipality_merged_2020,
    -- a county merged on 1 Jan 2020 when its code did not continue into the 2020 structure
    -- (unchanged: 03, 11, 15, 18, 50)
    CASE
        WHEN numbering = 2024 THEN NULL
        ELSE left(kommunenr, 2) NOT IN (SELECT county_code FROM counties_2020)
    END AS county_merged_2020
FROM numbered
LEFT JOIN economy_of_kostra_group USING (kostra_group)
ORDER BY numbering, kommunenr;
