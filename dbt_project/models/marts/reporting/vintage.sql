{#- Vintage curves: per currency, disbursement month (the cohort) and month on book, the share of
    the amount disbursed that is delinquent, as known on D (int_reporting_month_end_book: each loan
    re-derived at every month end from the ledger, D itself for D's month).

    months_on_book: calendar months from the disbursement month to the observation month (0 = the
    disbursement month). balance_m2_plus / balance_m3_plus: outstanding principal of the cohort's
    loans in the policy's third / fourth bucket or later (M2+ = over 30 DPD and M3+ = over 60 DPD in
    the Chinese scheme; 30+ / 60+ in the western one) at the observation date, written-off loans
    included; m2_plus_rate / m3_plus_rate divide them by the cohort's disbursed principal (all loans
    of the cohort, also those since closed). is_observation_final: the observation is a completed
    month end (D's own month stays provisional until its last day). -#}

with book as (

    select * from {{ ref('int_reporting_month_end_book') }}

),

cohorts as (

    select
        currency,
        cast({{ dbt.date_trunc('month', 'disbursed_on') }} as date) as disbursement_month,
        count(*) as loans_disbursed,
        sum(principal_amount) as disbursed_amount
    from {{ ref('int_reporting_loans') }}
    where disbursed_on is not null
        and disbursed_on <= {{ as_of_date() }}
    group by currency, cast({{ dbt.date_trunc('month', 'disbursed_on') }} as date)

),

observed as (

    select
        currency,
        disbursement_month,
        months_on_book,
        max(observation_date) as observation_date,
        sum(case when is_closed then 0 else 1 end) as loans_open,
        sum(outstanding_principal) as outstanding_balance,
        sum(case when bucket_position >= 2 then 1 else 0 end) as loans_m2_plus,
        sum(case when bucket_position >= 2 then outstanding_principal else 0 end) as balance_m2_plus,
        sum(case when bucket_position >= 3 then 1 else 0 end) as loans_m3_plus,
        sum(case when bucket_position >= 3 then outstanding_principal else 0 end) as balance_m3_plus
    from book
    group by currency, disbursement_month, months_on_book

)

select
    o.currency,
    o.disbursement_month,
    cast(o.months_on_book as {{ dbt.type_int() }}) as months_on_book,
    o.observation_date,
    o.observation_date = cast({{ dbt.last_day('o.observation_date', 'month') }} as date) as is_observation_final,
    cast(c.loans_disbursed as {{ dbt.type_int() }}) as loans_disbursed,
    cast(c.disbursed_amount as {{ type_money() }}) as disbursed_amount,
    cast(o.loans_open as {{ dbt.type_int() }}) as loans_open,
    cast(o.outstanding_balance as {{ type_money() }}) as outstanding_balance,
    cast(o.loans_m2_plus as {{ dbt.type_int() }}) as loans_m2_plus,
    cast(o.balance_m2_plus as {{ type_money() }}) as balance_m2_plus,
    {{ reporting_ratio('o.balance_m2_plus', 'c.disbursed_amount') }} as m2_plus_rate,
    cast(o.loans_m3_plus as {{ dbt.type_int() }}) as loans_m3_plus,
    cast(o.balance_m3_plus as {{ type_money() }}) as balance_m3_plus,
    {{ reporting_ratio('o.balance_m3_plus', 'c.disbursed_amount') }} as m3_plus_rate,
    {{ as_of_date() }} as as_of_date
from observed o
inner join cohorts c
    on c.currency = o.currency
    and c.disbursement_month = o.disbursement_month
