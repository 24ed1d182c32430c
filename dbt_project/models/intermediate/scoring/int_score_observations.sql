{#- The loans the collection score looks at, one row per loan and observation date:
    - tonight: every overdue loan of marts.loan_delinquency on D (what marts.collection_scores scores);
    - history: every loan overdue at a past month end, re-derived from the ledger as known on D by
      int_reporting_month_end_book (the examples the score is trained and monitored on).
    Both carry the same measures, so one feature model serves scoring and training. The loan's
    interest rate comes from its latest snapshot: lenders price risk in, so it carries what the
    lender knew of the customer at origination; its rank among the rates of the same product (loans
    disbursed by the observation date) says how far the lender priced this customer above the
    product's cheapest, whatever the product's own range. -#}

with tonight as (

    select
        d.loan_id,
        d.customer_id,
        d.as_of_date as observation_date,
        true as is_tonight,
        d.dpd,
        d.overdue_amount,
        d.outstanding_principal,
        d.currency,
        d.product
    from {{ ref('loan_delinquency') }} d
    where d.as_of_date = {{ as_of_date() }}
        and d.is_overdue

),

month_ends as (

    select
        b.loan_id,
        b.customer_id,
        b.observation_date,
        false as is_tonight,
        b.dpd,
        b.overdue_amount,
        b.outstanding_principal,
        b.currency,
        b.product
    from {{ ref('int_reporting_month_end_book') }} b
    where b.is_overdue
        and b.observation_date < {{ as_of_date() }}

),

pricing as (

    select * from {{ latest_rows(ref('stg_loans'), 'loan_id', 'as_of_date desc', ['loan_id', 'annual_interest_rate'],
                                 'as_of_date <= ' ~ as_of_date() ~ ' and loan_id is not null') }} r

),

observations as (

    select * from tonight
    union all
    select * from month_ends

),

observation_dates as (

    select distinct observation_date from observations

),

price_ranks as (

    -- percent_rank: 0 for the product's cheapest loan then on the book, 1 for its dearest
    select
        d.observation_date,
        l.loan_id,
        percent_rank() over (partition by d.observation_date, l.product, l.currency
                             order by r.annual_interest_rate) as price_rank_in_product
    from observation_dates d
    inner join {{ ref('int_reporting_loans') }} l on l.disbursed_on <= d.observation_date
    inner join pricing r
        on r.loan_id = l.loan_id
        and r.annual_interest_rate is not null

)

select
    o.loan_id,
    o.customer_id,
    o.observation_date,
    o.is_tonight,
    o.dpd,
    o.overdue_amount,
    o.outstanding_principal,
    o.currency,
    o.product,
    l.principal_amount,
    l.disbursed_on,
    r.annual_interest_rate,
    pr.price_rank_in_product
from observations o
left join {{ ref('int_reporting_loans') }} l on l.loan_id = o.loan_id
left join pricing r on r.loan_id = o.loan_id
left join price_ranks pr on pr.loan_id = o.loan_id and pr.observation_date = o.observation_date
