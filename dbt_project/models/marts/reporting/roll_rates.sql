{#- The flow (roll-rate) matrix per reporting period (calendar month, the industry's month-to-month
    flow; ISO week for trends and early warnings), currency and product, as known on D: where the
    loans that were in each bucket at the period's opening night are at its closing night.

    One row per from_bucket x to_bucket that occurred. from_bucket: the bucket at the opening night
    (loans written off by then are left out: they are no longer collected). to_bucket: the bucket at
    the closing night, or `written_off` (written off during the period) or `closed` (left the active
    book: paid off or closed). product = 'all' rows are the whole book; the other rows split it by
    product (do not add the two).

    accounts / balance: loans and their outstanding principal at the opening night (the balance that
    flowed); closing_balance: their outstanding principal at the closing night (0 when closed).
    account_share / balance_share: the row's share of its from_bucket (each from_bucket's shares add up
    to 1). is_roll_forward: to a worse bucket (or written off); the classic roll rate of bucket k is
    the share of the row from k to k+1 (is_next_bucket). Per from_bucket (the same on all its rows):
    roll_forward_rate (share, by count, that got worse), cure_rate (share of a delinquent bucket back
    in the current bucket), and their balance-weighted twins. -#}

{%- set current_bucket = reporting_current_bucket() %}

with flows as (

    select
        period_type,
        period_start,
        currency,
        product,
        opening_bucket as from_bucket,
        case
            when not is_on_book_at_closing then 'closed'
            when is_written_off_at_closing then 'written_off'
            else closing_bucket
        end as to_bucket,
        opening_outstanding_principal as balance,
        coalesce(closing_outstanding_principal, 0) as closing_balance
    from {{ ref('int_reporting_loan_periods') }}
    where is_on_book_at_opening
        and not is_written_off_at_opening

),

segmented as (

    select period_type, period_start, currency, product, from_bucket, to_bucket, balance, closing_balance from flows
    union all
    select period_type, period_start, currency, 'all' as product, from_bucket, to_bucket, balance, closing_balance from flows

),

cells as (

    select
        period_type,
        period_start,
        currency,
        product,
        from_bucket,
        to_bucket,
        count(*) as accounts,
        sum(balance) as balance,
        sum(closing_balance) as closing_balance
    from segmented
    group by period_type, period_start, currency, product, from_bucket, to_bucket

),

positioned as (

    select
        *,
        {{ reporting_bucket_position('from_bucket') }} as from_position,
        case to_bucket
            when 'written_off' then 1000
            when 'closed' then -1
            else {{ reporting_bucket_position('to_bucket') }}
        end as to_position
    from cells

),

shared as (

    select
        *,
        sum(accounts) over from_bucket_cells as from_accounts,
        sum(balance) over from_bucket_cells as from_balance,
        sum(case when to_position > from_position then accounts else 0 end) over from_bucket_cells as forward_accounts,
        sum(case when to_position > from_position then balance else 0 end) over from_bucket_cells as forward_balance,
        sum(case when to_bucket = {{ current_bucket }} then accounts else 0 end) over from_bucket_cells as cured_accounts,
        sum(case when to_bucket = {{ current_bucket }} then balance else 0 end) over from_bucket_cells as cured_balance
    from positioned
    window from_bucket_cells as (partition by period_type, period_start, currency, product, from_bucket)

)

select
    p.period_type,
    p.period_start,
    p.period_end,
    p.opening_as_of_date,
    p.closing_as_of_date,
    p.is_opening_observed,
    p.is_period_complete,
    s.currency,
    s.product,
    s.from_bucket,
    s.to_bucket,
    cast(s.from_position as {{ dbt.type_int() }}) as from_position,
    cast(case when s.to_position in (-1, 1000) then null else s.to_position end as {{ dbt.type_int() }}) as to_position,
    case
        when s.to_bucket = 'closed' then 'closed'
        when s.to_bucket = 'written_off' then 'written_off'
        when s.to_position = s.from_position then 'stay'
        when s.to_position = 0 then 'cure'
        when s.to_position < s.from_position then 'improve'
        else 'roll_forward'
    end as movement,
    s.to_position > s.from_position as is_roll_forward,
    s.to_position = s.from_position + 1 as is_next_bucket,
    cast(s.accounts as {{ dbt.type_int() }}) as accounts,
    cast(s.balance as {{ type_money() }}) as balance,
    cast(s.closing_balance as {{ type_money() }}) as closing_balance,
    cast(s.from_accounts as {{ dbt.type_int() }}) as from_accounts,
    cast(s.from_balance as {{ type_money() }}) as from_balance,
    {{ reporting_ratio('s.accounts', 's.from_accounts') }} as account_share,
    {{ reporting_ratio('s.balance', 's.from_balance') }} as balance_share,
    {{ reporting_ratio('s.forward_accounts', 's.from_accounts') }} as roll_forward_rate,
    {{ reporting_ratio('s.forward_balance', 's.from_balance') }} as roll_forward_balance_rate,
    case when s.from_position > 0 then {{ reporting_ratio('s.cured_accounts', 's.from_accounts') }} end as cure_rate,
    case when s.from_position > 0 then {{ reporting_ratio('s.cured_balance', 's.from_balance') }} end as cure_balance_rate,
    {{ as_of_date() }} as as_of_date
from shared s
inner join {{ ref('int_reporting_periods') }} p
    on p.period_type = s.period_type
    and p.period_start = s.period_start
