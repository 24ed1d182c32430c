{#- The ledger the KPI report reconciles its collected amounts to: every payment known on D with a
    value date up to D, once, net of reversals known on D (int_reporting_payments). A view: the report
    sums it for the month to date. -#}
{{ config(materialized='view') }}

select * from {{ ref('int_reporting_payments') }}
