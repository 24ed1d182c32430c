-- Control totals at the source, in the same transaction as the extract: one row per check,
-- (table_name, measure, value) with measure 'rows' or a money column of that landing table.
select 'loans' as table_name, 'rows' as measure, count(*) as value
from cbs.ln_acct where open_dt <= :as_of
union all
select 'loans', 'principal_amount', coalesce(sum(prin_cents), 0) / 100.0
from cbs.ln_acct where open_dt <= :as_of
union all
select 'payments', 'rows', count(*)
from cbs.ln_txn where txn_cd in ('RPMT', 'RVSL') and rec_ts >= :since and rec_ts < :until
union all
select 'payments', 'amount', coalesce(sum(abs(amt_cents)), 0) / 100.0
from cbs.ln_txn where txn_cd in ('RPMT', 'RVSL') and rec_ts >= :since and rec_ts < :until
