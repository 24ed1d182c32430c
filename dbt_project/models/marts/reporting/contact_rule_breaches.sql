{#- Contact attempts that broke a contact rule (shared/domain.md, "Contact rules"): one row per
    attempt and rule broken, known on D. The figures are the collection policy's (var contact_policy,
    see the reporting_param macro); defaults in brackets.

    - outside_hours: a call, visit or SMS started before window start (08:00) or at/after window
      end (21:00) in the customer's local time (int_reporting_contacts.customer_local_time);
    - too_many_calls_7_days: a call that is more than the `calls_per_debt_per_7_days`-th (7) call on
      the same loan within 7 x 24 hours (this call and the ones before it);
    - call_after_conversation: a call less than `pause_days_after_conversation` (7) x 24 hours after
      a right-party conversation (call or visit) about the same loan (Reg F 1006.14(b)(2)(ii));
    - too_many_connected_calls_day: a right-party call beyond the `connected_calls_per_person_per_day`-th
      (3) on one customer-local day for the same customer (NIFA 2024).
    The breach is charged to the attempt's agent (null for automated contact). -#}

{%- set start_minute = reporting_param('contact_window_start_minute') | int %}
{%- set end_minute = reporting_param('contact_window_end_minute') | int %}
{%- set max_calls = reporting_param('calls_per_debt_per_7_days') | int %}
{%- set pause_days = reporting_param('pause_days_after_conversation') | int %}
{%- set max_connected = reporting_param('connected_calls_per_person_per_day') | int %}

with contacts as (

    select * from {{ ref('int_reporting_contacts') }}

),

calls as (

    select * from contacts where channel = 'call'

),

outside_hours as (

    select
        attempt_id,
        'outside_hours' as rule,
        'started ' || cast(customer_local_time as {{ dbt.type_string() }}) || ' ' || timezone_used as detail
    from contacts
    where channel in ('call', 'visit', 'sms')
        and (
            {{ reporting_minute_of_day('customer_local_time') }} < {{ start_minute }}
            or {{ reporting_minute_of_day('customer_local_time') }} >= {{ end_minute }}
        )

),

calls_in_7_days as (

    select
        c.attempt_id,
        count(*) as calls_in_window
    from calls c
    inner join calls earlier
        on earlier.loan_id = c.loan_id
        and earlier.started_at <= c.started_at
        and earlier.started_at > {{ dbt.dateadd('day', -7, 'c.started_at') }}
    group by c.attempt_id

),

too_many_calls as (

    select
        attempt_id,
        'too_many_calls_7_days' as rule,
        'call ' || cast(calls_in_window as {{ dbt.type_string() }}) || ' on the loan within 7 days (limit {{ max_calls }})' as detail
    from calls_in_7_days
    where calls_in_window > {{ max_calls }}

),

after_conversation as (

    select
        c.attempt_id,
        'call_after_conversation' as rule,
        'call ' || cast(min({{ dbt.datediff('conv.started_at', 'c.started_at', 'hour') }}) as {{ dbt.type_string() }})
            || ' h after a conversation (pause {{ pause_days }} days)' as detail
    from calls c
    inner join contacts conv
        on conv.loan_id = c.loan_id
        and conv.channel in ('call', 'visit')
        and conv.is_right_party_contact
        and conv.attempt_id <> c.attempt_id
        and conv.started_at < c.started_at
        and conv.started_at > {{ dbt.dateadd('day', -pause_days, 'c.started_at') }}
    group by c.attempt_id

),

connected as (

    select
        attempt_id,
        row_number() over (
            partition by customer_id, cast(customer_local_time as date)
            order by started_at, attempt_id
        ) as connected_call_no
    from calls
    where is_right_party_contact
        and customer_id is not null

),

too_many_connected as (

    select
        attempt_id,
        'too_many_connected_calls_day' as rule,
        'connected call ' || cast(connected_call_no as {{ dbt.type_string() }}) || ' of the customer''s day (limit {{ max_connected }})' as detail
    from connected
    where connected_call_no > {{ max_connected }}

),

breaches as (

    select * from outside_hours
    union all select * from too_many_calls
    union all select * from after_conversation
    union all select * from too_many_connected

)

select
    b.attempt_id,
    b.rule,
    c.loan_id,
    c.customer_id,
    c.currency,
    c.agent_id,
    c.team,
    c.channel,
    c.started_at,
    c.contact_date,
    c.customer_local_time,
    c.timezone_used,
    b.detail,
    {{ as_of_date() }} as as_of_date
from breaches b
inner join contacts c on c.attempt_id = b.attempt_id
