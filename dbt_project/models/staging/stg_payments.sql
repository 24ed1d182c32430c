select
    delivered_on,
    payment_id,
    loan_id,
    value_date,
    booked_at,
    amount,
    lower(channel) as channel,
    reverses_payment_id,
    reverses_payment_id is not null as is_reversal,
    _load_id as load_id,
    _source_row as source_row
from {{ source('raw', 'payments') }}
