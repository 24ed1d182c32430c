{#- The debtor of each legal referral, on the night of the referral, as the warehouse holds the
    customer that night (stg_customers: delivered, with the validate step's named corrections and
    fallbacks): the evidence pack's loan.json for the lawyer. Only customers with a loan referred to
    legal that night (marts.contact_log: channel legal_referral, status scheduled) are here, so the
    national id and birth date a court filing needs reach no other mart. -#}
{{ config(materialized='view') }}

with referrals as (

    select distinct as_of_date, customer_id
    from {{ ref('contact_log') }}
    where channel = 'legal_referral' and status = 'scheduled'

),

customers as (

    select * from {{ ref('stg_customers') }}

)

select c.*
from customers c
inner join referrals r
    on r.as_of_date = c.as_of_date
    and r.customer_id = c.customer_id
