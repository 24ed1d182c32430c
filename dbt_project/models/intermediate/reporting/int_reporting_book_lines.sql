{#- Every loan on every night up to D (marts.loan_delinquency) with its book line, the one rule that
    keeps written-off and placed loans out of active arrears:

      written_off     written off (whatever its placement)
      placed_legal    referred to legal on or before the night and not recalled (int_reporting_placements)
      placed_agency   placed with a collection agency on or before the night and not recalled
      arrears         overdue and none of the above: active arrears, worked by the lender's own teams
      current         not overdue -#}
{{ config(schema='intermediate', materialized='view') }}

with book as (

    select
        as_of_date,
        loan_id,
        currency,
        bucket,
        stage,
        dpd,
        is_overdue,
        is_written_off,
        overdue_amount,
        outstanding_principal
    from {{ ref('loan_delinquency') }}
    where as_of_date <= {{ as_of_date() }}

),

placements as (

    select * from {{ ref('int_reporting_placements') }}

),

placed as (

    select
        b.as_of_date,
        b.loan_id,
        max(case when p.placement_type = 'legal' then 1 else 0 end) as is_legal,
        max(case when p.placement_type = 'agency' then 1 else 0 end) as is_agency
    from book b
    inner join placements p
        on p.loan_id = b.loan_id
        and p.placed_on <= b.as_of_date
        and (p.recalled_on is null or p.recalled_on > b.as_of_date)
    group by b.as_of_date, b.loan_id

)

select
    b.*,
    case
        when b.is_written_off then 'written_off'
        when p.is_legal = 1 then 'placed_legal'
        when p.is_agency = 1 then 'placed_agency'
        when b.is_overdue then 'arrears'
        else 'current'
    end as book_line
from book b
left join placed p
    on p.as_of_date = b.as_of_date
    and p.loan_id = b.loan_id
