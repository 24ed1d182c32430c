{#- The people the night's contact files name, with only the personal fields those files print: one
    row per customer with a contact scheduled on D (contact_log: sms.csv, emails.jsonl, call_list.csv,
    the letters) or an overdue loan that cannot be reached (overdue_accountability outcome
    unreachable: skip_trace.csv). Everyone else's name, phone and address stays out of the marts.
    Kept per night, as the night saw them: an evidence pack re-rendering an earlier night's letter
    prints the address that letter went to. Each night replaces its own date (delete+insert of
    as_of_date): a rerun never duplicates. `full_refresh: false`: a --full-refresh never wipes it. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='as_of_date',
        full_refresh=false,
        on_schema_change='append_new_columns'
    )
}}

with scheduled as (

    select customer_id
    from {{ ref('contact_log') }}
    where as_of_date = {{ as_of_date() }}
        and status = 'scheduled'

),

unreachable as (

    select customer_id
    from {{ ref('overdue_accountability') }}
    where as_of_date = {{ as_of_date() }}
        and outcome = 'unreachable'

),

named as (

    select customer_id from scheduled
    union
    select customer_id from unreachable

),

recipients as (

    select * from {{ ref('int_contact__recipients') }}

)

select
    {{ as_of_date() }} as as_of_date,
    r.customer_id,
    {{ contact_recipient_columns('r', ['phone_as_delivered', 'email', 'alternate_phones']) }},
    -- the contact points the lender lacks for this customer, for skip tracing
    substr(
        case when r.phone is null then ', phone' else '' end
        || case when r.email is null then ', e-mail' else '' end
        || case when not coalesce(r.has_address, false) then ', postal address' else '' end,
        3) as missing
from named n
inner join recipients r on r.customer_id = n.customer_id
