"""Are two warehouses' marts the same? Every table of the `marts` schema, row for row.

    .venv/bin/python bench/compare_marts.py A.duckdb B.duckdb

Used to prove that a change to how the nights are built (dbt materializations, invocations, where the
business date comes from) leaves what they build unchanged: run the same book through both versions,
then compare. Rows are compared as multisets (EXCEPT ALL both ways), so row order does not matter and
duplicates count. Exit 0 when every table matches, 1 otherwise, with one line per difference.
"""
from __future__ import annotations

import sys
from pathlib import Path

import duckdb

SCHEMA = "marts"


def _tables(con, alias: str) -> dict[str, list[str]]:
    rows = con.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_catalog = ? and table_schema = ? order by table_name, ordinal_position",
        [alias, SCHEMA]).fetchall()
    out: dict[str, list[str]] = {}
    for table, column in rows:
        out.setdefault(table, []).append(column)
    return out


def compare_marts(a: Path, b: Path) -> list[str]:
    """Differences between the marts of warehouses `a` and `b`, one line each; empty when identical."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{Path(a)}' as a (read_only)")
        con.execute(f"attach '{Path(b)}' as b (read_only)")
        left, right = _tables(con, "a"), _tables(con, "b")
        problems = [f"{t}: only in {a}" for t in sorted(left.keys() - right.keys())]
        problems += [f"{t}: only in {b}" for t in sorted(right.keys() - left.keys())]
        for table in sorted(left.keys() & right.keys()):
            if left[table] != right[table]:
                problems.append(f"{table}: columns differ: {left[table]} vs {right[table]}")
                continue
            cols = ", ".join(f'"{c}"' for c in left[table])
            count_a, count_b = (con.execute(f"select count(*) from {w}.{SCHEMA}.{table}").fetchone()[0] for w in "ab")
            only_a = con.execute(f"select count(*) from (select {cols} from a.{SCHEMA}.{table} "
                                 f"except all select {cols} from b.{SCHEMA}.{table})").fetchone()[0]
            only_b = con.execute(f"select count(*) from (select {cols} from b.{SCHEMA}.{table} "
                                 f"except all select {cols} from a.{SCHEMA}.{table})").fetchone()[0]
            if only_a or only_b:
                problems.append(f"{table}: {count_a} vs {count_b} rows, {only_a} only in the first, "
                                f"{only_b} only in the second")
        return problems
    finally:
        con.close()


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 64
    problems = compare_marts(Path(argv[0]), Path(argv[1]))
    for line in problems:
        print(line)
    if not problems:
        print("marts identical")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
