"""dbt_project.yml carries the packaged policy as var defaults (so `dbt build` and the dbt unit
tests work without the pipeline); they must say exactly what the packaged policy file says."""
from __future__ import annotations

import yaml

from pipelines.policy import load_policy
from pipelines.settings import DBT_PROJECT_DIR, DEFAULT_POLICY

# Policy values dbt gets only from the pipeline: the models that read them fail without them.
NO_PACKAGED_DEFAULT = ("reporting_targets",)


def test_dbt_var_defaults_equal_the_packaged_policy():
    defaults = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
    policy_vars = load_policy(DEFAULT_POLICY).dbt_vars()
    policy_vars.pop("policy_version")
    for key in NO_PACKAGED_DEFAULT:                 # one place: the policy file, passed by the pipeline
        policy_vars.pop(key)
        assert key not in defaults, key
    assert {key: defaults[key] for key in policy_vars} == policy_vars
