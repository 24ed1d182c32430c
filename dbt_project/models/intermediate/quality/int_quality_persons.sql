{#- One row per person and as_of_date: the customer records linked into one debtor because they
    carry the same valid national id (person_id on stg_customers). Contact limits count per
    person; `is_linked` marks persons with more than one customer record (a duplicated master
    record, or a second customer id the lender opened for the same person). -#}
select
    as_of_date,
    person_id,
    count(*) as customer_records,
    {{ dbt.listagg('customer_id', "', '", 'order by customer_id') }} as customer_ids,
    count(*) > 1 as is_linked,
    {{ dbt.bool_or('is_restored') }} as any_restored
from {{ ref('stg_customers') }}
group by as_of_date, person_id
