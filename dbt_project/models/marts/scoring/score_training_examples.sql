{#- The collection score's examples: every loan overdue at a past month end (int_score_features,
    re-derived from the ledger as known on D), with what it did in the outcome window that followed.

    paid (the label, the contract's probability_to_pay): within `score_outcome_days` (30) days after
    the observation date the loan paid at least the amount overdue on that date (net payments with a
    value date in the window, reversals in force at its end deducted, the policy's tolerance
    allowed), or it was closed in the window. Paying what was overdue is what ends being overdue for
    those instalments; a loan can only stop being overdue otherwise by closing.
    is_matured: the window has ended by D, so the outcome is known; training uses matured rows only,
    and each night adds the month ends whose window has just ended. -#}

{%- set outcome_days = var('score_outcome_days') | int %}
{%- set window_end = dbt.dateadd('day', outcome_days, 'f.observation_date') %}

with examples as (

    select * from {{ ref('int_score_features') }} f
    where not f.is_tonight

),

paid_after as (

    select
        f.loan_id,
        f.observation_date,
        sum(p.amount) as paid_in_window
    from examples f
    inner join {{ ref('int_reporting_payments') }} p
        on p.loan_id = f.loan_id
        and p.value_date > f.observation_date
        and {{ payment_in_force('p', window_end) }}
    group by f.loan_id, f.observation_date

),

outcomes as (

    select
        f.*,
        cast(coalesce(pa.paid_in_window, 0) as {{ type_money() }}) as paid_in_window,
        coalesce(l.status = 'closed' and l.closed_on <= {{ window_end }}, false) as closed_in_window,
        {{ window_end }} <= {{ as_of_date() }} as is_matured
    from examples f
    left join paid_after pa
        on pa.loan_id = f.loan_id
        and pa.observation_date = f.observation_date
    left join {{ ref('int_reporting_loans') }} l on l.loan_id = f.loan_id

)

select
    *,
    paid_in_window >= overdue_amount - {{ policy_amount('delinquency_tolerance_amount') }}
        or closed_in_window as paid,
    {{ as_of_date() }} as as_of_date
from outcomes
