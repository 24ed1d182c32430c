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
    complete when its overdue instalment fell due on or after the horizon less the write-off age:
    had it never paid, it would be written off after the horizon and still be in the extract.
    Both are read from the book with the policy's quantile q (scoring.complete_history.
    write_off_quantile, 0.05), so that no single odd loan moves the cut-off: the horizon is the
    closing date with at most a share q of the closings seen before it (an old loan kept for a
    legal hold does not open every month end), the write-off age the DPD at write-off with at most
    a share q of the write-offs younger (a loan written off early for fraud or death does not close
    them all). q = 0 gives the earliest closing and the shortest write-off. No closing or no
    write-off: nothing tells what was dropped, every example counts as complete. Training uses
    complete examples.
-#}

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

{%- set quantile = var('score_write_off_quantile') %}

closings as (

    select
        closed_on,
        row_number() over (order by closed_on) as position,
        count(*) over () as closings
    from {{ ref('int_reporting_loans') }}
    where closed_on is not null

),

retained_since as (

    -- the retention horizon: the closing date with at most a share q of the closings before it
    select min(closed_on) as horizon
    from closings
    where position = floor({{ quantile }} * closings) + 1

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

write_off_ages as (

    select
        dpd_at_write_off,
        row_number() over (order by dpd_at_write_off, loan_id) as position,
        count(*) over () as write_offs
    from written_off_at

),

write_off_age as (

    -- the write-off age with at most a share q of the write-offs younger
    select min(dpd_at_write_off) as days
    from write_off_ages
    where position = floor({{ quantile }} * write_offs) + 1

),

complete_from as (

    -- a loan that never pays leaves the book this soon after it falls due
    select {{ dbt.dateadd('day', '-1 * w.days', 'rs.horizon') }} as first_due_date
    from retained_since rs
    cross join write_off_age w

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
