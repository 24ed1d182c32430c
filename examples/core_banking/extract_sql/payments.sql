-- payments.csv (events): repayments and their reversals written in [since, until).
-- The window is on rec_ts (when the row was written), never on post_ts or val_dt: a payment posted
-- yesterday but written today is still delivered. A reversal is stored negative, in cents;
-- the contract wants a positive amount and the payment it cancels.
select t.txn_ref                         as payment_id,
       t.acct_no                         as loan_id,
       t.val_dt                          as value_date,
       t.post_ts                         as booked_at,
       abs(t.amt_cents) / 100.0          as amount,
       case t.chnl_cd when 'BT' then 'bank_transfer' when 'CD' then 'card'
                      when 'CS' then 'cash' when 'AG' then 'agency' else lower(t.chnl_cd) end as channel,
       t.orig_txn_ref                    as reverses_payment_id
from cbs.ln_txn t
where t.txn_cd in ('RPMT', 'RVSL')
  and t.rec_ts >= :since and t.rec_ts < :until
order by t.txn_id
