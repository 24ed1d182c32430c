-- installments.csv: the schedule version in force at the end of the business date.
select s.acct_no            as loan_id,
       s.term_no            as installment_no,
       s.due_dt             as due_date,
       s.prin_cents / 100.0 as principal_due,
       s.int_cents / 100.0  as interest_due,
       s.fee_cents / 100.0  as fee_due
from cbs.ln_sched s
join cbs.ln_acct a on a.acct_no = s.acct_no
where a.open_dt <= :as_of
  and s.valid_from < :until and (s.valid_to is null or s.valid_to >= :until)
order by s.acct_no, s.term_no
