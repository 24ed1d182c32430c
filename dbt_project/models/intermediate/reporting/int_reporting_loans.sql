{#- Every loan the lender's snapshots have shown up to D, once, with its latest known attributes
    (a loan that has left the snapshots keeps the attributes it last had). Used to give payments,
    contacts and vintages their customer, currency, product and disbursement. -#}
{{ config(schema='intermediate', materialized='table') }}

with ranked as (

    select
        loan_id,
        customer_id,
        product,
        currency,
        principal_amount,
        disbursed_on,
        status,
        closed_on,
        as_of_date,
        min(as_of_date) over (partition by loan_id) as first_seen_on,
        row_number() over (partition by loan_id order by as_of_date desc) as recency
    from {{ ref('stg_loans') }}
    where as_of_date <= {{ as_of_date() }}
        and loan_id is not null

)

select
    loan_id,
    customer_id,
    product,
    coalesce(currency, 'XXX') as currency,
    cast(principal_amount as {{ type_money() }}) as principal_amount,
    disbursed_on,
    status,
    closed_on,
    first_seen_on,
    as_of_date as last_seen_on
from ranked
where recency = 1
