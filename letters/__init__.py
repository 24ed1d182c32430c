"""Formal collection letters as print-ready PDF batches (see docs/letters.md).

    from letters import render_batches, sample_letters
    results = render_batches(letters, out_dir / "letters")   # {batch name: BatchResult}
"""
from __future__ import annotations

import importlib

# Where each public name lives. Imported on first use: the renderer pulls in ReportLab (seconds of
# start-up), which `arrears` commands that only parse their arguments should not pay.
_HOME = {
    **dict.fromkeys(["DELIVERY_CLASSES", "LANGUAGES", "TEMPLATES", "ArrearsItem", "Letter", "PaymentInstructions",
                     "Recipient", "Sender", "ValidationDetails", "validation_period_end"], "letters.model"),
    **dict.fromkeys(["BatchResult", "Rejected", "batch_name", "group_batches", "render_batch", "render_batches",
                     "safe_cell"], "letters.render"),
}


def __getattr__(name: str):
    if name in _HOME:
        value = getattr(importlib.import_module(_HOME[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'letters' has no attribute {name!r}")


__all__ = [
    "ArrearsItem", "BatchResult", "DELIVERY_CLASSES", "LANGUAGES", "Letter", "PaymentInstructions", "Recipient",
    "Rejected", "Sender", "TEMPLATES", "ValidationDetails", "batch_name", "group_batches", "render_batch",
    "render_batches", "safe_cell", "validation_period_end",
]
