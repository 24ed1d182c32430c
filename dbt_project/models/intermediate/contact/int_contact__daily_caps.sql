{#- The caps per person and per number on D+1, over the contacts the per-loan rules let through
    (int_contact__candidates without a withheld reason). Linked customer ids are one person.

    - calls: at most connected_calls_per_person_per_day call entries per person (each entry ends at
      the first conversation), then at most attempts_per_number_per_day entries per phone number;
      an entry may be dialled max_attempts times: the number's attempts shared by its entries, and
      never more than the debt's calls left in its 7 days;
    - SMS and e-mail: at most sms_per_person_per_day / emails_per_person_per_day per person.
    The highest priority (priority_score, then loan id) keeps its place; the rest are withheld with
    reason cap:... and caught up on a later night. -#}
{{ config(materialized='table') }}
{%- set cp = var('contact_policy', {}) -%}
{%- if execute and not cp -%}
    {{ exceptions.raise_compiler_error("var contact_policy is missing: pass pipelines.contact.policy.contact_dbt_vars(policy file)") }}
{%- endif -%}
{%- set limits = cp.get('limits', {}) -%}

with eligible as (

    select
        loan_id, person_id, channel, template, destination, priority_score, calls_last_7_days,
        row_number() over (
            partition by person_id, channel
            order by priority_score desc, loan_id, template
        ) as person_rank
    from {{ ref('int_contact__candidates') }}
    where withheld_reason is null
        and channel in ('sms', 'email', 'call')

),

per_person as (

    select
        *,
        case
            when channel = 'call' and person_rank > {{ limits.get('connected_calls_per_person_per_day', 0) }}
                then 'cap:connected_calls_per_person_per_day ({{ limits.get("connected_calls_per_person_per_day", 0) }})'
            when channel = 'sms' and person_rank > {{ limits.get('sms_per_person_per_day', 0) }}
                then 'cap:sms_per_person_per_day ({{ limits.get("sms_per_person_per_day", 0) }})'
            when channel = 'email' and person_rank > {{ limits.get('emails_per_person_per_day', 0) }}
                then 'cap:emails_per_person_per_day ({{ limits.get("emails_per_person_per_day", 0) }})'
        end as person_cap_reason
    from eligible

),

per_number as (

    select
        *,
        case when channel = 'call' and person_cap_reason is null then row_number() over (
            partition by channel, destination, person_cap_reason
            order by priority_score desc, loan_id
        ) end as number_rank
    from per_person

),

capped as (

    select
        *,
        coalesce(person_cap_reason, case
            when number_rank > {{ limits.get('attempts_per_number_per_day', 0) }}
                then 'cap:attempts_per_number_per_day ({{ limits.get("attempts_per_number_per_day", 0) }})'
        end) as cap_reason
    from per_number

)

select
    loan_id,
    channel,
    template,
    person_rank,
    number_rank,
    cap_reason,
    case when channel = 'call' and cap_reason is null then cast(
        least(
            cast(floor({{ limits.get('attempts_per_number_per_day', 0) }}
                / count(case when cap_reason is null then 1 end) over (partition by channel, destination, cap_reason)) as {{ dbt.type_int() }}),
            {{ limits.get('calls_per_debt_per_7_days', 0) }} - calls_last_7_days
        ) as {{ dbt.type_int() }})
    end as max_attempts
from capped
