"""What an Airflow task of any `arrears` DAG does with the product's errors: one rule for every DAG.

Only a transient error (`ArrearsError.transient`: a busy warehouse) is left to the task's retries;
any other is raised as `AirflowFailException`, which fails the task at once with the one line the CLI
prints, instead of waiting out retries that cannot succeed (a blocked extract, a failed test, a bad
policy, a training refused for want of history)."""
from __future__ import annotations

from airflow.sdk.exceptions import AirflowFailException

from pipelines.errors import ArrearsError, one_line


def run_step(step, *args):
    """Run one step of pipelines/; an error that is not transient fails the task without retries."""
    try:
        return step(*args)
    except ArrearsError as exc:
        if exc.transient:
            raise
        raise AirflowFailException(one_line(exc)) from exc
