{#- Evidence: every contact the product scheduled for D+1 or withheld on D, with its reason.
    One row per (as_of_date, loan, channel, template); action_id = md5 of those four, the
    message_id of the files. Each night replaces its own date (delete+insert of as_of_date): a
    rerun never duplicates. `full_refresh: false`: a --full-refresh never wipes the evidence.

    status: scheduled | withheld. reason: why it is due (scheduled) or the first rule that withheld
    it: placed: (the loan is with an agency or lawyer: int_contact__placements; wins), data:, block:,
    promise:, opted_out:, unreachable:, window:, template:, repeat:, cap:, capacity:, notice: (a field
    visit whose notice has not gone out long enough before; int_contact__visit_assignment).
    Field visits (channel visit): agent_id, priority = the route order in the agent's day, and
    scheduled_after / scheduled_before = the visiting hours on D+1.
    call_loan_id: one call per person per day, the loan whose call covers this call row. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='as_of_date',
        full_refresh=false,
        on_schema_change='append_new_columns'
    )
}}
{%- set str = dbt.type_string() %}

with candidates as (

    select * from {{ ref('int_contact__candidates') }}

),

decided as (

    select
        c.*,
        k.max_attempts,
        k.call_lead_loan_id,
        a.agent_id,
        a.assignment,
        a.call_rank,
        coalesce(
            case
                when p.loan_id is null then null
                -- the referral that placed the loan tonight is the one decision that goes out
                when p.placed_on = {{ as_of_date() }} and p.referral_channel = c.channel then null
                else 'placed:' || p.placement_type || ' with ' || p.holder || ' since '
                    || cast(p.placed_on as {{ str }}) || ' (the lender sends nothing of its own)'
            end,
            c.withheld_reason, k.cap_reason, a.capacity_reason,
            case when c.channel = 'visit' and c.withheld_reason is null then v.visit_reason end) as withheld,
        -- field visits: the agent, the place in the agent's day and the visiting hours
        v.agent_id as visit_agent_id,
        v.route_order,
        v.visit_after_utc,
        v.visit_before_utc,
        v.display_zone as visit_zone
    from candidates c
    left join {{ ref('int_contact__placements') }} p
        on p.loan_id = c.loan_id and p.recalled_on is null
    left join {{ ref('int_contact__daily_caps') }} k
        on k.loan_id = c.loan_id and k.channel = c.channel and k.template = c.template
    left join {{ ref('int_contact__call_assignment') }} a
        on a.loan_id = k.call_lead_loan_id and c.channel = 'call'
            and c.withheld_reason is null and k.cap_reason is null
    left join {{ ref('int_contact__visit_assignment') }} v
        on v.loan_id = c.loan_id and c.channel = 'visit'

)

select
    {{ as_of_date() }} as as_of_date,
    {{ dbt.hash("cast(" ~ as_of_date() ~ " as " ~ str ~ ") || '|' || loan_id || '|' || channel || '|' || template") }} as action_id,
    loan_id,
    customer_id,
    person_id,
    channel,
    template,
    language,
    destination,
    coalesce(scheduled_after, visit_after_utc) as scheduled_after,
    coalesce(scheduled_before, visit_before_utc) as scheduled_before,
    coalesce(display_zone, case when channel = 'visit' and withheld is null then visit_zone end) as display_zone,
    case when withheld is null then 'scheduled' else 'withheld' end as status,
    coalesce(withheld, due_reason) as reason,
    due_reason,
    case when withheld is null then coalesce(agent_id, visit_agent_id) end as agent_id,
    -- a call's rank in the agent's list; a visit's place in the agent's route (1 = first)
    case when withheld is null then coalesce(call_rank, route_order) end as priority,
    case when withheld is null then max_attempts end as max_attempts,
    variant,
    stage,
    bucket,
    dpd,
    episode_start,
    trigger_key,
    trigger_dpd,
    kind,
    planned_channel,
    priority_score,
    overdue_amount,
    currency,
    '{{ var("policy_version") }}' as policy_version,
    -- one call per person per day: the loan whose call covers this one (itself for the call's lead)
    case when channel = 'call' and withheld is null then call_lead_loan_id end as call_loan_id
from decided
