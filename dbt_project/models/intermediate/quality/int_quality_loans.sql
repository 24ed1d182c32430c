{#- The loans of each snapshot as collection needs them: stg_loans plus the loans the snapshot
    lost without a closing status, restored by the validate step from their last known version
    (`is_restored`, `restored_from`, `restored_reason`). Same columns as stg_loans otherwise; the
    delinquency engine reads this instead of stg_loans so that a lost loan keeps its DPD and
    stays in overdue_accountability. -#}
select
    *,
    false as is_restored,
    cast(null as date) as restored_from,
    cast(null as varchar) as restored_reason
from {{ ref('stg_loans') }}
union all by name
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
    'restored:' || run_id as load_id,
    cast(null as bigint) as source_row,
    true as is_restored,
    restored_from,
    reason as restored_reason
from {{ quality_source('restored_loans') }}
