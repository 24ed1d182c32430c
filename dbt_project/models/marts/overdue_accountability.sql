{#- Exactly one row per overdue loan per as-of date: no overdue account may wait unnoticed. The
    outcome is the first that applies:

    - suppressed (block): an open blocking flag (policy contact.blocks) on the loan, its customer or
      any customer id of the same person, open on D or D+1; the reason names every flag. Wins over
      data_blocked; a missing customer is then added to the reason.
    - data_blocked: the validate step found the loan orphaned or quarantined (int_quality_loan_data_status
      blocks_collection; its reason), or the loan's customer is absent from D's customer snapshot.
    - referred: the loan was placed with an agency or referred to legal tonight (int_contact__placements);
      placed: it was placed on an earlier night and not recalled. The lender sends nothing of its own.
    - promise_pending: an open promise to pay defers contact until the day after its date.
    - visit_scheduled: a field visit is scheduled for D+1 (the reason names the agent, the route
      order and the other contacts); visit_pending_notice: a visit is due but its notice went out
      too recently or goes out tonight (the visit follows days_before days after it).
    - contact_scheduled: at least one contact (sms, email, call, letter) is scheduled for D+1;
      the reason lists them.
    - unreachable: nothing scheduled, and a due contact was withheld for want of a usable phone,
      e-mail or address, or the customer has none of the three (the loan is on skip_trace.csv).
    - suppressed (cap, window, capacity, template): every due contact was withheld by a contact
      rule; the reason names the rules.
    - no_action_due: nothing is due tonight (the previous step was done, the next one is not yet
      reached); the reason names the next action.
    Incremental by as_of_date (a rerun replaces the night). -#}
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

with loans as (

    select * from {{ ref('int_contact__loan_state') }}

),

tonight as (

    select * from {{ ref('contact_log') }}
    where as_of_date = {{ as_of_date() }}

),

per_loan as (

    select
        loan_id,
        sum(case when status = 'scheduled' and channel in ('sms', 'email', 'call', 'letter') then 1 else 0 end)
            as contacts_scheduled,
        sum(case when status = 'scheduled' and channel in ('legal_referral', 'agency_placement') then 1 else 0 end)
            as referrals,
        sum(case when status = 'withheld' then 1 else 0 end) as contacts_withheld,
        sum(case when status = 'scheduled' and channel = 'visit' then 1 else 0 end) as visits_scheduled,
        sum(case when status = 'withheld' and channel = 'visit' and reason like 'notice:%' then 1 else 0 end)
            as visits_pending_notice,
        max(case when channel = 'visit' and status = 'scheduled'
            then 'field visit by agent ' || agent_id || ' (route order ' || cast(priority as {{ str }}) || ')' end)
            as visit_plan,
        max(case when channel = 'visit' and status = 'withheld' and reason like 'notice:%'
            then 'field visit waiting for its notice: ' || reason end) as visit_wait,
        sum(case when status = 'withheld' and reason like 'unreachable:%' then 1 else 0 end) as withheld_unreachable,
        {{ dbt.listagg(
            "case when status = 'scheduled' then channel || ' ' || template"
                ~ " || coalesce(' (agent ' || agent_id || ')', '') end", "'; '",
            "order by channel, template, action_id") }} as scheduled_list,
        {{ dbt.listagg(
            "case when status = 'withheld' then channel || ' ' || template || ': ' || reason end", "'; '",
            "order by channel, template, action_id") }} as withheld_list
    from tonight
    group by loan_id

),

withheld_kinds as (

    select
        loan_id,
        {{ dbt.listagg("kind", "', '", "order by kind") }} as withheld_kinds
    from (
        select distinct loan_id, {{ dbt.split_part('reason', "':'", 1) }} as kind
        from tonight
        where status = 'withheld'
    ) kinds
    group by loan_id

),

next_steps as (

    -- the next action the policy has for the loan's variant once its DPD grows
    select
        l.loan_id,
        a.channel,
        a.template,
        a.trigger_dpd,
        row_number() over (partition by l.loan_id order by a.trigger_dpd, a.action_order, a.channel) as step_rank
    from loans l
    inner join {{ ref('int_contact__actions') }} a
        on a.variant = l.variant
        and a.trigger_dpd > l.dpd
        and a.channel in ('sms', 'email', 'call', 'letter')

),

recurring_now as (

    select
        l.loan_id,
        {{ dbt.listagg("a.channel || ' ' || a.template || ' every ' || cast(a.every_days as " ~ str ~ ") || ' days'",
                       "'; '", "order by a.channel, a.template") }} as recurring
    from loans l
    inner join {{ ref('int_contact__actions') }} a
        on a.variant = l.variant
        and a.stage = l.stage
        and a.kind = 'recurring'
        and a.trigger_dpd <= l.dpd
    group by l.loan_id

),

decided as (

    select
        l.*,
        coalesce(p.contacts_scheduled, 0) as contacts_scheduled,
        coalesce(p.referrals, 0) as referrals,
        coalesce(p.contacts_withheld, 0) as contacts_withheld,
        coalesce(p.visits_scheduled, 0) as visits_scheduled,
        coalesce(p.visits_pending_notice, 0) as visits_pending_notice,
        p.visit_plan,
        p.visit_wait,
        coalesce(p.withheld_unreachable, 0) as withheld_unreachable,
        p.scheduled_list,
        p.withheld_list,
        wk.withheld_kinds,
        l.phone is null and l.email is null and not coalesce(l.has_address, false) as no_contact_point,
        n.channel as next_channel,
        n.template as next_template,
        n.trigger_dpd as next_dpd,
        r.recurring,
        pl.placement_type,
        pl.holder as placement_holder,
        pl.placed_on,
        pl.escalated_from,
        case
            when l.customer_id is null then 'the loan names no customer'
            else 'customer ' || l.customer_id || ' is absent from the '
                || cast({{ as_of_date() }} as {{ str }}) || ' customer snapshot'
        end as missing_reason
    from loans l
    left join per_loan p on p.loan_id = l.loan_id
    left join withheld_kinds wk on wk.loan_id = l.loan_id
    left join next_steps n on n.loan_id = l.loan_id and n.step_rank = 1
    left join recurring_now r on r.loan_id = l.loan_id
    left join {{ ref('int_contact__placements') }} pl on pl.loan_id = l.loan_id and pl.recalled_on is null

),

outcomes as (

    select
        *,
        case
            when blocks is not null then 'suppressed'
            when data_blocks_collection or customer_missing then 'data_blocked'
            when placed_on = {{ as_of_date() }} then 'referred'
            when placed_on is not null then 'placed'
            when promise_status = 'open' then 'promise_pending'
            when visits_scheduled > 0 then 'visit_scheduled'
            when visits_pending_notice > 0 then 'visit_pending_notice'
            when contacts_scheduled > 0 then 'contact_scheduled'
            when withheld_unreachable > 0 or no_contact_point then 'unreachable'
            when contacts_withheld > 0 then 'suppressed'
            else 'no_action_due'
        end as outcome
    from decided

)

select
    {{ as_of_date() }} as as_of_date,
    loan_id,
    outcome,
    case
        when blocks is not null then 'open ' || blocks
            || case when data_blocks_collection then '; ' || data_reason
                    when customer_missing then '; ' || missing_reason else '' end
        when data_blocks_collection then data_reason
        when customer_missing then missing_reason
        when placed_on is not null then
            case when placed_on = {{ as_of_date() }} then 'placed tonight: ' else 'placed: ' end
            || case when placement_type = 'legal' then 'legal referral to ' else 'agency placement with ' end
            || placement_holder || ' since ' || cast(placed_on as {{ str }})
            || coalesce(' (escalated from ' || escalated_from || ')', '')
            || ': the lender sends nothing of its own'
            || coalesce('; withheld: ' || withheld_list, '')
        when promise_status = 'open' then 'promise to pay '
            || coalesce(cast(promise_amount as {{ str }}) || ' ', '') || 'by '
            || cast(promise_date as {{ str }}) || ': contact resumes the day after'
        when visits_scheduled > 0 or visits_pending_notice > 0 then coalesce(visit_plan, visit_wait)
            || ' on ' || cast(cast({{ dbt.dateadd('day', 1, as_of_date()) }} as date) as {{ str }})
            || coalesce('; scheduled: ' || scheduled_list, '')
            || coalesce('; withheld: ' || withheld_list, '')
        when contacts_scheduled > 0 then 'scheduled for '
            || cast(cast({{ dbt.dateadd('day', 1, as_of_date()) }} as date) as {{ str }}) || ': ' || scheduled_list
            || coalesce('; withheld: ' || withheld_list, '')
        when withheld_unreachable > 0 or no_contact_point then 'no usable '
            || case when phone is null then 'phone' else '' end
            || case when phone is null and (email is null or not coalesce(has_address, false)) then ', ' else '' end
            || case when email is null then 'e-mail' else '' end
            || case when email is null and not coalesce(has_address, false) then ', ' else '' end
            || case when not coalesce(has_address, false) then 'postal address' else '' end
            || coalesce(' (withheld: ' || withheld_list || ')', '') || ': on skip_trace.csv'
        when contacts_withheld > 0 then withheld_list
        else 'nothing due tonight (stage ' || stage || ', DPD ' || cast(dpd as {{ str }}) || ')'
            || case when recurring is not null then '; recurring: ' || recurring || ' (not due tonight)' else '' end
            || coalesce('; next: ' || next_channel || ' ' || next_template || ' at DPD '
                || cast(next_dpd as {{ str }}), '')
    end as reason,
    customer_id,
    dpd,
    bucket,
    stage,
    person_id,
    variant,
    contacts_scheduled,
    contacts_withheld,
    case
        when blocks is not null then 'block'
        when outcome = 'suppressed' then withheld_kinds
    end as suppressed_by,
    overdue_since,
    overdue_amount,
    currency,
    data_status
from outcomes
