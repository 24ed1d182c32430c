{#- Month-end snapshots of loan_delinquency, for roll (flow) rates: for each calendar month, the
    rows of the newest night processed in that month. is_month_complete is true once that night is
    the calendar month end; before, the month's row set is provisional and each later night of the
    month replaces it (delete+insert of month_end). A rerun of an earlier night of a month whose
    later night is already in the table changes nothing. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='month_end',
        full_refresh=false,
        on_schema_change='append_new_columns'
    )
}}

{%- set month_end = "cast(" ~ dbt.last_day(as_of_date(), 'month') ~ " as date)" %}

select
    {{ month_end }} as month_end,
    as_of_date,
    as_of_date = {{ month_end }} as is_month_complete,
    loan_id,
    customer_id,
    dpd,
    bucket,
    stage,
    is_overdue,
    overdue_amount,
    outstanding_principal,
    outstanding_amount,
    currency,
    product,
    status,
    policy_version
from {{ ref('loan_delinquency') }}
where as_of_date = {{ as_of_date() }}
{% if is_incremental() %}
    and not exists (
        select 1 from {{ this }} t
        where t.month_end = {{ month_end }}
            and t.as_of_date > {{ as_of_date() }}
    )
{% endif %}
