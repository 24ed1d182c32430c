{#- Every contact attempt the lender's systems reported, each id once at its first delivery
    (stg_contact_attempts), for the evidence pack's contact_attempts.csv. A view: it costs nothing
    at night and shows any date held. -#}
{{ config(materialized='view') }}

select * from {{ ref('stg_contact_attempts') }}
