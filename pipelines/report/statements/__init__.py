"""The published statements of `published-figures.csv`, checked against the marts.

A statement addresses rows of one measure and breakdown of a mart; its kind says when it
holds (shared/README.md). Each kind is a class: how many items and groups it lists, the
numbers it needs (its fields beyond the common ones), how it decides and how its published
figure reads.

`base.py` holds what every kind shares; `estimates.py` the kinds that compare estimates
with published numbers, `rankings.py` those that rank estimates and `significance.py`
those decided on the test of a table; `kinds.py` maps the file's `kind` column to them.
`reading.py` reads and validates the file and `evaluation.py` decides a statement.
"""
