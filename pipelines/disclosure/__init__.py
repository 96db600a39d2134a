"""The reconstruction audit (marts.md §5, §8): an attack on what a release publishes, and
the certificates that show a published group cannot be split into small cells.

See docs/disclosure.md for the method and its limits.
"""
