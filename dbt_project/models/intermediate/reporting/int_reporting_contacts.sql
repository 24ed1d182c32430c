{#- Every contact attempt known on D (delivered on or before D, started on or before D in the
    lender's time zone), once, with:
    - contact_date: the day it happened in the lender's time zone (reporting_param lender_timezone);
    - customer_local_time: wall-clock time at the customer, in the customer's time zone when it is a
      zone the engine knows, else the lender's (customer_timezone_known = false);
    - the agent's team (latest agents snapshot up to D; 'unassigned' for automated contact,
      'unknown' for an agent id no snapshot lists) and the loan's currency. -#}
{{ config(schema='intermediate', materialized='table') }}

{%- set lender_tz = "'" ~ reporting_param('lender_timezone') ~ "'" %}

with attempts as (

    select *
    from {{ ref('stg_contact_attempts') }}
    where delivered_on <= {{ as_of_date() }}
        and not is_quarantined

),

customers as (

    select * from {{ latest_rows(ref('stg_customers'), 'customer_id', 'as_of_date desc',
                                 ['customer_id', 'timezone'], 'as_of_date <= ' ~ as_of_date()) }} c

),

agents as (

    select * from {{ latest_rows(ref('stg_agents'), 'agent_id', 'as_of_date desc',
                                 ['agent_id', 'team', 'full_name'], 'as_of_date <= ' ~ as_of_date()) }} a

),

zones as (

    {{ reporting_known_timezones() }}

),

located as (

    select
        a.attempt_id,
        a.loan_id,
        coalesce(a.customer_id, l.customer_id) as customer_id,
        coalesce(l.currency, 'XXX') as currency,
        a.agent_id,
        case
            when a.agent_id is null then 'unassigned'
            else coalesce(g.team, 'unknown')
        end as team,
        a.channel,
        a.started_at,
        a.duration_seconds,
        a.outcome,
        coalesce(a.is_right_party_contact, false) as is_right_party_contact,
        a.outcome = 'promise_to_pay' as is_promise,
        cast(a.promise_amount as {{ type_money() }}) as promise_amount,
        a.promise_date,
        a.delivered_on,
        z.name as customer_timezone
    from attempts a
    left join {{ ref('int_reporting_loans') }} l on l.loan_id = a.loan_id
    left join agents g on g.agent_id = a.agent_id
    left join customers c on c.customer_id = coalesce(a.customer_id, l.customer_id)
    left join zones z on z.name = c.timezone

)

select
    attempt_id,
    loan_id,
    customer_id,
    currency,
    agent_id,
    team,
    channel,
    started_at,
    cast({{ reporting_local_timestamp('started_at', lender_tz) }} as date) as contact_date,
    {{ reporting_local_timestamp('started_at', 'coalesce(customer_timezone, ' ~ lender_tz ~ ')') }} as customer_local_time,
    coalesce(customer_timezone, {{ lender_tz }}) as timezone_used,
    customer_timezone is not null as customer_timezone_known,
    duration_seconds,
    outcome,
    is_right_party_contact,
    is_promise,
    promise_amount,
    promise_date,
    delivered_on
from located
where cast({{ reporting_local_timestamp('started_at', lender_tz) }} as date) <= {{ as_of_date() }}
    and attempt_id is not null
