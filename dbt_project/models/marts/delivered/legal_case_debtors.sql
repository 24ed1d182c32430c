{#- The debtor of each legal referral, on the night of the referral, as the warehouse holds the
    customer that night (stg_customers: delivered, with the validate step's named corrections and
    fallbacks): the evidence pack's loan.json for the lawyer. Only customers with a loan referred to
    legal that night (marts.contact_log: channel legal_referral, status scheduled) are here, so the
    national id and birth date a court filing needs reach no other mart. Every column of the record
    but the validate run's id (random per run): a rerun or a backfill gives the same rows. -#}
{{ config(materialized='view') }}
{%- set columns = ['as_of_date', 'customer_id', 'full_name', 'national_id', 'date_of_birth', 'phone', 'email',
                   'address_line1', 'address_line2', 'city', 'region', 'postal_code', 'country',
                   'preferred_language', 'timezone', 'updated_at', 'load_id', 'source_row', 'person_id',
                   'record_source', 'restored_from', 'corrected_fields', 'fallback_fields', 'invalid_fields',
                   'is_restored', 'phone_is_valid', 'email_is_valid'] %}

with referrals as (

    select distinct as_of_date, customer_id
    from {{ ref('contact_log') }}
    where channel = 'legal_referral' and status = 'scheduled'

),

customers as (

    select * from {{ ref('stg_customers') }}

)

select
    {% for c in columns %}c.{{ c }}{{ ',\n    ' if not loop.last }}{% endfor %}
from customers c
inner join referrals r
    on r.as_of_date = c.as_of_date
    and r.customer_id = c.customer_id
