"""The per-wave HTML report: charts of the marts and the published statements rechecked.

`write_report` (page.py) renders one self-contained page per wave from the templates in
`templates/`; `sections.py` draws its charts, `changes.py` lists what changed since the
previous wave and `statements/` evaluates the statements of `published-figures.csv`.
"""

from pipelines.report.page import Report, write_report

__all__ = ["Report", "write_report"]
