-- How ingest reads a delivered text value; one definition for the checks and the typing.
-- Temporary macros: they live with the connection, not in the warehouse.

-- A value is empty when it holds nothing but spaces (delivery contract §1: empty = not
-- asked / no answer).
CREATE OR REPLACE TEMP MACRO ingest_blank(value) AS nullif(trim(value), '');

-- An integer code: `3`, ` 3 ` and `3.0` (spreadsheets and SPSS store numbers as floats)
-- are 3; `3.5` and `x` are no integer (NULL). Read through DOUBLE, which is many times
-- faster than a regular expression on a million rows; it also reads `1e1` as 10.
CREATE OR REPLACE TEMP MACRO ingest_integer(value) AS
    CASE WHEN TRY_CAST(value AS DOUBLE) = round(TRY_CAST(value AS DOUBLE))
        THEN TRY_CAST(TRY_CAST(value AS DOUBLE) AS BIGINT)
    END;

-- A timestamp in ISO 8601 form (`2019-10-15 10:23:00`, `2019-10-15T10:23:00`) or in the
-- Norwegian day-first form (`15.10.2019 10:23:00`, `15.10.2019 10:23`).
CREATE OR REPLACE TEMP MACRO ingest_timestamp(value) AS
    coalesce(
        TRY_CAST(trim(value) AS TIMESTAMP),
        try_strptime(trim(value), ['%d.%m.%Y %H:%M:%S', '%d.%m.%Y %H:%M'])
    );

-- A municipality number with its leading zero restored (the 2018 delivery writes Oslo as
-- `301`); anything else is kept as delivered, to be reported as unknown.
CREATE OR REPLACE TEMP MACRO ingest_kommunenr(value) AS
    CASE WHEN regexp_full_match(trim(value), '[0-9]{1,4}(\.0*)?')
        THEN lpad(split_part(trim(value), '.', 1), 4, '0')
        ELSE ingest_blank(value)
    END;
