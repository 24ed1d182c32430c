-- customers.csv: every party with a loan opened by the business date.
select p.party_no    as customer_id,
       p.party_nm    as full_name,
       p.id_card_no  as national_id,
       p.birth_dt    as date_of_birth,
       p.mobile_no   as phone,
       p.email_addr  as email,
       p.addr_ln1    as address_line1,
       p.addr_ln2    as address_line2,
       p.city_nm     as city,
       p.prov_nm     as region,
       p.zip_cd      as postal_code,
       p.ctry_cd     as country,
       p.lang_cd     as preferred_language,
       p.tz_nm       as timezone,
       p.last_upd_ts as updated_at
from cbs.cif_party p
where exists (select 1 from cbs.ln_acct a where a.party_no = p.party_no and a.open_dt <= :as_of)
order by p.party_no
