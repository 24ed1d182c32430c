{#- Customers per nightly snapshot, as the validate step (data_quality, docs/data-quality.md) left
    them in quality.customers: every delivered customer with its values corrected by the named
    rules (phones in E.164, e-mails lower-case, names and addresses width- and space-normalised),
    a field that failed validation fallen back to its last valid value (`fallback_fields`) or
    marked (`invalid_fields`), and every customer a loan still needs but the snapshot lost,
    restored from history (`record_source` = 'restored', `is_restored`). `person_id` links the
    customer records of one person (same valid national id): contact limits count per person.

    A date the validate step has not processed (dbt run straight after ingest, a warehouse loaded
    before the step existed) reads the raw snapshot as delivered: `record_source` = 'unvalidated',
    one person per customer. -#}
{%- set columns = ['customer_id', 'full_name', 'national_id', 'date_of_birth', 'phone', 'email', 'address_line1',
                   'address_line2', 'city', 'region', 'postal_code', 'country', 'preferred_language', 'timezone',
                   'updated_at'] %}

with validated as (

    select
        as_of_date,
        {% for c in columns %}{{ c }},
        {% endfor -%}
        load_id,
        source_row,
        person_id,
        record_source,
        restored_from,
        corrected_fields,
        fallback_fields,
        invalid_fields,
        run_id as quality_run_id
    from {{ quality_source('customers') }}

),

unvalidated as (

    select
        r.as_of_date,
        {% for c in columns %}r.{{ c }},
        {% endfor -%}
        r._load_id as load_id,
        r._source_row as source_row,
        'P' || substr({{ quality_sha256_hex("'customer:' || r.customer_id") }}, 1, 15) as person_id,
        'unvalidated' as record_source,
        cast(null as date) as restored_from,
        cast(null as {{ quality_type_text_list() }}) as corrected_fields,
        cast(null as {{ quality_type_text_list() }}) as fallback_fields,
        cast(null as {{ quality_type_text_list() }}) as invalid_fields,
        cast(null as {{ dbt.type_string() }}) as quality_run_id
    from {{ source('raw', 'customers') }} r
    where not exists (
        select 1 from {{ quality_source('days') }} d where d.as_of_date = r.as_of_date
    )

)

select
    *,
    record_source = 'restored' as is_restored,
    phone is not null and not {{ quality_list_contains('invalid_fields', "'phone'") }} as phone_is_valid,
    email is not null and not {{ quality_list_contains('invalid_fields', "'email'") }} as email_is_valid
from validated
union all
select
    *,
    false as is_restored,
    cast(null as boolean) as phone_is_valid,
    cast(null as boolean) as email_is_valid
from unvalidated
