"""Are two warehouses' marts the same? Every table of the `marts` schema, row for row.

    .venv/bin/python bench/compare_marts.py A.duckdb B.duckdb

Used to prove that a change to how the nights are built (dbt materializations, invocations, where the
business date comes from) leaves what they build unchanged: run the same book through both versions,
then compare. Rows are compared as multisets, so row order does not matter and duplicates count.
Exit 0 when every table matches, 1 otherwise, with one line per difference.
"""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from pipelines.warehouse import reader

SCHEMA = "marts"


def _tables(con) -> dict[str, list[str]]:
    rows = con.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = ? order by table_name, ordinal_position", [SCHEMA]).fetchall()
    out: dict[str, list[str]] = {}
    for table, column in rows:
        out.setdefault(table, []).append(column)
    return out


def _rows(con, table: str) -> Counter:
    """The table's rows as a multiset; list values (DuckDB arrays) as tuples, so rows can be counted."""
    return Counter(tuple(tuple(v) if isinstance(v, list) else v for v in row)
                   for row in con.execute(f'select * from {SCHEMA}."{table}"').fetchall())


def compare_marts(a: Path, b: Path) -> list[str]:
    """Differences between the marts of warehouses `a` and `b`, one line each; empty when identical.
    Each warehouse is read through its own connection (pipelines.warehouse.reader), so this also works
    in a process whose dbt runner still holds one of them open."""
    with reader(Path(a)) as con_a, reader(Path(b)) as con_b:
        left, right = _tables(con_a), _tables(con_b)
        problems = [f"{t}: only in {a}" for t in sorted(left.keys() - right.keys())]
        problems += [f"{t}: only in {b}" for t in sorted(right.keys() - left.keys())]
        for table in sorted(left.keys() & right.keys()):
            if left[table] != right[table]:
                problems.append(f"{table}: columns differ: {left[table]} vs {right[table]}")
                continue
            rows_a, rows_b = _rows(con_a, table), _rows(con_b, table)
            if rows_a != rows_b:
                only_a, only_b = sum((rows_a - rows_b).values()), sum((rows_b - rows_a).values())
                problems.append(f"{table}: {sum(rows_a.values())} vs {sum(rows_b.values())} rows, {only_a} only in "
                                f"the first, {only_b} only in the second")
        return problems


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
