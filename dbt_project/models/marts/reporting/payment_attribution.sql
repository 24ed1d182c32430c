{#- Which agent and channel get the credit for each payment: one row per payment known on D
    (int_reporting_payments; a reversed payment keeps its row with net_amount 0).

    The rule, first match wins:
    1. conversation: the latest right-party contact on the loan (outcome right_party_contact,
       promise_to_pay, refused_to_pay or dispute_raised) made on or before the payment's value date
       and at most `attribution_conversation_days` (14) days before it; a promise to pay also covers
       the days up to its promise date + `attribution_promise_grace_days` (3).
    2. notice: else the latest SMS, e-mail or letter on the loan with outcome `delivered`, at most
       `attribution_notice_days` (7) days before the value date (or on it).
    3. unattributed: else nobody; channel 'unattributed'.
    Ties (same start time) go to the larger attempt_id. Days are the lender's calendar days
    (contact_date of int_reporting_contacts). -#}

{%- set conversation_days = reporting_param('attribution_conversation_days') | int %}
{%- set grace_days = reporting_param('attribution_promise_grace_days') | int %}
{%- set notice_days = reporting_param('attribution_notice_days') | int %}

with payments as (

    select * from {{ ref('int_reporting_payments') }}

),

contacts as (

    select * from {{ ref('int_reporting_contacts') }}

),

candidates as (

    select
        p.payment_id,
        c.attempt_id,
        c.agent_id,
        c.team,
        c.channel,
        c.outcome,
        c.contact_date,
        c.started_at,
        case when c.is_right_party_contact then 1 else 2 end as tier
    from payments p
    inner join contacts c
        on c.loan_id = p.loan_id
        and c.contact_date <= p.value_date
    where (
            c.is_right_party_contact
            and (
                c.contact_date >= {{ dbt.dateadd('day', -conversation_days, 'p.value_date') }}
                or (c.is_promise and {{ dbt.dateadd('day', grace_days, 'c.promise_date') }} >= p.value_date)
            )
        )
        or (
            not c.is_right_party_contact
            and c.channel in ('sms', 'email', 'letter')
            and c.outcome = 'delivered'
            and c.contact_date >= {{ dbt.dateadd('day', -notice_days, 'p.value_date') }}
        )

),

ranked as (

    select
        *,
        row_number() over (
            partition by payment_id
            order by tier, started_at desc, attempt_id desc
        ) as preference
    from candidates

)

select
    p.payment_id,
    p.loan_id,
    p.customer_id,
    p.currency,
    p.value_date,
    p.amount,
    p.net_amount,
    p.is_reversed,
    case r.tier when 1 then 'conversation' when 2 then 'notice' else 'unattributed' end as attribution_rule,
    r.attempt_id,
    r.agent_id,
    coalesce(r.team, 'unassigned') as team,
    coalesce(r.channel, 'unattributed') as channel,
    r.outcome as contact_outcome,
    r.contact_date,
    cast({{ dbt.datediff('r.contact_date', 'p.value_date', 'day') }} as {{ dbt.type_int() }}) as days_after_contact,
    {{ as_of_date() }} as as_of_date
from payments p
left join ranked r
    on r.payment_id = p.payment_id
    and r.preference = 1
