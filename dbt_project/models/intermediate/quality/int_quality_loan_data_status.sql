{#- The customer-side data status of a loan on a date, for marts.overdue_accountability: one row
    per loan and as_of_date that the validate step quarantined, restored, or whose customer it
    restored (loans with clean data have no row).

    data_status            blocks_collection  meaning
    orphan                 true               the loan's customer was never delivered (or its only
                                              row was rejected at ingest): quarantined, data_blocked
    quarantined            true               another loans.csv rule quarantined the row
    restored               false              the loan was lost from the snapshot and restored
    customer_restored      false              the customer was lost and restored from history

    `reason` is one line for people. A loan can have several statuses; `blocks_collection` is
    true when any of them blocks (the reasons are joined). -#}
with quarantined as (

    select
        as_of_date,
        record_id as loan_id,
        case when rule = 'loans.customer_exists' then 'orphan' else 'quarantined' end as data_status,
        true as blocks_collection,
        reason
    from {{ quality_source('quarantine') }}
    where file = 'loans.csv'

),

restored_loans as (

    select
        as_of_date,
        loan_id,
        'restored' as data_status,
        false as blocks_collection,
        'loan restored from the ' || cast(restored_from as varchar) || ' snapshot: ' || reason as reason
    from {{ quality_source('restored_loans') }}

),

restored_customers as (

    select
        l.as_of_date,
        l.loan_id,
        'customer_restored' as data_status,
        false as blocks_collection,
        'customer ' || c.customer_id || ' restored from the ' || cast(c.restored_from as varchar)
            || ' snapshot (absent from this one)' as reason
    from {{ ref('int_quality_loans') }} l
    inner join {{ ref('stg_customers') }} c
        on c.as_of_date = l.as_of_date and c.customer_id = l.customer_id and c.is_restored

),

statuses as (

    select * from quarantined
    union all select * from restored_loans
    union all select * from restored_customers

),

kinds as (

    select distinct as_of_date, loan_id, data_status from statuses

),

kinds_joined as (

    select as_of_date, loan_id, {{ dbt.listagg('data_status', "', '", 'order by data_status') }} as data_status
    from kinds
    group by as_of_date, loan_id

),

reasons_joined as (

    select
        as_of_date,
        loan_id,
        {{ dbt.bool_or('blocks_collection') }} as blocks_collection,
        {{ dbt.listagg('reason', "'; '", 'order by blocks_collection desc, reason') }} as reason
    from statuses
    group by as_of_date, loan_id

)

select
    r.as_of_date,
    r.loan_id,
    k.data_status,
    r.blocks_collection,
    r.reason
from reasons_joined r
inner join kinds_joined k on k.as_of_date = r.as_of_date and k.loan_id = r.loan_id
