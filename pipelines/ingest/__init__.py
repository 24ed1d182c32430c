"""Ingestion: verify the night's extract against its manifest, then load it typed into `raw`."""
from pipelines.ingest.load import IngestResult, ingest

__all__ = ["IngestResult", "ingest"]
