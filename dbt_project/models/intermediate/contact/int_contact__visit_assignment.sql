{#- Field visits on D+1: which due visit goes ahead, with which field agent, in which order of the
    agent's day, or the rule that holds it back. One row per visit candidate that the per-loan rules
    let through (int_contact__candidates, channel visit, no withheld_reason) and that is not placed.

    Held back (visit_reason, the first that applies):
      repeat:visit_window      the person was visited within contact.visits.once_per_days
      notice:...               its notice has not gone out long enough before (notice_state waiting:
                               sent on X, visits from X + days_before; needed: tonight's notice, or
                               none possible when the customer has neither a usable phone nor address)
      window:no_visiting_day   D+1 is a Sunday / Saturday / holiday the policy does not allow
      window:no_visiting_hours no visiting hours in the address's time zone(s) on D+1
      cap:one_visit_per_person the person's most urgent loan (priority_score, loan id) is visited,
                               the visit covers the person
      capacity:no_field_agent  no active agent of contact.visits.team covers the address's region or
                               city (agents.csv `regions`, `;`-separated, case and spaces ignored)
      capacity:field_agents_full  agents cover it, but their daily_capacity is taken
    Assignment, set-based in rounds: each visit not yet placed picks, among the agents covering its
    address with capacity left, the most specialised (fewest regions: the generalists stay free for
    the addresses only they cover), then the one with the most capacity left, then agent id; each
    agent takes the most urgent of the visits that picked it, up to its capacity left. Visits of one
    region pick alike, so an agent's day stays in one area. Never over an agent's daily_capacity, never outside
    the agent's territory. route_order: the agent's day ordered by country, postal code, region
    (district), city, street, loan id: visits of one postal code / district follow each other. -#}
{{ config(materialized='table') }}
{%- set cp = var('contact_policy') -%}
{%- set visits = cp['visits'] -%}
{%- set notice = visits['notice'] -%}
{%- set str = dbt.type_string() -%}
{#- rounds of the assignment: each round lets the visits an agent could not take pick the next agent
    covering them; enough for an address covered by that many agents to reach every one of them -#}
{%- set rounds = 4 -%}

with candidates as (

    select c.loan_id, c.person_id, c.customer_id, c.priority_score
    from {{ ref('int_contact__candidates') }} c
    where c.channel = 'visit'
        and c.withheld_reason is null
        -- a placed loan gets nothing from the lender: no visit, no place in an agent's day
        and not {{ contact_is_placed('c.loan_id') }}

),

located as (

    select
        c.*,
        v.notice_state,
        v.notice_channel,
        v.notice_sent_on,
        v.notice_sent_by,
        v.recently_visited,
        v.last_visit_on,
        r.country,
        r.region,
        r.city,
        r.postal_code,
        r.address_line1,
        lower(trim(coalesce(r.region, ''))) as region_key,
        lower(trim(coalesce(r.city, ''))) as city_key,
        w.display_zone,
        w.visit_start_utc,
        w.visit_end_utc,
        w.is_visiting_day,
        w.day_problem,
        r.zone_key
    from candidates c
    inner join {{ ref('int_contact__visit_due') }} v on v.loan_id = c.loan_id
    left join {{ ref('int_contact__recipients') }} r on r.customer_id = c.customer_id
    left join {{ ref('int_contact__visit_windows') }} w on w.zone_key = r.zone_key

),

ruled as (

    select
        l.*,
        case
            when l.recently_visited then 'repeat:visit_window (the person was visited on '
                || cast(l.last_visit_on as {{ str }}) || '; one visit per {{ visits['once_per_days'] }} days)'
            when l.notice_state = 'waiting' then 'notice:pending (sent by ' || l.notice_sent_by || ' on '
                || cast(l.notice_sent_on as {{ str }}) || '; visits from '
                || cast(cast({{ dbt.dateadd('day', notice['days_before'], 'l.notice_sent_on') }} as date) as {{ str }}) || ')'
            when l.notice_state = 'needed' and l.notice_channel is not null then 'notice:due tonight by '
                || l.notice_channel || ' (the visit comes at least {{ notice['days_before'] }} days after it)'
            when l.notice_state = 'needed' then 'notice:unreachable (no usable phone or address for the notice)'
            when not coalesce(l.is_visiting_day, true) then l.day_problem
            when l.visit_start_utc is null or not (l.visit_start_utc < l.visit_end_utc)
                then 'window:no_visiting_hours (' || coalesce(l.zone_key, 'no time zone') || ')'
        end as rule_reason
    from located l

),

per_person as (

    select
        r.*,
        first_value(loan_id) over (partition by person_id order by priority_score desc, loan_id) as lead_loan_id
    from ruled r
    where r.rule_reason is null

),

ready as (

    select * from per_person where loan_id = lead_loan_id

),

field_agents as (

    select
        agent_id,
        daily_capacity,
        -- how many regions / cities the agent covers (the separators + 1)
        length(trim(regions)) - length(replace(trim(regions), ';', '')) + 1 as region_count,
        -- ';'-separated, compared lower-case without the spaces around the separators
        ';' || replace(replace(replace(lower(trim(regions)), ' ;', ';'), '; ', ';'), ' ;', ';') || ';' as regions
    from {{ ref('stg_agents') }}
    where as_of_date = {{ as_of_date() }}
        and not is_quarantined
        and active
        and daily_capacity > 0
        and lower(trim(team)) = lower('{{ visits['team'] }}')
        and coalesce(trim(regions), '') <> ''

),

covers as (

    select r.loan_id, a.agent_id, a.daily_capacity, a.region_count
    from ready r
    inner join field_agents a
        on (r.region_key <> '' and a.regions like '%;' || r.region_key || ';%')
        or (r.city_key <> '' and a.regions like '%;' || r.city_key || ';%')

),

assigned_0 as (

    select cast(null as {{ str }}) as loan_id, cast(null as {{ str }}) as agent_id
    where 1 = 0

),
{%- for k in range(1, rounds + 1) %}

left_{{ k }} as (

    -- capacity left per agent before round {{ k }}
    select a.agent_id, a.daily_capacity - count(s.loan_id) as capacity_left
    from field_agents a
    left join assigned_{{ k - 1 }} s on s.agent_id = a.agent_id
    group by a.agent_id, a.daily_capacity

),

picked_{{ k }} as (

    select
        c.loan_id,
        c.agent_id,
        f.capacity_left,
        row_number() over (partition by c.loan_id order by c.region_count, f.capacity_left desc, c.agent_id)
            as preference
    from covers c
    inner join left_{{ k }} f on f.agent_id = c.agent_id and f.capacity_left > 0
    where not exists (select 1 from assigned_{{ k - 1 }} s where s.loan_id = c.loan_id)

),

taken_{{ k }} as (

    select
        p.loan_id,
        p.agent_id,
        p.capacity_left,
        row_number() over (partition by p.agent_id order by r.priority_score desc, r.loan_id) as agent_pos
    from picked_{{ k }} p
    inner join ready r on r.loan_id = p.loan_id
    where p.preference = 1

),

assigned_{{ k }} as (

    select loan_id, agent_id from assigned_{{ k - 1 }}
    union all
    select loan_id, agent_id from taken_{{ k }} where agent_pos <= capacity_left

),
{%- endfor %}

routed as (

    select
        s.loan_id,
        s.agent_id,
        row_number() over (
            partition by s.agent_id
            order by coalesce(r.country, ''), coalesce(r.postal_code, ''), r.region_key, r.city_key,
                coalesce(r.address_line1, ''), r.loan_id
        ) as route_order
    from assigned_{{ rounds }} s
    inner join ready r on r.loan_id = s.loan_id

)

select
    l.loan_id,
    l.person_id,
    l.customer_id,
    t.agent_id,
    cast(t.route_order as {{ dbt.type_int() }}) as route_order,
    case when t.agent_id is not null then l.visit_start_utc end as visit_after_utc,
    case when t.agent_id is not null then l.visit_end_utc end as visit_before_utc,
    l.display_zone,
    l.notice_state,
    l.notice_sent_on,
    l.notice_sent_by,
    case
        when l.rule_reason is not null then l.rule_reason
        when p.lead_loan_id <> l.loan_id then 'cap:one_visit_per_person (the visit for loan '
            || p.lead_loan_id || ' covers the person)'
        when t.agent_id is not null then null
        when not exists (select 1 from covers c where c.loan_id = l.loan_id)
            then 'capacity:no_field_agent (no active {{ visits['team'] }} agent covers '
                || coalesce(nullif(trim(l.region), ''), nullif(trim(l.city), ''), 'the address') || ')'
        else 'capacity:field_agents_full (the {{ visits['team'] }} agents covering '
            || coalesce(nullif(trim(l.region), ''), nullif(trim(l.city), ''), 'the address')
            || ' have no capacity left)'
    end as visit_reason
from ruled l
left join per_person p on p.loan_id = l.loan_id
left join routed t on t.loan_id = l.loan_id
