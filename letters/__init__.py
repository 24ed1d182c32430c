"""Formal collection letters as print-ready PDF batches (see docs/letters.md).

    from letters import render_batches, sample_letters
    results = render_batches(letters, out_dir / "letters")   # {batch name: BatchResult}
"""
from letters.model import (
    DELIVERY_CLASSES,
    LANGUAGES,
    TEMPLATES,
    ArrearsItem,
    Letter,
    PaymentInstructions,
    Recipient,
    Sender,
    ValidationDetails,
    validation_period_end,
)
from letters.render import (
    BatchResult,
    Rejected,
    batch_name,
    group_batches,
    render_batch,
    render_batches,
    safe_cell,
)

__all__ = [
    "ArrearsItem", "BatchResult", "DELIVERY_CLASSES", "LANGUAGES", "Letter", "PaymentInstructions", "Recipient",
    "Rejected", "Sender", "TEMPLATES", "ValidationDetails", "batch_name", "group_batches", "render_batch",
    "render_batches", "safe_cell", "validation_period_end",
]
