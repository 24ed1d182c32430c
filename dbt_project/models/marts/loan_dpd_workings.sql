{#- How each loan's DPD, bucket and stage came out on every as-of date, closed loans included (the
    working of int_loan_delinquency, exposed for `arrears explain` and the evidence packs: they read
    marts only). A view: it costs nothing at night and shows any date the warehouse holds. -#}
{{ config(materialized='view') }}

select * from {{ ref('int_loan_delinquency') }}
