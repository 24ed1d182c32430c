-- flags.csv: holds started by the business date, open or closed.
select case h.hold_scope when 'P' then 'customer' when 'A' then 'loan' end as subject_type,
       h.ref_no   as subject_id,
       lower(h.hold_cd) as flag,
       h.start_dt as effective_from,
       h.end_dt   as effective_to,
       h.remark   as note
from cbs.acct_hold h
where h.start_dt <= :as_of
order by 1, 2, 3, 4
