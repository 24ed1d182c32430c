{#- Every payment and reversal with the dates between which it counts (int_payment_effects: delivered
    and value-dated by then, not cancelled by a reversal known by then), exposed for `arrears explain`
    and the evidence packs. A view: it costs nothing at night and shows any date the warehouse holds. -#}
{{ config(materialized='view') }}

select * from {{ ref('int_payment_effects') }}
