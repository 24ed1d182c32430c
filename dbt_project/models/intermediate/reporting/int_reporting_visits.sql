{#- Every field visit known on D (contact attempts of channel `visit`, int_reporting_contacts), with
    what the loan paid after it: net payments counting on D (int_reporting_payments) value-dated from
    the visit day up to `strategy_outcome_days` (policy reporting, 14) days after it, and whether that
    window has passed by D (is_matured). The KPI report's "money collected within 14 days of a visit"
    and agent_performance's field columns read this one model. -#}
{{ config(schema='intermediate', materialized='table') }}
{%- set days = reporting_param('strategy_outcome_days') | int %}

with visits as (

    select attempt_id, loan_id, customer_id, currency, agent_id, team, contact_date, outcome,
           is_right_party_contact, is_promise
    from {{ ref('int_reporting_contacts') }}
    where channel = 'visit'

),

collected as (

    select v.attempt_id, sum(p.net_amount) as collected_amount, count(*) as payments
    from visits v
    inner join {{ ref('int_reporting_payments') }} p
        on p.loan_id = v.loan_id
        and p.value_date >= v.contact_date
        and p.value_date <= {{ dbt.dateadd('day', days, 'v.contact_date') }}
    group by v.attempt_id

)

select
    v.*,
    cast(coalesce(c.collected_amount, 0) as {{ type_money() }}) as collected_within_days,
    cast(coalesce(c.payments, 0) as {{ dbt.type_int() }}) as payments_within_days,
    {{ dbt.dateadd('day', days, 'v.contact_date') }} <= {{ as_of_date() }} as is_matured
from visits v
left join collected c on c.attempt_id = v.attempt_id
