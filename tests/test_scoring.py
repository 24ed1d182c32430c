"""The collection score: policy section, scorecard maths, features as of the business date only,
nightly scores, training with its model card, and the evidence on a generated book."""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipelines.cli import main
from pipelines.errors import PolicyError
from pipelines.generate import generate
from pipelines.nightly import ingest_step, transform_step, validate_step
from pipelines.policy import load_policy
from pipelines.scoring import evaluate, scorecard, train
from pipelines.scoring.policy import parse_scoring
from pipelines.settings import DEFAULT_POLICY, Paths
from pipelines.transform import dbt_vars, run_dbt
from pipelines.warehouse import reader
from tests.conftest import SHARED
from tests.extracts import write_extract

slow = pytest.mark.slow
D = date(2026, 10, 1)
FEATURES = train.feature_names()


# --- policy --------------------------------------------------------------------------------------


@pytest.mark.parametrize("section, key, problem", [
    ({"risk_bands": [{"band": "low", "min_probability": "0.3"}, {"band": "high", "min_probability": "0.6"}]},
     "scoring.risk_bands[1].min_probability", "below the band before it"),
    ({"risk_bands": [{"band": "low", "min_probability": "0.5"}]}, "scoring.risk_bands[0].min_probability", "start at 0"),
    ({"risk_bands": [{"band": "low", "min_probability": "1.5"}, {"band": "x", "min_probability": 0}]},
     "scoring.risk_bands[0].min_probability", "above 1"),
    ({"outcome_days": 0}, "scoring.outcome_days", "below 1"),
    ({"horizon": 30}, "scoring.horizon", "unknown key"),
    ({"promotion": {"max_dpd": -1}}, "scoring.promotion.max_dpd", "below 0"),
    ({"promotion": {"min_auc_gain": "0.9"}}, "scoring.promotion.min_auc_gain", "above"),
    ({"promotion": {"metric": "gini"}}, "scoring.promotion.metric", "unknown key"),
    ({"complete_history": {"write_off_quantile": "0.75"}}, "scoring.complete_history.write_off_quantile", "above"),
    ({"segments": [{"segment": "a", "max_dpd": 30}, {"segment": "b", "max_dpd": 20}, {"segment": "c"}]},
     "scoring.segments[1].max_dpd", "below 31"),
    ({"segments": [{"segment": "a", "max_dpd": 30}, {"segment": "b", "max_dpd": 90}]},
     "scoring.segments[1].max_dpd", "every DPD has a segment"),
    ({"segments": [{"segment": "a", "max_dpd": 30}, {"segment": "a"}]}, "scoring.segments[1].segment", "twice"),
    ({"segment_fit": {"min_each_outcome": 0}}, "scoring.segment_fit.min_each_outcome", "below 1"),
])
def test_scoring_policy_errors_name_file_and_key(section, key, problem):
    with pytest.raises(PolicyError) as error:
        parse_scoring(section, Path("policy.yaml"))
    message = str(error.value)
    assert message.startswith(f"policy.yaml: {key}: ") and problem in message and "\n" not in message


def test_scoring_policy_bands():
    policy = parse_scoring(None, Path("policy.yaml"))
    assert [policy.band_for(p) for p in (0.95, 0.6, 0.45, 0.0)] == ["low", "low", "medium", "high"]


def test_promotion_compares_the_early_holdout_unless_it_is_too_thin():
    holdout = pd.DataFrame({"dpd": [5] * 60 + [120] * 60, "paid": [True, False] * 30 + [False] * 60})
    name, chosen = train.promotion_population(holdout, parse_scoring(None, Path("policy.yaml")))
    assert name == "DPD 1-30" and chosen.tolist() == [True] * 60 + [False] * 60
    name, chosen = train.promotion_population(holdout.iloc[30:], parse_scoring(None, Path("policy.yaml")))
    assert name.startswith("every overdue loan (only 30 at DPD 1-30") and chosen.all()
    name, chosen = train.promotion_population(holdout, parse_scoring({"promotion": {"max_dpd": 0}}, Path("p.yaml")))
    assert name == "every overdue loan" and chosen.all()


# --- the scorecard as data -----------------------------------------------------------------------


def _synthetic(n: int = 4000, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({name: rng.integers(0, 60, n).astype(float) for name in FEATURES})
    logit = 2.0 - 0.08 * frame.dpd + 0.05 * frame.payments_12m - 0.03 * frame.days_since_last_payment
    frame["paid"] = rng.random(n) < 1 / (1 + np.exp(-logit))
    return frame


def test_scorecard_bins_are_monotone_and_the_table_scores_like_the_fit():
    frame = _synthetic()
    card = scorecard.fit(frame, "paid", FEATURES, "t1")
    assert {"dpd", "days_since_last_payment", "payments_12m"} <= set(card.features)
    for fb in card.bins:
        steps = np.diff(fb.woe)
        assert (steps >= 0).all() or (steps <= 0).all(), fb.feature
    table = pd.DataFrame(card.rows())
    assert table.feature.iloc[0] == scorecard.BASE and table.groupby("feature").bin_no.apply(
        lambda b: list(b) == list(range(len(b)))).all()
    p = scorecard.probability(scorecard.logits(table, frame))
    assert evaluate.metrics(frame.paid.to_numpy(), p)["auc"] > 0.75


def test_card_csv_round_trips(tmp_path):
    card = scorecard.fit(_synthetic(), "paid", FEATURES, "t2")
    train.write_card_csv(tmp_path / "card.csv", card)
    again = train.read_card_csv(tmp_path / "card.csv")
    frame = _synthetic(500, seed=2)
    assert np.allclose(scorecard.logits(again, frame), scorecard.logits(pd.DataFrame(card.rows()), frame), atol=1e-5)


def test_packaged_default_card_is_data_over_known_features():
    table = train.read_card_csv(train.PACKAGED_CARD)
    segments = [segment for segment, _ in scorecard.segments_of(table)]
    assert table.model_version.nunique() == 1 and (table.feature == scorecard.BASE).sum() == len(segments) > 1
    # the segments follow each other from DPD 1 on and leave no DPD out
    assert segments[0].min_dpd is None and segments[-1].max_dpd is None
    assert all(b.min_dpd == a.max_dpd + 1 for a, b in zip(segments, segments[1:]))
    assert set(table.feature) - {scorecard.BASE} <= set(FEATURES)
    assert set(table.feature) - {scorecard.BASE}, "the packaged card scores with features"


def test_segmented_card_refits_dpd_and_amount_per_segment_and_stays_one_table():
    """Two DPD segments: the early one (enough examples) gets its own DPD and amount rows and base,
    the late one (too few payers for the policy minimum) keeps the pooled card; the exported table
    covers every DPD, each row scores with its segment's rows, and a table without segment columns
    (written before segments) still scores as one card."""
    frame = _synthetic()
    frame.loc[frame.dpd > 50, "paid"] = frame.loc[frame.dpd > 50, "paid"] & (frame.loc[frame.dpd > 50].index % 9 == 0)
    segments = [scorecard.Segment("early", None, 50), scorecard.Segment("late", 51, None)]
    late_payers = int(frame[frame.dpd > 50].paid.sum())
    card = scorecard.fit_segmented(frame, "paid", FEATURES, "s1", segments, 100, late_payers + 1)
    assert card.fitted["early"].startswith("own dpd and overdue_amount_value rows")
    assert card.fitted["late"].startswith("pooled card") and card.cards[segments[1]] is card.pooled
    table = pd.DataFrame(card.rows())
    assert set(table.segment) == {"early", "late"} and (table.feature == scorecard.BASE).sum() == 2
    assert table.model_version.unique().tolist() == ["s1"]
    early = table[table.segment == "early"]
    assert early.min_dpd.isna().all() and (early.max_dpd == 50).all()
    assert early[early.feature == "dpd"].logit.astype(float).is_monotonic_decreasing   # its own linear DPD term
    p = scorecard.logits(table, frame)
    by_early = scorecard.logits(early, frame[frame.dpd <= 50])
    assert np.allclose(p[(frame.dpd <= 50).to_numpy()], by_early)
    pooled = pd.DataFrame(card.pooled.rows())
    late = (frame.dpd > 50).to_numpy()
    assert np.allclose(p[late], scorecard.logits(pooled, frame[late]))
    legacy = pooled.drop(columns=["segment", "min_dpd", "max_dpd"])
    assert np.allclose(scorecard.logits(legacy, frame), scorecard.logits(pooled, frame))
    assert evaluate.metrics(frame.paid.to_numpy(), scorecard.probability(p))["auc"] > 0.75


def test_evaluation_figures():
    y = np.array([0, 0, 1, 1] * 25)
    assert evaluate.metrics(y, y + 0.0)["auc"] == 1.0 and evaluate.ks(y, y + 0.0) == 1.0
    assert evaluate.inversions([0.1, 0.2, 0.15, 0.3]) == 1
    assert evaluate.psi(np.arange(1000.0), np.arange(1000.0)) < 1e-9
    assert evaluate.psi(np.arange(1000.0), np.arange(1000.0) + 500) > 0.25


# --- features as of the business date, nightly scores, training ------------------------------------


def _night(paths: Paths, night: date) -> None:
    run_id = f"test-{night}"
    ingest_step(night, paths, run_id)
    validate_step(night, paths, run_id, data_docs=False)
    transform_step(night, paths)


def _read_csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _rewrite(landing: Path, night: date, extra: dict[str, list[dict]]) -> None:
    """Rewrite the night's extract with `extra` rows appended (manifest recomputed)."""
    folder = landing / str(night)
    rows = {name: _read_csv(folder / f"{name}.csv") for name in
            ("customers", "loans", "installments", "payments", "contact_attempts", "flags", "agents")}
    for name, more in extra.items():
        rows[name] = rows[name] + more
    shutil.rmtree(folder)
    write_extract(landing, night, rows)


def _tonight(warehouse: Path) -> tuple[list, list]:
    with reader(warehouse) as con:
        features = con.execute(f"""select loan_id, {', '.join(FEATURES)} from intermediate.int_score_features
                                   where is_tonight order by loan_id""").fetchall()
        scores = con.execute("select * from marts.collection_scores where as_of_date = ? order by loan_id",
                             [D]).fetchall()
    return features, scores


def _variants(warehouse: Path) -> list[tuple]:
    """Each early-stage loan contacted on D and the variant (champion or challenger) that treats it."""
    with reader(warehouse) as con:
        return con.execute("""select distinct loan_id, variant from marts.contact_log
                              where as_of_date = ? and stage = 'early' order by loan_id""", [D]).fetchall()


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> dict:
    """A generated book's first night (its whole history), built once for the module."""
    root = tmp_path_factory.mktemp("scoring")
    paths = Paths.resolve(landing=root / "landing", warehouse=root / "warehouse" / "arrears.duckdb",
                          out=root / "outbox", policy=DEFAULT_POLICY)
    generate(paths.landing, D, 2, 6000, seed=11, progress=False)
    _night(paths, D)
    return {"paths": paths, "tonight": _tonight(paths.warehouse), "variants": _variants(paths.warehouse)}


@slow
def test_one_score_per_overdue_loan_with_bands_and_reasons(book):
    features, scores = book["tonight"]
    with reader(book["paths"].warehouse) as con:
        overdue = con.execute("select count(*) from marts.loan_delinquency where as_of_date = ? and is_overdue",
                              [D]).fetchone()[0]
        bands = dict(con.execute("select risk_band, count(*) from marts.collection_scores group by 1").fetchall())
        reasons = con.execute("select reason_codes from marts.collection_scores where reason_codes <> ''").fetchall()
    assert len(scores) == overdue == len(features) > 50
    assert set(bands) == {"low", "medium", "high"} or len(bands) >= 2
    assert reasons and all(set(r[0].split("; ")) <= set(FEATURES) and len(r[0].split("; ")) <= 3 for r in reasons)


@slow
def test_treatment_by_risk_band_and_calls_by_expected_recovery(book):
    """The packaged policy's early challenger calls only medium and high risk loans (low risk: SMS
    and e-mail); the call queue is ordered by overdue amount x probability to pay (contact_log's
    priority_score)."""
    with reader(book["paths"].warehouse) as con:
        calls = con.execute("""
            select s.risk_band, c.variant, c.template, c.priority_score, d.overdue_amount * s.probability_to_pay
            from marts.contact_log c
            inner join marts.collection_scores s on s.loan_id = c.loan_id and s.as_of_date = c.as_of_date
            inner join marts.loan_delinquency d on d.loan_id = c.loan_id and d.as_of_date = c.as_of_date
            where c.as_of_date = ? and c.channel = 'call' and c.stage = 'early'""", [D]).fetchall()
    challenger = [c for c in calls if c[1] == "challenger" and c[2] == "early_call"]
    assert challenger and all(band in ("medium", "high") for band, *_ in challenger)
    champion = [c for c in calls if c[1] == "champion" and c[2] == "early_call"]
    assert champion and {band for band, *_ in champion} >= {"low"}
    # x 2 while a broken promise escalates the loan (contact.promise.escalation_priority_factor)
    assert all(min(abs(float(score) - factor * float(expected)) for factor in (1, 2)) <= 0.02
               for *_, score, expected in champion + challenger)


@slow
def test_features_ignore_everything_dated_after_the_business_date(book, tmp_path):
    """Rebuild D with payments, contacts and flags dated after D added to D's own extract, and with
    the next night's extract (more of them, and changes) loaded: tonight's features and scores of D
    are identical. Every column of score_feature_names() is compared; the later payments land on
    overdue loans, so they would move the payment features (payments_12m, payments_since_overdue,
    instalments_paid, share_of_due_paid, ...) if any counted them, the later promise the contact and
    promise features, the later flag the flag features."""
    paths = Paths.resolve(landing=tmp_path / "landing", warehouse=tmp_path / "warehouse" / "arrears.duckdb",
                          out=tmp_path / "outbox", policy=DEFAULT_POLICY)
    shutil.copytree(book["paths"].landing, paths.landing)
    features, scores = book["tonight"]
    overdue = [row[0] for row in features[:20]]
    with reader(book["paths"].warehouse) as con:
        customers = dict(con.execute("select loan_id, customer_id from marts.loan_delinquency where as_of_date = ?",
                                     [D]).fetchall())
    later = [D + timedelta(days=k) for k in (1, 2, 5)]
    extra = {
        "payments": [{"payment_id": f"PX-{loan}", "loan_id": loan, "value_date": str(later[2]),
                      "booked_at": f"{later[2]}T10:00:00+08:00", "amount": "5000.00", "channel": "card",
                      "reverses_payment_id": ""} for loan in overdue],
        "contact_attempts": [{"attempt_id": f"AX-{loan}", "loan_id": loan, "customer_id": customers[loan],
                              "agent_id": "", "channel": "call", "started_at": f"{later[1]}T10:00:00+08:00",
                              "duration_seconds": "120", "outcome": "promise_to_pay", "promise_amount": "100.00",
                              "promise_date": str(later[2])} for loan in overdue],
        "flags": [{"subject_type": "loan", "subject_id": loan, "flag": "hardship", "effective_from": str(later[0]),
                   "effective_to": "", "note": "later"} for loan in overdue],
    }
    assert {"payments_since_overdue", "instalments_paid", "other_loans_max_dpd"} <= set(FEATURES)
    _rewrite(paths.landing, D, extra)
    _night(paths, D)
    assert _tonight(paths.warehouse) == (features, scores)
    _night(paths, D + timedelta(days=1))      # the next night's extract: new events and snapshots
    _night(paths, D)                          # D again, with D + 1 in the warehouse
    assert _tonight(paths.warehouse) == (features, scores)


@slow
def test_scoring_unit_tests_pass(book):
    policy_vars = load_policy(DEFAULT_POLICY).dbt_vars()
    run_dbt(["test", "--select", "collection_scores score_training_examples int_score_features", "--resource-type", "unit_test",
             "--vars", dbt_vars(D, **policy_vars)], book["paths"].warehouse)


@slow
def test_train_writes_card_promotes_on_holdout_and_ranks_on_the_generated_book(book, capsys):
    """`arrears score train` on the generated book's history: the held-out AUC and deciles of the
    issue (the gain over DPD and amount alone is measured by bench/bench_scoring.py on a larger
    book, docs/scoring.md: this book's holdout is too small to assert it); promotion only when
    beating the model in force; the next night scores with the promoted version, and a rerun of D
    keeps D's scores and D's challenger loans."""
    paths = book["paths"]
    assert main(["score", "train", "--as-of", str(D), "--warehouse", str(paths.warehouse)]) == 0
    result = json.loads(capsys.readouterr().out)
    card = json.loads((Path(result["model_card"]).with_suffix(".json")).read_text())
    challenger = card["metrics"]["challenger"]
    assert challenger["auc"] >= 0.75 and challenger["decile_inversions"] <= 1, challenger
    assert card["training_data_sha256"] and card["features"] and card["thresholds"]
    assert card["data_window"]["training"][1] < card["data_window"]["holdout"][0]
    # promotion compares the collection-relevant part of the holdout (policy scoring.promotion: DPD 1-30)
    focused = card["metrics_promotion_population"]
    assert card["promotion"]["population"] == "DPD 1-30" and result["promotion_population"] == "DPD 1-30"
    assert result["promoted"] == (focused["challenger"]["auc"] > focused["current"]["auc"])
    assert set(focused) == set(card["metrics"]) == {"challenger", "current", "baseline_dpd_and_amount"}
    # one entry per policy segment: its DPD range, how it was fitted, all three models on its loans
    segments = card["segments"]
    assert sorted(segments, key=lambda name: segments[name]["min_dpd"] or 0) == ["early", "middle", "late"]
    assert segments["early"]["max_dpd"] == 30 and segments["late"]["max_dpd"] is None
    assert all(s["fitted"].startswith(("own ", "pooled card")) for s in segments.values())
    assert segments["early"]["metrics"]["challenger"]["auc"] > 0.5
    assert sum(s["holdout_rows"] for s in segments.values()) == card["data_window"]["holdout_rows"]
    _, scores_before = book["tonight"]
    _night(paths, D)                                  # rerun of D: the model D used
    assert _tonight(paths.warehouse)[1] == scores_before
    # ... and the same loans in the challenger: its share is the policy's 20 % by hash, rerun or not
    variants = _variants(paths.warehouse)
    assert variants == book["variants"]
    share = sum(1 for _, variant in variants if variant == "challenger") / len(variants)
    assert len(variants) > 50 and 0.10 <= share <= 0.30, share
    _night(paths, D + timedelta(days=1))
    with reader(paths.warehouse) as con:
        used = con.execute("select distinct model_version from marts.collection_scores where as_of_date = ?",
                           [D + timedelta(days=1)]).fetchall()
    expected = result["model_version"] if result["promoted"] else scores_before[0][3]
    assert used == [(expected,)]


@slow
def test_monitoring_section_in_the_kpi_report(book, tmp_path):
    from pipelines import reporting
    from pipelines.scoring.monitoring import monitoring

    figures = monitoring(book["paths"].warehouse, D)
    with reader(book["paths"].warehouse) as con:  # the bins come from the mart of the card that scored D
        from pipelines.scoring.monitoring import _card
        card = _card(con, figures["model_version"])
        assert len(card) == con.execute("select count(*) from marts.score_card").fetchone()[0] > 1
    assert figures["scored"] == len(book["tonight"][1]) and figures["psi"]["status"] in ("stable", "watch", "shifted")
    assert len(figures["matured"]["deciles"]) == 10 and 0 < figures["matured"]["gini"] <= 1
    reporting.build(D, book["paths"], "run", tmp_path)
    html = (tmp_path / reporting.REPORT_FILE).read_text(encoding="utf-8")
    assert 'id="collection-score"' in html and figures["model_version"] in html


def test_training_dag_is_weekly_wiring():
    from airflow.dag_processing.dagbag import DagBag

    from tests.conftest import REPO

    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert bag.import_errors == {}
    dag = bag.dags["arrears_score_training"]
    assert dag.task_ids == ["train_challenger"] and dag.max_active_runs == 1
    assert "0 5 * * 0" in str(dag.timetable.summary)


@slow
def test_training_dag_runs_under_airflow_dags_test(book, tmp_path):
    """`airflow dags test arrears_score_training` on a copy of the book's warehouse: the task trains
    the challenger, decides on the DPD 1-30 holdout, and leaves the registry row and the model card
    with both models' figures. Asked for a night the warehouse holds no examples of, the task fails at
    once with the refusal's one line (no retry: the history will not grow by waiting)."""
    from tests.conftest import REPO

    warehouse = tmp_path / "warehouse" / "arrears.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(book["paths"].warehouse, warehouse)
    # the book's newest night: the training test before this one builds D + 1 on the same book, and
    # training refuses any other night (the task would then wait 15 minutes for its retry)
    night = train.latest_night(warehouse)
    env = os.environ | {
        "AIRFLOW_HOME": str(tmp_path / "airflow"), "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "PYTHONPATH": str(REPO),
        "ARREARS_WAREHOUSE": str(warehouse), "ARREARS_POLICY": str(DEFAULT_POLICY),
        "ARREARS_LANDING": str(tmp_path / "landing"), "ARREARS_OUT": str(tmp_path / "outbox"),
    }
    airflow = str(Path(sys.executable).parent / "airflow")
    subprocess.run([airflow, "db", "migrate"], env=env, check=True, capture_output=True, timeout=900)
    done = subprocess.run([airflow, "dags", "test", "arrears_score_training", "-c", json.dumps({"as_of": str(night)})],
                          env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    with reader(warehouse) as con:
        registry = con.execute("select model_version, decision, card_json from scoring.model_registry "
                               "where trained_as_of = ?", [night]).fetchall()
    assert len(registry) == 1, registry
    version, decision, card_json = registry[0]
    card = json.loads(card_json)
    assert card["promotion"]["population"] == "DPD 1-30" and "DPD 1-30" in decision
    assert {"challenger", "current"} <= set(card["metrics_promotion_population"]) <= set(card["metrics"])
    text = (warehouse.parent / "score_models" / version / "model_card.md").read_text()
    assert decision in text and "current, DPD 1-30" in text

    refused = subprocess.run([airflow, "dags", "test", "arrears_score_training", "-c", json.dumps({"as_of": "2020-01-06"})],
                             env=env, capture_output=True, text=True, timeout=300)
    output = refused.stdout + refused.stderr
    assert "arrears: score train:" in output and "holds the night of" in output, output[-3000:]
    assert refused.returncode != 0 and "new_state=failed" in output and "up_for_retry" not in output, output[-3000:]


def test_train_refuses_without_history(paths, capsys):
    assert main(["score", "train", "--as-of", str(D), "--warehouse", str(paths.warehouse)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("arrears: score train: ") and "\n" not in err


HOME_CREDIT = SHARED / "realdata" / "home_credit_sample" / "installments_payments.csv"


@slow
@pytest.mark.skipif(not HOME_CREDIT.exists(), reason=f"{HOME_CREDIT} absent: the real-data check needs the Home Credit sample")
def test_packaged_scorecard_ranks_the_home_credit_sample_by_what_it_recorded(tmp_path):
    """The Home Credit sample mapped through the landing contract (`prefix` selection, one night):
    the packaged scorecard, trained on the generator's book and applied unchanged, scores every
    overdue loan, and its probabilities rank the month-end examples by what the sample recorded in
    the 30 days after (figures in docs/scoring.md)."""
    from pipelines.adapters.home_credit import convert

    night = date(2024, 1, 1)
    paths = Paths.resolve(landing=tmp_path / "landing", warehouse=tmp_path / "warehouse" / "arrears.duckdb",
                          out=tmp_path / "outbox", policy=DEFAULT_POLICY)
    convert(HOME_CREDIT, paths.landing, [night], selection="prefix")
    ingest_step(night, paths, "test-hc")
    validate_step(night, paths, "test-hc", data_docs=False)
    transform_step(night, paths)
    with reader(paths.warehouse) as con:
        overdue, scored = con.execute(
            """select (select count(*) from marts.loan_delinquency where as_of_date = ? and is_overdue),
                      (select count(*) from marts.collection_scores where as_of_date = ?)""", [night, night]).fetchone()
    assert scored == overdue > 0
    examples = train.read_examples(paths.warehouse, night)
    y = examples[train.LABEL].astype(int).to_numpy()
    assert 0 < y.sum() < len(y)
    figures = evaluate.metrics(y, scorecard.probability(scorecard.logits(train.read_card_csv(train.PACKAGED_CARD), examples)))
    assert figures["auc"] >= 0.75 and figures["decile_inversions"] <= 1, figures
