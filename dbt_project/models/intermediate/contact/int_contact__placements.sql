{#- Placements on D: every loan an agency or a lawyer holds tonight, one row per loan.

    A placement is a state of the loan, carried from night to night (marts.placements of the latest
    night before D, read by relation: only earlier nights count, so a rerun of an old date is not
    polluted by later ones) until it is recalled:
    - new tonight: a legal_referral / agency_placement action due tonight that the per-loan rules let
      through (int_contact__candidates: data, block, promise); legal takes precedence over agency on
      the same night; a loan already placed is not placed again, except an agency placement due for
      legal, which is escalated once (placement_type legal, escalated_from agency);
    - recalled tonight (recalled_on = D, the row is kept that night): the policy's
      recall_after_days for its type reached, its loan id in the policy's recalled_loans, or the
      extract's loans.csv says placement_status = recalled. A recalled account is not placed again
      in the same overdue episode (episode_start = overdue-since date).
    The holder is the policy's holder of the type. While recalled_on is null the lender sends
    nothing of its own (contact_log withholds every contact: placed:...). -#}
{{ config(materialized='table') }}
{%- set cp = var('contact_policy') -%}
{%- set pl = cp['placements'] -%}
{%- set holders = pl['holders'] -%}
{%- set recall_days = pl['recall_after_days'] -%}
{%- set recalled_loans = pl['recalled_loans'] -%}
{%- set str = dbt.type_string() -%}
{%- set prior_rel = contact_placements_of_earlier_nights() %}

with prior as (

    {% if prior_rel is not none -%}
    select loan_id, customer_id, placement_type, referral_channel, placed_on, episode_start, escalated_from, reason
    from {{ prior_rel }}
    where as_of_date = (select max(as_of_date) from {{ prior_rel }} where as_of_date < {{ as_of_date() }})
        and recalled_on is null
    {%- else -%}
    select
        cast(null as {{ str }}) as loan_id, cast(null as {{ str }}) as customer_id,
        cast(null as {{ str }}) as placement_type, cast(null as {{ str }}) as referral_channel,
        cast(null as date) as placed_on, cast(null as date) as episode_start,
        cast(null as {{ str }}) as escalated_from, cast(null as {{ str }}) as reason
    where 1 = 0
    {%- endif %}

),

earlier_recalls as (

    -- a recalled account is not placed again in the same overdue episode
    {% if prior_rel is not none -%}
    select distinct loan_id, episode_start
    from {{ prior_rel }}
    where as_of_date < {{ as_of_date() }}
        and recalled_on is not null
    {%- else -%}
    select cast(null as {{ str }}) as loan_id, cast(null as date) as episode_start
    where 1 = 0
    {%- endif %}

),

due as (

    select
        loan_id,
        customer_id,
        channel as referral_channel,
        case when channel = 'legal_referral' then 'legal' else 'agency' end as placement_type,
        due_reason,
        episode_start,
        row_number() over (
            partition by loan_id order by case when channel = 'legal_referral' then 0 else 1 end
        ) as precedence
    from {{ ref('int_contact__candidates') }}
    where channel in ('legal_referral', 'agency_placement')
        and withheld_reason is null

),

extract_recalls as (

    select distinct loan_id
    from {{ ref('stg_loans') }}
    where as_of_date = {{ as_of_date() }}
        and not is_quarantined
        and placement_status = 'recalled'

),

placed_tonight as (

    select
        d.loan_id,
        d.customer_id,
        d.placement_type,
        d.referral_channel,
        cast({{ as_of_date() }} as date) as placed_on,
        d.episode_start,
        p.placement_type as escalated_from,
        d.due_reason as reason
    from due d
    left join prior p on p.loan_id = d.loan_id
    where d.precedence = 1
        and (p.loan_id is null or (p.placement_type = 'agency' and d.placement_type = 'legal'))
        {%- if recalled_loans %}
        and d.loan_id not in ({% for l in recalled_loans %}'{{ l | replace("'", "''") }}'{{ ', ' if not loop.last }}{% endfor %})
        {%- endif %}
        and d.loan_id not in (select loan_id from extract_recalls)
        and not exists (
            select 1 from earlier_recalls r where r.loan_id = d.loan_id and r.episode_start = d.episode_start
        )

),

carried as (

    select
        p.loan_id, p.customer_id, p.placement_type, p.referral_channel, p.placed_on, p.episode_start,
        p.escalated_from, p.reason
    from prior p
    where p.loan_id not in (select loan_id from placed_tonight)

),

states as (

    select *, false as is_new from carried
    union all
    select *, true as is_new from placed_tonight

),

recalls as (

    select
        s.*,
        case
            {%- if recalled_loans %}
            when s.loan_id in ({% for l in recalled_loans %}'{{ l | replace("'", "''") }}'{{ ', ' if not loop.last }}{% endfor %})
                then 'policy: contact.placements.recalled_loans'
            {%- endif %}
            when s.loan_id in (select loan_id from extract_recalls)
                then 'extract: loans.csv placement_status = recalled'
            {%- for t, days in recall_days.items() | sort if days is not none %}
            when s.placement_type = '{{ t }}' and {{ dbt.datediff('s.placed_on', as_of_date(), 'day') }} >= {{ days }}
                then 'policy: contact.placements.recall_after_days.{{ t }} ({{ days }} days)'
            {%- endfor %}
        end as recall_reason
    from states s
    where not s.is_new

),

states_on_d as (

    select
        loan_id, customer_id, placement_type, referral_channel, placed_on, episode_start, escalated_from,
        recall_reason, reason, false as is_new
    from recalls
    union all
    select
        loan_id, customer_id, placement_type, referral_channel, placed_on, episode_start, escalated_from,
        cast(null as {{ str }}) as recall_reason, reason, true as is_new
    from placed_tonight

)

select
    cast({{ as_of_date() }} as date) as as_of_date,
    loan_id,
    customer_id,
    placement_type,
    referral_channel,
    placed_on,
    episode_start,
    case placement_type
        {%- for t, h in holders.items() | sort %}
        when '{{ t }}' then '{{ h | replace("'", "''") }}'
        {%- endfor %}
    end as holder,
    escalated_from,
    case when recall_reason is not null then cast({{ as_of_date() }} as date) end as recalled_on,
    recall_reason,
    reason,
    is_new
from states_on_d
