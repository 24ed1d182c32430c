"""`arrears score train --as-of D`: fit a challenger scorecard on the warehouse's history up to D,
compare it with the model in force on a time holdout, promote it only when it ranks better where
treatment is decided (policy scoring.promotion: AUC on the holdout loans up to DPD 30 by default),
and write the model card.

The challenger is segmented by DPD stage (policy scoring.segments, scorecard.fit_segmented): the
model card gives each segment's fit and every model's holdout figures on the segment's loans.

Examples: marts.score_training_examples (every loan overdue at a past month end, re-derived from the
ledger as known on D, with its matured 30-day outcome). Time split: the newest HOLDOUT_MONTHS
matured month ends are the holdout, everything before trains. The model in force is the newest
promoted one (scoring.model_registry) or the packaged default (dbt seed score_card_default).

Writes, in one transaction: scoring.scorecard_bins (the challenger's bins and points, the data dbt
scores with) and a row of scoring.model_registry (version, data window, training-data sha256,
metrics of both models, decision, effective_from = D + 1 when promoted: a rerun of D keeps D's
scores). The model card also goes to
<warehouse dir>/score_models/<version>/model_card.json and .md, with scorecard.csv beside it.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.errors import ArrearsError
from pipelines.settings import DBT_PROJECT_DIR
from pipelines.warehouse import reader, writer

from . import evaluate, scorecard

HOLDOUT_MONTHS = 3
MIN_EXAMPLES = 200              # matured examples needed (each of training and holdout, both classes)
MIN_PROMOTION_ROWS = 50         # holdout loans the promotion population needs (both outcomes), else all loans
LABEL = "paid"
BASELINE_FEATURES = ["dpd", "overdue_amount_value"]
MODELS = ("challenger", "current", "baseline_dpd_and_amount")
PACKAGED_CARD = DBT_PROJECT_DIR / "seeds" / "score_card_default.csv"
REGISTRY_COLUMNS = ("model_version varchar, trained_as_of date, effective_from date, decision varchar, "
                    "training_data_sha256 varchar, card_json varchar")
BINS_COLUMNS = ("model_version varchar, segment varchar, min_dpd integer, max_dpd integer, feature varchar, "
                "bin_no integer, lower_bound double, upper_bound double, logit decimal(18,6), points decimal(18,4)")
CARD_COLUMNS = [part.split()[0] for part in BINS_COLUMNS.split(", ")]


class TrainingRefused(ArrearsError):
    """Training cannot run (no examples table, too little matured history): one line saying why.
    Not transient: nothing was written and the model in force stays (exit 2, no retry)."""

    exit_code, label = 2, "score train"


@dataclass
class TrainingResult:
    version: str
    promoted: bool
    card: dict
    folder: Path | None


def feature_names() -> list[str]:
    """The feature columns (dbt macro score_feature_names, the one list)."""
    text = (DBT_PROJECT_DIR / "macros" / "scoring.sql").read_text()
    body = text[text.index("return(["):text.index("])")]
    return [part.strip().strip("'\"") for part in body[len("return(["):].replace("\n", " ").split(",") if part.strip()]


def read_examples(warehouse: Path, as_of: date) -> pd.DataFrame:
    if not warehouse.exists():
        raise TrainingRefused(f"{warehouse}: no warehouse; run the night of {as_of} first")
    with reader(warehouse) as con:
        try:
            frame = con.execute(
                "select * from marts.score_training_examples where as_of_date = ? and is_matured "
                "order by observation_date, loan_id", [as_of]).df()
        except Exception as exc:  # noqa: BLE001  (missing table: say what to do, one line)
            raise TrainingRefused(f"{warehouse}: no marts.score_training_examples ({str(exc).splitlines()[0]}); "
                               f"run the night of {as_of} first") from None
    if frame.empty:
        with reader(warehouse) as con:
            built = con.execute("select max(as_of_date) from marts.score_training_examples").fetchone()[0]
        raise TrainingRefused(f"{warehouse}: marts.score_training_examples holds the night of {built}, not {as_of}, "
                              f"or no matured example: train --as-of the newest night built")
    return frame


def latest_night(warehouse: Path) -> date:
    """The night marts.score_training_examples was last built for (what the weekly DAG trains on)."""
    if not warehouse.exists():
        raise TrainingRefused(f"{warehouse}: no warehouse; run a night first")
    with reader(warehouse) as con:
        try:
            built = con.execute("select max(as_of_date) from marts.score_training_examples").fetchone()[0]
        except Exception as exc:  # noqa: BLE001
            raise TrainingRefused(f"{warehouse}: no marts.score_training_examples ({str(exc).splitlines()[0]})") from None
    if built is None:
        raise TrainingRefused(f"{warehouse}: marts.score_training_examples is empty")
    return built


def training_step(as_of: date | None, paths) -> dict:
    """The weekly DAG's one step: train a challenger on the newest night (or `as_of`), promote it if
    it beats the model in force; returns the decision and both models' holdout figures."""
    as_of = as_of or latest_night(paths.warehouse)
    result = train(paths.warehouse, as_of, paths.policy)
    return {"as_of": as_of.isoformat(), "model_version": result.version, "promoted": result.promoted,
            "effective_from": result.card["effective_from"], "decision": result.card["decision"],
            **holdout_figures(result.card), "model_card": str(result.folder / "model_card.md")}


def holdout_figures(card: dict) -> dict:
    """Both models' (and the baseline's) holdout AUC: on every loan and on the promotion population."""
    promotion = card["promotion"]
    return {"holdout_auc": {name: m["auc"] for name, m in card["metrics"].items()},
            "promotion_population": promotion["population"],
            "promotion_auc": {name: m["auc"] for name, m in card["metrics_promotion_population"].items()}}


def complete_history(examples: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The examples training uses: those of complete history (score_training_examples.is_complete_history:
    month ends whose loans that stopped paying are still in the extract), unless too few of them
    remain for a time split, then every matured example; with one line saying which."""
    complete = examples[examples.is_complete_history.astype(bool)]
    months = sorted(complete.observation_date.unique())
    if len(complete) == len(examples):
        return examples, "every matured example (the extract kept every loan)"
    if len(months) > HOLDOUT_MONTHS and (complete.observation_date < months[-HOLDOUT_MONTHS]).sum() >= MIN_EXAMPLES:
        return complete, (f"{len(complete)} of {len(examples)} matured examples: those whose overdue instalment fell "
                          f"due late enough that, never paid, the loan would still be in the extract "
                          f"(older month ends have lost their written-off loans)")
    return examples, (f"every matured example: only {len(complete)} of {len(examples)} have complete history, "
                      f"too few for a time split (older month ends have lost their written-off loans)")


def time_split(frame: pd.DataFrame, holdout_months: int = HOLDOUT_MONTHS) -> tuple[pd.DataFrame, pd.DataFrame]:
    months = sorted(frame.observation_date.unique())
    cut = months[-holdout_months] if len(months) > holdout_months else months[-1]
    return frame[frame.observation_date < cut], frame[frame.observation_date >= cut]


def data_hash(frame: pd.DataFrame, features: list[str]) -> str:
    buffer = io.StringIO()
    frame[["loan_id", "observation_date", *features, LABEL]].to_csv(buffer, index=False, float_format="%.6f")
    return hashlib.sha256(buffer.getvalue().encode()).hexdigest()


def _day(value) -> str:
    return pd.Timestamp(value).date().isoformat()


def current_card(warehouse: Path, as_of: date) -> pd.DataFrame:
    """The scorecard the nights after D would use: the newest promoted model in force on D + 1, else
    the packaged default."""
    with reader(warehouse) as con:
        exists = con.execute("select count(*) from information_schema.tables where table_schema = 'scoring' "
                             "and table_name = 'model_registry'").fetchone()[0]
        if exists:
            card = con.execute(
                """select b.* from scoring.scorecard_bins b
                   where b.model_version = (select model_version from scoring.model_registry
                                            where effective_from is not null and effective_from <= ?
                                            order by effective_from desc, model_version desc limit 1)""",
                [as_of + timedelta(days=1)]).df()
            if len(card):
                return card
    return read_card_csv(PACKAGED_CARD)


def read_card_csv(path: Path) -> pd.DataFrame:
    card = pd.read_csv(path, dtype={"model_version": str, "segment": str, "feature": str,
                                    "min_dpd": "Int64", "max_dpd": "Int64"})
    return card


def baseline_probability(train: pd.DataFrame, test: pd.DataFrame, features: list[str]) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression  # here: the report's monitoring needs no scikit-learn
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    model.fit(train[features].astype(float), train[LABEL].astype(int))
    return model.predict_proba(test[features].astype(float))[:, 1]


def band_table(policy, p: np.ndarray, y: np.ndarray) -> list[dict]:
    bands = np.array([policy.band_for(v) for v in p])
    return [{"band": name, "min_probability": str(minimum), "share": round(float((bands == name).mean()), 4),
             "pay_rate": round(float(y[bands == name].mean()), 4) if (bands == name).any() else None}
            for name, minimum in policy.risk_bands]


def promotion_population(holdout: pd.DataFrame, policy) -> tuple[str, np.ndarray]:
    """The holdout loans promotion compares on: up to the policy's DPD (scoring.promotion.max_dpd),
    where treatment is decided and DPD alone ranks least; every loan when max_dpd is 0 or that part
    has fewer than MIN_PROMOTION_ROWS loans or one outcome only (said in the name)."""
    everyone = np.ones(len(holdout), dtype=bool)
    if not policy.promotion_max_dpd:
        return "every overdue loan", everyone
    chosen = (holdout.dpd <= policy.promotion_max_dpd).to_numpy()
    paid = holdout[LABEL].astype(int).to_numpy()[chosen]
    if chosen.sum() < MIN_PROMOTION_ROWS or paid.min(initial=0) == paid.max(initial=0):
        return (f"every overdue loan (only {int(chosen.sum())} at DPD 1-{policy.promotion_max_dpd} "
                f"with {int(paid.sum())} paid)"), everyone
    return f"DPD 1-{policy.promotion_max_dpd}", chosen


def fit_and_compare(examples: pd.DataFrame, as_of: date, current: pd.DataFrame, policy) -> tuple[scorecard.Scorecard, dict]:
    features = feature_names()
    examples, selection = complete_history(examples)
    train, holdout = time_split(examples)
    for name, part in (("training", train), ("holdout", holdout)):
        if len(part) < MIN_EXAMPLES or part[LABEL].nunique() < 2:
            raise TrainingRefused(f"{len(part)} matured {name} examples up to {as_of} "
                               f"(need {MIN_EXAMPLES} with both outcomes); the book's history is too short")
    digest = data_hash(pd.concat([train, holdout]), features)
    version = f"score-{as_of.isoformat()}-{digest[:8]}"
    card = scorecard.fit_segmented(train, LABEL, features, version, list(policy.segments),
                                   policy.segment_min_examples, policy.segment_min_each_outcome)
    y = holdout[LABEL].astype(int).to_numpy()
    challenger_p = scorecard.probability(scorecard.logits(pd.DataFrame(card.rows()), holdout))
    current_p = scorecard.probability(scorecard.logits(current, holdout))
    baseline_p = baseline_probability(train, holdout, BASELINE_FEATURES)
    predictions = {"challenger": challenger_p, "current": current_p, "baseline_dpd_and_amount": baseline_p}
    overall = {name: evaluate.metrics(y, p) for name, p in predictions.items()}
    population, chosen = promotion_population(holdout, policy)
    y_chosen = y[chosen]
    focused = {name: evaluate.metrics(y_chosen, p[chosen]) for name, p in predictions.items()}
    by_segment = segment_metrics(card, holdout, predictions)
    c, i = focused["challenger"]["auc"], focused["current"]["auc"]
    gain = float(policy.promotion_min_auc_gain)
    promoted = bool(c > i + gain)
    model_card = {
        "model_version": version,
        "trained_as_of": as_of.isoformat(),
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "label": f"paid at least the amount overdue (or closed) within {policy.outcome_days} days of the observation date",
        "data_window": {
            "training": [_day(train.observation_date.min()), _day(train.observation_date.max())],
            "holdout": [_day(holdout.observation_date.min()), _day(holdout.observation_date.max())],
            "training_rows": int(len(train)), "holdout_rows": int(len(holdout)),
            "training_pay_rate": round(float(train[LABEL].mean()), 4),
            "selection": selection,
        },
        "training_data_sha256": digest,
        "features": {fb.feature: {"bins": len(fb.woe), "information_value": round(fb.iv, 4),
                                  "coefficient": round(card.pooled.coefficients[fb.feature], 4)} for fb in card.pooled.bins},
        "features_left_out": card.pooled.dropped,
        # each DPD segment (policy scoring.segments): how its rows were fitted and the holdout figures
        # of all three models on its loans
        "segments": by_segment,
        "metrics": {name: ({"model_version": str(current.model_version.iloc[0]), **m} if name == "current" else m)
                    for name, m in overall.items()},
        # the promotion decision's figures: the loans where treatment choices are made (policy
        # scoring.promotion.max_dpd; every loan when that part of the holdout is too thin)
        "metrics_promotion_population": focused,
        "promotion": {"population": population, "rows": int(chosen.sum()), "metric": "auc",
                      "min_auc_gain": str(policy.promotion_min_auc_gain)},
        "thresholds": band_table(policy, challenger_p, y),
        "psi_reference": {"holdout_probability_deciles": [round(float(v), 6) for v in
                                                          np.quantile(challenger_p, np.linspace(0.1, 0.9, 9))]},
        "decision": (f"promoted: holdout AUC on {population} {c} beats the current model's {i} by more than {gain}"
                     if promoted else
                     f"kept the current model: holdout AUC on {population} {c} does not beat its {i} by more than {gain}"),
        "promoted": promoted,
        # a promoted model scores from the next night on: a rerun of D keeps D's scores
        "effective_from": (as_of + timedelta(days=1)).isoformat() if promoted else None,
    }
    return card, model_card


def segment_metrics(card: scorecard.SegmentedScorecard, holdout: pd.DataFrame,
                    predictions: dict[str, np.ndarray]) -> dict:
    """Per segment of the challenger: its DPD range, how it was fitted, its own DPD and amount
    weights, and every model's holdout metrics on the segment's loans (None when one outcome only)."""
    y = holdout[LABEL].astype(int).to_numpy()
    out = {}
    for segment, seg_card in card.cards.items():
        chosen = segment.mask(holdout.dpd.to_numpy())
        paid = y[chosen]
        out[segment.name] = {
            "min_dpd": segment.min_dpd, "max_dpd": segment.max_dpd, "fitted": card.fitted[segment.name],
            "coefficients": {f: round(seg_card.coefficients[f], 6) for f in scorecard.SEGMENT_FEATURES
                             if f in seg_card.coefficients and seg_card is not card.pooled},
            "holdout_rows": int(chosen.sum()), "holdout_paid": int(paid.sum()),
            "metrics": ({name: evaluate.metrics(paid, p[chosen]) for name, p in predictions.items()}
                        if 0 < paid.sum() < len(paid) else None),
        }
    return out


def write_model(warehouse: Path, as_of: date, card: scorecard.SegmentedScorecard, model_card: dict) -> Path:
    rows = pd.DataFrame(card.rows())
    with writer(warehouse) as con:
        con.execute("begin")
        con.execute("create schema if not exists scoring")
        con.execute(f"create table if not exists scoring.model_registry ({REGISTRY_COLUMNS})")
        con.execute(f"create table if not exists scoring.scorecard_bins ({BINS_COLUMNS})")
        # a table written before segments: its rows are one card over every DPD
        con.execute("alter table scoring.scorecard_bins add column if not exists segment varchar default 'all'")
        con.execute("alter table scoring.scorecard_bins add column if not exists min_dpd integer")
        con.execute("alter table scoring.scorecard_bins add column if not exists max_dpd integer")
        con.execute("delete from scoring.scorecard_bins where model_version = ?", [card.version])
        con.execute("delete from scoring.model_registry where model_version = ?", [card.version])
        con.register("card_rows", rows)
        con.execute(f"insert into scoring.scorecard_bins ({', '.join(CARD_COLUMNS)}) "
                    f"select {', '.join(CARD_COLUMNS)} from card_rows")
        con.execute("insert into scoring.model_registry values (?, ?, ?, ?, ?, ?)",
                    [card.version, as_of, model_card["effective_from"], model_card["decision"],
                     model_card["training_data_sha256"], json.dumps(model_card, sort_keys=True)])
        con.execute("commit")
    folder = warehouse.parent / "score_models" / card.version
    folder.mkdir(parents=True, exist_ok=True)
    write_card_csv(folder / "scorecard.csv", card)
    (folder / "model_card.json").write_text(json.dumps(model_card, indent=2, sort_keys=True) + "\n")
    (folder / "model_card.md").write_text(card_markdown(model_card))
    return folder


def write_card_csv(path: Path, card: scorecard.SegmentedScorecard) -> None:
    with path.open("w", newline="") as handle:
        out = csv.DictWriter(handle, fieldnames=CARD_COLUMNS, lineterminator="\n")
        out.writeheader()
        for row in card.rows():
            out.writerow({k: ("" if v is None else (f"{v:.6f}" if k == "logit" else f"{v:.4f}" if k == "points" else v))
                          for k, v in row.items()})


def card_markdown(card: dict) -> str:
    m = card["metrics"]
    lines = [f"# Model card: {card['model_version']}", "",
             f"- trained as of {card['trained_as_of']}" + (f" (at {card['trained_at']})" if "trained_at" in card else ""),
             f"- label: {card['label']}",
             f"- training window {card['data_window']['training'][0]} .. {card['data_window']['training'][1]} "
             f"({card['data_window']['training_rows']} examples), holdout {card['data_window']['holdout'][0]} .. "
             f"{card['data_window']['holdout'][1]} ({card['data_window']['holdout_rows']})",
             f"- examples used: {card['data_window'].get('selection', 'every matured example')}",
             f"- training data sha256: `{card['training_data_sha256']}`",
             f"- promotion compares holdout AUC on: {card.get('promotion', {}).get('population', 'every overdue loan')}",
             f"- decision: {card['decision']}", "",
             "| model | AUC | Gini | KS | decile inversions |", "|---|---|---|---|---|"]
    for name in (n for n in MODELS if n in m):
        lines.append(f"| {name} | {m[name]['auc']} | {m[name]['gini']} | {m[name]['ks']} | {m[name]['decile_inversions']} |")
    focused = card.get("metrics_promotion_population") or {}
    population = card.get("promotion", {}).get("population", "")
    for name in (n for n in MODELS if n in focused):
        e = focused[name]
        lines.append(f"| {name}, {population} ({e['rows']}) | {e['auc']} | {e['gini']} | {e['ks']} | "
                     f"{e['decile_inversions']} |")
    lines += ["", "| segment | DPD | fitted | holdout loans (paid) | AUC challenger | AUC current | AUC baseline |",
              "|---|---|---|---|---|---|---|"]
    for name, seg in (card.get("segments") or {}).items():
        auc = {k: v["auc"] for k, v in (seg["metrics"] or {}).items()}
        dpd = f"{seg['min_dpd'] or 1}-{seg['max_dpd'] or ''}"
        lines.append(f"| {name} | {dpd} | {seg['fitted']} | {seg['holdout_rows']} ({seg['holdout_paid']}) | "
                     f"{auc.get('challenger', '')} | {auc.get('current', '')} | {auc.get('baseline_dpd_and_amount', '')} |")
    lines += ["", "| feature (pooled card) | bins | IV | coefficient |", "|---|---|---|---|"]
    lines += [f"| {f} | {v['bins']} | {v['information_value']} | {v['coefficient']} |" for f, v in card["features"].items()]
    lines += ["", "| risk band | min probability | holdout share | pay rate |", "|---|---|---|---|"]
    lines += [f"| {b['band']} | {b['min_probability']} | {b['share']} | {b['pay_rate']} |" for b in card["thresholds"]]
    return "\n".join(lines) + "\n"


def train(warehouse: Path, as_of: date, policy_path: Path) -> TrainingResult:
    from pipelines.policy import load_policy
    from pipelines.scoring.policy import parse_scoring

    policy = load_policy(policy_path)
    scoring_policy = parse_scoring(policy.document.get("scoring"), policy.path)
    examples = read_examples(warehouse, as_of)
    card, model_card = fit_and_compare(examples, as_of, current_card(warehouse, as_of), scoring_policy)
    folder = write_model(warehouse, as_of, card, model_card)
    return TrainingResult(card.version, model_card["promoted"], model_card, folder)
