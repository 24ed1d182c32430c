"""A test hook for crash safety: `ARREARS_TEST_KILL_AT=<point>` makes the process kill itself
(SIGKILL: no cleanup, no `finally`) the moment it reaches <point>. Unset, it does nothing.

Points (tests/test_crash_safety.py kills at each, then reruns):
    ingest:<file>            inside the load transaction, after <file> (e.g. ingest:loans) was written
    after_ingest, after_validate, after_transform, after_publish     step boundaries of `arrears run`
    dbt:<model>              inside dbt, when <model> has just been built (e.g. dbt:int_loan_delinquency)
    after_dbt_<step>         after a dbt step of transform.STEPS (a DAG task, e.g. after_dbt_contact), or
                             after_dbt_night (`arrears run` builds every step in one invocation)
    letters:<n>              after the n-th letter batch PDF was written into the work folder
    publish:files            all files written, `_batch.json` not yet
"""
from __future__ import annotations

import os
import signal

ENV = "ARREARS_TEST_KILL_AT"


def reached(point: str) -> None:
    if os.environ.get(ENV) == point:
        os.kill(os.getpid(), signal.SIGKILL)


def dbt_callbacks() -> list:
    """dbt event callbacks: with ARREARS_TEST_KILL_AT=dbt:<model>, kill once <model> is built."""
    target = os.environ.get(ENV, "")
    if not target.startswith("dbt:"):
        return []
    model = target.removeprefix("dbt:")

    def on_event(event) -> None:
        if event.info.name == "NodeFinished" and event.data.node_info.node_name == model:
            reached(target)

    return [on_event]
