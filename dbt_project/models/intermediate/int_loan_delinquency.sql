{#- Days past due, bucket and stage of every loan in every loans snapshot (filter `as_of_date` = D).

    overdue-since = due date of the oldest installment unpaid by more than the tolerance whose due
    date is before D (an installment due on D itself is not yet overdue); DPD = D - overdue-since
    in calendar days, 0 when there is none. Overdue = DPD >= minimum days AND overdue amount >=
    minimum amount; a loan that is not overdue is in the current (first) bucket.

    Status rules (docs/delinquency.md): `closed` loans are not active (loan_delinquency leaves them
    out); `written_off` loans keep their DPD, bucket and stage, marked by is_written_off;
    `restructured` loans are measured against their current schedule (D's snapshot) with all
    payments ever made; any other status counts as active. A loan without a schedule in D's
    snapshot has DPD 0 and its principal amount outstanding (has_schedule = false).

    The loans and schedules are the validated ones (int_quality_loans / int_quality_installments):
    a loan the snapshot lost without a closing status is measured on its last known version and
    schedule with every payment known on D (is_restored), so its DPD goes on and collection with
    it; quarantined installments are left out. -#}
with loans as (

    select * from {{ ref('int_quality_loans') }}

),

installments as (

    select * from {{ ref('int_installment_allocation') }}

),

per_loan as (

    select
        as_of_date,
        loan_id,
        cast(count(*) as {{ dbt.type_int() }}) as installments,
        min(case when is_past_due and is_unpaid then due_date end) as overdue_since,
        cast(sum(case when is_past_due and is_unpaid then 1 else 0 end) as {{ dbt.type_int() }}) as overdue_installments,
        sum(case when is_past_due then unpaid_amount else 0 end) as overdue_amount,
        sum(principal_due - principal_paid) as outstanding_principal,
        sum(unpaid_amount) as outstanding_amount,
        max(loan_paid) as total_paid,
        sum(paid_amount) as total_allocated,
        min(case when not is_past_due and unpaid_amount > 0 then due_date end) as next_due_date
    from installments
    group by as_of_date, loan_id

),

measured as (

    select
        l.as_of_date,
        l.loan_id,
        l.customer_id,
        l.product,
        l.currency,
        l.status,
        coalesce(l.status, '') <> 'closed' as is_active,  -- a blank status counts as active, never lost
        coalesce(l.status = 'written_off', false) as is_written_off,
        coalesce(l.status = 'restructured', false) as is_restructured,
        l.principal_amount,
        l.disbursed_on,
        l.maturity_date,
        l.closed_on,
        l.is_restored,
        l.restored_from,
        coalesce(p.installments, 0) as installments,
        p.loan_id is not null as has_schedule,
        p.overdue_since,
        cast(case
            when p.overdue_since is null then 0
            else {{ dbt.datediff('p.overdue_since', 'l.as_of_date', 'day') }}
        end as {{ dbt.type_int() }}) as dpd,
        coalesce(p.overdue_installments, 0) as overdue_installments,
        cast(coalesce(p.overdue_amount, 0) as {{ type_money() }}) as overdue_amount,
        cast(coalesce(p.outstanding_principal, l.principal_amount) as {{ type_money() }}) as outstanding_principal,
        cast(coalesce(p.outstanding_amount, l.principal_amount) as {{ type_money() }}) as outstanding_amount,
        cast(coalesce(p.total_paid, 0) as {{ type_money() }}) as total_paid,
        cast(coalesce(p.total_paid - p.total_allocated, 0) as {{ type_money() }}) as credit_balance,
        p.next_due_date
    from loans l
    left join per_loan p
        on p.as_of_date = l.as_of_date
        and p.loan_id = l.loan_id

),

classified as (

    select
        *,
        dpd >= {{ var('delinquency_minimum_days') | int }}
            and overdue_amount >= {{ policy_amount('delinquency_minimum_amount') }} as is_overdue
    from measured

)

select
    *,
    {{ delinquency_bucket('dpd', 'is_overdue') }} as bucket,
    {{ delinquency_stage('dpd', 'is_overdue') }} as stage,
    {{ var('delinquency_minimum_days') | int }} as minimum_days,
    {{ policy_amount('delinquency_minimum_amount') }} as minimum_amount,
    '{{ var("policy_version") }}' as policy_version
from classified
