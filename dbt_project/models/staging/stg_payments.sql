select
    delivered_on,
    payment_id,
    loan_id,
    value_date,
    booked_at,
    amount,
    lower(trim(channel)) as channel,
    reverses_payment_id,
    reverses_payment_id is not null as is_reversal,
    _load_id as load_id,
    _source_row as source_row,
    coalesce(q.is_quarantined, false) as is_quarantined
from {{ source('raw', 'payments') }}
left join {{ quarantined_rows('payments.csv') }} q
    on q.quarantined_on = delivered_on
    and q.quarantined_row = _source_row
