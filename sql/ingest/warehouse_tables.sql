-- The ingest's warehouse tables besides `responses` (whose columns come from the
-- questionnaire, pipelines/ingest/responses_table.py). Each holds all waves; ingest replaces one
-- wave's rows in one transaction (sql/ingest/replace_wave.sql).

-- The weighting frame: population per cell. A cell column the wave does not weight on is
-- NULL (docs/design.md).
CREATE TABLE IF NOT EXISTS frame (
    wave INTEGER NOT NULL,
    sektor SMALLINT,
    virksomhetstype SMALLINT,
    landsdel VARCHAR,
    n_population BIGINT NOT NULL
);

-- One record per failed (rule, column) of a delivered row; `value` is the text as
-- delivered, `row` the row number a person sees in the file (header = 1).
CREATE TABLE IF NOT EXISTS quarantine (
    wave INTEGER NOT NULL,
    file VARCHAR NOT NULL,
    "row" BIGINT,
    resp_id VARCHAR,
    "column" VARCHAR,
    value VARCHAR,
    rule VARCHAR NOT NULL
);

-- An answer to a question the respondent was not routed to; `responses` holds NULL there.
CREATE TABLE IF NOT EXISTS routing_warnings (
    wave INTEGER NOT NULL,
    file VARCHAR NOT NULL,
    "row" BIGINT NOT NULL,
    resp_id VARCHAR NOT NULL,
    "column" VARCHAR NOT NULL,
    value VARCHAR
);

-- What the wave's rows were read from: sha256 of the delivery's files and the codebook as
-- ingest read them, keyed as a release manifest's `inputs`. Publishing records these, and
-- refuses when the files now differ (pipelines/provenance.py).
CREATE TABLE IF NOT EXISTS wave_inputs (
    wave INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL
);
