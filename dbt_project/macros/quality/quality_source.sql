{#- The `quality` schema is written by the validate step (data_quality/, Python), not by dbt.
    quality_source(name) is source('quality', name) when the table exists, else an empty relation
    with the same columns, so that a dbt run without the validate step (a test building only the
    delinquency marts, a warehouse loaded before the step existed) still builds.
    quality_columns() lists every table's columns; tests/test_quality.py checks that they equal the
    tables data_quality/store.py (and data_quality/delta.py) creates. -#}
{% macro quality_columns() -%}
    {{- return({
        'corrections': [['as_of_date', 'DATE'], ['file', 'VARCHAR'], ['record_id', 'VARCHAR'], ['field', 'VARCHAR'], ['before', 'VARCHAR'], ['after', 'VARCHAR'], ['rule', 'VARCHAR'], ['run_id', 'VARCHAR']],
        'customers': [['as_of_date', 'DATE'], ['customer_id', 'VARCHAR'], ['full_name', 'VARCHAR'], ['national_id', 'VARCHAR'], ['date_of_birth', 'DATE'], ['phone', 'VARCHAR'], ['email', 'VARCHAR'], ['address_line1', 'VARCHAR'], ['address_line2', 'VARCHAR'], ['city', 'VARCHAR'], ['region', 'VARCHAR'], ['postal_code', 'VARCHAR'], ['country', 'VARCHAR'], ['preferred_language', 'VARCHAR'], ['timezone', 'VARCHAR'], ['updated_at', 'TIMESTAMP WITH TIME ZONE'], ['person_id', 'VARCHAR'], ['record_source', 'VARCHAR'], ['restored_from', 'DATE'], ['corrected_fields', 'VARCHAR[]'], ['fallback_fields', 'VARCHAR[]'], ['invalid_fields', 'VARCHAR[]'], ['source_row', 'BIGINT'], ['load_id', 'VARCHAR'], ['run_id', 'VARCHAR']],
        'days': [['as_of_date', 'DATE'], ['run_id', 'VARCHAR'], ['validated_at', 'TIMESTAMP WITH TIME ZONE']],
        'lost_records': [['as_of_date', 'DATE'], ['file', 'VARCHAR'], ['record_id', 'VARCHAR'], ['action', 'VARCHAR'], ['restored_from', 'DATE'], ['last_delivered_on', 'DATE'], ['reason', 'VARCHAR'], ['run_id', 'VARCHAR']],
        'quarantine': [['as_of_date', 'DATE'], ['file', 'VARCHAR'], ['source_row', 'BIGINT'], ['record_id', 'VARCHAR'], ['rule', 'VARCHAR'], ['severity', 'VARCHAR'], ['reason', 'VARCHAR'], ['run_id', 'VARCHAR']],
        'restored_installments': [['as_of_date', 'DATE'], ['loan_id', 'VARCHAR'], ['installment_no', 'INTEGER'], ['due_date', 'DATE'], ['principal_due', 'DECIMAL(18,2)'], ['interest_due', 'DECIMAL(18,2)'], ['fee_due', 'DECIMAL(18,2)'], ['restored_from', 'DATE'], ['run_id', 'VARCHAR']],
        'snapshot_delta': [['as_of_date', 'DATE'], ['asset', 'VARCHAR'], ['record_id', 'VARCHAR'], ['change', 'VARCHAR'], ['run_id', 'VARCHAR']],
        'validate_modes': [['as_of_date', 'DATE'], ['run_id', 'VARCHAR'], ['mode', 'VARCHAR'], ['reason', 'VARCHAR'], ['signature', 'VARCHAR'], ['rows_validated', 'BIGINT'], ['rows_carried', 'BIGINT'], ['kept', 'BOOLEAN']],
        'validated_rows': [['as_of_date', 'DATE'], ['asset', 'VARCHAR'], ['record_id', 'VARCHAR'], ['row_hash', 'UBIGINT'], ['flagged', 'BOOLEAN'], ['run_id', 'VARCHAR']],
        'restored_loans': [['as_of_date', 'DATE'], ['loan_id', 'VARCHAR'], ['customer_id', 'VARCHAR'], ['product', 'VARCHAR'], ['currency', 'VARCHAR'], ['principal_amount', 'DECIMAL(18,2)'], ['annual_interest_rate', 'DECIMAL(9,6)'], ['disbursed_on', 'DATE'], ['maturity_date', 'DATE'], ['status', 'VARCHAR'], ['closed_on', 'DATE'], ['restored_from', 'DATE'], ['reason', 'VARCHAR'], ['run_id', 'VARCHAR']],
        'runs': [['run_id', 'VARCHAR'], ['as_of_date', 'DATE'], ['status', 'VARCHAR'], ['reason', 'VARCHAR'], ['started_at', 'TIMESTAMP WITH TIME ZONE'], ['seconds', 'DOUBLE'], ['expectations', 'INTEGER'], ['failed_critical', 'INTEGER'], ['failed_warning', 'INTEGER'], ['corrections', 'INTEGER'], ['fallbacks', 'INTEGER'], ['restored', 'INTEGER'], ['quarantined', 'INTEGER'], ['persons_linked', 'INTEGER']],
        'validation_results': [['run_id', 'VARCHAR'], ['as_of_date', 'DATE'], ['file', 'VARCHAR'], ['suite', 'VARCHAR'], ['rule', 'VARCHAR'], ['expectation', 'VARCHAR'], ['description', 'VARCHAR'], ['severity', 'VARCHAR'], ['action', 'VARCHAR'], ['success', 'BOOLEAN'], ['element_count', 'BIGINT'], ['unexpected_count', 'BIGINT'], ['unexpected_percent', 'DOUBLE'], ['sample', 'VARCHAR'], ['validated_at', 'TIMESTAMP WITH TIME ZONE']],
    }) -}}
{%- endmacro %}

{% macro quality_source(name) -%}
    {%- set relation = source('quality', name) -%}
    {%- set found = adapter.get_relation(database=relation.database, schema=relation.schema,
                                         identifier=relation.identifier) if execute else none -%}
    {%- if found is not none -%}
        {{ relation }}
    {%- else -%}
        (select * from (select {% for column, type in quality_columns()[name] -%}
            cast(null as {{ type }}) as "{{ column }}"{{ ', ' if not loop.last }}
        {%- endfor %}) where false)
    {%- endif -%}
{%- endmacro %}
