{#- The collection score's features for every observation of int_score_observations (tonight's
    overdue loans and past month-end overdue loans), each computed only from what was dated on or
    before the observation date and known on D: payments by value date, contacts by the day they
    happened, promises whose date had come, flags in force, loans disbursed by then. Nothing dated
    after the observation date can move a feature (test: tests/test_scoring.py).

    The feature windows are part of the feature definitions (a retrained model keeps them):
    recent = the 90 days up to the observation date, history = the 365 days up to it. Every feature
    is a number, never null (a missing history is 0, "never" is the days since disbursement). -#}
{{ config(materialized='table') }}

{%- set recent_days = 90 %}
{%- set history_days = 365 %}
{%- set tolerance = policy_amount('delinquency_tolerance_amount') %}

with observations as (

    select * from {{ ref('int_score_observations') }}

),

month_end_states as (

    select
        loan_id,
        observation_date,
        dpd,
        is_overdue,
        lead(is_overdue) over (partition by loan_id order by observation_date) as next_is_overdue,
        lead(observation_date) over (partition by loan_id order by observation_date) as next_observation_date
    from {{ ref('int_reporting_month_end_book') }}

),

month_end_history as (

    -- the loan's earlier month ends: how deep and how often it was overdue, and how often it cured
    select
        o.loan_id,
        o.observation_date,
        max(b.dpd) as max_dpd_12m,
        sum(case when b.is_overdue then 1 else 0 end) as months_overdue_12m,
        sum(case when b.is_overdue and not b.next_is_overdue and b.next_observation_date < o.observation_date
                 then 1 else 0 end) as cures_12m
    from observations o
    inner join month_end_states b
        on b.loan_id = o.loan_id
        and b.observation_date < o.observation_date
        and b.observation_date >= {{ dbt.dateadd('day', -history_days, 'o.observation_date') }}
    group by o.loan_id, o.observation_date

),

schedule as (

    select
        i.loan_id,
        i.due_date,
        i.installment_no,
        {{ schedule_due_columns('i', 'i.loan_id') }}
    from {{ ref('int_quality_installments') }} i
    inner join {{ ref('int_reporting_loans') }} l
        on l.loan_id = i.loan_id
        and l.last_seen_on = i.as_of_date

),

paid_by_due_date as (

    -- what the loan had paid (net of reversals in force then) by each instalment's own due date
    select
        s.loan_id,
        s.due_date,
        s.installment_no,
        s.cumulative_due,
        s.amount_due,
        coalesce(sum(p.amount), 0) as paid_by_due_date
    from schedule s
    left join {{ ref('int_reporting_payments') }} p
        on p.loan_id = s.loan_id
        and {{ payment_in_force('p', 's.due_date') }}
    group by s.loan_id, s.due_date, s.installment_no, s.cumulative_due, s.amount_due

),

instalment_history as (

    select
        o.loan_id,
        o.observation_date,
        count(*) as instalments_due_12m,
        sum(case when s.paid_by_due_date < s.cumulative_due - {{ tolerance }} then 1 else 0 end) as late_instalments_12m
    from observations o
    inner join paid_by_due_date s
        on s.loan_id = o.loan_id
        and s.due_date < o.observation_date
        and s.due_date >= {{ dbt.dateadd('day', -history_days, 'o.observation_date') }}
    group by o.loan_id, o.observation_date

),

customer_instalment_history as (

    -- the same, over every loan of the customer: lateness is a habit of the person, not the loan
    select
        o.loan_id,
        o.observation_date,
        count(*) as customer_instalments_due_12m,
        sum(case when s.paid_by_due_date < s.cumulative_due - {{ tolerance }} then 1 else 0 end) as customer_late_instalments_12m
    from observations o
    inner join {{ ref('int_reporting_loans') }} l on l.customer_id = o.customer_id
    inner join paid_by_due_date s
        on s.loan_id = l.loan_id
        and s.due_date < o.observation_date
        and s.due_date >= {{ dbt.dateadd('day', -history_days, 'o.observation_date') }}
    group by o.loan_id, o.observation_date

),

due_so_far as (

    select
        o.loan_id,
        o.observation_date,
        sum(s.amount_due) as due_before,
        avg(s.amount_due) as typical_instalment
    from observations o
    inner join schedule s
        on s.loan_id = o.loan_id
        and s.due_date < o.observation_date
    group by o.loan_id, o.observation_date

),

payments as (

    select
        o.loan_id,
        o.observation_date,
        o.dpd,
        p.value_date,
        p.amount
    from observations o
    inner join {{ ref('int_reporting_payments') }} p
        on p.loan_id = o.loan_id
        and {{ payment_in_force('p', 'o.observation_date') }}

),

payment_history as (

    select
        p.loan_id,
        p.observation_date,
        max(p.value_date) as last_payment_on,
        sum(p.amount) as paid_before,
        sum(case when p.value_date > {{ dbt.dateadd('day', -recent_days, 'p.observation_date') }}
                 then p.amount else 0 end) as paid_recent,
        sum(case when p.value_date > {{ dbt.dateadd('day', -history_days, 'p.observation_date') }}
                 then 1 else 0 end) as payments_12m,
        sum(case when p.value_date > {{ dbt.dateadd('day', -history_days, 'p.observation_date') }}
                  and p.amount < d.typical_instalment - {{ tolerance }}
                 then 1 else 0 end) as partial_payments_12m,
        -- payments since the oldest overdue instalment fell due (the current overdue spell)
        sum(case when p.value_date > {{ dbt.dateadd('day', '-p.dpd', 'p.observation_date') }}
                 then 1 else 0 end) as payments_since_overdue
    from payments p
    left join due_so_far d
        on d.loan_id = p.loan_id
        and d.observation_date = p.observation_date
    group by p.loan_id, p.observation_date

),

instalments_paid as (

    -- instalments due before the observation date that what the loan had paid by then covers
    -- (oldest first, within the policy tolerance)
    select
        ph.loan_id,
        ph.observation_date,
        count(*) as instalments_paid
    from payment_history ph
    inner join schedule s
        on s.loan_id = ph.loan_id
        and s.due_date < ph.observation_date
        and s.cumulative_due - {{ tolerance }} <= ph.paid_before
    group by ph.loan_id, ph.observation_date

),

contact_history as (

    select
        o.loan_id,
        o.observation_date,
        sum(case when c.contact_date > {{ dbt.dateadd('day', -recent_days, 'o.observation_date') }}
                 then 1 else 0 end) as contact_attempts_90d,
        sum(case when c.is_right_party_contact
                  and c.contact_date > {{ dbt.dateadd('day', -recent_days, 'o.observation_date') }}
                 then 1 else 0 end) as right_party_contacts_90d,
        sum(case when c.outcome = 'refused_to_pay' then 1 else 0 end) as refusals,
        max(case when c.is_right_party_contact then c.contact_date end) as last_right_party_contact_on
    from observations o
    inner join {{ ref('int_reporting_contacts') }} c
        on c.loan_id = o.loan_id
        and c.contact_date <= o.observation_date
    group by o.loan_id, o.observation_date

),

promise_history as (

    -- promises whose date had come by the observation date (kept or not is then already known),
    -- and promises made whose date is still to come
    select
        o.loan_id,
        o.observation_date,
        sum(case when p.status = 'kept' and p.promise_date <= o.observation_date then 1 else 0 end) as promises_kept,
        sum(case when p.status in ('broken', 'partial') and p.promise_date <= o.observation_date
                 then 1 else 0 end) as promises_broken,
        sum(case when p.promise_date > o.observation_date then 1 else 0 end) as open_promises
    from observations o
    inner join {{ ref('promise_outcomes') }} p
        on p.loan_id = o.loan_id
        and p.promised_on <= o.observation_date
    group by o.loan_id, o.observation_date

),

customer_loans as (

    select
        o.loan_id,
        o.observation_date,
        min(l.disbursed_on) as first_disbursed_on,
        sum(case when l.loan_id <> o.loan_id
                  and not (l.status = 'closed' and l.closed_on <= o.observation_date)
                 then 1 else 0 end) as other_open_loans
    from observations o
    inner join {{ ref('int_reporting_loans') }} l
        on l.customer_id = o.customer_id
        and l.disbursed_on <= o.observation_date
    group by o.loan_id, o.observation_date

),

other_loans_overdue as (

    select
        o.loan_id,
        o.observation_date,
        count(*) as other_overdue_loans,
        max(b.dpd) as other_loans_max_dpd
    from observations o
    inner join {{ ref('int_reporting_month_end_book') }} b
        on b.customer_id = o.customer_id
        and b.observation_date = o.observation_date
        and b.loan_id <> o.loan_id
        and b.is_overdue
    group by o.loan_id, o.observation_date

),

flag_versions as (

    select * from {{ latest_rows(ref('stg_flags'), 'subject_type, subject_id, flag, effective_from', 'as_of_date desc',
                                 ['subject_type', 'subject_id', 'flag', 'effective_from', 'effective_to'],
                                 'as_of_date <= ' ~ as_of_date() ~ ' and not is_quarantined') }} f

),

flags_in_force as (

    select
        o.loan_id,
        o.observation_date,
        max(case when f.flag = 'hardship' then 1 else 0 end) as has_hardship_flag,
        max(case when f.flag = 'dispute' then 1 else 0 end) as has_dispute_flag,
        max(case when f.flag not in ('hardship', 'dispute') then 1 else 0 end) as has_block_flag
    from observations o
    inner join flag_versions f
        on ((f.subject_type = 'loan' and f.subject_id = o.loan_id)
            or (f.subject_type = 'customer' and f.subject_id = o.customer_id))
        and f.effective_from <= o.observation_date
        and (f.effective_to is null or f.effective_to > o.observation_date)
    group by o.loan_id, o.observation_date

),

joined as (

    select
        o.*,
        coalesce(o.disbursed_on, o.observation_date) as since,
        mh.max_dpd_12m,
        mh.months_overdue_12m,
        mh.cures_12m,
        ci.customer_instalments_due_12m,
        ci.customer_late_instalments_12m,
        ih.instalments_due_12m,
        ih.late_instalments_12m,
        ds.due_before,
        ph.last_payment_on,
        ph.paid_before,
        ph.paid_recent,
        ph.payments_12m,
        ph.partial_payments_12m,
        ph.payments_since_overdue,
        ip.instalments_paid,
        ch.contact_attempts_90d,
        ch.right_party_contacts_90d,
        ch.refusals,
        ch.last_right_party_contact_on,
        pr.promises_kept,
        pr.promises_broken,
        pr.open_promises,
        cl.first_disbursed_on,
        cl.other_open_loans,
        oo.other_overdue_loans,
        oo.other_loans_max_dpd,
        ff.has_hardship_flag,
        ff.has_dispute_flag,
        ff.has_block_flag
    from observations o
    left join month_end_history mh on mh.loan_id = o.loan_id and mh.observation_date = o.observation_date
    left join instalment_history ih on ih.loan_id = o.loan_id and ih.observation_date = o.observation_date
    left join customer_instalment_history ci on ci.loan_id = o.loan_id and ci.observation_date = o.observation_date
    left join due_so_far ds on ds.loan_id = o.loan_id and ds.observation_date = o.observation_date
    left join payment_history ph on ph.loan_id = o.loan_id and ph.observation_date = o.observation_date
    left join instalments_paid ip on ip.loan_id = o.loan_id and ip.observation_date = o.observation_date
    left join contact_history ch on ch.loan_id = o.loan_id and ch.observation_date = o.observation_date
    left join promise_history pr on pr.loan_id = o.loan_id and pr.observation_date = o.observation_date
    left join customer_loans cl on cl.loan_id = o.loan_id and cl.observation_date = o.observation_date
    left join other_loans_overdue oo on oo.loan_id = o.loan_id and oo.observation_date = o.observation_date
    left join flags_in_force ff on ff.loan_id = o.loan_id and ff.observation_date = o.observation_date

)

select
    loan_id,
    customer_id,
    observation_date,
    is_tonight,
    currency,
    product,
    overdue_amount,
    -- features (the columns of score_feature_names(); every one a number, never null)
    dpd,
    cast(overdue_amount as {{ dbt.type_float() }}) as overdue_amount_value,
    coalesce({{ reporting_ratio('overdue_amount', 'principal_amount') }}, 0) as overdue_to_principal,
    coalesce({{ reporting_ratio('outstanding_principal', 'principal_amount') }}, 0) as principal_outstanding_share,
    {{ dbt.datediff('since', 'observation_date', 'month') }} as months_on_book,
    cast(coalesce(annual_interest_rate, 0) as {{ dbt.type_float() }}) as annual_interest_rate,
    cast(coalesce(price_rank_in_product, 0) as {{ dbt.type_float() }}) as price_rank_in_product,
    coalesce(max_dpd_12m, 0) as max_dpd_12m,
    coalesce(months_overdue_12m, 0) as months_overdue_12m,
    coalesce(cures_12m, 0) as cures_12m,
    coalesce(instalments_due_12m, 0) as instalments_due_12m,
    coalesce(late_instalments_12m, 0) as late_instalments_12m,
    coalesce({{ reporting_ratio('late_instalments_12m', 'instalments_due_12m') }}, 0) as late_instalment_share_12m,
    coalesce({{ reporting_ratio('customer_late_instalments_12m', 'customer_instalments_due_12m') }}, 0) as customer_late_share_12m,
    coalesce(partial_payments_12m, 0) as partial_payments_12m,
    coalesce(payments_12m, 0) as payments_12m,
    coalesce(payments_since_overdue, 0) as payments_since_overdue,
    coalesce(instalments_paid, 0) as instalments_paid,
    {{ dbt.datediff('coalesce(last_payment_on, since)', 'observation_date', 'day') }} as days_since_last_payment,
    coalesce({{ reporting_ratio('paid_recent', 'overdue_amount') }}, 0) as paid_90d_to_overdue,
    coalesce({{ reporting_ratio('paid_before', 'due_before') }}, 0) as share_of_due_paid,
    coalesce(contact_attempts_90d, 0) as contact_attempts_90d,
    coalesce(right_party_contacts_90d, 0) as right_party_contacts_90d,
    {{ dbt.datediff('coalesce(last_right_party_contact_on, since)', 'observation_date', 'day') }} as days_since_right_party_contact,
    coalesce(refusals, 0) as refusals,
    coalesce(promises_kept, 0) as promises_kept,
    coalesce(promises_broken, 0) as promises_broken,
    coalesce(open_promises, 0) as open_promises,
    {{ dbt.datediff('coalesce(first_disbursed_on, since)', 'observation_date', 'day') }} as customer_tenure_days,
    coalesce(other_open_loans, 0) as other_open_loans,
    coalesce(other_overdue_loans, 0) as other_overdue_loans,
    coalesce(other_loans_max_dpd, 0) as other_loans_max_dpd,
    coalesce(has_hardship_flag, 0) as has_hardship_flag,
    coalesce(has_dispute_flag, 0) as has_dispute_flag,
    coalesce(has_block_flag, 0) as has_block_flag
from joined
