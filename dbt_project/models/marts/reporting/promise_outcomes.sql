{#- Every promise to pay known on D (int_promise_outcomes: the one promise-outcome rule, also read
    by the contact engine), one row each, with the conversation's agent, team and channel and the
    loan's currency (int_reporting_contacts). Promises the validate step quarantined are left out of
    the KPIs. status kept / open / partial / broken / undated; is_due (the promise date is D or
    earlier) is the denominator of the PTP kept rate. -#}

with outcomes as (

    select * from {{ ref('int_promise_outcomes') }}
    where not is_quarantined

),

contacts as (

    select attempt_id, customer_id, currency, agent_id, team, channel
    from {{ ref('int_reporting_contacts') }}
    where is_promise

)

select
    o.attempt_id,
    o.loan_id,
    c.customer_id,
    c.currency,
    c.agent_id,
    c.team,
    c.channel,
    o.promised_on,
    o.promise_date,
    o.promise_amount,
    o.paid_amount,
    o.last_payment_on,
    o.is_due,
    o.status,
    o.kept_amount,
    {{ as_of_date() }} as as_of_date
from outcomes o
inner join contacts c on c.attempt_id = o.attempt_id
