-- A number as it leaves the warehouse (marts.md §8). `rounding` is a struct (decimals, steps)
-- from the table published_rounding: the number goes to the nearest 1/steps where a coarser
-- level sets steps (20: steps of 0.05), then half away from zero to `decimals` (DuckDB's
-- round), which also clears the binary noise a step leaves (0.15000000000000002). A NULL
-- rounding withholds the number.
CREATE OR REPLACE TEMP MACRO published_number(x, rounding) AS
    CASE
        WHEN rounding IS NOT NULL THEN round(
            CASE
                WHEN rounding.steps IS NULL THEN x
                ELSE round(x * rounding.steps) / rounding.steps
            END,
            rounding.decimals
        )
    END;
