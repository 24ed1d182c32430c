{#- Generic data tests of the reporting marts (models/marts/reporting). -#}

{#- Reconciliation: within every period, currency and dimension of `model`, the amounts in
    `amount_column` add up to the ledger: the payments in stg_payments delivered on or before D with
    a value date in the period (and on or before D), less those cancelled by a reversal delivered on
    or before D with a value date on or before D (net of reversals), in the loan's currency (latest
    loans snapshot up to D; XXX when the loan is unknown), leaving out the payments the validate
    step quarantined (not money the ledger can vouch for; int_quality_quarantine lists them) but
    not the reversals (a reversal in doubt still cancels).
    Computed from the staging layer, not from the reporting intermediates, so a mistake there
    shows. A period with ledger payments but no rows in the model fails too. One failing row per period, currency and dimension that does not match. -#}
{% test reporting_reconciles_to_ledger(model, amount_column='collected_amount', dimension_column='dimension') %}
{%- set d = as_of_date() %}
with periods as (

    select distinct period_type, period_start, period_end from {{ model }}

),

dimensions as (

    select distinct period_type, period_start, {{ dimension_column }} as dimension from {{ model }}

),

reversed as (

    select distinct reverses_payment_id as payment_id
    from {{ ref('stg_payments') }}
    where is_reversal and delivered_on <= {{ d }} and value_date <= {{ d }}

),

currencies as (

    select * from {{ latest_rows(ref('stg_loans'), 'loan_id', 'as_of_date desc', ['loan_id', 'currency'],
                                 'as_of_date <= ' ~ d) }} l

),

ledger as (

    select
        pe.period_type,
        pe.period_start,
        coalesce(c.currency, 'XXX') as currency,
        sum(p.amount) - sum(case when r.payment_id is not null then p.amount else 0 end) as net_collected
    from {{ ref('stg_payments') }} p
    inner join periods pe on p.value_date >= pe.period_start and p.value_date <= pe.period_end
    left join reversed r on r.payment_id = p.payment_id
    left join currencies c on c.loan_id = p.loan_id
    where not p.is_reversal
        and not p.is_quarantined
        and p.amount > 0
        and p.delivered_on <= {{ d }}
        and p.value_date <= {{ d }}
    group by pe.period_type, pe.period_start, coalesce(c.currency, 'XXX')

),

expected as (

    select l.period_type, l.period_start, l.currency, dm.dimension, l.net_collected
    from ledger l
    inner join dimensions dm on dm.period_type = l.period_type and dm.period_start = l.period_start

),

reported as (

    select period_type, period_start, currency, {{ dimension_column }} as dimension, sum({{ amount_column }}) as reported
    from {{ model }}
    group by period_type, period_start, currency, {{ dimension_column }}

)

select
    coalesce(r.period_type, e.period_type) as period_type,
    coalesce(r.period_start, e.period_start) as period_start,
    coalesce(r.currency, e.currency) as currency,
    coalesce(r.dimension, e.dimension) as dimension,
    r.reported,
    e.net_collected as ledger
from reported r
full outer join expected e
    on e.period_type = r.period_type
    and e.period_start = r.period_start
    and e.currency = r.currency
    and e.dimension = r.dimension
where coalesce(r.reported, 0) <> coalesce(e.net_collected, 0)
{% endtest %}

{#- The flow matrix covers the book: per period and currency, the accounts and balance of the
    product = 'all' rows equal the loans of marts.loan_delinquency at the period's opening night that
    were not written off, and their outstanding principal. -#}
{% test reporting_flows_cover_opening_book(model) %}
with flows as (

    select period_type, period_start, opening_as_of_date, currency, sum(accounts) as accounts, sum(balance) as balance
    from {{ model }}
    where product = 'all'
    group by period_type, period_start, opening_as_of_date, currency

),

periods as (

    select distinct period_type, period_start, opening_as_of_date from {{ model }}

),

book as (

    select p.period_type, p.period_start, d.currency, count(*) as accounts, sum(d.outstanding_principal) as balance
    from periods p
    inner join {{ ref('loan_delinquency') }} d
        on d.as_of_date = p.opening_as_of_date
        and not coalesce(d.is_written_off, false)
    group by p.period_type, p.period_start, d.currency

)

select coalesce(f.period_type, b.period_type) as period_type, coalesce(f.period_start, b.period_start) as period_start,
       f.accounts as flow_accounts, b.accounts as book_accounts, f.balance as flow_balance, b.balance as book_balance
from flows f
full outer join book b
    on b.period_type = f.period_type and b.period_start = f.period_start and b.currency = f.currency
where coalesce(f.accounts, 0) <> coalesce(b.accounts, 0)
    or coalesce(f.balance, 0) <> coalesce(b.balance, 0)
{% endtest %}

{#- The re-derived month-end book agrees with the nightly classification: at D itself every loan
    of marts.loan_delinquency has the same DPD, bucket and outstanding principal in `model`
    (int_reporting_month_end_book). A difference means the two implementations of the DPD rule have
    drifted apart (or a loan's schedule changed in a way the re-derivation cannot see). -#}
{% test reporting_matches_loan_delinquency(model) %}
{%- set d = as_of_date() %}
select d.loan_id, d.dpd, m.dpd as rederived_dpd, d.bucket, m.bucket as rederived_bucket,
       d.outstanding_principal, m.outstanding_principal as rederived_outstanding_principal
from {{ ref('loan_delinquency') }} d
left join {{ model }} m
    on m.loan_id = d.loan_id
    and m.observation_date = {{ d }}
where d.as_of_date = {{ d }}
    and (m.loan_id is null
        or m.dpd <> d.dpd
        or m.bucket <> d.bucket
        or m.outstanding_principal <> d.outstanding_principal)
{% endtest %}
