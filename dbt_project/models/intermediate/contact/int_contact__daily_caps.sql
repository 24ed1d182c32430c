{#- The caps per person and per number on D+1, over the contacts the per-loan rules let through
    (int_contact__candidates without a withheld reason). Linked customer ids are one person.

    - calls: one call per person per day, led by the person's most urgent loan and covering every
      loan of the person with a call due (call_lead_loan_id; one call_list.csv row), and at most one
      call per phone number per day; the call may be dialled max_attempts times: the number's
      attempts_per_number_per_day, never more than a covered debt's calls left in its 7 days;
    - SMS and e-mail: at most sms_per_person_per_day / emails_per_person_per_day per person.
    The highest priority (priority_score, then loan id) keeps its place; the rest are withheld with
    reason cap:... and caught up on a later night. -#}
{{ config(materialized='table') }}
{%- set cp = var('contact_policy') -%}
{%- set limits = cp['limits'] -%}

with eligible as (

    select
        loan_id, person_id, channel, template, destination, priority_score, calls_last_7_days,
        row_number() over (
            partition by person_id, channel
            order by priority_score desc, loan_id, template
        ) as person_rank
    from {{ ref('int_contact__candidates') }} c
    where withheld_reason is null
        and channel in ('sms', 'email', 'call')
        -- a placed loan gets nothing from the lender: it takes no place under the caps
        and not {{ contact_is_placed('c.loan_id') }}

),

calls as (

    -- one call per person per day: the person's most urgent loan leads the call and the call covers
    -- every loan of the person with a call due (call_lead_loan_id); the call's attempts are the
    -- number's allowance, never more than the covered debts' calls left in their 7 days
    select
        e.*,
        first_value(loan_id) over (partition by person_id order by person_rank) as call_lead_loan_id,
        first_value(destination) over (partition by person_id order by person_rank) as call_destination,
        min({{ limits['calls_per_debt_per_7_days'] }} - calls_last_7_days) over (partition by person_id)
            as calls_left
    from eligible e
    where channel = 'call'

),

call_numbers as (

    -- at most one call per phone number per day (persons sharing a number: the most urgent one)
    select
        call_lead_loan_id,
        row_number() over (partition by call_destination order by priority_score desc, loan_id) as number_rank
    from calls
    where loan_id = call_lead_loan_id

),

capped as (

    select
        e.loan_id, e.channel, e.template, e.person_rank,
        n.number_rank,
        c.call_lead_loan_id,
        case
            when e.channel = 'call' and n.number_rank > 1
                then 'cap:one_call_per_phone_per_day (the number is called for another person tonight)'
            when e.channel = 'sms' and e.person_rank > {{ limits['sms_per_person_per_day'] }}
                then 'cap:sms_per_person_per_day ({{ limits['sms_per_person_per_day'] }})'
            when e.channel = 'email' and e.person_rank > {{ limits['emails_per_person_per_day'] }}
                then 'cap:emails_per_person_per_day ({{ limits['emails_per_person_per_day'] }})'
        end as cap_reason,
        case when e.channel = 'call' then cast(
            least({{ limits['attempts_per_number_per_day'] }}, c.calls_left) as {{ dbt.type_int() }})
        end as call_attempts
    from eligible e
    left join calls c on c.loan_id = e.loan_id and e.channel = 'call'
    left join call_numbers n on n.call_lead_loan_id = c.call_lead_loan_id

)

select
    loan_id,
    channel,
    template,
    person_rank,
    number_rank,
    call_lead_loan_id,
    cap_reason,
    case when channel = 'call' and cap_reason is null then call_attempts end as max_attempts
from capped
