{#- Agents for D+1's call entries, set-based and deterministic.

    Agents: active on D's snapshot with a daily capacity (accounts per day), not of the field team
    (contact.visits.team: they visit, int_contact__visit_assignment); an agent can take a
    call in a language listed in `languages` (exact tag, or the same primary language: zh-CN ~ zh).
    1. Continuity: the agent who last spoke to the person (right-party call) keeps the person when
       they speak the call's language, up to their capacity, highest priority first.
    2. Pools: the remaining calls of each policy language (the languages from last to first: the
       first, the fallback language, usually has the most agents) are ranked by priority and dealt
       to the agents' free slots in turn, balanced by capacity: slot k of an agent with r free
       slots comes at k / r, so every agent is loaded to about the same share of their capacity
       and the most urgent calls are spread over the team instead of all landing on one list.
    A call no agent can take is withheld: capacity:no_agent (<language>). `call_rank` orders each
    agent's list (1 = call first). -#}
{{ config(materialized='table') }}
{%- set cp = var('contact_policy') -%}
{%- set languages = cp['languages'] | list -%}
{#- agent languages @A@ (';'-separated, lower-case) include language @L@ -#}
{%- set speaks = "(';' || @A@ || ';' like '%;' || lower(@L@) || ';%'"
    ~ " or ';' || @A@ || ';' like '%;' || lower(" ~ dbt.split_part('@L@', "'-'", 1) ~ ") || ';%'"
    ~ " or ';' || @A@ || ';' like '%;' || lower(" ~ dbt.split_part('@L@', "'-'", 1) ~ ") || '-%')" %}

with calls as (

    select c.loan_id, c.person_id, c.language, c.last_agent_id, c.priority_score
    from {{ ref('int_contact__candidates') }} c
    inner join {{ ref('int_contact__daily_caps') }} k
        on k.loan_id = c.loan_id and k.channel = c.channel and k.template = c.template
    where c.channel = 'call'
        and c.withheld_reason is null
        and k.cap_reason is null
        and k.call_lead_loan_id = c.loan_id  -- one call per person: the lead loan's (it covers the rest)

),

agents as (

    select
        agent_id,
        replace(lower(coalesce(languages, '')), ' ', '') as languages,
        daily_capacity
    from {{ ref('stg_agents') }}
    where as_of_date = {{ as_of_date() }}
        and not is_quarantined
        and active
        and daily_capacity > 0
        -- the field team visits (int_contact__visit_assignment); it takes no calls
        and coalesce(lower(trim(team)), '') <> lower('{{ cp['visits']['team'] }}')

),

continuity_ranked as (

    select
        c.loan_id,
        a.agent_id,
        a.daily_capacity,
        row_number() over (partition by a.agent_id order by c.priority_score desc, c.loan_id) as agent_pos
    from calls c
    inner join agents a on a.agent_id = c.last_agent_id and {{ speaks | replace('@A@', 'a.languages') | replace('@L@', 'c.language') }}

),

assigned_0 as (

    select loan_id, agent_id, 'continuity' as assignment from continuity_ranked where agent_pos <= daily_capacity

),

remaining_0 as (

    select a.agent_id, a.languages, a.daily_capacity - count(x.loan_id) as remaining
    from agents a
    left join assigned_0 x on x.agent_id = a.agent_id
    group by a.agent_id, a.languages, a.daily_capacity

),

{%- for language in languages | reverse %}
{%- set i = loop.index %}

pool_{{ i }} as (

    select
        c.loan_id,
        row_number() over (order by c.priority_score desc, c.loan_id) as pos
    from calls c
    where c.language = '{{ language }}'
        and not exists (select 1 from assigned_0 x where x.loan_id = c.loan_id)

),

capacity_{{ i }} as (

    select agent_id, remaining
    from remaining_{{ i - 1 }}
    where remaining > 0
        and {{ speaks | replace('@A@', 'languages') | replace('@L@', "'" ~ language ~ "'") }}

),

slots_{{ i }} as (

    -- free slot k (1..remaining) of each agent, ordered by k / remaining, then agent id (IEEE
    -- division is correctly rounded: equal fractions tie exactly, so the order is deterministic);
    -- the pool's positions serve as the numbers 1..k
    select
        k.agent_id,
        row_number() over (order by cast(n.pos as {{ dbt.type_float() }}) / k.remaining, k.agent_id) as slot
    from capacity_{{ i }} k
    inner join pool_{{ i }} n on n.pos <= k.remaining

),

assigned_{{ i }} as (

    select p.loan_id, s.agent_id, 'pool {{ language }}' as assignment
    from pool_{{ i }} p
    inner join slots_{{ i }} s on s.slot = p.pos

),

remaining_{{ i }} as (

    select r.agent_id, r.languages, r.remaining - count(x.loan_id) as remaining
    from remaining_{{ i - 1 }} r
    left join assigned_{{ i }} x on x.agent_id = r.agent_id
    group by r.agent_id, r.languages, r.remaining

),
{%- endfor %}

assigned as (

    select * from assigned_0
    {%- for language in languages %}
    union all select * from assigned_{{ loop.index }}
    {%- endfor %}

)

select
    c.loan_id,
    x.agent_id,
    x.assignment,
    case when x.agent_id is not null then row_number() over (
        partition by x.agent_id order by c.priority_score desc, c.loan_id
    ) end as call_rank,
    case when x.agent_id is null then 'capacity:no_agent (' || c.language || ')' end as capacity_reason
from calls c
left join assigned x on x.loan_id = c.loan_id
