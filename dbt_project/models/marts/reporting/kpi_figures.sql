{#- The headline KPI figures as published on D: one row per report date (as_of_date), currency,
    calendar month and figure. Incremental, keyed by the report date: a rerun of a night replaces
    that night's figures (delete+insert on as_of_date), never duplicates them, and the figures of
    other report dates are left as they were published (full_refresh is off). kpi_restatements
    compares them across report dates.

    figure (unit; population):
      collected_amount (money) / payments (count)  every payment with a value date in the month, net of
                       reversals known on D, all loans (recovery_rates, portfolio)
      recovery_rate    loans in active arrears at the month's opening night (book line arrears: not
                       written off, not placed): net payments after that night / their overdue amount
                       then (recovery_rates, dimension book_line)
      liquidation_rate loans that fell overdue during the month (recovery_rates, portfolio)
      cure_rate        loans in a delinquent bucket at the opening night, not written off: share current
                       at the closing night (roll_rates, product all)
      ptp_kept_rate    promises falling due in the month: kept ÷ due (agent_performance)
      first_contact_on_time_rate  loan episodes whose first overdue day is in the month and on or after the
                       warehouse's first night (first_contact_timeliness: before_history left out), with the
                       first-contact deadline passed: on time ÷ (on time + late)
      visits           field visits made in the month (contact attempts of channel visit: int_reporting_visits)
      visit_rpc_rate   visits that met the debtor ÷ visits made in the month
      visit_collected_amount (money)  net payments of the visited loans within strategy_outcome_days (14)
                       days of each visit made in the month (a loan visited twice counts each visit's window)
    target / target_gap: the policy's reporting.targets (var reporting_targets, passed by the pipeline;
    no default here) and value − target. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='as_of_date',
        full_refresh=false,
        on_schema_change='append_new_columns'
    )
}}
{%- set targets = var('reporting_targets') %}
{%- set number = dbt.type_numeric() %}

with periods as (

    select * from {{ ref('int_reporting_periods') }}
    where period_type = 'month'

),

visits as (

    select * from {{ ref('int_reporting_visits') }}

),

recovery as (

    select * from {{ ref('recovery_rates') }}
    where period_type = 'month'

),

money_and_counts as (

    select period_start, currency, 'collected_amount' as figure, 'money' as unit,
           cast(null as {{ number }}) as numerator, cast(null as {{ number }}) as denominator,
           cast(collected_amount as {{ number }}) as value
    from recovery where dimension = 'portfolio'
    union all
    select period_start, currency, 'payments', 'count', null, null, cast(payments as {{ number }})
    from recovery where dimension = 'portfolio'
    union all
    -- field work: visits made in the month and what the visited loans paid within the outcome window
    select p.period_start, v.currency, 'visits', 'count', null, null, cast(count(*) as {{ number }})
    from visits v
    inner join periods p on v.contact_date >= p.period_start and v.contact_date <= p.period_end
    group by p.period_start, v.currency
    union all
    select p.period_start, v.currency, 'visit_collected_amount', 'money', null, null,
           cast(sum(v.collected_within_days) as {{ number }})
    from visits v
    inner join periods p on v.contact_date >= p.period_start and v.contact_date <= p.period_end
    group by p.period_start, v.currency

),

ratios as (

    select period_start, currency, 'recovery_rate' as figure, recovered_amount as numerator, overdue_at_start as denominator
    from recovery where dimension = 'book_line' and segment = 'arrears'
    union all
    select period_start, currency, 'liquidation_rate', liquidated_amount, placed_amount
    from recovery where dimension = 'portfolio'
    union all
    select period_start, currency, 'cure_rate',
           sum(case when movement = 'cure' then accounts else 0 end), sum(accounts)
    from {{ ref('roll_rates') }}
    where period_type = 'month' and product = 'all' and from_position > 0
    group by period_start, currency
    union all
    select period_start, currency, 'ptp_kept_rate', sum(promises_kept), sum(promises_due)
    from {{ ref('agent_performance') }}
    where period_type = 'month'
    group by period_start, currency
    union all
    select p.period_start, v.currency, 'visit_rpc_rate',
           sum(case when v.is_right_party_contact then 1 else 0 end), count(*)
    from visits v
    inner join periods p on v.contact_date >= p.period_start and v.contact_date <= p.period_end
    group by p.period_start, v.currency
    union all
    select p.period_start, t.currency, 'first_contact_on_time_rate',
           sum(case when t.timeliness = 'on_time' then 1 else 0 end), count(*)
    from {{ ref('first_contact_timeliness') }} t
    inner join periods p
        on t.first_overdue_day >= p.period_start
        and t.first_overdue_day <= p.period_end
    where not t.is_before_history
        and t.timeliness in ('on_time', 'late')
    group by p.period_start, t.currency

),

figures as (

    select * from money_and_counts
    union all
    select period_start, currency, figure, 'rate',
           cast(numerator as {{ number }}), cast(denominator as {{ number }}),
           cast({{ reporting_ratio('numerator', 'denominator') }} as {{ number }})
    from ratios

),

targeted as (

    select
        f.*,
        {%- if targets %}
        case f.figure
            {%- for figure, rate in targets.items() %}
            when '{{ figure }}' then cast('{{ rate }}' as {{ number }})
            {%- endfor %}
        end as target
        {%- else %}
        cast(null as {{ number }}) as target
        {%- endif %}
    from figures f

)

select
    {{ as_of_date() }} as as_of_date,
    t.currency,
    p.period_type,
    p.period_start,
    p.period_end,
    p.opening_as_of_date,
    p.closing_as_of_date,
    p.nights,
    p.is_opening_observed,
    p.is_period_complete,
    t.figure,
    t.unit,
    t.numerator,
    t.denominator,
    t.value,
    t.target,
    t.value - t.target as target_gap
from targeted t
inner join periods p on p.period_start = t.period_start
