{#- One row per active loan per as-of date, history kept. Each night replaces its own date
    (delete+insert of as_of_date), so a night costs what that night's book holds and a rerun of a
    date replaces that date. `full_refresh: false`: a --full-refresh never wipes the history. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='as_of_date',
        full_refresh=false,
        on_schema_change='append_new_columns'
    )
}}

select
    as_of_date,
    loan_id,
    customer_id,
    dpd,
    bucket,
    stage,
    is_overdue,
    overdue_since,
    overdue_amount,
    outstanding_principal,
    currency,
    product,
    status,
    is_written_off,
    is_restructured,
    overdue_installments,
    outstanding_amount,
    total_paid,
    credit_balance,
    next_due_date,
    installments,
    has_schedule,
    is_restored,
    policy_version
from {{ ref('int_loan_delinquency') }}
where as_of_date = {{ as_of_date() }}
    and is_active
