{#- Exactly one row per overdue loan per as-of date: no overdue account may wait unnoticed.
    Outcomes known here (the contact strategy will replace `awaiting_contact`):
    - suppressed: an open blocking flag (var suppressing_flags) on the loan or its customer on D;
      the reason names every such flag. A flag is open on D when effective_from <= D (or blank) and
      effective_to is blank or >= D (the last day it applies). Suppression wins over data_blocked;
      a missing customer is then added to the reason.
    - data_blocked: the loan's customer is absent from D's customer snapshot (or the loan names none).
    - awaiting_contact: every other overdue loan. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='as_of_date',
        full_refresh=false,
        on_schema_change='append_new_columns'
    )
}}

{%- set suppressing = var('suppressing_flags') %}

with overdue as (

    select as_of_date, loan_id, customer_id, dpd, bucket, stage
    from {{ ref('loan_delinquency') }}
    where as_of_date = {{ as_of_date() }}
        and is_overdue

),

open_blocks as (

    select subject_type, subject_id, flag, effective_from
    from {{ ref('stg_flags') }}
    where as_of_date = {{ as_of_date() }}
        and flag in ({% for f in suppressing %}'{{ f }}'{{ ', ' if not loop.last }}{% endfor %})
        and (effective_from is null or effective_from <= {{ as_of_date() }})
        and (effective_to is null or effective_to >= {{ as_of_date() }})

),

blocks_per_loan as (

    select o.loan_id, b.flag, b.subject_type, b.subject_id, b.effective_from
    from overdue o
    inner join open_blocks b on b.subject_type = 'loan' and b.subject_id = o.loan_id
    union all
    select o.loan_id, b.flag, b.subject_type, b.subject_id, b.effective_from
    from overdue o
    inner join open_blocks b on b.subject_type = 'customer' and b.subject_id = o.customer_id

),

suppression as (

    select
        loan_id,
        {{ dbt.listagg(
            "flag || ' on ' || subject_type || ' ' || subject_id"
                ~ " || coalesce(' since ' || cast(effective_from as " ~ dbt.type_string() ~ "), '')",
            "'; '",
            "order by flag, subject_type, subject_id"
        ) }} as blocks
    from blocks_per_loan
    group by loan_id

),

customers as (

    select customer_id
    from {{ ref('stg_customers') }}
    where as_of_date = {{ as_of_date() }}

),

decided as (

    select
        o.*,
        s.blocks,
        c.customer_id is null as customer_missing,
        case
            when o.customer_id is null then 'the loan names no customer'
            else 'customer ' || o.customer_id || ' is absent from the '
                || cast(o.as_of_date as {{ dbt.type_string() }}) || ' customer snapshot'
        end as missing_reason
    from overdue o
    left join suppression s on s.loan_id = o.loan_id
    left join customers c on c.customer_id = o.customer_id

)

select
    as_of_date,
    loan_id,
    case
        when blocks is not null then 'suppressed'
        when customer_missing then 'data_blocked'
        else 'awaiting_contact'
    end as outcome,
    case
        when blocks is not null then 'open ' || blocks
            || case when customer_missing then '; ' || missing_reason else '' end
        when customer_missing then missing_reason
        else 'stage ' || stage || ', DPD ' || cast(dpd as {{ dbt.type_string() }})
            || ': contact strategy not applied'
    end as reason,
    customer_id,
    dpd,
    bucket,
    stage
from decided
