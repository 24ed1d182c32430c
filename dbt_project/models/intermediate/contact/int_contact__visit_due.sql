{#- The overdue loans a field visit is due for on D+1, and where their notice stands.

    Due: a `visit` action of the loan's stage and variant (int_contact__actions) whose from_dpd the
    loan's DPD on D has reached, for an overdue amount of at least min_amount, in one of its
    countries, when no call reached the debtor (a right-party conversation) in the last
    no_right_party_days days up to D.

    Notice (contact.visits.notice): the latest notice (template notice.template by one of
    notice.channels) the product scheduled for the loan on an earlier night. It went out on
    notice_sent_on: an SMS the day after its night (the contact day), a letter on its mailing date
    (int_contact__mailing_dates: contact.letters.mailing_lag_days business days after its night on
    contact.calendar, the date the letter itself prints). notice_state:
      ready    sent at least days_before days before D+1 and not more than valid_days before: the
               visit may be scheduled;
      waiting  sent, but fewer than days_before days before D+1 (or the letter is not mailed yet);
      needed   none, or too old: a notice is due tonight by notice_channel (the first of
               notice.channels the customer can be reached by: a usable phone not opted out of SMS,
               a complete address not opted out of letters; null when neither).
    last_visit_on: the person's latest visit, planned by the product (a scheduled visit of an
    earlier night: its visit day) or reported by the extract (a `visit` contact attempt delivered by
    D); recently_visited when it is within once_per_days days of D+1 (no new visit, no notice). -#}
{{ config(materialized='table') }}
{%- set cp = var('contact_policy') -%}
{%- set visits = cp['visits'] -%}
{%- set notice = visits['notice'] -%}
{%- set tomorrow = dbt.dateadd('day', 1, as_of_date()) %}

with loans as (

    select * from {{ ref('int_contact__loan_state') }}

),

due as (

    select
        l.loan_id,
        l.person_id,
        l.customer_id,
        a.template,
        a.trigger_dpd,
        a.trigger_key,
        a.action_order,
        case
            when l.phone is not null and coalesce(l.opted_out_channels, '') not like '%;sms;%' then 'sms'
        end as sms_ok,
        case
            when coalesce(l.has_address, false) and coalesce(l.opted_out_channels, '') not like '%;letter;%'
                then 'letter'
        end as letter_ok
    from loans l
    inner join {{ ref('int_contact__actions') }} a
        on a.channel = 'visit'
        and a.variant = l.variant
        and a.stage = l.stage
        and l.dpd >= a.trigger_dpd
        and l.overdue_amount >= a.min_amount
        and (a.countries is null or a.countries like '%;' || coalesce(l.country, '') || ';%')
    where l.last_conversation_at is null
        or cast(l.last_conversation_at as date) <= {{ dbt.dateadd('day', '-a.no_right_party_days', as_of_date()) }}

),

mailing_dates as (

    -- the mailing date of each earlier night whose letter could still count
    select night, mailed_on
    from {{ ref('int_contact__mailing_dates') }}
    where night < {{ as_of_date() }}

),

notices as (

    select
        h.loan_id,
        h.as_of_date as notice_night,
        h.channel as notice_sent_by,
        case
            when h.channel = 'letter' then m.mailed_on
            else cast({{ dbt.dateadd('day', 1, 'h.as_of_date') }} as date)
        end as notice_sent_on
    from {{ ref('int_contact__log_history') }} h
    left join mailing_dates m on m.night = h.as_of_date
    where h.template = '{{ notice['template'] }}'
        and h.channel in ({% for c in notice['channels'] %}'{{ c }}'{{ ', ' if not loop.last }}{% endfor %})

),

latest_notice as (

    select
        loan_id, notice_night, notice_sent_by, notice_sent_on,
        row_number() over (partition by loan_id order by notice_night desc, notice_sent_by) as notice_rank
    from notices
    -- a letter of a night too old for the mailing table cannot count any more
    where notice_sent_on is not null

),

visits as (

    select h.person_id, cast({{ dbt.dateadd('day', 1, 'h.as_of_date') }} as date) as visited_on
    from {{ ref('int_contact__log_history') }} h
    where h.channel = 'visit'
    union all
    select r.person_id, cast(a.started_at as date) as visited_on
    from {{ ref('stg_contact_attempts') }} a
    inner join {{ ref('int_contact__recipients') }} r on r.customer_id = a.customer_id
    where a.channel = 'visit'
        and a.delivered_on <= {{ as_of_date() }}

),

last_visits as (

    select person_id, max(visited_on) as last_visit_on
    from visits
    group by person_id

)

select
    d.loan_id,
    d.person_id,
    d.customer_id,
    d.template,
    d.trigger_dpd,
    d.trigger_key,
    d.action_order,
    n.notice_night,
    n.notice_sent_by,
    n.notice_sent_on,
    case
        when n.notice_sent_on is null
            or n.notice_sent_on < {{ dbt.dateadd('day', -notice['valid_days'], tomorrow) }} then 'needed'
        when n.notice_sent_on <= {{ dbt.dateadd('day', -notice['days_before'], tomorrow) }} then 'ready'
        else 'waiting'
    end as notice_state,
    coalesce({% for c in notice['channels'] %}d.{{ c }}_ok{{ ', ' if not loop.last }}{% endfor %}, cast(null as {{ dbt.type_string() }})) as notice_channel,
    v.last_visit_on,
    coalesce(v.last_visit_on > {{ dbt.dateadd('day', -visits['once_per_days'], tomorrow) }}, false) as recently_visited
from due d
left join latest_notice n on n.loan_id = d.loan_id and n.notice_rank = 1
left join last_visits v on v.person_id = d.person_id
