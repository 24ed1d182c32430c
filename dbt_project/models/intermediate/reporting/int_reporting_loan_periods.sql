{#- One row per loan and reporting period (int_reporting_periods) in which the loan was on the book
    (int_reporting_book_lines) at the period's opening night or on a later night of the period, or
    received a payment with a value date in the period. What the recovery and roll-rate marts
    aggregate:

    cohort  opening_overdue  overdue at the opening night (bucket, stage, overdue amount then);
            newly_overdue    not overdue at the opening (or not yet on the book) and overdue on a later
                             night of the period: placed in collections on the first such night
                             (placed_on), with that night's overdue amount (placed_amount);
            current          on the book, never overdue in the period after the opening;
            off_book         not on the book in the period at all, but paid (e.g. a closed loan).
    opening_book_line  the loan's book line at the opening night (int_reporting_book_lines: arrears,
                       placed_agency, placed_legal, written_off, current; null when not on the book);
    payments           payments with a value date in the period not cancelled by a reversal;
    collected_amount   every net payment (int_reporting_payments) with a value date in the period;
    recovered_amount   of an opening_overdue loan: its net payments after the opening night;
    liquidated_amount  of a newly_overdue loan: its net payments after the placement night.
    closing_*          the loan at the period's closing night; null when it has left the book. -#}
{{ config(schema='intermediate', materialized='table') }}

with periods as (

    select * from {{ ref('int_reporting_periods') }}

),

book as (

    select * from {{ ref('int_reporting_book_lines') }}

),

opening as (

    select p.period_type, p.period_start, b.*
    from periods p
    inner join book b on b.as_of_date = p.opening_as_of_date

),

closing as (

    select p.period_type, p.period_start, b.*
    from periods p
    inner join book b on b.as_of_date = p.closing_as_of_date

),

later as (

    select p.period_type, p.period_start, b.*
    from periods p
    inner join book b
        on b.as_of_date > p.opening_as_of_date
        and b.as_of_date >= p.period_start
        and b.as_of_date <= p.closing_as_of_date

),

placements as (

    select
        l.period_type,
        l.period_start,
        l.loan_id,
        l.as_of_date as placed_on,
        l.overdue_amount as placed_amount,
        l.bucket as placed_bucket,
        l.stage as placed_stage,
        row_number() over (partition by l.period_type, l.period_start, l.loan_id order by l.as_of_date) as placement_no
    from later l
    left join opening o
        on o.period_type = l.period_type
        and o.period_start = l.period_start
        and o.loan_id = l.loan_id
    where l.is_overdue
        and not coalesce(o.is_overdue, false)

),

payments as (

    select
        p.period_type,
        p.period_start,
        p.opening_as_of_date,
        pay.loan_id,
        pay.value_date,
        pay.net_amount,
        pay.is_reversed
    from periods p
    inner join {{ ref('int_reporting_payments') }} pay
        on pay.value_date >= p.period_start
        and pay.value_date <= p.period_end

),

loan_periods as (

    select period_type, period_start, loan_id from opening
    union
    select period_type, period_start, loan_id from later
    union
    select period_type, period_start, loan_id from payments

),

collected as (

    select
        pay.period_type,
        pay.period_start,
        pay.loan_id,
        sum(case when pay.is_reversed then 0 else 1 end) as payments,
        sum(pay.net_amount) as collected_amount,
        sum(case when o.is_overdue and pay.value_date > pay.opening_as_of_date then pay.net_amount else 0 end) as recovered_amount,
        sum(case when pl.placed_on is not null and pay.value_date > pl.placed_on then pay.net_amount else 0 end) as liquidated_amount
    from payments pay
    left join opening o
        on o.period_type = pay.period_type
        and o.period_start = pay.period_start
        and o.loan_id = pay.loan_id
    left join placements pl
        on pl.period_type = pay.period_type
        and pl.period_start = pay.period_start
        and pl.loan_id = pay.loan_id
        and pl.placement_no = 1
    group by pay.period_type, pay.period_start, pay.loan_id

),

on_book as (

    select distinct period_type, period_start, loan_id from later

)

select
    lp.period_type,
    lp.period_start,
    p.period_end,
    p.opening_as_of_date,
    p.closing_as_of_date,
    p.is_opening_observed,
    p.is_period_complete,
    lp.loan_id,
    l.customer_id,
    coalesce(l.currency, 'XXX') as currency,
    coalesce(l.product, 'unknown') as product,
    l.disbursed_on,
    case
        when o.is_overdue then 'opening_overdue'
        when pl.loan_id is not null then 'newly_overdue'
        when o.loan_id is not null or ob.loan_id is not null then 'current'
        else 'off_book'
    end as cohort,
    o.loan_id is not null as is_on_book_at_opening,
    o.bucket as opening_bucket,
    o.stage as opening_stage,
    o.dpd as opening_dpd,
    coalesce(o.is_overdue, false) as is_overdue_at_opening,
    coalesce(o.is_written_off, false) as is_written_off_at_opening,
    o.book_line as opening_book_line,
    cast(case when o.is_overdue then o.overdue_amount else 0 end as {{ type_money() }}) as overdue_at_start,
    cast(o.outstanding_principal as {{ type_money() }}) as opening_outstanding_principal,
    pl.placed_on,
    pl.placed_bucket,
    pl.placed_stage,
    cast(coalesce(pl.placed_amount, 0) as {{ type_money() }}) as placed_amount,
    c.loan_id is not null as is_on_book_at_closing,
    c.bucket as closing_bucket,
    c.stage as closing_stage,
    c.is_overdue as is_overdue_at_closing,
    coalesce(c.is_written_off, false) as is_written_off_at_closing,
    cast(c.outstanding_principal as {{ type_money() }}) as closing_outstanding_principal,
    cast(coalesce(co.payments, 0) as {{ dbt.type_int() }}) as payments,
    cast(coalesce(co.collected_amount, 0) as {{ type_money() }}) as collected_amount,
    cast(coalesce(co.recovered_amount, 0) as {{ type_money() }}) as recovered_amount,
    cast(coalesce(co.liquidated_amount, 0) as {{ type_money() }}) as liquidated_amount
from loan_periods lp
inner join periods p
    on p.period_type = lp.period_type
    and p.period_start = lp.period_start
left join {{ ref('int_reporting_loans') }} l on l.loan_id = lp.loan_id
left join opening o
    on o.period_type = lp.period_type and o.period_start = lp.period_start and o.loan_id = lp.loan_id
left join closing c
    on c.period_type = lp.period_type and c.period_start = lp.period_start and c.loan_id = lp.loan_id
left join placements pl
    on pl.period_type = lp.period_type and pl.period_start = lp.period_start and pl.loan_id = lp.loan_id
    and pl.placement_no = 1
left join on_book ob
    on ob.period_type = lp.period_type and ob.period_start = lp.period_start and ob.loan_id = lp.loan_id
left join collected co
    on co.period_type = lp.period_type and co.period_start = lp.period_start and co.loan_id = lp.loan_id
