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
    At D itself the result equals marts.loan_delinquency (test reporting_matches_loan_delinquency).

    Incremental (docs/performance.md, "Incremental reporting intermediates"): a night restates, per
    loan, the months from the earliest one it can have changed, and keeps the others:
    - every loan from the month of the night the table was last built (D's own row; on the first
      night of a month, the month just closed gets its month-end row);
    - a new loan, or one whose attributes or schedule changed (its `loan_fingerprint` differs from
      the stored one): every month of its life;
    - a loan with a payment that counts since that night (delivered or value-dated after it) or
      whose reversal took effect since then: from the month of the payment's value date (or the
      reversal's, when earlier) on.
    A night that is not the next one after the table's last build (a rerun of an older night, a
    reverse backfill, `arrears rebuild --from`), a changed policy or a new version of this model
    builds it in full (macro reporting_restated_since). `restated_on` is the night that wrote the row. -#}
{{ config(
    schema='intermediate',
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['loan_id', 'observation_month'],
    on_schema_change='sync_all_columns',
    pre_hook="{{ reporting_clear_for_full_build(ref('loan_delinquency'), month_end_book_rules_key()) }}",
    post_hook="{{ month_end_book_drop_stale_months() }}"
) }}
{%- set since = reporting_restated_since(ref('loan_delinquency'), month_end_book_rules_key()) | trim %}

with loans as (

    select *
    from {{ ref('int_reporting_loans') }}
    where disbursed_on is not null
        and disbursed_on <= {{ as_of_date() }}

),

schedule_lines as (

    select
        i.loan_id,
        {{ ordered_listagg(dbt.concat([fingerprint_text('i.installment_no'), "'|'", fingerprint_text('i.due_date'), "'|'",
                                       fingerprint_text('i.fee_due'), "'|'", fingerprint_text('i.interest_due'), "'|'",
                                       fingerprint_text('i.principal_due')]),
                           'i.installment_no, i.due_date') }} as schedule_text
    from {{ ref('int_quality_installments') }} i
    inner join loans l
        on l.loan_id = i.loan_id
        and l.last_seen_on = i.as_of_date
    group by i.loan_id

),

fingerprints as (

    select
        l.loan_id,
        {{ dbt.hash(dbt.concat([fingerprint_text('l.customer_id'), "'|'", fingerprint_text('l.currency'), "'|'",
                                fingerprint_text('l.product'), "'|'", fingerprint_text('l.disbursed_on'), "'|'",
                                fingerprint_text('l.principal_amount'), "'|'", fingerprint_text('l.status'), "'|'",
                                fingerprint_text('l.closed_on'), "'#'", fingerprint_text('s.schedule_text')])) }} as loan_fingerprint
    from loans l
    left join schedule_lines s on s.loan_id = l.loan_id

),
{%- if since %}

stored as (

    -- every loan disbursed by the stored night has its row of that night's month
    select loan_id, loan_fingerprint
    from {{ this }}
    where observation_month = cast({{ dbt.date_trunc('month', "cast('" ~ since ~ "' as date)") }} as date)

),

changed_payments as (

    select
        loan_id,
        case
            when is_reversed and reversal_value_date < value_date then reversal_value_date
            else value_date
        end as effective_from
    from {{ ref('int_reporting_payments') }}
    where delivered_on > cast('{{ since }}' as date)
        or value_date > cast('{{ since }}' as date)
        or (is_reversed and (reversal_delivered_on > cast('{{ since }}' as date)
                             or reversal_value_date > cast('{{ since }}' as date)))

),

restate_from as (

    select loan_id, min(restate_month) as restate_month
    from (
        select
            f.loan_id,
            case
                when s.loan_id is null or s.loan_fingerprint <> f.loan_fingerprint
                    then cast({{ dbt.date_trunc('month', 'l.disbursed_on') }} as date)
                else cast({{ dbt.date_trunc('month', "cast('" ~ since ~ "' as date)") }} as date)
            end as restate_month
        from fingerprints f
        inner join loans l on l.loan_id = f.loan_id
        left join stored s on s.loan_id = f.loan_id
        union all
        select loan_id, cast({{ dbt.date_trunc('month', 'effective_from') }} as date) as restate_month
        from changed_payments
    ) affected
    group by loan_id

),
{%- endif %}

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
    {%- if since %}
    inner join restate_from r
        on r.loan_id = l.loan_id
        and o.months_back <= {{ dbt.datediff('r.restate_month', dbt.date_trunc('month', as_of_date()), 'month') }}
    {%- endif %}

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
        f.loan_fingerprint,
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
    inner join fingerprints f on f.loan_id = o.loan_id
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
    loan_fingerprint,
    '{{ month_end_book_rules_key() }}' as rules_key,
    {{ as_of_date() }} as restated_on
from classified
