{#- Payment allocation per installment, for every schedule snapshot (filter `as_of_date` = D).

    For the as-of date D: the schedule is D's snapshot (a restructured loan's current schedule);
    the money is the loan's net paid amount known on D (int_payment_effects: value date <= D,
    delivered by D, not cancelled by a reversal known on D). Set-based, no loops: installments in
    due-date order (installment_no breaks ties) take money while the cumulative amount due before
    them is covered, so the oldest due date is paid first and any overpayment carries to the next
    installment. Within an installment the money pays fee, then interest, then principal (the usual
    waterfall: charges before the capital that earns them).

    A table kept per night (delete+insert of D). The allocation of a loan depends only on its
    schedule, its net paid amount and the policy tolerance, so a forward night (D newer than every
    night in the table) carries forward from the last night built, P, every loan whose schedule
    (installment_no, due date, amounts), net paid amount and tolerance are those of P's rows: only
    as_of_date, is_past_due and days_past_due advance; `allocated_on` keeps the night it was computed.
    Every other loan of D is allocated afresh. The first build computes every night in the warehouse;
    a night not newer than the table's newest (a rerun, a reverse-order backfill, `arrears rebuild`)
    carries nothing and allocates all of D afresh. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='as_of_date',
        on_schema_change='append_new_columns'
    )
}}

with schedule_rows as (

    select * from {{ ref('int_quality_installments') }}
    {% if is_incremental() %}where as_of_date = {{ as_of_date() }}{% endif %}

),

loans_on_date as (

    select distinct as_of_date, loan_id from schedule_rows

),

paid as (

    select
        l.as_of_date,
        l.loan_id,
        sum(p.amount) as loan_paid
    from loans_on_date l
    inner join {{ ref('int_payment_effects') }} p
        on p.loan_id = l.loan_id
        and p.counts_from <= l.as_of_date
        and (p.counts_until is null or p.counts_until > l.as_of_date)
    group by l.as_of_date, l.loan_id

),

{% if is_incremental() %}
last_built as (

    select max(as_of_date) as night from {{ this }}

),

previous as (  -- P's rows, when D is newer than every night built; nothing otherwise

    select t.*
    from {{ this }} t
    inner join last_built b
        on t.as_of_date = b.night
    where b.night < {{ as_of_date() }}
        and t.tolerance_amount = {{ policy_amount('delinquency_tolerance_amount') }}

),

previous_loans as (

    select loan_id, count(*) as installments, max(loan_paid) as loan_paid
    from previous
    group by loan_id

),

schedule_counts as (

    select loan_id, count(*) as installments
    from schedule_rows
    group by loan_id

),

same_installments as (  -- D's installments identical to one of P's (installment_no is unique per schedule)

    select s.loan_id, count(*) as installments
    from schedule_rows s
    inner join previous p
        on p.loan_id = s.loan_id
        and p.installment_no = s.installment_no
        and p.due_date = s.due_date
        and p.fee_due = cast(coalesce(s.fee_due, 0) as {{ type_money() }})
        and p.interest_due = cast(coalesce(s.interest_due, 0) as {{ type_money() }})
        and p.principal_due = cast(coalesce(s.principal_due, 0) as {{ type_money() }})
    group by s.loan_id

),

carried_loans as (  -- same schedule and same net paid amount as on P

    select c.loan_id
    from schedule_counts c
    inner join previous_loans pl
        on pl.loan_id = c.loan_id
        and pl.installments = c.installments
    inner join same_installments si
        on si.loan_id = c.loan_id
        and si.installments = c.installments
    left join paid p
        on p.loan_id = c.loan_id
    where pl.loan_paid = cast(coalesce(p.loan_paid, 0) as {{ type_money() }})

),
{% endif %}

schedule as (

    select
        i.as_of_date,
        i.loan_id,
        i.installment_no,
        i.due_date,
        {{ schedule_due_columns('i', 'i.as_of_date, i.loan_id') }}
    from schedule_rows i
    {% if is_incremental() %}
    left join carried_loans c
        on c.loan_id = i.loan_id
    where c.loan_id is null
    {% endif %}

),

allocated as (

    select
        s.*,
        s.cumulative_due - s.amount_due as due_before,
        cast(coalesce(p.loan_paid, 0) as {{ type_money() }}) as loan_paid,
        cast({{ oldest_first_paid('coalesce(p.loan_paid, 0)', 's.cumulative_due', 's.amount_due') }}
            as {{ type_money() }}) as paid_amount
    from schedule s
    left join paid p
        on p.as_of_date = s.as_of_date
        and p.loan_id = s.loan_id

),

waterfall as (

    select
        *,
        cast(case when paid_amount < fee_due then paid_amount else fee_due end as {{ type_money() }}) as fee_paid,
        cast(case
            when paid_amount <= fee_due then 0
            when paid_amount - fee_due < interest_due then paid_amount - fee_due
            else interest_due
        end as {{ type_money() }}) as interest_paid
    from allocated

),

computed as (

    select
        as_of_date,
        loan_id,
        installment_no,
        due_date,
        cast(fee_due as {{ type_money() }}) as fee_due,
        cast(interest_due as {{ type_money() }}) as interest_due,
        cast(principal_due as {{ type_money() }}) as principal_due,
        cast(amount_due as {{ type_money() }}) as amount_due,
        loan_paid,
        paid_amount,
        fee_paid,
        interest_paid,
        cast(paid_amount - fee_paid - interest_paid as {{ type_money() }}) as principal_paid,
        cast(amount_due - paid_amount as {{ type_money() }}) as unpaid_amount,
        due_date < as_of_date as is_past_due,
        amount_due - paid_amount > {{ policy_amount('delinquency_tolerance_amount') }} as is_unpaid,
        {{ policy_amount('delinquency_tolerance_amount') }} as tolerance_amount,
        as_of_date as allocated_on
    from waterfall

),

{% if is_incremental() %}
carried as (  -- the allocation of P; only the date advances

    select
        {{ as_of_date() }} as as_of_date,
        p.loan_id,
        p.installment_no,
        p.due_date,
        p.fee_due,
        p.interest_due,
        p.principal_due,
        p.amount_due,
        p.loan_paid,
        p.paid_amount,
        p.fee_paid,
        p.interest_paid,
        p.principal_paid,
        p.unpaid_amount,
        p.due_date < {{ as_of_date() }} as is_past_due,
        p.is_unpaid,
        p.tolerance_amount,
        p.allocated_on
    from previous p
    inner join carried_loans c
        on c.loan_id = p.loan_id

),
{% endif %}

final as (

    select * from computed
    {% if is_incremental() %}union all select * from carried{% endif %}

)

select
    *,
    case
        when is_past_due and is_unpaid then cast({{ dbt.datediff('due_date', 'as_of_date', 'day') }} as {{ dbt.type_int() }})
        else 0
    end as days_past_due
from final
