-- Candidate features for the collection score that were measured and not adopted (docs/scoring.md,
-- "What else was tried"): bench/bench_scoring.py --candidates computes them on a bench book's
-- examples and measures what each adds to the scorecard. DuckDB SQL (a bench, not a model); each is
-- computed only from what was dated on or before the observation date, like the features.
with obs as (
    select loan_id, customer_id, observation_date, dpd from marts.score_training_examples where as_of_date = ?
),
sched as (
    select i.loan_id, i.due_date, i.installment_no,
        coalesce(i.fee_due,0)+coalesce(i.interest_due,0)+coalesce(i.principal_due,0) as amount_due,
        sum(coalesce(i.fee_due,0)+coalesce(i.interest_due,0)+coalesce(i.principal_due,0)) over (partition by i.loan_id order by i.due_date, i.installment_no) as cumulative_due
    from intermediate.int_quality_installments i
    join intermediate.int_reporting_loans l on l.loan_id = i.loan_id and l.last_seen_on = i.as_of_date
),
cum_pay as (
    select o.loan_id, o.observation_date, p.value_date,
        sum(p.amount) over (partition by o.loan_id, o.observation_date order by p.value_date, p.payment_id) as cumulative_paid
    from obs o join intermediate.int_reporting_payments p on p.loan_id = o.loan_id
        and p.value_date <= o.observation_date and (not p.is_reversed or p.reversal_value_date > o.observation_date)
),
settled as (
    -- each instalment due before the observation date: the day payments first covered it (as known then)
    select o.loan_id, o.observation_date, s.due_date, s.installment_no,
        min(c.value_date) as settled_on
    from obs o join sched s on s.loan_id = o.loan_id and s.due_date < o.observation_date
    left join cum_pay c on c.loan_id = o.loan_id and c.observation_date = o.observation_date and c.cumulative_paid >= s.cumulative_due - 1
    group by all
),
timing as (
    select loan_id, observation_date,
        avg(case when rn <= 6 then least(coalesce(settled_on, observation_date), observation_date) - due_date end) as avg_days_late_6,
        avg(case when rn <= 3 then least(coalesce(settled_on, observation_date), observation_date) - due_date end) as avg_days_late_3,
        max(case when settled_on is not null and due_date >= observation_date - 365 then settled_on - due_date end) as max_days_late_paid_12m,
        avg(case when settled_on is not null and settled_on > due_date and due_date >= observation_date - 365 then settled_on - due_date end) as avg_days_late_when_late_12m,
        avg(case when settled_on is not null and settled_on <= due_date then due_date - settled_on end) as avg_days_early_when_on_time
    from (select *, row_number() over (partition by loan_id, observation_date order by due_date desc) as rn from settled) t
    group by all
),
other_loans as (
    select o.loan_id, o.observation_date,
        count(*) as customer_other_loans,
        sum(case when l.status = 'closed' and l.closed_on <= o.observation_date then 1 else 0 end) as customer_loans_repaid,
        sum(case when l.status = 'written_off' and l.closed_on <= o.observation_date then 1 else 0 end) as customer_loans_written_off
    from obs o join intermediate.int_reporting_loans l on l.customer_id = o.customer_id and l.loan_id <> o.loan_id and l.disbursed_on <= o.observation_date
    group by all
),
other_dpd as (
    select o.loan_id, o.observation_date, max(b.dpd) as customer_other_max_dpd_ever
    from obs o join intermediate.int_reporting_month_end_book b on b.customer_id = o.customer_id and b.loan_id <> o.loan_id and b.observation_date <= o.observation_date
    group by all
),
spell_contacts as (
    select o.loan_id, o.observation_date,
        sum(case when c.channel in ('call','visit') then 1 else 0 end) as spell_calls,
        sum(case when c.is_right_party_contact then 1 else 0 end) as spell_rpcs,
        sum(case when c.is_promise then 1 else 0 end) as spell_promises,
        sum(case when c.is_promise and c.contact_date > o.observation_date - 7 then 1 else 0 end) as promises_7d,
        sum(case when c.is_right_party_contact and c.contact_date > o.observation_date - 3 then 1 else 0 end) as rpcs_3d,
        sum(case when c.outcome in ('no_answer','busy','voicemail') then 1 else 0 end) as spell_unanswered
    from obs o join intermediate.int_reporting_contacts c on c.loan_id = o.loan_id and c.contact_date <= o.observation_date and c.contact_date > o.observation_date - o.dpd
    group by all
),
hist_contacts as (
    select o.loan_id, o.observation_date,
        sum(case when c.channel = 'call' then 1 else 0 end) as hist_calls,
        sum(case when c.is_right_party_contact then 1 else 0 end) as hist_rpcs,
        sum(case when c.is_promise then 1 else 0 end) as hist_promises
    from obs o join intermediate.int_reporting_contacts c on c.customer_id = o.customer_id and c.contact_date <= o.observation_date - o.dpd
    group by all
)
select o.loan_id, o.observation_date,
    t.avg_days_late_6, t.avg_days_late_3, t.max_days_late_paid_12m, t.avg_days_late_when_late_12m, t.avg_days_early_when_on_time,
    coalesce(ol.customer_other_loans, 0) as customer_other_loans, ol.customer_loans_repaid, ol.customer_loans_written_off,
    od.customer_other_max_dpd_ever,
    sc.spell_calls, sc.spell_rpcs, sc.spell_promises, sc.promises_7d, sc.rpcs_3d, sc.spell_unanswered,
    case when sc.spell_rpcs > 0 then sc.spell_promises / sc.spell_rpcs else 0 end as spell_promise_per_rpc,
    case when sc.spell_calls > 0 then sc.spell_rpcs / sc.spell_calls else 0 end as spell_rpc_rate,
    case when hc.hist_calls > 0 then hc.hist_rpcs / hc.hist_calls else 0 end as hist_rpc_rate,
    case when hc.hist_rpcs > 0 then hc.hist_promises / hc.hist_rpcs else 0 end as hist_promise_per_rpc
from obs o
left join timing t using (loan_id, observation_date)
left join other_loans ol using (loan_id, observation_date)
left join other_dpd od using (loan_id, observation_date)
left join spell_contacts sc using (loan_id, observation_date)
left join hist_contacts hc using (loan_id, observation_date)
