"""The marts' vocabulary, defined once (marts.md §1–§8): as `pipelines/survey/` is for the
survey's variables, this package is for the marts. The warehouse tables and views, the label
tables the SQL joins, the quality gate's rules, publishing, the catalog, the report and the
Dagster UI all take it from its modules:

- `measures`: the marts and their measures (§3);
- `breakdowns`: the breakdowns with their groups in order (§4);
- `shapes`: the published columns of every mart with their descriptions (§1, §6, §7);
- `disclosure_rules`: the minimum cell size with its floor, and the precision every
  published number is rounded to (§2, §5, §8);
- `data_dictionary`: docs/data-dictionary.md, written from the above and the codebooks.
"""
