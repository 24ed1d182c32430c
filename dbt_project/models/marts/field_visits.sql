{#- The field agents' worklist for D+1: one row per visit scheduled tonight (marts.contact_log,
    channel visit, status scheduled), with the address, the visiting hours (UTC instants; the file
    shows them in the customer's zone), the agent's route order, and when the notice went out
    (int_contact__visit_assignment). outbox/<D>/field_visits.csv is this table. -#}
{{ config(materialized='table') }}

with visits as (

    select * from {{ ref('contact_log') }}
    where as_of_date = {{ as_of_date() }}
        and channel = 'visit'
        and status = 'scheduled'

)

select
    v.as_of_date,
    v.action_id as visit_id,
    v.loan_id,
    v.customer_id,
    v.person_id,
    v.agent_id,
    cast({{ dbt.dateadd('day', 1, 'v.as_of_date') }} as date) as visit_date,
    v.scheduled_after as visit_after,
    v.scheduled_before as visit_before,
    v.display_zone,
    v.priority as route_order,
    {{ contact_recipient_columns('r', ['phone']) }},
    v.overdue_amount,
    v.currency,
    v.dpd,
    a.notice_sent_on,
    a.notice_sent_by,
    v.reason
from visits v
inner join {{ ref('int_contact__visit_assignment') }} a on a.loan_id = v.loan_id
left join {{ ref('int_contact__recipients') }} r on r.customer_id = v.customer_id
