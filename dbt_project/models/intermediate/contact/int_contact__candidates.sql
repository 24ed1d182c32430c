{#- The contacts due for D+1 and the per-loan rules that withhold them.

    Due: the policy's actions (int_contact__actions) of the loan's stage and variant whose trigger
    the loan's DPD on D has reached: a step once per overdue episode (episode = overdue-since date;
    a withheld or missed step is caught up until the action's next step is reached), a recurring
    action when it was not scheduled in the last every_days nights. A broken promise (escalation
    period) adds a call where none is due and sends its own SMS template. A message for a customer
    without a usable phone (SMS) or e-mail goes by the other channel when the policy's
    channel_fallback allows and the template has a text for it (planned_channel keeps the plan).
    At most one call per loan and one message per channel and template. Field visits and their
    notices come from int_contact__visit_due (a visit needs a complete address). An action limited to risk
    bands (policy `risk_bands`) is due only for loans whose collection score of D is in one of them.

    Withheld, first reason that applies: data (a loan the validate step found orphaned or
    quarantined, or whose customer is absent from D's snapshot), block (open flag
    on the loan or any customer id of the person), promise (open promise: contact resumes the day
    after its date), unreachable (no usable phone, e-mail or address for the channel), window (no
    allowed hours on D+1), template (amount or DPD beyond what the SMS text is proven to fit),
    cap (a conversation about the debt in the last pause days; the debt's calls in 7 days). The
    daily caps per person and per number, and agent capacity, come after (int_contact__daily_caps,
    int_contact__call_assignment). -#}
{{ config(materialized='table') }}
{%- set cp = var('contact_policy') -%}
{%- set limits = cp['limits'] -%}
{%- set promise = cp['promise'] -%}
{%- set str = dbt.type_string() -%}

with loans as (

    -- with the night's collection score (docs/scoring.md): risk-band routing and expected recovery
    select l.*, s.risk_band, s.probability_to_pay
    from {{ ref('int_contact__loan_state') }} l
    left join {{ ref('collection_scores') }} s
        on s.loan_id = l.loan_id
        and s.as_of_date = {{ as_of_date() }}

),

actions as (

    select * from {{ ref('int_contact__actions') }}

),

history as (

    select * from {{ ref('int_contact__log_history') }}

),

due as (

    select
        l.loan_id,
        a.channel,
        a.template as action_template,
        a.fallback_channel,
        a.kind,
        a.trigger_dpd,
        a.trigger_key,
        a.action_order
    from loans l
    inner join actions a
        on a.variant = l.variant
        and a.stage = l.stage
        and l.dpd >= a.trigger_dpd
        and (a.next_trigger_dpd is null or l.dpd < a.next_trigger_dpd)
        and l.overdue_amount >= a.min_amount
        and (a.countries is null or a.countries like '%;' || coalesce(l.country, '') || ';%')
        and (a.risk_bands is null or a.risk_bands like '%;' || coalesce(l.risk_band, '') || ';%')
        -- visits and their notices: int_contact__visit_due decides (below)
        and a.channel <> 'visit'
    where (
            a.kind = 'step'
            -- a loan first seen already in arrears starts at its current DPD: no earlier step replayed
            and a.trigger_dpd >= l.first_step_dpd
            and not exists (
                select 1 from history h
                where h.loan_id = l.loan_id
                    and h.trigger_key = a.trigger_key
                    and h.episode_start = l.overdue_since
            )
        )
        or (
            a.kind = 'recurring'
            and not exists (
                select 1 from history h
                where h.loan_id = l.loan_id
                    and h.trigger_key = a.trigger_key
                    and {{ dbt.datediff('h.as_of_date', as_of_date(), 'day') }} < a.every_days
            )
        )

    union all

    -- a broken promise: a call even where the stage has none due tonight
    select
        l.loan_id,
        'call' as channel,
        '{{ promise['escalation_call_template'] }}' as action_template,
        cast(null as {{ str }}) as fallback_channel,
        'escalation' as kind,
        cast(null as {{ dbt.type_int() }}) as trigger_dpd,
        'promise:call' as trigger_key,
        -1 as action_order
    from loans l
    where l.is_escalated

    union all

    -- a field visit due (int_contact__visit_due: its conditions, the person's visit window); the
    -- visiting hours, notice, one visit per person and the field agents come after
    -- (int_contact__visit_assignment)
    select
        v.loan_id,
        'visit' as channel,
        v.template as action_template,
        cast(null as {{ str }}) as fallback_channel,
        'recurring' as kind,
        v.trigger_dpd,
        v.trigger_key,
        v.action_order
    from {{ ref('int_contact__visit_due') }} v

    union all

    -- the notice of a visit, by the first notice channel the customer can be reached by
    select
        v.loan_id,
        v.notice_channel as channel,
        '{{ cp['visits']['notice']['template'] }}' as action_template,
        cast(null as {{ str }}) as fallback_channel,
        'notice' as kind,
        v.trigger_dpd,
        'visit:notice' as trigger_key,
        -2 as action_order
    from {{ ref('int_contact__visit_due') }} v
    where v.notice_state = 'needed'
        and v.notice_channel is not null
        and not v.recently_visited

),

{%- set esc_fallback = promise['escalation_sms_fallback'] %}
templated as (

    -- a broken promise sends its own SMS text; a message for a customer without a usable address
    -- for its channel goes by the fallback channel when the template has a text for it
    select
        d.loan_id,
        d.channel as planned_channel,
        d.action_template,
        d.kind,
        d.trigger_dpd,
        d.trigger_key,
        d.action_order,
        case
            when d.channel = 'sms' and l.is_escalated and d.kind <> 'notice' then '{{ promise['escalation_sms_template'] }}'
            else d.action_template
        end as template,
        case
            when d.channel = 'sms' and l.is_escalated and d.kind <> 'notice' then {{ "'" ~ esc_fallback ~ "'" if esc_fallback else 'cast(null as ' ~ str ~ ')' }}
            else d.fallback_channel
        end as fallback_channel,
        l.is_escalated,
        -- the channels' usable contact points: a valid number / address not reported wrong or
        -- bounced (int_contact__recipients), on a channel the customer has not opted out of
        case when coalesce(l.opted_out_channels, '') not like '%;sms;%' then l.phone end as sms_phone,
        case when coalesce(l.opted_out_channels, '') not like '%;email;%' then l.email end as email
    from due d
    inner join loans l on l.loan_id = d.loan_id

),

routed as (

    select
        t.*,
        case
            when t.planned_channel = 'sms' and t.sms_phone is null and t.fallback_channel = 'email'
                and t.email is not null then 'email'
            when t.planned_channel = 'email' and t.email is null and t.fallback_channel = 'sms'
                and t.sms_phone is not null then 'sms'
            else t.planned_channel
        end as channel
    from templated t

),

one_each as (

    select
        r.*,
        row_number() over (
            partition by r.loan_id, r.channel, case when r.channel = 'call' then '' else r.template end
            order by case when r.kind = 'escalation' then 1 else 0 end,
                case when r.channel = r.planned_channel then 0 else 1 end, r.action_order, r.trigger_key
        ) as copy_no
    from routed r

)

select
    l.loan_id,
    l.customer_id,
    l.person_id,
    l.variant,
    l.stage,
    l.bucket,
    l.dpd,
    l.overdue_since as episode_start,
    l.overdue_amount,
    l.currency,
    l.language,
    l.country,
    l.last_agent_id,
    l.is_escalated,
    a.channel,
    a.planned_channel,
    a.template,
    a.action_template,
    a.kind,
    a.trigger_dpd,
    a.trigger_key,
    a.action_order,
    case
        when a.channel in ('sms', 'call') then l.phone
        when a.channel = 'email' then l.email
    end as destination,
    case when a.channel in ('sms', 'email', 'call') then l.window_start_utc end as scheduled_after,
    case when a.channel in ('sms', 'email', 'call') then l.window_end_utc end as scheduled_before,
    case when a.channel in ('sms', 'email', 'call') then l.display_zone end as display_zone,
    l.calls_last_7_days,
    cast(
        {%- if cp['priority'] == 'expected_recovery' %} l.overdue_amount * coalesce(l.probability_to_pay, 1)
        {%- elif cp['priority'] == 'overdue_amount' %} l.overdue_amount
        {%- elif cp['priority'] == 'dpd' %} l.dpd
        {%- else %} l.overdue_amount * l.dpd
        {%- endif %}
        * case when l.is_escalated then {{ promise['escalation_priority_factor'] }} else 1 end
        as decimal(38, 2)) as priority_score,
    case
        when a.kind = 'notice' then 'notice of a field visit (DPD ' || cast(l.dpd as {{ str }})
            || ', from DPD ' || cast(a.trigger_dpd as {{ str }}) || ' of ' || l.stage || ')'
        when a.channel = 'visit' then l.stage || ' field visit from DPD ' || cast(a.trigger_dpd as {{ str }})
        when a.kind = 'escalation' then 'broken promise of ' || cast(l.promise_date as {{ str }}) || ': call'
        when a.kind = 'recurring' then l.stage || ' ' || a.channel || ' queue from DPD '
            || cast(a.trigger_dpd as {{ str }})
        else 'DPD ' || cast(a.trigger_dpd as {{ str }}) || ' step of ' || l.stage || ' ' || a.channel
            || ' ' || a.action_template
    end
        || case when a.planned_channel = 'sms' and l.is_escalated and a.kind <> 'escalation'
            then ' (broken promise of ' || cast(l.promise_date as {{ str }}) || ')' else '' end
        || case when a.channel <> a.planned_channel
            then ' (by ' || a.channel || ': no usable ' || case when a.planned_channel = 'sms' then 'phone'
                else 'e-mail' end || ')' else '' end as due_reason,
    case
        when l.data_blocks_collection then 'data:' || l.data_status || ' (' || l.data_reason || ')'
        when l.customer_missing then 'data:customer_missing (customer ' || coalesce(l.customer_id, '?')
            || ' absent from the ' || cast({{ as_of_date() }} as {{ str }}) || ' customer snapshot)'
        when l.blocks is not null then 'block:' || l.blocks
        when l.promise_status = 'open' then 'promise:open until ' || cast(l.promise_date as {{ str }})
        when coalesce(l.opted_out_channels, '') like '%;' || a.channel || ';%'
            then 'opted_out:' || a.channel || ' (the customer asked to stop this channel)'
        when a.channel in ('sms', 'call') and l.phone is null
            then 'unreachable:no_phone' || coalesce(' (' || l.phone_problem || ')', '')
        when a.channel = 'email' and l.email is null
            then 'unreachable:no_email' || coalesce(' (' || l.email_problem || ')', '')
        when a.channel in ('letter', 'visit') and not l.has_address then 'unreachable:no_address'
        when a.channel in ('sms', 'email', 'call') and l.window_problem is not null then l.window_problem
        when a.channel = 'sms' and (l.overdue_amount > cast('{{ cp['sms_max_amount'] }}' as decimal(18, 2))
                or l.dpd > {{ cp['sms_max_dpd'] }})
            then 'template:sms_too_long (amount or DPD beyond the proven SMS length)'
        when a.channel in ('sms', 'email', 'letter') and exists (
                select 1 from history h
                where h.person_id = l.person_id and h.channel = a.channel and h.template = a.template
                    and h.as_of_date = {{ dbt.dateadd('day', -1, as_of_date()) }})
            then 'repeat:consecutive_days (the same ' || a.channel || ' ' || a.template
                || ' was scheduled for the person last night)'
        when a.channel = 'call' and l.last_conversation_at > l.pause_boundary_utc
            then 'cap:pause_after_conversation ({{ limits['pause_days_after_conversation'] }} days after a conversation about the debt)'
        when a.channel = 'call' and l.calls_last_7_days >= {{ limits['calls_per_debt_per_7_days'] }}
            then 'cap:calls_per_debt_per_7_days (' || cast(l.calls_last_7_days as {{ str }}) || ' calls in 7 days)'
    end as withheld_reason
from one_each a
inner join loans l on l.loan_id = a.loan_id
where a.copy_no = 1
