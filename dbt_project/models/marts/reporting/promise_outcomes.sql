{#- Every promise to pay known on D (a contact attempt with outcome promise_to_pay), one row each,
    with what the ledger shows against it. Money paid towards a promise = net payments on the loan
    (int_reporting_payments: reversals known on D removed) with a value date from the day the
    promise was made through its promise date.

    status (Frappe Lending's promise states):
    - kept:    paid in full (paid >= promised amount - the policy's tolerance) by the promise date
               (a promise paid in full early is kept at once);
    - open:    the promise date is after D and it is not yet paid in full;
    - partial: the promise date is D or earlier, something but not all was paid;
    - broken:  the promise date is D or earlier and nothing was paid;
    - undated: the attempt names no promise date (never due).
    A promise without an amount counts as kept by any payment. is_due: the promise date is D or
    earlier (the nightly extract of D holds D's payments), the denominator of the PTP kept rate. -#}

with promises as (

    select *
    from {{ ref('int_reporting_contacts') }}
    where is_promise

),

paid as (

    select
        pr.attempt_id,
        sum(p.net_amount) as paid_amount,
        max(p.value_date) as last_payment_on
    from promises pr
    inner join {{ ref('int_reporting_payments') }} p
        on p.loan_id = pr.loan_id
        and p.value_date >= pr.contact_date
        and p.value_date <= pr.promise_date
        and p.net_amount > 0
    group by pr.attempt_id

),

measured as (

    select
        pr.attempt_id,
        pr.loan_id,
        pr.customer_id,
        pr.currency,
        pr.agent_id,
        pr.team,
        pr.channel,
        pr.contact_date as promised_on,
        pr.promise_date,
        pr.promise_amount,
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
    currency,
    agent_id,
    team,
    channel,
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
    {{ as_of_date() }} as as_of_date
from measured
