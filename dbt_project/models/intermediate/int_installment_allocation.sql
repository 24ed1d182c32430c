{#- Payment allocation per installment, for every schedule snapshot (filter `as_of_date` = D).

    For the as-of date D: the schedule is D's snapshot (a restructured loan's current schedule);
    the money is the loan's net paid amount known on D (int_payment_effects: value date <= D,
    delivered by D, not cancelled by a reversal known on D). Set-based, no loops: installments in
    due-date order (installment_no breaks ties) take money while the cumulative amount due before
    them is covered, so the oldest due date is paid first and any overpayment carries to the next
    installment. Within an installment the money pays fee, then interest, then principal (the usual
    waterfall: charges before the capital that earns them). -#}
with schedule as (

    select
        i.as_of_date,
        i.loan_id,
        i.installment_no,
        i.due_date,
        {{ schedule_due_columns('i', 'i.as_of_date, i.loan_id') }}
    from {{ ref('int_quality_installments') }} i

),

loans_on_date as (

    select distinct as_of_date, loan_id from {{ ref('int_quality_installments') }}

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

final as (

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
        {{ policy_amount('delinquency_tolerance_amount') }} as tolerance_amount
    from waterfall

)

select
    *,
    case
        when is_past_due and is_unpaid then cast({{ dbt.datediff('due_date', 'as_of_date', 'day') }} as {{ dbt.type_int() }})
        else 0
    end as days_past_due
from final
