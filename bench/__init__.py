"""`make bench`: the wave pipeline against a bare DuckDB baseline at 10k, 100k and 1M
respondents, its fixed start-up cost, and `make run` on the sample waves.

Every measured thing runs in a child process of its own, so its peak RSS is its own.
"""
