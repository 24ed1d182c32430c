{#- When each payment counts. Date-agnostic: one row per payment or reversal ever delivered, with
    the window of as-of dates [counts_from, counts_until) on which the payment is part of the loan's
    net paid amount. A rerun of an old date therefore sees exactly what was known that night:

    - a payment counts from the later of its value date and the night it was first delivered
      (a late-arriving payment with an earlier value date counts from its delivery night);
    - a reversal cancels the payment it names from the later of its own value date and delivery
      night; until then the payment counts. Several reversals of one payment: the earliest wins.
    - reversal rows never count themselves; a reversal of a reversal is ignored; a payment with a
      non-positive or missing amount never counts (stg_payments warns about it);
    - a payment the validate step quarantined (is_quarantined: unknown loan, implausible value
      date, ...) never counts; int_quality_quarantine lists it. A reversal applies even when
      quarantined: a reversal in doubt keeps the debt, it never lowers it. -#}
with payments as (

    select * from {{ ref('stg_payments') }}
    where is_reversal or not is_quarantined

),

reversals as (

    select
        reverses_payment_id as payment_id,
        payment_id as reversal_id,
        delivered_on as reversal_delivered_on,
        value_date as reversal_value_date,
        case when delivered_on > value_date then delivered_on else value_date end as reversal_effective_on,
        row_number() over (
            partition by reverses_payment_id
            order by case when delivered_on > value_date then delivered_on else value_date end, payment_id
        ) as reversal_rank
    from payments
    where is_reversal

)

select
    p.payment_id,
    p.loan_id,
    p.value_date,
    p.delivered_on,
    p.booked_at,
    p.amount,
    p.channel,
    p.is_reversal,
    p.reverses_payment_id,
    case
        when not p.is_reversal and p.amount > 0
            then case when p.delivered_on > p.value_date then p.delivered_on else p.value_date end
    end as counts_from,
    case when not p.is_reversal and p.amount > 0 then r.reversal_effective_on end as counts_until,
    r.reversal_id as reversed_by_payment_id,
    r.reversal_delivered_on,
    r.reversal_value_date
from payments p
left join reversals r
    on r.payment_id = p.payment_id
    and r.reversal_rank = 1
    and not p.is_reversal
