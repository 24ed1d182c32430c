select
    delivered_on,
    attempt_id,
    loan_id,
    customer_id,
    agent_id,
    lower(trim(channel)) as channel,
    started_at,
    duration_seconds,
    lower(trim(outcome)) as outcome,
    promise_amount,
    promise_date,
    lower(trim(outcome)) in ('right_party_contact', 'promise_to_pay', 'refused_to_pay', 'dispute_raised')
        as is_right_party_contact,
    _load_id as load_id,
    _source_row as source_row,
    coalesce(q.is_quarantined, false) as is_quarantined
from {{ source('raw', 'contact_attempts') }}
left join {{ quarantined_rows('contact_attempts.csv') }} q
    on q.quarantined_on = delivered_on
    and q.quarantined_row = _source_row
