{#- Promise outcomes: every promise to pay known on D, one row each, with the money the ledger shows
    against it and its status on D. ONE rule, ONE tolerance, read by the contact engine
    (int_contact__loan_state: a promise not yet due defers contact, a broken one escalates) and the
    KPI marts (marts/reporting/promise_outcomes, early_warnings).

    A promise: a contact attempt delivered by D with outcome promise_to_pay, made on or before D in
    the lender's time zone (promised_on = that day; the policy's reporting.lender_timezone).
    is_quarantined: the validate step doubted the attempt (the KPI marts leave it out; the contact
    engine still honours it).

    Money towards it (which payments count: int_payment_effects, the one model of payment effects):
    payments counting on D (delivered, value-dated, not cancelled by a reversal known on D) on the
    loan with a value date from promised_on through the promise date.

    status:
    - kept:    paid >= promised amount - the policy's delinquency.tolerance_amount (no amount: any
               payment), by the promise date (a promise paid in full early is kept at once);
    - open:    the promise date is after D and it is not yet paid in full;
    - partial: the promise date is D or earlier, something but not all was paid;
    - broken:  the promise date is D or earlier and nothing was paid;
    - undated: the attempt names no promise date (never due). -#}
{{ config(materialized='table') }}

{%- set lender_tz = "'" ~ var('reporting_policy')['lender_timezone'] ~ "'" %}

with promises as (

    select
        attempt_id,
        loan_id,
        customer_id,
        agent_id,
        channel,
        started_at,
        cast({{ reporting_local_timestamp('started_at', lender_tz) }} as date) as promised_on,
        promise_date,
        cast(promise_amount as {{ type_money() }}) as promise_amount,
        is_quarantined
    from {{ ref('stg_contact_attempts') }}
    where delivered_on <= {{ as_of_date() }}
        and outcome = 'promise_to_pay'
        and attempt_id is not null

),

paid as (

    select
        pr.attempt_id,
        sum(e.amount) as paid_amount,
        max(e.value_date) as last_payment_on
    from promises pr
    inner join {{ ref('int_payment_effects') }} e
        on e.loan_id = pr.loan_id
        and e.counts_from <= {{ as_of_date() }}
        and (e.counts_until is null or e.counts_until > {{ as_of_date() }})
        and e.value_date >= pr.promised_on
        and e.value_date <= pr.promise_date
    group by pr.attempt_id

),

measured as (

    select
        pr.*,
        cast(coalesce(pa.paid_amount, 0) as {{ type_money() }}) as paid_amount,
        pa.last_payment_on,
        pr.promise_date is not null and pr.promise_date <= {{ as_of_date() }} as is_due,
        case
            when pr.promise_amount is null then coalesce(pa.paid_amount, 0) > 0
            else coalesce(pa.paid_amount, 0) >= pr.promise_amount - {{ policy_amount('delinquency_tolerance_amount') }}
        end as is_paid_in_full
    from promises pr
    left join paid pa on pa.attempt_id = pr.attempt_id

)

select
    attempt_id,
    loan_id,
    customer_id,
    agent_id,
    channel,
    started_at,
    promised_on,
    promise_date,
    promise_amount,
    paid_amount,
    last_payment_on,
    is_due,
    case
        when promise_date is null then 'undated'
        when is_paid_in_full then 'kept'
        when not is_due then 'open'
        when paid_amount > 0 then 'partial'
        else 'broken'
    end as status,
    cast(case when promise_date is not null and is_paid_in_full then coalesce(promise_amount, paid_amount) else 0 end
        as {{ type_money() }}) as kept_amount,
    is_quarantined
from measured
where promised_on <= {{ as_of_date() }}
