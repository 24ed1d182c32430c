{#- What the agency or lawyer needs to work an account placed tonight (marts.placements is_new, incl.
    escalations from agency to legal): the debtor (name, postal address, phones, e-mail), the balance
    by component, the overdue amount, the last payment, DPD and a summary of the lender's contact
    history. One row per loan placed tonight; outbox/<D>/referrals.csv is this table. -#}
{{ config(materialized='table') }}

with placed as (

    select * from {{ ref('placements') }}
    where as_of_date = {{ as_of_date() }}
        and is_new

),

recipients as (

    select * from {{ ref('int_contact__recipients') }}

),

components as (

    select
        loan_id,
        sum(principal_due - principal_paid) as principal_overdue,
        sum(interest_due - interest_paid) as interest_outstanding,
        sum(fee_due - fee_paid) as fees_outstanding
    from {{ ref('int_installment_allocation') }}
    where as_of_date = {{ as_of_date() }}
        and is_past_due
    group by loan_id

),

counted_payments as (

    select loan_id, value_date, amount
    from {{ ref('int_payment_effects') }}
    where counts_from <= {{ as_of_date() }}
        and (counts_until is null or counts_until > {{ as_of_date() }})
        and not is_reversal
        and loan_id in (select loan_id from placed)

),

last_payment as (

    select p.loan_id, p.value_date as last_payment_date, sum(p.amount) as last_payment_amount
    from counted_payments p
    inner join (select loan_id, max(value_date) as last_date from counted_payments group by loan_id) m
        on m.loan_id = p.loan_id and m.last_date = p.value_date
    group by p.loan_id, p.value_date

),

history as (

    select
        loan_id,
        count(*) as contact_attempts,
        max(started_at) as last_contact_at,
        sum(case when is_right_party_contact then 1 else 0 end) as right_party_contacts,
        sum(case when outcome = 'promise_to_pay' then 1 else 0 end) as promises
    from {{ ref('stg_contact_attempts') }}
    where delivered_on <= {{ as_of_date() }}
        and loan_id in (select loan_id from placed)
    group by loan_id

)

select
    p.as_of_date,
    p.loan_id,
    p.customer_id,
    p.referral_channel as referral,
    d.dpd,
    d.overdue_amount,
    d.currency,
    p.reason,
    p.placement_type,
    p.holder,
    p.placed_on,
    p.escalated_from,
    {{ contact_recipient_columns('r', ['phone', 'alternate_phones', 'email']) }},
    d.outstanding_principal as principal_outstanding,
    coalesce(c.interest_outstanding, 0) as interest_outstanding,
    coalesce(c.fees_outstanding, 0) as fees_outstanding,
    d.outstanding_amount,
    lp.last_payment_date,
    lp.last_payment_amount,
    coalesce(h.contact_attempts, 0) as contact_attempts,
    h.last_contact_at,
    coalesce(h.right_party_contacts, 0) as right_party_contacts,
    coalesce(h.promises, 0) as promises
from placed p
left join {{ ref('loan_delinquency') }} d on d.as_of_date = p.as_of_date and d.loan_id = p.loan_id
left join recipients r on r.customer_id = p.customer_id
left join components c on c.loan_id = p.loan_id
left join last_payment lp on lp.loan_id = p.loan_id
left join history h on h.loan_id = p.loan_id
