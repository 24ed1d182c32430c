{#- Placement state as known on D: loans handed to a collection agency or to legal, one row per loan
    and placement type. The ONE place the reporting marts read placements from.

    Interim source: the contact engine's placement actions (marts.contact_log rows with channel
    agency_placement / legal_referral and status scheduled): the loan counts as placed from the day
    the action is scheduled for (night + 1). There is no recall yet (recalled_on is null). When a
    placements mart exists (loan_id, placement type, placed_on, recalled_on), this model reads it
    instead and nothing downstream changes. -#}
{{ config(schema='intermediate', materialized='view') }}

with placement_actions as (

    select
        loan_id,
        case channel when 'legal_referral' then 'legal' else 'agency' end as placement_type,
        cast({{ dbt.dateadd('day', 1, 'as_of_date') }} as date) as placed_on
    from {{ ref('contact_log') }}
    where channel in ('agency_placement', 'legal_referral')
        and status = 'scheduled'
        and as_of_date <= {{ as_of_date() }}

)

select
    loan_id,
    placement_type,
    min(placed_on) as placed_on,
    cast(null as date) as recalled_on
from placement_actions
group by loan_id, placement_type
