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
    _source_row as source_row
from {{ source('raw', 'installments') }}
