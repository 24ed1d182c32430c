{#- Restatements shown on D: a figure of a closed month that differs from what an earlier report
    published after the month had closed. For each currency, month and figure of kpi_figures on D,
    the newest earlier publication (report date < D and on or after the month's last day) is the
    old figure; a difference is a restatement, with the reason from the ledger as known on D:
    payments with a value date in the month delivered after the old report date, and reversals of
    the month's payments delivered after it. Only report dates before D are compared, so a rerun
    of an earlier date is not affected by later ones. -#}

with published_today as (

    select * from {{ ref('kpi_figures') }}
    where as_of_date = {{ as_of_date() }}

),

published_before as (

    select * from {{ latest_rows(ref('kpi_figures'), 'currency, period_type, period_start, figure', 'as_of_date desc',
        ['as_of_date', 'currency', 'period_type', 'period_start', 'figure', 'value'],
        where='as_of_date < ' ~ as_of_date() ~ ' and as_of_date >= period_end') }} b

),

changed as (

    select
        t.currency,
        t.period_type,
        t.period_start,
        t.period_end,
        t.figure,
        t.unit,
        b.as_of_date as published_on,
        b.value as published_value,
        t.value as restated_value
    from published_today t
    inner join published_before b
        on b.currency = t.currency
        and b.period_type = t.period_type
        and b.period_start = t.period_start
        and b.figure = t.figure
    where not (t.value = b.value or (t.value is null and b.value is null))

),

late_data as (

    select
        c.currency,
        c.period_start,
        c.figure,
        sum(case when p.delivered_on > c.published_on then 1 else 0 end) as late_payments,
        sum(case when p.delivered_on > c.published_on then p.amount else 0 end) as late_payment_amount,
        sum(case when p.reversal_delivered_on > c.published_on then 1 else 0 end) as late_reversals,
        sum(case when p.reversal_delivered_on > c.published_on then p.amount else 0 end) as late_reversal_amount
    from changed c
    inner join {{ ref('int_reporting_payments') }} p
        on p.currency = c.currency
        and p.value_date >= c.period_start
        and p.value_date <= c.period_end
    group by c.currency, c.period_start, c.figure

)

select
    {{ as_of_date() }} as as_of_date,
    c.currency,
    c.period_type,
    c.period_start,
    c.period_end,
    c.figure,
    c.unit,
    c.published_on,
    c.published_value,
    c.restated_value,
    c.restated_value - c.published_value as change,
    cast(coalesce(l.late_payments, 0) as {{ dbt.type_int() }}) as late_payments,
    cast(coalesce(l.late_payment_amount, 0) as {{ type_money() }}) as late_payment_amount,
    cast(coalesce(l.late_reversals, 0) as {{ dbt.type_int() }}) as late_reversals,
    cast(coalesce(l.late_reversal_amount, 0) as {{ type_money() }}) as late_reversal_amount,
    case
        when coalesce(l.late_payments, 0) > 0 and coalesce(l.late_reversals, 0) > 0
            then 'payments and reversals with value dates in the month arrived after it was published'
        when coalesce(l.late_payments, 0) > 0
            then 'payments with value dates in the month arrived after it was published'
        when coalesce(l.late_reversals, 0) > 0
            then 'reversals of the month''s payments arrived after it was published'
        else 'other late-arriving data (loan snapshots, contacts, corrections) changed it'
    end as reason
from changed c
left join late_data l
    on l.currency = c.currency
    and l.period_start = c.period_start
    and l.figure = c.figure
