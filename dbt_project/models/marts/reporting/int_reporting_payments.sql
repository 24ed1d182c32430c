{#- Every payment known on D (delivered on or before D) with a value date up to D, once, with its
    loan's customer and currency and whether a reversal known on D cancels it. Reversal rows
    themselves are not listed: a reversed payment has net_amount 0 (net of reversals). A reversal
    counts once it is delivered and its own value date has come (the rule of int_payment_effects).
    A payment whose loan no snapshot has shown gets currency XXX (ISO 4217: no currency). -#}
{{ config(schema='intermediate', materialized='table') }}

with known as (

    select *
    from {{ ref('stg_payments') }}
    where delivered_on <= {{ as_of_date() }}
        and (is_reversal or not is_quarantined)     -- as int_payment_effects: reversals always apply

),

reversals as (

    select
        reverses_payment_id as payment_id,
        min(payment_id) as reversal_id,
        min(value_date) as reversal_value_date,
        min(delivered_on) as reversal_delivered_on
    from known
    where is_reversal
        and value_date <= {{ as_of_date() }}
    group by reverses_payment_id

)

select
    p.payment_id,
    p.loan_id,
    l.customer_id,
    coalesce(l.currency, 'XXX') as currency,
    l.product,
    p.value_date,
    p.delivered_on,
    p.channel as payment_channel,
    cast(p.amount as {{ type_money() }}) as amount,
    r.reversal_id is not null as is_reversed,
    r.reversal_id as reversed_by_payment_id,
    r.reversal_value_date,
    r.reversal_delivered_on,
    cast(case when r.reversal_id is null then p.amount else 0 end as {{ type_money() }}) as net_amount
from known p
left join reversals r on r.payment_id = p.payment_id
left join {{ ref('int_reporting_loans') }} l on l.loan_id = p.loan_id
where not p.is_reversal
    and p.amount > 0
    and p.value_date <= {{ as_of_date() }}
