"""Run the GX suites over the night's frames (pandas datasource, ephemeral context), collect one
Outcome per expectation, mask personal data in every sample, and render GX Data Docs from the
masked results only.

The unmasked results never leave this process: GX keeps them in the ephemeral context's in-memory
store, where each is replaced by its masked copy before Data Docs are built.
"""
from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

import great_expectations as gx
import pandas as pd
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.execution_engine import pandas_execution_engine
from great_expectations.expectations.expectation import _mostly_success
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)

from data_quality import suites
from pipelines.landing import LANDING_FILES
from data_quality.masking import SAMPLE_SIZE, mask_result
from data_quality.offline_docs import make_self_contained

INDEX_COLUMNS = {"customers_continuity": "customer_id", "loans_continuity": "loan_id", "files": "file_name"}


@dataclass
class Outcome:
    asset: str
    file: str
    rule: str
    expectation: str
    description: str
    severity: str
    action: str
    fields: list[str]
    success: bool
    element_count: int
    unexpected_count: int
    unexpected_percent: float
    rows: list[Any] = field(default_factory=list)       # index values (source rows) of every unexpected row
    sample: list[dict] = field(default_factory=list)    # masked
    exception: str | None = None

    def example(self) -> str:
        if self.exception:
            return f"could not be evaluated: {self.exception}"
        if not self.sample:
            return ""
        first = dict(self.sample[0])
        index = INDEX_COLUMNS.get(self.asset, "_source_row")
        where = f"row {first.pop(index)}" if index == "_source_row" and index in first else str(first.pop(index, ""))
        values = ", ".join(f"{k}={v}" for k, v in first.items())
        return f"e.g. {where}" + (f" ({values})" if values else "")


def _merge(total: Outcome, chunk: Outcome) -> Outcome:
    """Two chunks' outcomes of one expectation (success by `mostly` is decided on the totals after)."""
    total.success = total.success and chunk.success
    total.element_count += chunk.element_count
    total.unexpected_count += chunk.unexpected_count
    total.rows += chunk.rows
    total.sample += chunk.sample
    total.exception = total.exception or chunk.exception
    return total


def _row_of(asset: str):
    index = INDEX_COLUMNS.get(asset, "_source_row")
    return lambda sample: (sample.get(index) is None, sample.get(index))


def _columns(config) -> list[str]:
    kwargs = config.kwargs
    if kwargs.get("column"):
        return [kwargs["column"]]
    return list(kwargs.get("column_list") or [c for c in (kwargs.get("column_A"), kwargs.get("column_B")) if c])


def _expectation_label(config) -> str:
    kwargs = config.kwargs
    target = kwargs.get("column") or kwargs.get("column_list") or (
        f"{kwargs.get('column_A')},{kwargs.get('column_B')}" if kwargs.get("column_A") else "table")
    if isinstance(target, (list, tuple)):
        target = ",".join(target)
    return f"{config.type}({target})"


class Validation:
    """One night's GX run: `run(asset, frame)` per asset, then `build_docs(folder)`."""

    def __init__(self, run_id: str, as_of: str):
        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        # this module sets its own level (INFO) and announces every ephemeral docs folder
        logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.ERROR)
        # GX md5-fingerprints every pandas batch below HASH_THRESHOLD bytes, only as batch metadata:
        # seconds per million rows, so it is switched off (a batch's identity is its run and asset).
        pandas_execution_engine.HASH_THRESHOLD = 0
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.source = self.context.data_sources.add_pandas("arrears")
        self.run_identifier = RunIdentifier(run_name=f"{as_of} {run_id}", run_time=datetime.now(timezone.utc))
        self.outcomes: list[Outcome] = []
        self._keys: list[tuple[ValidationResultIdentifier, Any]] = []   # (docs key, masked result)

    def run(self, asset: str, frame: pd.DataFrame, expectations: list) -> list[Outcome]:
        """The asset's suite on one frame (the whole night's rows)."""
        return self.run_chunks(asset, [frame], expectations)

    def run_chunks(self, asset: str, frames: Iterable[pd.DataFrame], expectations: list,
                   carried: dict[str, tuple[int, int]] | None = None) -> list[Outcome]:
        """The asset's suite on its rows delivered in chunks (frames partitioned by the record key, each
        in row order): one Outcome per expectation, the same as for the whole frame. Counts add up,
        `mostly` is decided on the totals, the unexpected rows and the sample are taken in row order;
        the partition keeps every key in one chunk, so uniqueness per chunk is uniqueness overall.
        `carried`: rule -> (elements, considered) of the rows not given to GX, which pass every
        expectation (delta validation, data_quality.delta): added to the totals."""
        suite = self.context.suites.add(gx.ExpectationSuite(name=f"arrears.{asset}", expectations=expectations))
        definition = self.source.add_dataframe_asset(asset).add_batch_definition_whole_dataframe("night")
        merged: list[Outcome] | None = None
        first, chunks = None, 0
        for frame in frames:
            batch, result, outcomes, considered = self._validate(asset, suite, definition, frame)
            chunks += 1
            if merged is None:
                first, merged, totals = (batch, result), outcomes, considered
            else:
                totals = [a + b for a, b in zip(totals, considered)]
                merged = [_merge(m, o) for m, o in zip(merged, outcomes)]
        if carried is not None:
            totals = [t + carried[o.rule][1] for t, o in zip(totals, merged)]
            for outcome in merged:
                outcome.element_count += carried[outcome.rule][0]
        for outcome, considered, item in zip(merged, totals,
                                             first[1].results if chunks > 1 or carried is not None else []):
            mostly = (item.expectation_config.kwargs or {}).get("mostly")
            if mostly is not None and not outcome.exception:
                outcome.success = considered == 0 or _mostly_success(considered, outcome.unexpected_count, mostly)
            outcome.unexpected_percent = (outcome.unexpected_count / considered * 100) if considered else 0.0
            outcome.sample = sorted(outcome.sample, key=_row_of(asset))[:SAMPLE_SIZE]
            outcome.rows = sorted(outcome.rows)
            # the result kept for Data Docs shows the totals
            item.success = outcome.success
            item.result.update(element_count=outcome.element_count, unexpected_count=outcome.unexpected_count,
                               unexpected_percent=outcome.unexpected_percent)
            if "partial_unexpected_index_list" in item.result:
                item.result["partial_unexpected_index_list"] = outcome.sample
        batch, result = first
        result.success = all(o.success for o in merged)
        result.meta["run_id"] = self.run_identifier
        result.meta["validation_time"] = self.run_identifier.run_time
        self._keys.append((ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite.name),
            run_id=self.run_identifier, batch_identifier=batch.id), result))
        self.outcomes.extend(merged)
        return merged

    def _validate(self, asset: str, suite, definition, frame: pd.DataFrame):
        """(batch, masked result, outcomes, rows considered per expectation) of one frame."""
        batch = definition.get_batch(batch_parameters={"dataframe": frame})
        index = INDEX_COLUMNS.get(asset, "_source_row")
        # the row number and the record's key name every unexpected row (keys are not personal data)
        index_columns = [index, *(LANDING_FILES[asset].key if asset in LANDING_FILES else ())]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # batch.validate keeps the (unmasked) result in memory only: nothing is stored until masked.
            # COMPLETE without unexpected_index_column_names: GX returns the unexpected rows' index
            # labels (vectorised); with named index columns it builds them row by row in Python,
            # ~0.3 ms per unexpected row and expectation. Rows and samples are read from the frame.
            result = batch.validate(suite, result_format={
                "result_format": "COMPLETE", "return_unexpected_index_query": False,
                "partial_unexpected_count": SAMPLE_SIZE})
        outcomes, considered = [], []
        for item in result.results:
            config = item.expectation_config
            meta = config.meta or {}
            raw = item.result or {}
            exception = None
            if item.exception_info and item.exception_info.get("raised_exception"):
                exception = (item.exception_info.get("exception_message") or "error").splitlines()[0]
            labels = raw.get("unexpected_index_list") or []
            rows: list = []
            if labels:
                rows = frame.loc[labels, index].tolist()
                shown = [c for c in dict.fromkeys([*_columns(config), *index_columns]) if c in frame.columns]
                raw["partial_unexpected_index_list"] = frame.loc[labels[:SAMPLE_SIZE], shown].to_dict("records")
                raw["unexpected_index_column_names"] = index_columns
            masked = mask_result(asset, config, raw)
            item.result = masked
            element_count = int(raw.get("element_count") or len(frame))
            considered.append(element_count - int(raw.get("missing_count") or 0))
            outcome = Outcome(
                asset=asset, file=suites.ASSET_FILE[asset], rule=meta.get("rule", config.type),
                expectation=_expectation_label(config), description=config.description or "",
                severity=str(getattr(config.severity, "value", config.severity) or "critical"),
                action=meta.get("action", "report"), fields=list(meta.get("fields") or []),
                success=bool(item.success), element_count=element_count,
                unexpected_count=int(raw.get("unexpected_count") or 0),
                unexpected_percent=float(raw.get("unexpected_percent") or 0.0),
                rows=rows,
                sample=masked.get("partial_unexpected_index_list") or [], exception=exception)
            if exception and not outcome.success:
                outcome.unexpected_count = outcome.unexpected_count or 0
            outcomes.append(outcome)
        return batch, result, outcomes, considered

    def build_docs(self, folder: Path) -> Path:
        """Static GX Data Docs of this night (masked results only) under `folder`; returns index.html."""
        folder.mkdir(parents=True, exist_ok=True)
        for site in list(self.context.get_site_names()):     # the ephemeral context's temporary site
            self.context.delete_data_docs_site(site)
        self.context.add_data_docs_site("arrears", {
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(folder)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        })
        store = self.context.validation_results_store
        for key, result in self._keys:
            store.set(key, result)          # every result item was masked in run()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.context.build_data_docs(site_names=["arrears"])
        make_self_contained(folder)  # no CDN: the pages open offline and tell no third party
        return folder / "index.html"
