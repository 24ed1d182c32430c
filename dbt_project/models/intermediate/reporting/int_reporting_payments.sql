{#- Every payment counting on D (int_payment_effects, the one model of which payments count: delivered
    on or before D, value-dated on or before D, positive, not a reversal), once, with its loan's
    customer and currency and whether a reversal known on D cancels it (net_amount 0). A payment whose
    loan no snapshot has shown gets currency XXX (ISO 4217: no currency). -#}
{{ config(schema='intermediate', materialized='table') }}

with effects as (

    select
        *,
        coalesce(counts_until <= {{ as_of_date() }}, false) as is_reversed_on_d
    from {{ ref('int_payment_effects') }}
    where counts_from <= {{ as_of_date() }}

)

select
    e.payment_id,
    e.loan_id,
    l.customer_id,
    coalesce(l.currency, 'XXX') as currency,
    l.product,
    e.value_date,
    e.delivered_on,
    e.channel as payment_channel,
    cast(e.amount as {{ type_money() }}) as amount,
    e.is_reversed_on_d as is_reversed,
    case when e.is_reversed_on_d then e.reversed_by_payment_id end as reversed_by_payment_id,
    case when e.is_reversed_on_d then e.reversal_value_date end as reversal_value_date,
    case when e.is_reversed_on_d then e.reversal_delivered_on end as reversal_delivered_on,
    cast(case when e.is_reversed_on_d then 0 else e.amount end as {{ type_money() }}) as net_amount
from effects e
left join {{ ref('int_reporting_loans') }} l on l.loan_id = e.loan_id
