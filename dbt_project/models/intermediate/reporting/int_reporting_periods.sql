{#- The reporting periods known on D: every calendar month and ISO week (Monday to Sunday) that
    holds at least one processed night (an as-of date of marts.loan_delinquency) up to D.

    opening_as_of_date: the night whose book is "the start of the period" — the last night before the
    period starts; when the warehouse holds none (its first period), the period's first night
    (is_opening_observed = false: flows and recoveries then cover only part of the period).
    closing_as_of_date: the period's last night up to D (is_period_complete once it is the period's
    last day). Rebuilt every night from the nights up to D, so a rerun of an old date sees the
    periods as they were that night. -#}
{{ config(schema='intermediate', materialized='table') }}

with nights as (

    select distinct as_of_date
    from {{ ref('loan_delinquency') }}
    where as_of_date <= {{ as_of_date() }}

),

period_nights as (

    {%- for period_type in ['month', 'week'] %}
    select
        '{{ period_type }}' as period_type,
        {{ reporting_period_start(period_type, 'as_of_date') }} as period_start,
        as_of_date
    from nights
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

periods as (

    select
        period_type,
        period_start,
        case when period_type = 'month'
            then {{ reporting_period_end('month', 'period_start') }}
            else {{ reporting_period_end('week', 'period_start') }}
        end as period_end,
        min(as_of_date) as first_night,
        max(as_of_date) as closing_as_of_date,
        count(*) as nights
    from period_nights
    group by period_type, period_start

),

before_start as (

    select p.period_type, p.period_start, max(n.as_of_date) as last_night_before
    from periods p
    inner join nights n on n.as_of_date < p.period_start
    group by p.period_type, p.period_start

)

select
    p.period_type,
    p.period_start,
    p.period_end,
    coalesce(b.last_night_before, p.first_night) as opening_as_of_date,
    p.closing_as_of_date,
    b.last_night_before is not null as is_opening_observed,
    p.closing_as_of_date = p.period_end as is_period_complete,
    cast(p.nights as {{ dbt.type_int() }}) as nights,
    {{ as_of_date() }} as as_of_date
from periods p
left join before_start b
    on b.period_type = p.period_type
    and b.period_start = p.period_start
