"""The synthetic lender: `arrears generate` writes realistic nightly ledger extracts in the landing
contract (../shared/contracts/landing.md), optionally with the faults real exports contain.

Modules, in the order the data flows: products and schedule (loan terms, annuity schedules),
behaviour and lifecycle (who pays when, defaults, restructuring, write-off), payments, contacts
and agents (the lender's collection activity), flags, customers (people), book (state across
days), extract (one day's tables), faults, writer (CSV, manifest, atomic folders), calibration.
"""
from .cli import add_arguments, run


def __getattr__(name: str):
    """`generate` and `GenerationSummary` on first use: the generator imports numpy and pandas, which
    the `arrears` command line should not pay for its other subcommands."""
    if name in ("generate", "GenerationSummary"):
        from . import generator

        return getattr(generator, name)
    raise AttributeError(f"module 'pipelines.generate' has no attribute {name!r}")


__all__ = ["GenerationSummary", "add_arguments", "generate", "run"]
