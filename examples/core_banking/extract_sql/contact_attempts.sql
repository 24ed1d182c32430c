-- contact_attempts.csv (events): collection activity written in [since, until).
select c.act_no   as attempt_id,
       c.acct_no  as loan_id,
       c.party_no as customer_id,
       c.staff_id as agent_id,
       case c.act_cd when 'CALL' then 'call' when 'SMS' then 'sms' when 'MAIL' then 'email'
                     when 'LTR' then 'letter' when 'VST' then 'visit' end as channel,
       c.act_ts   as started_at,
       c.dur_sec  as duration_seconds,
       lower(c.rslt_cd) as outcome,
       c.ptp_cents / 100.0 as promise_amount,
       c.ptp_dt   as promise_date
from cbs.coll_act c
where c.rec_ts >= :since and c.rec_ts < :until
order by c.act_no
