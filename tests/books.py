"""Small books for end-to-end tests that need every kind of output on one night."""
from __future__ import annotations

from tests.extracts import agent, customer, installment, loan

CONTACT_DAY = "2026-03-20"


def contact_book(names: dict[str, str] | None = None) -> dict[str, list[dict]]:
    """Three customers whose loans are 10, 7 and 2 days past due on CONTACT_DAY: a letter, SMS,
    e-mails and calls go out that night. `names` overrides customers' fields by customer id."""
    names = names or {}
    people = [customer("C1", preferred_language="en"),
              customer("C2", full_name="Richard Adams", national_id="110105199001011234", phone="+8613900139000",
                       email="r.adams@example.com", preferred_language="en"),
              customer("C3", national_id="110105198502023456", phone="+8613700137000", email="li.na@example.com")]
    people = [p | names.get(p["customer_id"], {}) for p in people]
    due = {"L1": "2026-03-10", "L2": "2026-03-13", "L3": "2026-03-18"}
    loans = [loan(f"L{i}", f"C{i}", disbursed_on="2026-02-01", maturity_date=due[f"L{i}"]) for i in (1, 2, 3)]
    return {"customers": people, "loans": loans,
            "installments": [installment(f"L{i}", 1, due[f"L{i}"], "3000.00", "30.00") for i in (1, 2, 3)],
            "agents": [agent("AG1"), agent("AG2", full_name="Mary Smith", languages="en")]}
