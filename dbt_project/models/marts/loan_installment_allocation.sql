{#- Every installment of every schedule snapshot with what the payments counting on that date paid of
    it (fee, interest, principal) and its days past due: the allocation the DPD comes from
    (int_installment_allocation), exposed for the letters' itemised arrears, `arrears explain` and the
    evidence packs. A view: it costs nothing at night and shows any date the warehouse holds. -#}
{{ config(materialized='view') }}

select * from {{ ref('int_installment_allocation') }}
