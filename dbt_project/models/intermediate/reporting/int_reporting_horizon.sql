{#- The warehouse's history horizon as known on D: its first processed night. What happened before
    it (e.g. the first contact of a loan that fell overdue earlier) was never observed, so figures
    that need it are excluded or marked (first_contact_timeliness.is_before_history). -#}
{{ config(schema='intermediate', materialized='table') }}

select
    min(as_of_date) as first_night,
    {{ as_of_date() }} as as_of_date
from {{ ref('loan_delinquency') }}
where as_of_date <= {{ as_of_date() }}
