-- Tables the transformations fill one wave at a time (each wave's rows are replaced in one
-- transaction). Created once; the ingest tables (responses, frame, quarantine,
-- routing_warnings) are the ingest's own, and the published marts' tables and views are
-- written from their shapes in pipelines/marts/shapes.py (pipelines/warehouse/mart_tables.py).

-- respondents and weights hold one row per (wave, resp_id). That is checked after each wave is
-- inserted (sql/estimation/), not by a PRIMARY KEY: DuckDB removes index entries one at a time,
-- which made replacing a wave of a million respondents take half a minute per table
-- (measured with make bench).

-- One row per accepted respondent: weighting cell (the stratum of the design, marts.md §2)
-- with its respondents n_h and population N_h, post-stratification weight N_h / n_h, derived
-- flags and the group of every breakdown of marts.md §4 (NULL = not in any group of that
-- breakdown).
CREATE TABLE IF NOT EXISTS respondents (
    wave INTEGER NOT NULL,
    resp_id VARCHAR NOT NULL,
    cell VARCHAR NOT NULL,
    cell_respondents BIGINT NOT NULL,
    cell_population BIGINT NOT NULL,
    weight DOUBLE NOT NULL,
    innovator BOOLEAN,
    in_merging_unit BOOLEAN,
    culture_index INTEGER,
    -- breakdown groups
    total VARCHAR NOT NULL,
    sector VARCHAR,
    municipality_size VARCHAR,
    centrality VARCHAR,
    region VARCHAR,
    employees VARCHAR,
    economy VARCHAR,
    innovation_status VARCHAR,
    merger VARCHAR,
    government_level VARCHAR
);

-- Each respondent's weighting cell (the frame row it falls in) and weight.
CREATE TABLE IF NOT EXISTS weights (
    wave INTEGER NOT NULL,
    resp_id VARCHAR NOT NULL,
    sektor SMALLINT,
    virksomhetstype SMALLINT,
    landsdel VARCHAR,
    n_population BIGINT NOT NULL,
    n_respondents BIGINT NOT NULL,
    weight DOUBLE NOT NULL
);

-- Per mart row and weighting cell: S_h, the sum over the cell of the row's linearised
-- scores (marts.md §2), from which the covariance of two groups of a breakdown follows
-- (marts.md §7); and the row's respondents in the cell (n_d) with the integer sums of their
-- values (sum_x = Σy, sum_x2 = Σy²), which the reconstruction audit needs to know what an
-- attacker would be after (docs/disclosure.md). Private like every warehouse table: these
-- are functions of respondents' answers, and are only ever published through a test
-- statistic of published groups.
CREATE TABLE IF NOT EXISTS mart_cell_scores (
    mart VARCHAR NOT NULL,
    wave INTEGER NOT NULL,
    measure VARCHAR NOT NULL,
    item VARCHAR NOT NULL,
    breakdown VARCHAR NOT NULL,
    group_code VARCHAR NOT NULL,
    cell VARCHAR NOT NULL,
    n_h BIGINT NOT NULL,
    big_n_h BIGINT NOT NULL,
    s_h DOUBLE NOT NULL,
    n_d BIGINT NOT NULL,
    sum_x BIGINT NOT NULL,
    sum_x2 BIGINT NOT NULL
);

-- Each respondent's answers with the derived flags that the marts' denominators use.
CREATE OR REPLACE VIEW respondent_answers AS
SELECT r.*, p.innovator, p.in_merging_unit, p.culture_index
FROM responses AS r
JOIN respondents AS p USING (wave, resp_id);
