select
    as_of_date,
    loan_id,
    installment_no,
    due_date,
    principal_due,
    interest_due,
    fee_due,
    principal_due + interest_due + coalesce(fee_due, 0) as amount_due,
    _load_id as load_id,
    _source_row as source_row,
    coalesce(q.is_quarantined, false) as is_quarantined
from {{ source('raw', 'installments') }}
left join {{ quarantined_rows('installments.csv') }} q
    on q.quarantined_on = as_of_date
    and q.quarantined_row = _source_row
