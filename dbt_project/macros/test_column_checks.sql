{#- Generic test: several checks of one model in one query (one dbt node per model instead of one
    per column and check: a data test costs dbt 40-60 ms of its own work however small its table).

    `checks` is a list; each item is one kind of check and an optional `where` (a condition beyond
    the test's own `config: where:`, e.g. "status = 'scheduled'") and `name` (shown instead of the
    generated label):
      {not_null: col | [cols]}              no null (dbt's not_null)
      {unique: col | [cols]}                no value twice, nulls ignored (dbt's unique)
      {accepted_values: {col: [values]}}    every non-null value is one of the list (dbt's accepted_values)
      {unique_combination: [cols]}          the combination is unique (the project's unique_combination)
      {expression_holds: "sql"}             true on every row (the project's expression_holds)
      {relationships: {column: col, to: "ref('m')", field: col}}
                                            every non-null value is a `field` of `to` (dbt's relationships:
                                            `to` is read whole, the checks' `where`s filter this model only)
      {one_row_each: {columns: [cols], to: "ref('m')", to_where: "sql"}}
                                            this model's rows and `to`'s rows where `to_where` holds carry
                                            the same `columns` values, each exactly once here (the project's
                                            one_row_each); its failing row says missing, not expected or
                                            repeated N times
    A check naming another model (`to`) makes the test wait for that model too: use it when that model
    is built before this one (it always is for an upstream model), or when nothing is built on this one.
    `key`: the columns that name a failing row (default: the first unique_combination's columns,
    else the first unique column).

    Returns one row per failing row (per duplicated value for unique checks): `failed_check`, e.g.
    "not_null(agent_id)", and `failing_row`, e.g. "as_of_date=2026-10-02, loan_id=L1"; dbt counts
    them. pipelines/transform.py reads them back when the test fails, so the night's error names the
    model, each failed check and a failing row. -#}
{% test column_checks(model, checks, key=none) %}
{%- set key = key or _column_checks_default_key(checks) -%}
with checked as (
    select * from {{ model }}
)
{%- set parts = [] -%}
{%- for check in checks -%}
    {%- set condition = check.get('where') -%}
    {%- set only = (' and (' ~ condition ~ ')') if condition else '' -%}
    {%- for kind in ['not_null', 'unique', 'accepted_values', 'unique_combination', 'expression_holds',
                     'relationships', 'one_row_each'] if kind in check -%}
        {%- if kind == 'not_null' or kind == 'unique' -%}
            {%- set columns = [check[kind]] if check[kind] is string else check[kind] -%}
            {%- for column in columns -%}
                {%- set label = check.get('name') or (kind ~ '(' ~ column ~ ')') -%}
                {%- if kind == 'not_null' -%}
                    {%- do parts.append(_column_checks_rows(label, key, column ~ ' is null' ~ only)) -%}
                {%- else -%}
                    {%- do parts.append(_column_checks_groups(label, [column], column ~ ' is not null' ~ only)) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- elif kind == 'accepted_values' -%}
            {%- for column, values in check[kind].items() -%}
                {%- set label = check.get('name') or ('accepted_values(' ~ column ~ ')') -%}
                {%- set listed = [] -%}
                {%- for value in values -%}{%- do listed.append(_column_checks_literal(value)) -%}{%- endfor -%}
                {%- do parts.append(_column_checks_rows(label, key + ([column] if column not in key else []),
                        column ~ ' is not null and ' ~ column ~ ' not in (' ~ listed | join(', ') ~ ')' ~ only)) -%}
            {%- endfor -%}
        {%- elif kind == 'unique_combination' -%}
            {%- set label = check.get('name') or ('unique_combination(' ~ check[kind] | join(', ') ~ ')') -%}
            {%- do parts.append(_column_checks_groups(label, check[kind], ('1 = 1' ~ only))) -%}
        {%- elif kind == 'expression_holds' -%}
            {%- set label = check.get('name') or ('expression_holds(' ~ check[kind] ~ ')') -%}
            {%- do parts.append(_column_checks_rows(label, key, 'not coalesce(' ~ check[kind] ~ ', false)' ~ only)) -%}
        {%- elif kind == 'relationships' -%}
            {%- set rel = check[kind] -%}
            {%- set label = check.get('name') or ('relationships(' ~ rel.column ~ ' in ' ~ _column_checks_name(rel.to)
                                                   ~ '.' ~ rel.field ~ ')') -%}
            {%- do parts.append(_column_checks_rows(label, key + ([rel.column] if rel.column not in key else []),
                    rel.column ~ ' is not null' ~ only ~ ' and not exists (select 1 from ' ~ rel.to ~ ' parent where parent.'
                    ~ rel.field ~ ' = checked.' ~ rel.column ~ ')')) -%}
        {%- else -%}
            {%- set each = check[kind] -%}
            {%- set label = check.get('name') or ('one_row_each(' ~ each.columns | join(', ') ~ ' of '
                                                   ~ _column_checks_name(each.to) ~ ')') -%}
            {%- do parts.append(_column_checks_one_row_each(label, each.columns, each.to, each.get('to_where') or '1 = 1',
                                                            '1 = 1' ~ only)) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endfor %}
{{ parts | join('\nunion all\n') }}
{% endtest %}

{% macro _column_checks_default_key(checks) -%}
    {%- for check in checks if 'unique_combination' in check -%}
        {{ return(check['unique_combination']) }}
    {%- endfor -%}
    {%- for check in checks if 'unique' in check -%}
        {{ return([check['unique']] if check['unique'] is string else check['unique'][:1]) }}
    {%- endfor -%}
    {{ return([]) }}
{%- endmacro %}

{#- "col=value, col=value" of a row, portable (cast and concat through dbt's cross-database macros). -#}
{% macro _column_checks_label(columns) -%}
    {%- if not columns -%}
        cast(null as {{ dbt.type_string() }})
    {%- else -%}
        {%- set pieces = [] -%}
        {%- for column in columns -%}
            {%- do pieces.append("'" ~ (', ' if not loop.first else '') ~ column ~ "='") -%}
            {%- do pieces.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), 'null')") -%}
        {%- endfor -%}
        {{ dbt.concat(pieces) }}
    {%- endif -%}
{%- endmacro %}

{% macro _column_checks_literal(value) -%}
    {%- if value is string -%}'{{ value | replace("'", "''") }}'{%- else -%}{{ value }}{%- endif -%}
{%- endmacro %}

{#- Every row where `condition` holds fails. -#}
{% macro _column_checks_rows(label, key, condition) -%}
    select '{{ label | replace("'", "''") }}' as failed_check, {{ _column_checks_label(key) }} as failing_row
    from checked where {{ condition }}
{%- endmacro %}

{#- Every combination of `columns` found more than once (among rows where `condition` holds) fails. -#}
{% macro _column_checks_groups(label, columns, condition) -%}
    select '{{ label | replace("'", "''") }}' as failed_check, {{ _column_checks_label(columns) }} as failing_row
    from checked where {{ condition }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{%- endmacro %}

{#- The name of a relation `to` (a ref) in a check's label. -#}
{% macro _column_checks_name(to) -%}
    {{- to.identifier if to.identifier is defined and to.identifier else to -}}
{%- endmacro %}

{#- Each key of `columns` in the rows of `to` where `to_where` holds is found exactly once among the
    rows here where `condition` holds, and no other key is (the project's one_row_each). -#}
{% macro _column_checks_one_row_each(label, columns, to, to_where, condition) -%}
    {%- set keys = columns | join(', ') -%}
    select '{{ label | replace("'", "''") }}' as failed_check, {{ _column_checks_label(columns + ['problem']) }} as failing_row
    from (
        select
            {% for c in columns %}coalesce(actual.{{ c }}, expected.{{ c }}) as {{ c }}, {% endfor %}
            case when expected.{{ columns[0] }} is null then 'not expected'
                 when actual.{{ columns[0] }} is null then 'missing'
                 else {{ dbt.concat(["'repeated '", "cast(actual.copies as " ~ dbt.type_string() ~ ")", "' times'"]) }} end as problem
        from (select {{ keys }}, count(*) as copies from checked where {{ condition }} group by {{ keys }}) actual
        full outer join (select distinct {{ keys }} from {{ to }} where {{ to_where }}) expected
            on {% for c in columns %}actual.{{ c }} = expected.{{ c }}{{ ' and ' if not loop.last }}{% endfor %}
        where expected.{{ columns[0] }} is null or actual.{{ columns[0] }} is null or actual.copies <> 1
    ) one_row_each
{%- endmacro %}
