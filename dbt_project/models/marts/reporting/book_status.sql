{#- The book on D by book line (int_reporting_book_lines) and currency: the report's headline
    counts. Active arrears (arrears) excludes written-off and placed loans, which have their own
    lines; the active book is every line but written_off. history_starts_on is the warehouse's
    first night (int_reporting_horizon), which the report states beside the book. -#}

with book as (

    select * from {{ ref('int_reporting_book_lines') }}
    where as_of_date = {{ as_of_date() }}

)

select
    {{ as_of_date() }} as as_of_date,
    currency,
    book_line,
    cast(count(*) as {{ dbt.type_int() }}) as loans,
    cast(sum(case when is_overdue then 1 else 0 end) as {{ dbt.type_int() }}) as overdue_loans,
    cast(sum(case when is_overdue then overdue_amount else 0 end) as {{ type_money() }}) as overdue_amount,
    cast(sum(outstanding_principal) as {{ type_money() }}) as outstanding_principal,
    max(h.first_night) as history_starts_on
from book
cross join {{ ref('int_reporting_horizon') }} h
group by currency, book_line
