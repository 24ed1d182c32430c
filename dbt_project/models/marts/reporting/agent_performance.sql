{#- Agent performance per reporting period (calendar month; ISO week), currency and agent, as known
    on D: one row per agent with any activity in the period (an attempt, a promise falling due or a
    payment credited). Attempts, right-party contacts (RPC) and promises come from the contact
    attempts (int_reporting_contacts), promise results from promise_outcomes, credited money from
    payment_attribution, rule breaches from contact_rule_breaches.

    rpc_rate      = call_rpcs / call_attempts (conversations with the debtor per call attempt)
    visit_rpc_rate = visit_rpcs / visit_attempts (field work: home visits that met the debtor)
    ptp_rate      = promises_made / right_party_contacts
    ptp_kept_rate = promises_kept / promises_due, over promises whose promise date falls in the
                    period and is D or earlier (typical 60-80%)
    breach_rate   = attempts_with_breach / attempts
    rank_in_team  = 1 for the agent with the most money credited in the period within the team
                    (ties: higher PTP kept rate, then higher RPC rate, then agent_id). -#}

with periods as (

    select * from {{ ref('int_reporting_periods') }}

),

agents as (

    select * from {{ latest_rows(ref('stg_agents'), 'agent_id', 'as_of_date desc',
                                 ['agent_id', 'full_name', 'team', 'active'], 'as_of_date <= ' ~ as_of_date()) }} a

),

attempts as (

    select
        p.period_type,
        p.period_start,
        c.currency,
        c.agent_id,
        count(*) as attempts,
        sum(case when c.channel = 'call' then 1 else 0 end) as call_attempts,
        sum(case when c.is_right_party_contact then 1 else 0 end) as right_party_contacts,
        sum(case when c.channel = 'call' and c.is_right_party_contact then 1 else 0 end) as call_rpcs,
        sum(case when c.channel = 'visit' then 1 else 0 end) as visit_attempts,
        sum(case when c.channel = 'visit' and c.is_right_party_contact then 1 else 0 end) as visit_rpcs,
        sum(case when c.is_promise then 1 else 0 end) as promises_made,
        sum(case when c.is_promise then coalesce(c.promise_amount, 0) else 0 end) as promised_amount,
        count(distinct c.loan_id) as accounts_handled
    from {{ ref('int_reporting_contacts') }} c
    inner join periods p
        on c.contact_date >= p.period_start
        and c.contact_date <= p.period_end
    where c.agent_id is not null
    group by p.period_type, p.period_start, c.currency, c.agent_id

),

promises as (

    select
        p.period_type,
        p.period_start,
        o.currency,
        o.agent_id,
        sum(case when o.is_due then 1 else 0 end) as promises_due,
        sum(case when o.is_due and o.status = 'kept' then 1 else 0 end) as promises_kept,
        sum(case when o.is_due and o.status = 'partial' then 1 else 0 end) as promises_partial,
        sum(case when o.is_due and o.status = 'broken' then 1 else 0 end) as promises_broken,
        sum(case when o.is_due then o.kept_amount else 0 end) as kept_amount
    from {{ ref('promise_outcomes') }} o
    inner join periods p
        on o.promise_date >= p.period_start
        and o.promise_date <= p.period_end
    where o.agent_id is not null
    group by p.period_type, p.period_start, o.currency, o.agent_id

),

credited as (

    select
        p.period_type,
        p.period_start,
        a.currency,
        a.agent_id,
        count(*) as payments_credited,
        sum(a.net_amount) as collected_amount
    from {{ ref('payment_attribution') }} a
    inner join periods p
        on a.value_date >= p.period_start
        and a.value_date <= p.period_end
    where a.agent_id is not null
    group by p.period_type, p.period_start, a.currency, a.agent_id

),

breaches as (

    select
        p.period_type,
        p.period_start,
        b.currency,
        b.agent_id,
        count(distinct b.attempt_id) as attempts_with_breach,
        sum(case when b.rule = 'outside_hours' then 1 else 0 end) as breaches_outside_hours,
        sum(case when b.rule = 'too_many_calls_7_days' then 1 else 0 end) as breaches_too_many_calls,
        sum(case when b.rule = 'call_after_conversation' then 1 else 0 end) as breaches_call_after_conversation,
        sum(case when b.rule = 'too_many_connected_calls_day' then 1 else 0 end) as breaches_connected_calls_day,
        count(*) as contact_rule_breaches
    from {{ ref('contact_rule_breaches') }} b
    inner join periods p
        on b.contact_date >= p.period_start
        and b.contact_date <= p.period_end
    where b.agent_id is not null
    group by p.period_type, p.period_start, b.currency, b.agent_id

),

keys as (

    select period_type, period_start, currency, agent_id from attempts
    union
    select period_type, period_start, currency, agent_id from promises
    union
    select period_type, period_start, currency, agent_id from credited

),

measured as (

    select
        k.period_type,
        k.period_start,
        k.currency,
        k.agent_id,
        g.full_name as agent_name,
        coalesce(g.team, 'unknown') as team,
        coalesce(att.attempts, 0) as attempts,
        coalesce(att.call_attempts, 0) as call_attempts,
        coalesce(att.right_party_contacts, 0) as right_party_contacts,
        coalesce(att.call_rpcs, 0) as call_rpcs,
        coalesce(att.visit_attempts, 0) as visit_attempts,
        coalesce(att.visit_rpcs, 0) as visit_rpcs,
        coalesce(att.promises_made, 0) as promises_made,
        coalesce(att.promised_amount, 0) as promised_amount,
        coalesce(pr.promises_due, 0) as promises_due,
        coalesce(pr.promises_kept, 0) as promises_kept,
        coalesce(pr.promises_partial, 0) as promises_partial,
        coalesce(pr.promises_broken, 0) as promises_broken,
        coalesce(pr.kept_amount, 0) as kept_amount,
        coalesce(cr.payments_credited, 0) as payments_credited,
        coalesce(cr.collected_amount, 0) as collected_amount,
        coalesce(att.accounts_handled, 0) as accounts_handled,
        coalesce(br.attempts_with_breach, 0) as attempts_with_breach,
        coalesce(br.breaches_outside_hours, 0) as breaches_outside_hours,
        coalesce(br.breaches_too_many_calls, 0) as breaches_too_many_calls,
        coalesce(br.breaches_call_after_conversation, 0) as breaches_call_after_conversation,
        coalesce(br.breaches_connected_calls_day, 0) as breaches_connected_calls_day,
        coalesce(br.contact_rule_breaches, 0) as contact_rule_breaches
    from keys k
    left join agents g on g.agent_id = k.agent_id
    left join attempts att
        on att.period_type = k.period_type and att.period_start = k.period_start
        and att.currency = k.currency and att.agent_id = k.agent_id
    left join promises pr
        on pr.period_type = k.period_type and pr.period_start = k.period_start
        and pr.currency = k.currency and pr.agent_id = k.agent_id
    left join credited cr
        on cr.period_type = k.period_type and cr.period_start = k.period_start
        and cr.currency = k.currency and cr.agent_id = k.agent_id
    left join breaches br
        on br.period_type = k.period_type and br.period_start = k.period_start
        and br.currency = k.currency and br.agent_id = k.agent_id

),

rated as (

    select
        *,
        {{ reporting_ratio('call_rpcs', 'call_attempts') }} as rpc_rate,
        {{ reporting_ratio('visit_rpcs', 'visit_attempts') }} as visit_rpc_rate,
        {{ reporting_ratio('promises_made', 'right_party_contacts') }} as ptp_rate,
        {{ reporting_ratio('promises_kept', 'promises_due') }} as ptp_kept_rate,
        {{ reporting_ratio('attempts_with_breach', 'attempts') }} as breach_rate
    from measured

)

select
    p.period_type,
    p.period_start,
    p.period_end,
    p.is_period_complete,
    r.currency,
    r.agent_id,
    r.agent_name,
    r.team,
    cast(r.attempts as {{ dbt.type_int() }}) as attempts,
    cast(r.call_attempts as {{ dbt.type_int() }}) as call_attempts,
    cast(r.right_party_contacts as {{ dbt.type_int() }}) as right_party_contacts,
    cast(r.call_rpcs as {{ dbt.type_int() }}) as call_rpcs,
    r.rpc_rate,
    cast(r.visit_attempts as {{ dbt.type_int() }}) as visit_attempts,
    cast(r.visit_rpcs as {{ dbt.type_int() }}) as visit_rpcs,
    r.visit_rpc_rate,
    cast(r.promises_made as {{ dbt.type_int() }}) as promises_made,
    r.ptp_rate,
    cast(r.promised_amount as {{ type_money() }}) as promised_amount,
    cast(r.promises_due as {{ dbt.type_int() }}) as promises_due,
    cast(r.promises_kept as {{ dbt.type_int() }}) as promises_kept,
    cast(r.promises_partial as {{ dbt.type_int() }}) as promises_partial,
    cast(r.promises_broken as {{ dbt.type_int() }}) as promises_broken,
    r.ptp_kept_rate,
    cast(r.kept_amount as {{ type_money() }}) as kept_amount,
    cast(r.payments_credited as {{ dbt.type_int() }}) as payments_credited,
    cast(r.collected_amount as {{ type_money() }}) as collected_amount,
    cast(r.accounts_handled as {{ dbt.type_int() }}) as accounts_handled,
    cast(r.contact_rule_breaches as {{ dbt.type_int() }}) as contact_rule_breaches,
    cast(r.attempts_with_breach as {{ dbt.type_int() }}) as attempts_with_breach,
    r.breach_rate,
    cast(r.breaches_outside_hours as {{ dbt.type_int() }}) as breaches_outside_hours,
    cast(r.breaches_too_many_calls as {{ dbt.type_int() }}) as breaches_too_many_calls,
    cast(r.breaches_call_after_conversation as {{ dbt.type_int() }}) as breaches_call_after_conversation,
    cast(r.breaches_connected_calls_day as {{ dbt.type_int() }}) as breaches_connected_calls_day,
    cast(rank() over (
        partition by r.period_type, r.period_start, r.currency, r.team
        order by r.collected_amount desc, r.ptp_kept_rate desc nulls last, r.rpc_rate desc nulls last, r.agent_id
    ) as {{ dbt.type_int() }}) as rank_in_team,
    cast(count(*) over (partition by r.period_type, r.period_start, r.currency, r.team) as {{ dbt.type_int() }}) as agents_in_team,
    {{ as_of_date() }} as as_of_date
from rated r
inner join periods p
    on p.period_type = r.period_type
    and p.period_start = r.period_start
