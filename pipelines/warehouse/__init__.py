"""The warehouse: the DuckDB storage every stage writes to, its SQL runner and the one
schema of its tables."""
