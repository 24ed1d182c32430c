{#- First-contact timeliness per overdue episode, as known on D, with the warehouse's history horizon.

    One row per loan and overdue episode (contact_timeliness.episode_start) seen on a night up to D:
    the episode's newest row (its latest knowledge: the first contact, the deadline, the stage).

    History horizon: an episode whose first overdue day is before the warehouse's first night
    (int_reporting_horizon) fell overdue before the warehouse observed anything; its first contact
    may have happened unseen, so it is marked is_before_history and reported as `before_history`
    instead of on_time / late. The timeliness KPI (kpi_figures.first_contact_on_time_rate) counts
    only episodes within the history. -#}

with nights as (

    select *
    from {{ ref('contact_timeliness') }}
    where as_of_date <= {{ as_of_date() }}

),

episodes as (

    select * from {{ latest_rows('nights', 'loan_id, episode_start', 'as_of_date desc',
        ['as_of_date', 'loan_id', 'episode_start', 'first_overdue_day', 'contact_deadline', 'first_contact_on',
         'days_to_first_contact', 'timeliness', 'stage', 'dpd', 'overdue_amount']) }} e

),

horizon as (

    select first_night from {{ ref('int_reporting_horizon') }}

)

select
    {{ as_of_date() }} as as_of_date,
    e.loan_id,
    coalesce(l.currency, 'XXX') as currency,
    e.episode_start,
    e.first_overdue_day,
    e.contact_deadline,
    e.first_contact_on,
    e.days_to_first_contact,
    e.timeliness,
    e.first_overdue_day < h.first_night as is_before_history,
    case when e.first_overdue_day < h.first_night then 'before_history' else e.timeliness end as reported_timeliness,
    e.as_of_date as last_seen_on,
    e.as_of_date = {{ as_of_date() }} as is_overdue_on_as_of_date,
    e.stage,
    e.dpd,
    e.overdue_amount
from episodes e
cross join horizon h
left join {{ ref('int_reporting_loans') }} l on l.loan_id = e.loan_id
