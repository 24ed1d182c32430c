{#- The schedules the delinquency engine measures: stg_installments without the rows the validate
    step quarantined (a negative amount, a missing or implausible due date, an unknown loan; listed
    in int_quality_quarantine), plus the schedules of restored loans (their last known version), so a
    restored loan keeps its schedule. Read with int_quality_loans. -#}
{%- set columns = ['as_of_date', 'loan_id', 'installment_no', 'due_date', 'principal_due', 'interest_due',
                   'fee_due'] %}

select
    {% for c in columns %}{{ c }},
    {% endfor -%}
    amount_due,
    load_id,
    source_row,
    false as is_restored
from {{ ref('stg_installments') }}
where not is_quarantined

union all

select
    {% for c in columns %}{{ c }},
    {% endfor -%}
    principal_due + interest_due + coalesce(fee_due, 0) as amount_due,
    'restored:' || run_id as load_id,
    cast(null as {{ dbt.type_bigint() }}) as source_row,
    true as is_restored
from {{ quality_source('restored_installments') }}
