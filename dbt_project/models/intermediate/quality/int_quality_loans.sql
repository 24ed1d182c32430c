{#- The loans of each snapshot as collection needs them: stg_loans plus the loans the snapshot
    lost without a closing status, restored by the validate step from their last known version
    (`is_restored`, `restored_from`, `restored_reason`). The delinquency engine reads this instead
    of stg_loans, so a lost loan keeps its DPD, stays in loan_delinquency and keeps its row in
    overdue_accountability. Loans the validate step quarantined stay (is_quarantined): their
    accountability row says data_blocked with the reason. -#}
{%- set columns = ['as_of_date', 'loan_id', 'customer_id', 'product', 'currency', 'principal_amount',
                   'annual_interest_rate', 'disbursed_on', 'maturity_date', 'status', 'closed_on'] %}

select
    {% for c in columns %}{{ c }},
    {% endfor -%}
    load_id,
    source_row,
    is_quarantined,
    false as is_restored,
    cast(null as date) as restored_from,
    cast(null as {{ dbt.type_string() }}) as restored_reason
from {{ ref('stg_loans') }}

union all

select
    {% for c in columns %}{{ 'lower(trim(status)) as status' if c == 'status' else c }},
    {% endfor -%}
    'restored:' || run_id as load_id,
    cast(null as {{ dbt.type_bigint() }}) as source_row,
    false as is_quarantined,
    true as is_restored,
    restored_from,
    reason as restored_reason
from {{ quality_source('restored_loans') }}
