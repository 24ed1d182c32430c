{#- Timeliness KPI ("late collection" failure case): for every overdue loan on D, its overdue episode
    (overdue-since date), the first day it was overdue (overdue-since + 1, DPD 1), the deadline for a
    first contact (the next business day: Monday-Friday, minus the policy's contact.calendar
    holidays, plus its workdays worked in lieu) and the first contact
    of the episode: the earliest day a contact was scheduled for (contact_log, status scheduled:
    sms, email, call, letter; night + 1) or delivered (stg_contact_attempts of the loan, any
    channel, by the night they were delivered).

    timeliness: on_time (first contact by the deadline), late (after it, or none yet and the
    deadline has passed), excused (none yet and tonight's outcome is a block, a promise or a data
    problem), pending (none yet, deadline still ahead). Incremental by as_of_date. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='as_of_date',
        full_refresh=false,
        on_schema_change='append_new_columns'
    )
}}
{%- set tomorrow = "cast(" ~ dbt.dateadd('day', 1, as_of_date()) ~ " as date)" %}
{%- set calendar = var('contact_policy')['calendar'] %}
{%- set holidays = calendar['holidays'] %}
{%- set workdays = calendar['workdays'] %}
{#- The deadline is found among the next `horizon` days: every 7 days hold 5 weekdays, each
    holiday takes at most one of them away. -#}
{%- set horizon = 7 * (((holidays | length) + 5) // 5) %}
{%- set day = dbt.dateadd('day', 'o.days_after', 'e.first_overdue_day') %}
{#- 1970-01-04 was a Sunday: day of week 0 = Sunday ... 6 = Saturday -#}
{%- set weekday = "mod(" ~ dbt.datediff("cast('1970-01-04' as date)", day, 'day') ~ ", 7)" %}

with overdue as (

    select a.loan_id, a.outcome, a.suppressed_by, l.overdue_since, l.dpd, l.stage, l.overdue_amount
    from {{ ref('overdue_accountability') }} a
    inner join {{ ref('loan_delinquency') }} l
        on l.as_of_date = a.as_of_date and l.loan_id = a.loan_id
    where a.as_of_date = {{ as_of_date() }}

),

episodes as (

    select
        *,
        cast({{ dbt.dateadd('day', 1, 'overdue_since') }} as date) as first_overdue_day
    from overdue

),

offsets as (

    select n as days_after from {{ integers(1, horizon) }} days

),

deadlines as (

    -- the first business day after the first overdue day
    select e.loan_id, min(o.days_after) as days_after
    from episodes e
    cross join offsets o
    where ({{ weekday }} between 1 and 5
            {%- if holidays %}
            and cast({{ day }} as date) not in ({% for h in holidays %}cast('{{ h }}' as date){{ ', ' if not loop.last }}{% endfor %})
            {%- endif %})
        {%- if workdays %}
        or cast({{ day }} as date) in ({% for w in workdays %}cast('{{ w }}' as date){{ ', ' if not loop.last }}{% endfor %})
        {%- endif %}
    group by e.loan_id

),

scheduled as (

    select e.loan_id, min(cast({{ dbt.dateadd('day', 1, 'c.as_of_date') }} as date)) as first_scheduled_for
    from episodes e
    inner join {{ ref('contact_log') }} c
        on c.loan_id = e.loan_id
        and c.as_of_date >= e.overdue_since
        and c.as_of_date <= {{ as_of_date() }}
        and c.status = 'scheduled'
        and c.channel in ('sms', 'email', 'call', 'letter')
    group by e.loan_id

),

delivered as (

    select e.loan_id, min(a.delivered_on) as first_delivered_on
    from episodes e
    inner join {{ ref('stg_contact_attempts') }} a
        on a.loan_id = e.loan_id
        and a.delivered_on > e.overdue_since
        and a.delivered_on <= {{ as_of_date() }}
    group by e.loan_id

),

measured as (

    select
        e.*,
        cast({{ dbt.dateadd('day', 'k.days_after', 'e.first_overdue_day') }} as date) as contact_deadline,
        case
            when s.first_scheduled_for is null then d.first_delivered_on
            when d.first_delivered_on is null then s.first_scheduled_for
            when d.first_delivered_on < s.first_scheduled_for then d.first_delivered_on
            else s.first_scheduled_for
        end as first_contact_on
    from episodes e
    inner join deadlines k on k.loan_id = e.loan_id
    left join scheduled s on s.loan_id = e.loan_id
    left join delivered d on d.loan_id = e.loan_id

)

select
    {{ as_of_date() }} as as_of_date,
    loan_id,
    overdue_since as episode_start,
    first_overdue_day,
    contact_deadline,
    first_contact_on,
    case when first_contact_on is not null
        then {{ dbt.datediff('first_overdue_day', 'first_contact_on', 'day') }} end as days_to_first_contact,
    case
        when first_contact_on is not null and first_contact_on <= contact_deadline then 'on_time'
        when first_contact_on is not null then 'late'
        when outcome in ('data_blocked', 'promise_pending') or suppressed_by = 'block' then 'excused'
        when contact_deadline < {{ tomorrow }} then 'late'
        else 'pending'
    end as timeliness,
    outcome,
    dpd,
    stage,
    overdue_amount
from measured
