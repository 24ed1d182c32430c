{#- Strategy evaluation (champion/challenger): what followed the contacts the product scheduled,
    per reporting period of the scheduling night (calendar month; ISO week), currency, stage,
    channel, template and variant (marts.contact_log; 'none' when the row has no variant).

    A treated loan is counted once per group and period, from the first night in the period a
    contact of that group was scheduled for it (the contact happens the day after). Its outcome
    window is the `strategy_outcome_days` (14) days after that night, up to D; a loan is matured
    when its whole window has passed. Over matured loans:
      cure_rate      = cured_loans / loans_matured, cured = on some night of the window the loan
                       was no longer overdue or had left the book;
      recovery_rate  = collected_in_window / overdue_at_action: net payments with a value date in
                       the window over the overdue amount on the scheduling night.
    withheld: contacts of the group the rules withheld (contact_log status withheld), for context.
    Rows with channel = template = 'all' take each loan of a stage and variant once, from its first
    scheduled contact of any channel: compare champion and challenger there (the loans of a variant
    are a hash share of all loans, so those outcomes are comparable). Per-template rows show what
    followed each action, but a variant that schedules an action earlier in the episode treats
    less delinquent loans with it, so compare them with care. -#}

{%- set days = reporting_param('strategy_outcome_days') | int %}

with log as (

    select
        as_of_date,
        loan_id,
        coalesce(currency, 'XXX') as currency,
        coalesce(stage, 'unknown') as stage,
        channel,
        coalesce(template, 'none') as template,
        coalesce(variant, 'none') as variant,
        status,
        overdue_amount
    from {{ ref('contact_log') }}
    where as_of_date <= {{ as_of_date() }}

),

periods as (

    select * from {{ ref('int_reporting_periods') }}

),

in_period as (

    select p.period_type, p.period_start, l.*
    from log l
    inner join periods p
        on l.as_of_date >= p.period_start
        and l.as_of_date <= p.period_end

    union all

    -- the variant as a whole (channel = template = 'all'): each loan once, from the first contact
    -- of any channel - the like-for-like A/B comparison when variants time their actions differently
    select p.period_type, p.period_start, l.as_of_date, l.loan_id, l.currency, l.stage,
        'all' as channel, 'all' as template, l.variant, l.status, l.overdue_amount
    from log l
    inner join periods p
        on l.as_of_date >= p.period_start
        and l.as_of_date <= p.period_end

),

counts as (

    select
        period_type,
        period_start,
        currency,
        stage,
        channel,
        template,
        variant,
        sum(case when status = 'scheduled' then 1 else 0 end) as actions_scheduled,
        sum(case when status = 'withheld' then 1 else 0 end) as actions_withheld,
        count(distinct case when status = 'scheduled' then loan_id end) as loans_treated
    from in_period
    group by period_type, period_start, currency, stage, channel, template, variant

),

first_treatment as (

    select
        period_type,
        period_start,
        currency,
        stage,
        channel,
        template,
        variant,
        loan_id,
        as_of_date as treated_on,
        overdue_amount,
        cast({{ dbt.dateadd('day', days, 'as_of_date') }} as date) as window_end,
        row_number() over (
            partition by period_type, period_start, currency, stage, channel, template, variant, loan_id
            order by as_of_date
        ) as treatment_no
    from in_period
    where status = 'scheduled'

),

matured as (

    select *
    from first_treatment
    where treatment_no = 1
        and window_end <= {{ as_of_date() }}

),

nights as (

    select distinct as_of_date
    from {{ ref('loan_delinquency') }}
    where as_of_date <= {{ as_of_date() }}

),

cured as (

    select distinct
        m.period_type,
        m.period_start,
        m.stage,
        m.channel,
        m.template,
        m.variant,
        m.loan_id
    from matured m
    inner join nights n
        on n.as_of_date > m.treated_on
        and n.as_of_date <= m.window_end
    left join {{ ref('loan_delinquency') }} d
        on d.as_of_date = n.as_of_date
        and d.loan_id = m.loan_id
    where d.loan_id is null or not d.is_overdue

),

collected as (

    select
        m.period_type,
        m.period_start,
        m.stage,
        m.channel,
        m.template,
        m.variant,
        m.loan_id,
        sum(p.net_amount) as collected
    from matured m
    inner join {{ ref('int_reporting_payments') }} p
        on p.loan_id = m.loan_id
        and p.value_date > m.treated_on
        and p.value_date <= m.window_end
    group by m.period_type, m.period_start, m.stage, m.channel, m.template, m.variant, m.loan_id

),

outcomes as (

    select
        m.period_type,
        m.period_start,
        m.currency,
        m.stage,
        m.channel,
        m.template,
        m.variant,
        count(*) as loans_matured,
        sum(case when c.loan_id is not null then 1 else 0 end) as cured_loans,
        sum(coalesce(m.overdue_amount, 0)) as overdue_at_action,
        sum(coalesce(k.collected, 0)) as collected_in_window
    from matured m
    left join cured c
        on c.period_type = m.period_type and c.period_start = m.period_start and c.stage = m.stage
        and c.channel = m.channel and c.template = m.template and c.variant = m.variant and c.loan_id = m.loan_id
    left join collected k
        on k.period_type = m.period_type and k.period_start = m.period_start and k.stage = m.stage
        and k.channel = m.channel and k.template = m.template and k.variant = m.variant and k.loan_id = m.loan_id
    group by m.period_type, m.period_start, m.currency, m.stage, m.channel, m.template, m.variant

)

select
    p.period_type,
    p.period_start,
    p.period_end,
    p.is_period_complete,
    c.currency,
    c.stage,
    c.channel,
    c.template,
    c.variant,
    cast(c.actions_scheduled as {{ dbt.type_int() }}) as actions_scheduled,
    cast(c.actions_withheld as {{ dbt.type_int() }}) as actions_withheld,
    cast(c.loans_treated as {{ dbt.type_int() }}) as loans_treated,
    cast(coalesce(o.loans_matured, 0) as {{ dbt.type_int() }}) as loans_matured,
    cast(coalesce(o.cured_loans, 0) as {{ dbt.type_int() }}) as cured_loans,
    {{ reporting_ratio('o.cured_loans', 'o.loans_matured') }} as cure_rate,
    cast(coalesce(o.overdue_at_action, 0) as {{ type_money() }}) as overdue_at_action,
    cast(coalesce(o.collected_in_window, 0) as {{ type_money() }}) as collected_in_window,
    {{ reporting_ratio('o.collected_in_window', 'o.overdue_at_action') }} as recovery_rate,
    {{ days }} as outcome_days,
    {{ as_of_date() }} as as_of_date
from counts c
inner join periods p
    on p.period_type = c.period_type
    and p.period_start = c.period_start
left join outcomes o
    on o.period_type = c.period_type and o.period_start = c.period_start and o.currency = c.currency
    and o.stage = c.stage and o.channel = c.channel and o.template = c.template and o.variant = c.variant
