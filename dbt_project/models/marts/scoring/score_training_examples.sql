{#- The collection score's examples: every loan overdue at a past month end (int_score_features,
    re-derived from the ledger as known on D), with what it did in the outcome window that followed.

    paid (the label, the contract's probability_to_pay): within `score_outcome_days` (30) days after
    the observation date the loan paid at least the amount overdue on that date (net payments with a
    value date in the window, reversals in force at its end deducted, the policy's tolerance
    allowed), or it was closed in the window. Paying what was overdue is what ends being overdue for
    those instalments; a loan can only stop being overdue otherwise by closing.
    is_matured: the window has ended by D, so the outcome is known; training uses matured rows only,
    and each night adds the month ends whose window has just ended.
    is_complete_history: the extract keeps a loan only until some time after it is closed or written
    off (its retention horizon), so the ledger of the first night no longer holds the loans that
    stopped paying long before it: old month ends look better than they were. An example is
    complete when its overdue instalment fell due on or after the horizon less the shortest time
    from falling due to write-off seen in the book: had it never paid, it would still be in the
    extract. The horizon is the earliest closing or write-off date the warehouse has seen (no
    closing or no write-off: nothing tells what was dropped, every example counts as complete).
    Training uses complete examples. -#}

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

retained_since as (

    select min(closed_on) as horizon from {{ ref('int_reporting_loans') }} where closed_on is not null

),

written_off_at as (

    -- each written-off loan's DPD on the day it was written off (from its month ends before it)
    select
        f.loan_id,
        max(f.dpd + {{ dbt.datediff('f.observation_date', 'l.closed_on', 'day') }}) as dpd_at_write_off
    from examples f
    inner join {{ ref('int_reporting_loans') }} l
        on l.loan_id = f.loan_id
        and l.status = 'written_off'
        and f.observation_date < l.closed_on
    group by f.loan_id

),

complete_from as (

    -- a loan that never pays leaves the book this soon after it falls due, at the earliest
    select {{ dbt.dateadd('day', '-1 * w.shortest', 'rs.horizon') }} as first_due_date
    from retained_since rs
    cross join (select min(dpd_at_write_off) as shortest from written_off_at) w

),

outcomes as (

    select
        f.*,
        cast(coalesce(pa.paid_in_window, 0) as {{ type_money() }}) as paid_in_window,
        coalesce(l.status = 'closed' and l.closed_on <= {{ window_end }}, false) as closed_in_window,
        {{ window_end }} <= {{ as_of_date() }} as is_matured,
        coalesce({{ dbt.dateadd('day', '-1 * f.dpd', 'f.observation_date') }} >= cf.first_due_date, true)
            as is_complete_history
    from examples f
    cross join complete_from cf
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
