{#- Every overdue loan of D (marts.loan_delinquency) with what the contact rules need to know about
    it on D: the data status the validate step gave it (orphan/quarantined loans block collection),
    the recipient (phone, e-mail, address, language, window on D+1), the person, the
    champion/challenger variant, open blocks, the latest promise to pay, the calls about the debt
    in the last 7 days and the last conversation, and the agent who last spoke to the person.

    Only what was known on D counts (events delivered on or before D, the product's own schedule of
    earlier nights), so a rerun of an old date decides as that night did.

    Rows the validate step quarantined (is_quarantined) still count here: an attempt or a block in
    doubt can only make contact stricter (a call with a negative duration still happened and counts
    towards the caps), never looser. Money and schedules are the other way round (left out). -#}
{{ config(materialized='table') }}
{%- set cp = var('contact_policy') -%}
{%- set blocks = cp['blocks'] -%}
{%- set promise = cp['promise'] -%}
{%- set challengers = cp['challengers'] -%}
{%- set tomorrow = dbt.dateadd('day', 1, as_of_date()) -%}
{#- The variant: the first 4 hex digits of md5(salt:loan_id) as a number 0..65535, challenger below
    share x 65536. Portable: dbt.hash and dbt.position, no engine-specific hex parsing. -#}
{%- set variant_tests = [] -%}
{%- for stage, ch in challengers.items() | sort -%}
    {%- set h = dbt.hash("'" ~ (ch['salt'] | replace("'", "''")) ~ ":' || l.loan_id") -%}
    {%- set digits = [] -%}
    {%- for i in range(1, 5) -%}
        {%- set _ = digits.append("(" ~ dbt.position("substr(" ~ h ~ ", " ~ i ~ ", 1)", "'0123456789abcdef'") ~ " - 1) * " ~ (16 ** (4 - i))) -%}
    {%- endfor -%}
    {%- set _ = variant_tests.append({'stage': stage, 'number': digits | join(' + '), 'below': ch['share_per_65536']}) -%}
{%- endfor %}

with overdue as (

    select loan_id, customer_id, dpd, bucket, stage, overdue_since, overdue_amount, outstanding_principal, currency
    from {{ ref('loan_delinquency') }}
    where as_of_date = {{ as_of_date() }}
        and is_overdue

),

recipients as (

    select * from {{ ref('int_contact__recipients') }}

),

seen as (

    -- the nights the warehouse knew each overdue loan (up to D): a loan first seen already in
    -- arrears (the warehouse's first night, or a loan new to the book) starts at the DPD it had
    -- then; the policy's earlier steps of that episode are not replayed
    select
        h.loan_id,
        min(h.as_of_date) as first_seen_on,
        min(case when h.overdue_since = o.overdue_since then h.as_of_date end) as episode_seen_on
    from {{ ref('loan_delinquency') }} h
    inner join overdue o on o.loan_id = h.loan_id
    where h.as_of_date <= {{ as_of_date() }}
    group by h.loan_id

),

first_steps as (

    select
        s.loan_id,
        case when s.episode_seen_on = s.first_seen_on then h.dpd else 0 end as first_step_dpd
    from seen s
    inner join {{ ref('loan_delinquency') }} h
        on h.loan_id = s.loan_id and h.as_of_date = s.episode_seen_on

),

loans as (

    select
        o.*,
        coalesce(r.person_id, o.customer_id) as person_id,
        r.customer_id is null as customer_missing,
        coalesce(q.blocks_collection, false) as data_blocks_collection,
        q.data_status,
        q.reason as data_reason,
        r.full_name, r.phone, r.email, r.has_address, r.phone_problem, r.email_problem, r.opted_out_channels, r.language, r.country,
        r.address_line1, r.address_line2, r.city, r.region, r.postal_code,
        r.zone_key, r.display_zone, r.window_start_utc, r.window_end_utc, r.lookback_start_utc,
        r.pause_boundary_utc, r.window_problem,
        coalesce(fs.first_step_dpd, 0) as first_step_dpd
    from overdue o
    left join recipients r on r.customer_id = o.customer_id
    left join first_steps fs on fs.loan_id = o.loan_id
    left join {{ ref('int_quality_loan_data_status') }} q
        on q.as_of_date = {{ as_of_date() }} and q.loan_id = o.loan_id

),

open_flags as (

    -- open on D or on D+1 (the contact day): the stricter of the two readings
    select subject_type, subject_id, flag, effective_from
    from {{ ref('stg_flags') }}
    where as_of_date = {{ as_of_date() }}
        and flag in ({% for b in blocks %}'{{ b }}', {% endfor %}'-none-')
        and (effective_from is null or effective_from <= {{ tomorrow }})
        and (effective_to is null or effective_to >= {{ as_of_date() }})

),

block_hits as (

    select l.loan_id, f.flag, f.subject_type, f.subject_id, f.effective_from
    from loans l
    inner join open_flags f on f.subject_type = 'loan' and f.subject_id = l.loan_id
    union
    select l.loan_id, f.flag, f.subject_type, f.subject_id, f.effective_from
    from loans l
    inner join open_flags f on f.subject_type = 'customer' and f.subject_id = l.customer_id
    union
    -- a flag on any customer id of the same person (a deceased or bankrupt person is one person)
    select l.loan_id, f.flag, f.subject_type, f.subject_id, f.effective_from
    from loans l
    inner join recipients same on same.person_id = l.person_id
    inner join open_flags f on f.subject_type = 'customer' and f.subject_id = same.customer_id

),

blocked as (

    select
        loan_id,
        {{ dbt.listagg("flag || ' on ' || subject_type || ' ' || subject_id"
                       ~ " || coalesce(' since ' || cast(effective_from as " ~ dbt.type_string() ~ "), '')", "'; '",
                       "order by flag, subject_type, subject_id, effective_from") }} as blocks
    from block_hits
    group by loan_id

),

attempts as (

    select *
    from {{ ref('stg_contact_attempts') }}
    where delivered_on <= {{ as_of_date() }}

),

promise_state as (

    -- the latest promise known on D with its outcome (int_promise_outcomes: the one promise rule,
    -- which the KPI marts read too): until the day after its date it defers contact (open), then
    -- it is kept, or partial / broken (contact resumes and escalates)
    select
        loan_id,
        promise_date,
        promise_amount,
        paid_amount as promise_paid,
        case when promise_date >= {{ tomorrow }} then 'open' else status end as promise_status
    from (
        select
            *,
            row_number() over (partition by loan_id order by started_at desc, attempt_id desc) as promise_rank
        from {{ ref('int_promise_outcomes') }}
        where promise_date is not null
    ) latest
    where promise_rank = 1

),

calls as (

    select loan_id, customer_id, agent_id, attempt_id, started_at, is_right_party_contact
    from attempts
    where channel = 'call'

),

delivered_calls as (

    select l.loan_id, count(*) as calls
    from loans l
    inner join calls c on c.loan_id = l.loan_id and c.started_at > l.lookback_start_utc
    group by l.loan_id

),

scheduled_calls as (

    -- last night's call entries (for D: D's extract may not hold all their attempts yet, e.g. an
    -- evening window abroad that ends after the lender's day) count at their attempt allowance
    -- unless the delivered history already shows calls about the debt in their window; entries of
    -- older nights are covered by the extracts, so the delivered calls above count them
    select l.loan_id, sum(coalesce(h.max_attempts, 1)) as calls
    from loans l
    inner join {{ ref('int_contact__log_history') }} h
        on h.loan_id = l.loan_id
        and h.channel = 'call'
        and h.scheduled_before > l.lookback_start_utc
        and h.as_of_date >= {{ dbt.dateadd('day', -1, as_of_date()) }}
    where not exists (
        select 1 from calls c
        where c.loan_id = h.loan_id
            and c.started_at >= h.scheduled_after
            and c.started_at < h.scheduled_before
    )
    group by l.loan_id

),

conversations as (

    select loan_id, max(started_at) as last_conversation_at
    from calls
    where is_right_party_contact
    group by loan_id

),

last_agent as (

    select
        r.person_id,
        c.agent_id,
        row_number() over (partition by r.person_id order by c.started_at desc, c.attempt_id desc) as agent_rank
    from calls c
    inner join recipients r on r.customer_id = c.customer_id
    where c.is_right_party_contact
        and c.agent_id is not null

)

select
    l.*,
    case
        {%- for t in variant_tests %}
        when l.stage = '{{ t.stage }}' and {{ t.number }} < {{ t.below }} then 'challenger'
        {%- endfor %}
        else 'champion'
    end as variant,
    b.blocks,
    p.promise_date,
    p.promise_amount,
    p.promise_paid,
    p.promise_status,
    coalesce(p.promise_status in ('broken', 'partial')
        and {{ dbt.datediff('p.promise_date', as_of_date(), 'day') }} < {{ promise['escalation_days'] }},
        false) as is_escalated,
    cast(coalesce(dc.calls, 0) + coalesce(sc.calls, 0) as {{ dbt.type_int() }}) as calls_last_7_days,
    cv.last_conversation_at,
    la.agent_id as last_agent_id
from loans l
left join blocked b on b.loan_id = l.loan_id
left join promise_state p on p.loan_id = l.loan_id
left join delivered_calls dc on dc.loan_id = l.loan_id
left join scheduled_calls sc on sc.loan_id = l.loan_id
left join conversations cv on cv.loan_id = l.loan_id
left join last_agent la on la.person_id = l.person_id and la.agent_rank = 1
