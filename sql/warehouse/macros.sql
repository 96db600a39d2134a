-- Derived flags that routing (ingest) and the marts share, defined once.

-- An innovator introduced at least one type of innovation in the last two years (any
-- innov_* = 1). Unknown (NULL) when the respondent answered none of the four.
CREATE OR REPLACE MACRO innovator(tjeneste, produkt, prosess, kommunikasjon) AS
    CASE
        WHEN coalesce(tjeneste, produkt, prosess, kommunikasjon) IS NULL THEN NULL
        ELSE list_contains([tjeneste, produkt, prosess, kommunikasjon], 1)
    END;

-- The workplace's municipality (kommune level) or county (fylkeskommune level) merged on
-- 1 Jan 2020; the flags come from ref_municipality.
CREATE OR REPLACE MACRO in_merging_unit(forvaltningsniva, municipality_merged, county_merged) AS
    CASE forvaltningsniva
        WHEN 1 THEN municipality_merged
        WHEN 2 THEN county_merged
    END;
