"""Estimation: a wave's weights, respondents and marts, the comparison marts and their tests,
and the rounded rows that leave the warehouse (published_rows)."""
