"""The synthetic lender: `arrears generate` writes realistic nightly ledger extracts in the landing
contract (../shared/contracts/landing.md), optionally with the faults real exports contain.

Modules, in the order the data flows: products and schedule (loan terms, annuity schedules),
behaviour and lifecycle (who pays when, defaults, restructuring, write-off), payments, contacts
and agents (the lender's collection activity), flags, customers (people), book (state across
days), extract (one day's tables), faults, writer (CSV, manifest, atomic folders), calibration.
"""
from .cli import add_arguments, run
from .generator import GenerationSummary, generate

__all__ = ["GenerationSummary", "add_arguments", "generate", "run"]
