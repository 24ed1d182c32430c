"""Adapters: foreign loan-data layouts mapped into the landing contract (docs/adapters.md).

An adapter writes ordinary landing folders (one per as-of date, with a manifest), so everything
downstream - verification, ingestion, dbt - is the same code the nightly run uses.
"""
