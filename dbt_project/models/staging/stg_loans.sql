select
    as_of_date,
    loan_id,
    customer_id,
    product,
    currency,
    principal_amount,
    annual_interest_rate,
    disbursed_on,
    maturity_date,
    lower(status) as status,
    closed_on,
    _load_id as load_id,
    _source_row as source_row
from {{ source('raw', 'loans') }}
