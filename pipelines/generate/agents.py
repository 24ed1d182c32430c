"""The lender's collection agents: one per ~400 active loans, in early/middle/late stage teams.

Each agent has a hidden skill (0.75-1.25) that scales how often their calls reach the customer
and end in a promise; it is not in agents.csv, only visible through the outcomes it drives.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from .columns import ids, pick
from .customers import chinese_names

TEAMS = ("early", "middle", "late")
TEAM_SHARES = (0.5, 0.3, 0.2)
TEAM_CAPACITY = (120, 80, 50)          # accounts per day, +-20%
LOANS_PER_AGENT = 400
MIN_AGENTS = 5
ENGLISH_SHARE = 0.2
INACTIVE_SHARE = 0.05


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
    })
    return roster, table


def assign(rng: np.random.Generator, roster: Roster, team: np.ndarray, english: np.ndarray) -> np.ndarray:
    """An active agent of the given team for each contact, speaking English where the customer prefers it."""
    agent = np.zeros(len(team), np.int64)
    for t in range(len(TEAMS)):
        for needs_english in (False, True):
            pool = np.flatnonzero((roster.team == t) & roster.active & (roster.english | (not needs_english)))
            who = np.flatnonzero((team == t) & (english == needs_english))
            agent[who] = pool[rng.integers(0, len(pool), len(who))]
    return agent
