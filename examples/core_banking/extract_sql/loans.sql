-- loans.csv: cents to currency units, basis points to a fraction, status codes to the contract's words.
select a.acct_no                 as loan_id,
       a.party_no                as customer_id,
       a.prod_cd                 as product,
       a.ccy_cd                  as currency,
       a.prin_cents / 100.0      as principal_amount,
       a.rate_bps / 10000.0      as annual_interest_rate,
       a.open_dt                 as disbursed_on,
       a.mat_dt                  as maturity_date,
       case a.stat_cd when 'A' then 'active' when 'C' then 'closed'
                      when 'W' then 'written_off' when 'R' then 'restructured' end as status,
       a.close_dt                as closed_on
from cbs.ln_acct a
where a.open_dt <= :as_of
order by a.acct_no
