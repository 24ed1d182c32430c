"""The lender's collection agents: one per ~400 active loans, in early/middle/late stage teams,
plus a field team for home visits.

Each agent has a hidden skill (0.75-1.25) that scales how often their calls reach the customer
and end in a promise; it is not in agents.csv, only visible through the outcomes it drives.
Field agents (team `field`) carry the optional agents.csv column `regions`: the `;`-separated
regions and cities they visit, spelled as in customers.csv (one agent per Chinese province or
municipality of the reference cities, one per foreign country); the other agents leave it blank.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from .columns import ids, pick
from .customers import chinese_names
from .reference import CN_CITIES, FOREIGN

TEAMS = ("early", "middle", "late")
TEAM_SHARES = (0.5, 0.3, 0.2)
TEAM_CAPACITY = (120, 80, 50)          # accounts per day, +-20%
LOANS_PER_AGENT = 400
MIN_AGENTS = 5
ENGLISH_SHARE = 0.2
INACTIVE_SHARE = 0.05
FIELD_TEAM = "field"
FIELD_CAPACITY = 8                     # visits per day, +-25%


@dataclass
class Roster:
    team: np.ndarray       # int8 index into TEAMS
    english: np.ndarray    # speaks en as well as zh-CN
    active: np.ndarray
    skill: np.ndarray


def hire(rng: np.random.Generator, active_loans: int) -> tuple[Roster, pa.Table]:
    """The roster for a book with this many active loans, and its agents.csv table."""
    n = max(MIN_AGENTS, round(active_loans / LOANS_PER_AGENT))
    sizes = [max(1, round(n * share)) for share in TEAM_SHARES[1:]]
    team = np.repeat(np.arange(len(TEAMS)), [n - sum(sizes), *sizes]).astype(np.int8)
    first_of_team = np.r_[True, team[1:] != team[:-1]]
    english = (rng.random(n) < ENGLISH_SHARE) | first_of_team   # every team can serve English speakers
    active = (rng.random(n) >= INACTIVE_SHARE) | first_of_team
    roster = Roster(team, english, active, rng.uniform(0.75, 1.25, n))
    capacity = np.array(TEAM_CAPACITY)[team] * rng.uniform(0.8, 1.2, n)
    table = pa.table({
        "agent_id": ids("AG", np.arange(1, n + 1), 5),
        "full_name": chinese_names(rng, n)[0],
        "team": pick(list(TEAMS), team),
        "languages": pick(["zh-CN", "zh-CN;en"], english.astype(np.int64)),
        "active": pa.array(active),
        "daily_capacity": pa.array(np.rint(capacity).astype(np.int32)),
        "regions": pa.array([""] * n),
    })
    return roster, table


def field_territories() -> list[str]:
    """The `regions` value of each field agent: a Chinese province / municipality with its cities, or
    a foreign country's regions and city (the spellings customers.csv uses)."""
    provinces: dict[str, list[str]] = {}
    for city, _district, region, *_ in CN_CITIES:
        provinces.setdefault(region, [])
        if city != region and city not in provinces[region]:
            provinces[region].append(city)
    territories = [";".join([region, *cities]) for region, cities in provinces.items()]
    territories += [";".join([*spec["regions"], spec["city"]]) for spec in FOREIGN]
    return territories


def hire_field_team(rng: np.random.Generator, first_number: int) -> pa.Table:
    """The field team's rows of agents.csv (not in the call roster: they visit, they take no calls)."""
    territories = field_territories()
    n = len(territories)
    capacity = FIELD_CAPACITY * rng.uniform(0.75, 1.25, n)
    return pa.table({
        "agent_id": ids("AG", np.arange(first_number, first_number + n), 5),
        "full_name": chinese_names(rng, n)[0],
        "team": pa.array([FIELD_TEAM] * n),
        "languages": pa.array(["zh-CN;en"] * n),
        "active": pa.array([True] * n),
        "daily_capacity": pa.array(np.rint(capacity).astype(np.int32)),
        "regions": pa.array(territories),
    })


def assign(rng: np.random.Generator, roster: Roster, team: np.ndarray, english: np.ndarray) -> np.ndarray:
    """An active agent of the given team for each contact, speaking English where the customer prefers it."""
    agent = np.zeros(len(team), np.int64)
    for t in range(len(TEAMS)):
        for needs_english in (False, True):
            pool = np.flatnonzero((roster.team == t) & roster.active & (roster.english | (not needs_english)))
            who = np.flatnonzero((team == t) & (english == needs_english))
            agent[who] = pool[rng.integers(0, len(pool), len(who))]
    return agent
