{#- Each loan's delinquency at the end of every month of its life up to D, re-derived from the
    ledger as known on D: the base of the vintage mart, which needs a loan's history from its
    disbursement, also for months before the warehouse's first night.

    One row per loan (int_reporting_loans, disbursed on or before D) and observation date: the last
    day of each month from the disbursement month to the month before D's, and D itself for D's
    month. Same rule as marts.loan_delinquency (shared/domain.md): the loan's schedule (its latest
    snapshot up to D) is paid oldest due date first by its net payments with a value date up to the
    observation date (a reversal cancels a payment from the reversal's value date on); an instalment
    unpaid by more than the tolerance and due before the observation date makes the loan overdue
    since its due date; fee, then interest, then principal within an instalment; overdue needs the
    policy's minimum days and amount. A loan closed on or before the observation date has no balance.
    Known limit: a restructured loan is measured against its current schedule in earlier months too.
    At D itself the result equals marts.loan_delinquency (test reporting_matches_loan_delinquency). -#}
{{ config(schema='intermediate', materialized='table') }}

with loans as (

    select *
    from {{ ref('int_reporting_loans') }}
    where disbursed_on is not null
        and disbursed_on <= {{ as_of_date() }}

),

month_offsets as (

    select n as months_back from {{ integers(0, 999) }} months

),

observations as (

    select
        l.loan_id,
        cast({{ dbt.dateadd('month', '-o.months_back', dbt.date_trunc('month', as_of_date())) }} as date) as observation_month
    from loans l
    inner join month_offsets o
        on o.months_back <= {{ dbt.datediff(dbt.date_trunc('month', 'l.disbursed_on'), dbt.date_trunc('month', as_of_date()), 'month') }}

),

observed as (

    select
        loan_id,
        observation_month,
        case
            when observation_month = cast({{ dbt.date_trunc('month', as_of_date()) }} as date) then {{ as_of_date() }}
            else cast({{ dbt.last_day('observation_month', 'month') }} as date)
        end as observation_date
    from observations

),

schedule as (

    select
        i.loan_id,
        i.installment_no,
        i.due_date,
        {{ schedule_due_columns('i', 'i.loan_id') }}
    from {{ ref('int_quality_installments') }} i
    inner join loans l
        on l.loan_id = i.loan_id
        and l.last_seen_on = i.as_of_date

),

paid as (

    select
        o.loan_id,
        o.observation_date,
        sum(p.amount) as paid
    from observed o
    inner join {{ ref('int_reporting_payments') }} p
        on p.loan_id = o.loan_id
        and {{ payment_in_force('p', 'o.observation_date') }}
    group by o.loan_id, o.observation_date

),

allocated as (

    select
        o.loan_id,
        o.observation_date,
        s.due_date,
        s.fee_due,
        s.interest_due,
        s.principal_due,
        s.amount_due,
        {{ oldest_first_paid('coalesce(pd.paid, 0)', 's.cumulative_due', 's.amount_due') }} as paid_amount
    from observed o
    inner join schedule s on s.loan_id = o.loan_id
    left join paid pd
        on pd.loan_id = o.loan_id
        and pd.observation_date = o.observation_date

),

per_observation as (

    select
        loan_id,
        observation_date,
        min(case
            when due_date < observation_date
                and amount_due - paid_amount > {{ policy_amount('delinquency_tolerance_amount') }}
            then due_date end) as overdue_since,
        sum(case when due_date < observation_date then amount_due - paid_amount else 0 end) as overdue_amount,
        sum(principal_due - case
            when paid_amount <= fee_due + interest_due then 0
            else paid_amount - fee_due - interest_due end) as outstanding_principal
    from allocated
    group by loan_id, observation_date

),

measured as (

    select
        o.loan_id,
        l.customer_id,
        l.currency,
        l.product,
        l.disbursed_on,
        l.principal_amount,
        o.observation_month,
        o.observation_date,
        l.closed_on is not null and l.closed_on <= o.observation_date and l.status = 'closed' as is_closed,
        m.overdue_since,
        cast(case
            when m.overdue_since is null then 0
            else {{ dbt.datediff('m.overdue_since', 'o.observation_date', 'day') }}
        end as {{ dbt.type_int() }}) as dpd,
        coalesce(m.overdue_amount, 0) as overdue_amount,
        coalesce(m.outstanding_principal, l.principal_amount) as outstanding_principal
    from observed o
    inner join loans l on l.loan_id = o.loan_id
    left join per_observation m
        on m.loan_id = o.loan_id
        and m.observation_date = o.observation_date

),

classified as (

    select
        *,
        not is_closed
            and dpd >= {{ var('delinquency_minimum_days') | int }}
            and overdue_amount >= {{ policy_amount('delinquency_minimum_amount') }} as is_overdue
    from measured

)

select
    loan_id,
    customer_id,
    currency,
    product,
    disbursed_on,
    cast({{ dbt.date_trunc('month', 'disbursed_on') }} as date) as disbursement_month,
    principal_amount,
    observation_month,
    observation_date,
    cast({{ dbt.datediff(dbt.date_trunc('month', 'disbursed_on'), 'observation_month', 'month') }} as {{ dbt.type_int() }}) as months_on_book,
    is_closed,
    case when is_closed then 0 else dpd end as dpd,
    is_overdue,
    {{ delinquency_bucket('case when is_closed then 0 else dpd end', 'is_overdue') }} as bucket,
    {{ reporting_bucket_position(delinquency_bucket('case when is_closed then 0 else dpd end', 'is_overdue')) }} as bucket_position,
    cast(case when is_closed then 0 else overdue_amount end as {{ type_money() }}) as overdue_amount,
    cast(case when is_closed then 0 else outstanding_principal end as {{ type_money() }}) as outstanding_principal,
    {{ as_of_date() }} as as_of_date
from classified
