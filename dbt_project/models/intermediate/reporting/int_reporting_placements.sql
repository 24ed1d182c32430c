{#- Placement state as known on D: loans handed to a collection agency or to legal, one row per loan,
    placement type and placement. The ONE place the reporting marts read placements from; the state
    itself is marts.placements (one row per placed loan per night, carried night to night by the
    contact engine). A loan counts as placed from placed_on (the night it was placed: from then on the
    lender sends nothing of its own) until recalled_on. An agency placement escalated to legal keeps
    its agency row; the book lines let legal win. -#}
{{ config(schema='intermediate', materialized='view') }}

with known as (

    select loan_id, placement_type, placed_on, recalled_on
    from {{ ref('placements') }}
    where as_of_date <= {{ as_of_date() }}

)

select
    loan_id,
    placement_type,
    placed_on,
    max(recalled_on) as recalled_on
from known
group by loan_id, placement_type, placed_on
