"""arrears: the nightly collections pipeline (ingest, transform, publish)."""
