"""The Litestar API: appends facts to the log, reads from the DuckDB projection."""
