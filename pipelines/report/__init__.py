"""The per-wave HTML report: charts of the marts and the published statements rechecked.

`write_report` (page.py) renders one self-contained page per wave; `statements.py`
evaluates the statements of `published-figures.csv` against the marts.
"""

from pipelines.report.page import write_report

__all__ = ["write_report"]
