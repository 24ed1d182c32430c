"""Monitoring of the collection score in force, for the KPI report's "Collection score" section.

- stability: PSI of tonight's probability_to_pay (marts.collection_scores on D) against the same
  model's probabilities on the lender's history (marts.score_training_examples: every past month
  end's overdue loans), over the history's deciles; < 0.10 stable, 0.10-0.25 watch, > 0.25 shifted;
- ranking on matured outcomes: Gini and KS of the model in force on the newest MATURED_MONTHS month
  ends whose 30-day outcome is known, and predicted vs observed pay rate by score decile.
The model in force is the one that scored D (its bins: marts.score_card, else the packaged
seed), applied by scorecard.logits exactly as the SQL does.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from pipelines.warehouse import reader

from . import evaluate, scorecard, train

MATURED_MONTHS = 3
PSI_WATCH, PSI_SHIFT = 0.10, 0.25


def _card(con, version: str):
    """The bins of `version`: marts.score_card, the card the night scored with (the KPI report is
    written right after D's build), else the packaged card's file when it is that version."""
    names = {r[0] for r in con.execute("select table_name from information_schema.tables "
                                       "where table_schema = 'marts' and table_name = 'score_card'").fetchall()}
    if names:
        card = con.execute("select * from marts.score_card where model_version = ?", [version]).df()
        if len(card):
            return card
    packaged = train.read_card_csv(train.PACKAGED_CARD)
    return packaged if packaged.model_version.iloc[0] == version else None


def monitoring(warehouse: Path, as_of: date) -> dict | None:
    """The section's figures, or None when the night has no scores (nothing to show)."""
    with reader(warehouse) as con:
        names = {r[0] for r in con.execute("select table_name from information_schema.tables "
                                           "where table_schema = 'marts'").fetchall()}
        if not {"collection_scores", "score_training_examples"} <= names:
            return None
        tonight = con.execute("select model_version, probability_to_pay, risk_band from marts.collection_scores "
                              "where as_of_date = ?", [as_of]).df()
        if tonight.empty:
            return None
        version = str(tonight.model_version.iloc[0])
        card = _card(con, version)
        # the history as the newest night built it (the report of D is written right after D's build)
        history = con.execute("select * from marts.score_training_examples").df()
    out = {"model_version": version, "scored": int(len(tonight)),
           "bands": {str(k): int(v) for k, v in tonight.risk_band.value_counts().sort_index().items()}}
    if card is None or history.empty:
        return out
    reference = scorecard.probability(scorecard.logits(card, history))
    value = evaluate.psi(reference, tonight.probability_to_pay.astype(float).to_numpy())
    out["psi"] = {"value": round(value, 4), "reference_rows": int(len(reference)),
                  "status": "stable" if value < PSI_WATCH else "watch" if value <= PSI_SHIFT else "shifted"}
    matured = history[history.is_matured]
    months = sorted(matured.observation_date.unique())[-MATURED_MONTHS:]
    recent = matured[matured.observation_date.isin(months)]
    if len(recent) and recent[train.LABEL].nunique() == 2:
        p = scorecard.probability(scorecard.logits(card, recent))
        m = evaluate.metrics(recent[train.LABEL].astype(int).to_numpy(), p)
        out["matured"] = {"window": [train._day(months[0]), train._day(months[-1])], "rows": m["rows"],
                          "pay_rate": m["pay_rate"], "gini": m["gini"], "ks": m["ks"],
                          "deciles": [{"decile": i + 1, "predicted": pr, "observed": ob} for i, (pr, ob) in
                                      enumerate(zip(m["decile_predicted"], m["decile_pay_rates"]))]}
    return out
