"""Where things live. One place resolves paths so the CLI and the Airflow DAG agree.

Every path has an environment variable (the outputs contract names them) that an explicit
argument overrides.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
DEFAULT_POLICY = Path(__file__).resolve().parent / "policy" / "default.yaml"


def lender_timezone(policy: str | os.PathLike | None = None) -> str:
    """The lender's IANA time zone, from its one home: the policy file in force (`policy`, else
    ARREARS_POLICY, else the packaged file), key `reporting.lender_timezone`. A scheduled run's
    business date is the day its data interval starts there, the DAG runs at 02:00 there, the
    extract's fallback zone and the reports' contact day are the same zone."""
    from pipelines.policy import load_policy  # imports this module

    return load_policy(Paths.resolve(policy=policy).policy).reporting.lender_timezone


@dataclass(frozen=True)
class Paths:
    landing: Path
    warehouse: Path
    out: Path
    policy: Path

    @classmethod
    def resolve(
        cls,
        landing: str | os.PathLike | None = None,
        warehouse: str | os.PathLike | None = None,
        out: str | os.PathLike | None = None,
        policy: str | os.PathLike | None = None,
    ) -> "Paths":
        """Flag beats environment variable beats default."""

        def pick(value, env: str, default: str | Path) -> Path:
            return Path(value or os.environ.get(env) or default).expanduser().absolute()

        return cls(
            landing=pick(landing, "ARREARS_LANDING", "landing"),
            warehouse=pick(warehouse, "ARREARS_WAREHOUSE", "warehouse/arrears.duckdb"),
            out=pick(out, "ARREARS_OUT", "outbox"),
            policy=pick(policy, "ARREARS_POLICY", DEFAULT_POLICY),
        )
