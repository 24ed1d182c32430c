{#- Every loan of every nightly snapshot as the lender delivered it (stg_loans: status lower-cased,
    `is_quarantined` when the validate step quarantined the row), for the Python that shows a case
    as delivered: the evidence pack's loan.json and the snapshots `arrears explain` names when a
    loan is not in the date asked. A view: it costs nothing at night and shows any date held. -#}
{{ config(materialized='view') }}

select * from {{ ref('stg_loans') }}
