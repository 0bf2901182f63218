"""Data quality: the landing sources' rules (`specs`), bulk validation (`validate`), GX suites and checks."""
