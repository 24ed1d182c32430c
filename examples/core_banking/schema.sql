-- A sample core-banking schema (PostgreSQL): the lender's own names, not the landing contract's.
-- Money is held in cents (bigint), rates in basis points, statuses and transaction types as codes.
-- Every table that receives events carries `rec_ts`, the time the row was written: the extract's
-- watermark (a business time such as `post_ts` can lie days before the row was committed).

create schema if not exists cbs;

create table cbs.cif_party (              -- customers
    party_no      varchar(20) primary key,
    party_nm      varchar(100) not null,
    id_card_no    varchar(30),
    birth_dt      date,
    mobile_no     varchar(40),
    email_addr    varchar(200),
    addr_ln1      varchar(200),
    addr_ln2      varchar(200),
    city_nm       varchar(60),
    prov_nm       varchar(60),
    zip_cd        varchar(12),
    ctry_cd       char(2),
    lang_cd       varchar(10),
    tz_nm         varchar(40),
    last_upd_ts   timestamptz not null
);

create table cbs.ln_acct (                -- loans
    acct_no        varchar(20) primary key,
    party_no       varchar(20) not null,
    prod_cd        varchar(20) not null,
    ccy_cd         char(3) not null,
    prin_cents     bigint not null,
    rate_bps       numeric(10, 4) not null,        -- annual rate in basis points: 1200 = 12 %
    open_dt        date not null,
    mat_dt         date not null,
    stat_cd        char(1) not null,               -- A active, C closed, W written off, R restructured
    close_dt       date
);

create table cbs.ln_sched (               -- repayment schedule, versioned (a restructuring adds a version)
    acct_no        varchar(20) not null,
    term_no        integer not null,
    due_dt         date not null,
    prin_cents     bigint not null,
    int_cents      bigint not null,
    fee_cents      bigint not null default 0,
    valid_from     timestamptz not null,
    valid_to       timestamptz,                    -- null: the current version
    primary key (acct_no, term_no, valid_from)
);

create table cbs.ln_txn (                 -- money movements on a loan account
    txn_id         bigserial primary key,
    txn_ref        varchar(40) not null unique,    -- the bank's transaction reference
    acct_no        varchar(20) not null,
    txn_cd         varchar(4) not null,            -- RPMT repayment, RVSL reversal, DISB disbursement, FEE fee charge
    val_dt         date not null,
    post_ts        timestamptz not null,
    amt_cents      bigint not null,                -- a reversal is negative
    chnl_cd        varchar(20),                    -- BT bank transfer, CD card, CS cash, AG agency
    orig_txn_ref   varchar(40),                    -- a reversal names the repayment it cancels
    rec_ts         timestamptz not null default now()
);

create table cbs.coll_act (               -- collection activity
    act_no         varchar(30) primary key,
    acct_no        varchar(20) not null,
    party_no       varchar(20) not null,
    staff_id       varchar(20),
    act_cd         varchar(4) not null,            -- CALL, SMS, MAIL, LTR, VST
    act_ts         timestamptz not null,
    dur_sec        integer,
    rslt_cd        varchar(30) not null,
    ptp_cents      bigint,
    ptp_dt         date,
    rec_ts         timestamptz not null default now()
);

create table cbs.acct_hold (              -- holds on a party or an account
    hold_scope     char(1) not null,               -- P party, A account
    ref_no         varchar(20) not null,
    hold_cd        varchar(20) not null,
    start_dt       date not null,
    end_dt         date,
    remark         varchar(200),
    primary key (hold_scope, ref_no, hold_cd, start_dt)
);

create table cbs.coll_staff (             -- collectors
    staff_id       varchar(20) primary key,
    staff_nm       varchar(100) not null,
    team_cd        varchar(20) not null,
    lang_list      varchar(60) not null,           -- comma-separated
    actv_flg       char(1) not null,               -- Y / N
    cap_per_day    integer not null
);
