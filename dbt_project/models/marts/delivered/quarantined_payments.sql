{#- The payments and reversals the validate step quarantined (stage 'validation' of
    int_quality_quarantine: amount not positive, unknown loan, ...), as delivered, with every rule
    they broke in one reason. They stay in stg_payments, marked, and never count
    (int_payment_effects leaves them out); `arrears explain` and the evidence packs list them with
    this reason. Rows quarantined at ingest are not in staging and have no loan to show them on. -#}
{{ config(materialized='view') }}

with payments as (

    select * from {{ ref('stg_payments') }}
    where is_quarantined

),

quarantine as (

    select * from {{ ref('int_quality_quarantine') }}
    where stage = 'validation' and file = 'payments.csv'

),

reasons as (

    select
        p.payment_id,
        p.loan_id,
        p.value_date,
        p.delivered_on,
        p.amount,
        p.channel,
        {{ dbt.listagg('q.reason', "'; '", 'order by q.rule') }} as reason
    from payments p
    inner join quarantine q
        on q.as_of_date = p.delivered_on
        and q.source_row = p.source_row
    group by p.payment_id, p.loan_id, p.value_date, p.delivered_on, p.amount, p.channel

)

select * from reasons
