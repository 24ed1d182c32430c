{#- stg_installments plus the schedules of restored loans (their last known version), so a
    restored loan keeps its schedule. Read with int_quality_loans. -#}
select *, false as is_restored
from {{ ref('stg_installments') }}
union all by name
select
    as_of_date,
    loan_id,
    installment_no,
    due_date,
    principal_due,
    interest_due,
    fee_due,
    principal_due + interest_due + coalesce(fee_due, 0) as amount_due,
    'restored:' || run_id as load_id,
    cast(null as bigint) as source_row,
    true as is_restored
from {{ quality_source('restored_installments') }}
