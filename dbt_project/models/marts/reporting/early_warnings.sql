{#- Early-warning signals raised on D, one row per signal and segment (none when all is well):

    roll_rate_above_trailing  for each currency, product ('all' = whole book) and bucket: the share of
        loans that rolled to a worse bucket in the latest complete period (week, and month) is above
        `warning_roll_rate_ratio` (1.25) x its average over the `warning_trailing_periods` (4) periods
        before (at least 2 of them, each with a fully observed opening), with at least
        `warning_roll_rate_min_accounts` (20) loans in the bucket at the period's opening.
    broken_promise_spike      per currency and team ('all' = every team): of the promises due in the
        last 7 days (D-6..D), the share not kept (broken or partial) is above
        `warning_broken_promise_ratio` (1.25) x that share over the 28 days before, with at least
        `warning_broken_promise_min_due` (10) promises due in each window.
    customer_late_on_several_loans  a person (customer records linked by national id,
        stg_customers.person_id) with `warning_loans_per_customer` (2) or more loans overdue on D
        (abnormal repayment behaviour across the relationship); segment = the person_id.
    overdue_not_contacted     per currency and stage: loans overdue on D whose first contact is late
        and still missing (marts.contact_timeliness: timeliness late, no contact scheduled or
        delivered since they fell overdue; blocked loans, open promises and data problems are
        excused there) — the "late collection" failure case.
    severity: high when the value is at least twice the baseline (or 3+ loans for one customer, or
    more than 10 uncontacted loans), else medium. -#}

{%- set ratio = reporting_param('warning_roll_rate_ratio') %}
{%- set trailing = reporting_param('warning_trailing_periods') | int %}
{%- set min_accounts = reporting_param('warning_roll_rate_min_accounts') | int %}
{%- set promise_ratio = reporting_param('warning_broken_promise_ratio') %}
{%- set min_due = reporting_param('warning_broken_promise_min_due') | int %}
{%- set loans_per_customer = reporting_param('warning_loans_per_customer') | int %}
{%- set str = dbt.type_string() %}

with roll_by_bucket as (

    select distinct
        period_type,
        period_start,
        is_period_complete,
        is_opening_observed,
        currency,
        product,
        from_bucket,
        from_position,
        from_accounts,
        roll_forward_rate
    from {{ ref('roll_rates') }}

),

sequenced as (

    select
        *,
        row_number() over (
            partition by period_type, currency, product, from_bucket order by period_start desc
        ) as recency
    from roll_by_bucket
    where is_period_complete

),

latest as (

    select * from sequenced where recency = 1

),

trailing_average as (

    select
        period_type,
        currency,
        product,
        from_bucket,
        avg(roll_forward_rate) as baseline,
        count(*) as periods
    from sequenced
    where recency between 2 and {{ trailing + 1 }}
        and is_opening_observed
    group by period_type, currency, product, from_bucket

),

roll_signals as (

    select
        'roll_rate_above_trailing' as signal,
        case when l.roll_forward_rate >= 2 * t.baseline then 'high' else 'medium' end as severity,
        l.currency,
        'product_bucket' as segment_type,
        l.product || ' / ' || l.from_bucket as segment,
        l.period_type,
        l.period_start,
        'roll_forward_rate' as metric,
        cast(l.roll_forward_rate as {{ reporting_type_rate() }}) as value,
        cast(round(t.baseline, 6) as {{ reporting_type_rate() }}) as baseline,
        cast(round(t.baseline * {{ ratio }}, 6) as {{ reporting_type_rate() }}) as threshold,
        cast(l.from_accounts as {{ dbt.type_int() }}) as accounts,
        cast(null as {{ type_money() }}) as amount,
        'roll-forward rate of ' || l.from_bucket || ' (' || l.product || ') in the ' || l.period_type
            || ' from ' || cast(l.period_start as {{ str }}) || ' above its trailing average of '
            || cast(t.periods as {{ str }}) || ' periods' as detail
    from latest l
    inner join trailing_average t
        on t.period_type = l.period_type
        and t.currency = l.currency
        and t.product = l.product
        and t.from_bucket = l.from_bucket
    where t.periods >= 2
        and l.from_accounts >= {{ min_accounts }}
        and l.roll_forward_rate > t.baseline * {{ ratio }}

),

promise_windows as (

    select
        currency,
        team,
        case
            when promise_date > {{ dbt.dateadd('day', -7, as_of_date()) }} then 'recent'
            else 'before'
        end as window_name,
        status
    from {{ ref('promise_outcomes') }}
    where is_due
        and promise_date > {{ dbt.dateadd('day', -35, as_of_date()) }}

),

promise_rates as (

    select
        currency,
        segment,
        sum(case when window_name = 'recent' then 1 else 0 end) as recent_due,
        sum(case when window_name = 'recent' and status <> 'kept' then 1 else 0 end) as recent_not_kept,
        sum(case when window_name = 'before' then 1 else 0 end) as before_due,
        sum(case when window_name = 'before' and status <> 'kept' then 1 else 0 end) as before_not_kept
    from (
        select currency, team as segment, window_name, status from promise_windows
        union all
        select currency, 'all' as segment, window_name, status from promise_windows
    ) w
    group by currency, segment

),

promise_signals as (

    select
        'broken_promise_spike' as signal,
        case when recent_not_kept * before_due >= 2 * before_not_kept * recent_due then 'high' else 'medium' end as severity,
        currency,
        'team' as segment_type,
        segment,
        'day' as period_type,
        cast({{ dbt.dateadd('day', -6, as_of_date()) }} as date) as period_start,
        'not_kept_share_7_days' as metric,
        cast({{ reporting_ratio('recent_not_kept', 'recent_due') }} as {{ reporting_type_rate() }}) as value,
        cast({{ reporting_ratio('before_not_kept', 'before_due') }} as {{ reporting_type_rate() }}) as baseline,
        cast(round({{ reporting_ratio('before_not_kept', 'before_due') }} * {{ promise_ratio }}, 6) as {{ reporting_type_rate() }}) as threshold,
        cast(recent_due as {{ dbt.type_int() }}) as accounts,
        cast(null as {{ type_money() }}) as amount,
        cast(recent_not_kept as {{ str }}) || ' of ' || cast(recent_due as {{ str }})
            || ' promises due in the last 7 days not kept, against '
            || cast(before_not_kept as {{ str }}) || ' of ' || cast(before_due as {{ str }}) || ' in the 28 days before' as detail
    from promise_rates
    where recent_due >= {{ min_due }}
        and before_due >= {{ min_due }}
        and recent_not_kept * before_due > {{ promise_ratio }} * before_not_kept * recent_due

),

overdue_today as (

    select *
    from {{ ref('loan_delinquency') }}
    where as_of_date = {{ as_of_date() }}
        and is_overdue

),

overdue_people as (

    -- a person's customer records are linked by national id (stg_customers.person_id)
    select o.*, coalesce(c.person_id, o.customer_id) as person_key
    from overdue_today o
    left join {{ ref('stg_customers') }} c
        on c.as_of_date = o.as_of_date
        and c.customer_id = o.customer_id
    where o.customer_id is not null

),

customer_signals as (

    select
        'customer_late_on_several_loans' as signal,
        case when count(*) >= 3 then 'high' else 'medium' end as severity,
        currency,
        'person' as segment_type,
        person_key as segment,
        'day' as period_type,
        {{ as_of_date() }} as period_start,
        'overdue_loans' as metric,
        cast(count(*) as {{ reporting_type_rate() }}) as value,
        cast(null as {{ reporting_type_rate() }}) as baseline,
        cast({{ loans_per_customer }} as {{ reporting_type_rate() }}) as threshold,
        cast(count(*) as {{ dbt.type_int() }}) as accounts,
        cast(sum(overdue_amount) as {{ type_money() }}) as amount,
        'overdue on ' || cast(count(*) as {{ str }}) || ' loans of customer '
            || min(customer_id) || case when count(distinct customer_id) > 1
                then ' and ' || cast(count(distinct customer_id) - 1 as {{ str }}) || ' linked customer record(s)' else '' end
            || ', up to ' || cast(max(dpd) as {{ str }}) || ' days past due' as detail
    from overdue_people
    group by currency, person_key
    having count(*) >= {{ loans_per_customer }}

),

uncontacted as (

    -- past the first-contact deadline with nothing scheduled or delivered (contact_timeliness
    -- already excuses blocked loans, open promises and data problems)
    select t.*, d.currency
    from {{ ref('contact_timeliness') }} t
    inner join overdue_today d on d.loan_id = t.loan_id
    where t.as_of_date = {{ as_of_date() }}
        and t.timeliness = 'late'
        and t.first_contact_on is null

),

uncontacted_signals as (

    select
        'overdue_not_contacted' as signal,
        case when count(*) > 10 then 'high' else 'medium' end as severity,
        currency,
        'stage' as segment_type,
        stage as segment,
        'day' as period_type,
        {{ as_of_date() }} as period_start,
        'loans_without_contact' as metric,
        cast(count(*) as {{ reporting_type_rate() }}) as value,
        cast(null as {{ reporting_type_rate() }}) as baseline,
        cast(0 as {{ reporting_type_rate() }}) as threshold,
        cast(count(*) as {{ dbt.type_int() }}) as accounts,
        cast(sum(overdue_amount) as {{ type_money() }}) as amount,
        cast(count(*) as {{ str }}) || ' overdue loans past the first-contact deadline with no contact scheduled or made, longest '
            || cast(max(dpd) as {{ str }}) || ' days past due' as detail
    from uncontacted
    group by currency, stage

),

signals as (

    select * from roll_signals
    union all select * from promise_signals
    union all select * from customer_signals
    union all select * from uncontacted_signals

)

select
    {{ as_of_date() }} as as_of_date,
    signal,
    severity,
    currency,
    segment_type,
    segment,
    period_type,
    period_start,
    metric,
    value,
    baseline,
    threshold,
    accounts,
    amount,
    detail
from signals
