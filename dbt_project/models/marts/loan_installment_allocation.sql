{#- Every installment of every schedule snapshot with what the payments counting on that date paid of
    it (fee, interest, principal) and its days past due: the allocation the DPD comes from
    (int_installment_allocation, a table kept per night), exposed for the letters' itemised arrears,
    `arrears explain` and the evidence packs. A view over that table: a night's rows are a lookup.
    `allocated_on` (the night a carried allocation was computed) stays in the intermediate: it tells
    how the table was built, not what it says, and differs between incremental nights and a rebuild. -#}
{{ config(materialized='view') }}

select
    as_of_date,
    loan_id,
    installment_no,
    due_date,
    fee_due,
    interest_due,
    principal_due,
    amount_due,
    loan_paid,
    paid_amount,
    fee_paid,
    interest_paid,
    principal_paid,
    unpaid_amount,
    is_past_due,
    is_unpaid,
    tolerance_amount,
    days_past_due
from {{ ref('int_installment_allocation') }}
