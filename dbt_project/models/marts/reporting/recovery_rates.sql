{#- Recovery and liquidation rates per reporting period (calendar month; ISO week for trends),
    currency, dimension and segment, as known on D. Long format: `dimension` names how the book is
    cut and `segment` the slice:

      portfolio  all                          the whole book
      bucket     bucket at the opening night  (not_on_book: loans not yet/no longer on the book then)
      stage      stage at the opening night
      book_line  book line at the opening night (int_reporting_book_lines): arrears = active arrears,
                 placed_agency, placed_legal, written_off, current, not_on_book
      product    the loan's product
      vintage    disbursement month YYYY-MM
      channel    the contact channel credited with each payment (payment_attribution; unattributed)
      team       the team credited with each payment (unassigned: no agent)
      agent      the agent credited with each payment (no_agent: automated or unattributed)

    recovery_rate    = recovered_amount / overdue_at_start: net payments after the opening night from
                       loans overdue at the opening night, over their overdue amount then (industry:
                       collected / overdue at the start of the period). It can exceed 1: payments also
                       cover instalments falling due during the period.
    liquidation_rate = liquidated_amount / placed_amount: net payments after placement from loans that
                       became overdue during the period, over their overdue amount when placed
                       (collected / balance newly placed in the period).
    payments         = payments with a value date in the period not cancelled by a reversal known on D.
    collected_amount = every net payment with a value date in the period (reversals known on D
                       removed), whatever the loan's cohort: within one period, currency and dimension
                       the segments add up to the ledger (tested: reporting_reconciles_to_ledger).
    For channel, team and agent the numerators are the payments credited to the segment and the
    denominators the loans the segment contacted in the period (a loan contacted by two agents is
    in both denominators); the credited payments add up across segments, the denominators do not. -#}

{%- set loan_dimensions = {
    'portfolio': "'all'",
    'bucket': "coalesce(lp.opening_bucket, 'not_on_book')",
    'stage': "coalesce(lp.opening_stage, 'not_on_book')",
    'book_line': "coalesce(lp.opening_book_line, 'not_on_book')",
    'product': "lp.product",
    'vintage': "coalesce(substring(cast(lp.disbursed_on as " ~ dbt.type_string() ~ ") from 1 for 7), 'unknown')",
} %}
{%- set contact_dimensions = {
    'channel': {'payment': "pa.channel", 'contact': "c.channel"},
    'team': {'payment': "pa.team", 'contact': "c.team"},
    'agent': {'payment': "coalesce(pa.agent_id, 'no_agent')", 'contact': "c.agent_id"},
} %}
{%- set period_columns = ['period_type', 'period_start', 'period_end', 'opening_as_of_date', 'closing_as_of_date',
                          'is_opening_observed', 'is_period_complete'] %}

with loan_periods as (

    select * from {{ ref('int_reporting_loan_periods') }}

),

periods as (

    select * from {{ ref('int_reporting_periods') }}

),

by_loan_dimension as (

    {%- for dimension, expression in loan_dimensions.items() %}
    select
        lp.period_type,
        lp.period_start,
        lp.currency,
        '{{ dimension }}' as dimension,
        {{ expression }} as segment,
        sum(case when lp.cohort = 'opening_overdue' then 1 else 0 end) as accounts_overdue_at_start,
        sum(lp.overdue_at_start) as overdue_at_start,
        sum(lp.recovered_amount) as recovered_amount,
        sum(case when lp.cohort = 'newly_overdue' then 1 else 0 end) as accounts_newly_placed,
        sum(lp.placed_amount) as placed_amount,
        sum(lp.liquidated_amount) as liquidated_amount,
        sum(lp.collected_amount) as collected_amount,
        sum(lp.payments) as payments
    from loan_periods lp
    group by lp.period_type, lp.period_start, lp.currency, {{ expression }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

credited as (

    -- every payment of each period with its credit and its loan's cohort in that period
    select
        lp.period_type,
        lp.period_start,
        lp.currency,
        pa.channel,
        pa.team,
        pa.agent_id,
        pa.net_amount,
        pa.is_reversed,
        case when lp.cohort = 'opening_overdue' and pa.value_date > lp.opening_as_of_date
            then pa.net_amount else 0 end as recovered_amount,
        case when lp.cohort = 'newly_overdue' and pa.value_date > lp.placed_on
            then pa.net_amount else 0 end as liquidated_amount
    from {{ ref('payment_attribution') }} pa
    inner join loan_periods lp
        on lp.loan_id = pa.loan_id
        and pa.value_date >= lp.period_start
        and pa.value_date <= lp.period_end

),

contacted as (

    -- loans contacted in each period, once per loan and segment
    {%- for dimension, expressions in contact_dimensions.items() %}
    select distinct
        lp.period_type,
        lp.period_start,
        lp.currency,
        '{{ dimension }}' as dimension,
        {{ expressions['contact'] }} as segment,
        lp.loan_id,
        lp.cohort,
        lp.overdue_at_start,
        lp.placed_amount
    from {{ ref('int_reporting_contacts') }} c
    inner join loan_periods lp
        on lp.loan_id = c.loan_id
        and c.contact_date >= lp.period_start
        and c.contact_date <= lp.period_end
    where {{ expressions['contact'] }} is not null
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

worked as (

    select
        period_type,
        period_start,
        currency,
        dimension,
        segment,
        sum(case when cohort = 'opening_overdue' then 1 else 0 end) as accounts_overdue_at_start,
        sum(overdue_at_start) as overdue_at_start,
        sum(case when cohort = 'newly_overdue' then 1 else 0 end) as accounts_newly_placed,
        sum(placed_amount) as placed_amount
    from contacted
    group by period_type, period_start, currency, dimension, segment

),

credit_totals as (

    {%- for dimension, expressions in contact_dimensions.items() %}
    select
        period_type,
        period_start,
        currency,
        '{{ dimension }}' as dimension,
        {{ expressions['payment'] | replace('pa.', '') }} as segment,
        sum(recovered_amount) as recovered_amount,
        sum(liquidated_amount) as liquidated_amount,
        sum(net_amount) as collected_amount,
        sum(case when is_reversed then 0 else 1 end) as payments
    from credited
    group by period_type, period_start, currency, {{ expressions['payment'] | replace('pa.', '') }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

by_contact_dimension as (

    select
        coalesce(w.period_type, t.period_type) as period_type,
        coalesce(w.period_start, t.period_start) as period_start,
        coalesce(w.currency, t.currency) as currency,
        coalesce(w.dimension, t.dimension) as dimension,
        coalesce(w.segment, t.segment) as segment,
        coalesce(w.accounts_overdue_at_start, 0) as accounts_overdue_at_start,
        coalesce(w.overdue_at_start, 0) as overdue_at_start,
        coalesce(t.recovered_amount, 0) as recovered_amount,
        coalesce(w.accounts_newly_placed, 0) as accounts_newly_placed,
        coalesce(w.placed_amount, 0) as placed_amount,
        coalesce(t.liquidated_amount, 0) as liquidated_amount,
        coalesce(t.collected_amount, 0) as collected_amount,
        coalesce(t.payments, 0) as payments
    from worked w
    full outer join credit_totals t
        on t.period_type = w.period_type
        and t.period_start = w.period_start
        and t.currency = w.currency
        and t.dimension = w.dimension
        and t.segment = w.segment

),

combined as (

    select * from by_loan_dimension
    union all
    select * from by_contact_dimension

)

select
    {%- for c in period_columns %}
    p.{{ c }},
    {%- endfor %}
    r.currency,
    r.dimension,
    r.segment,
    cast(r.accounts_overdue_at_start as {{ dbt.type_int() }}) as accounts_overdue_at_start,
    cast(r.overdue_at_start as {{ type_money() }}) as overdue_at_start,
    cast(r.recovered_amount as {{ type_money() }}) as recovered_amount,
    {{ reporting_ratio('r.recovered_amount', 'r.overdue_at_start') }} as recovery_rate,
    cast(r.accounts_newly_placed as {{ dbt.type_int() }}) as accounts_newly_placed,
    cast(r.placed_amount as {{ type_money() }}) as placed_amount,
    cast(r.liquidated_amount as {{ type_money() }}) as liquidated_amount,
    {{ reporting_ratio('r.liquidated_amount', 'r.placed_amount') }} as liquidation_rate,
    cast(r.collected_amount as {{ type_money() }}) as collected_amount,
    cast(r.payments as {{ dbt.type_int() }}) as payments,
    {{ as_of_date() }} as as_of_date
from combined r
inner join periods p
    on p.period_type = r.period_type
    and p.period_start = r.period_start
