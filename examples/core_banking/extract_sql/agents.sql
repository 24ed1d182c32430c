-- agents.csv: languages are `;`-separated in the contract, comma-separated here.
select s.staff_id                      as agent_id,
       s.staff_nm                      as full_name,
       s.team_cd                       as team,
       replace(s.lang_list, ',', ';')  as languages,
       s.actv_flg = 'Y'                as active,
       s.cap_per_day                   as daily_capacity
from cbs.coll_staff s
order by s.staff_id
