select
    delivered_on,
    attempt_id,
    loan_id,
    customer_id,
    agent_id,
    lower(channel) as channel,
    started_at,
    duration_seconds,
    lower(outcome) as outcome,
    promise_amount,
    promise_date,
    lower(outcome) in ('right_party_contact', 'promise_to_pay', 'refused_to_pay', 'dispute_raised')
        as is_right_party_contact,
    _load_id as load_id,
    _source_row as source_row
from {{ source('raw', 'contact_attempts') }}
