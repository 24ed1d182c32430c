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
    lower(trim(status)) as status,
    closed_on,
    -- optional extra column (not in the contract's required columns): `recalled` = the lender took
    -- a placed account back from its agency or lawyer (marts.placements)
    lower(trim({{ extra_field('_extra', 'placement_status') }})) as placement_status,
    _load_id as load_id,
    _source_row as source_row,
    coalesce(q.is_quarantined, false) as is_quarantined
from {{ source('raw', 'loans') }}
left join {{ quarantined_rows('loans.csv') }} q
    on q.quarantined_on = as_of_date
    and q.quarantined_row = _source_row
