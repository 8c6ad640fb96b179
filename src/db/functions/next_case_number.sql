-- The next case number of a message's year: 2026-000123. Numbers restart each year in Seoul
-- time, from the year's own sequence, made on first use. Sequences never roll back, so a number
-- taken by a statement that fails is a gap, never a duplicate.
create or replace function next_case_number(p_received_at timestamptz) returns text
language plpgsql as $fn$
declare
  v_year integer := extract(year from p_received_at at time zone 'Asia/Seoul');
begin
  if to_regclass('case_number_' || v_year) is null then
    begin
      execute format('create sequence if not exists %I', 'case_number_' || v_year);
    exception when unique_violation or duplicate_table then
      null; -- another transaction created it at the same moment
    end;
  end if;
  return v_year::text || '-' || lpad(nextval(('case_number_' || v_year)::regclass)::text, 6, '0');
end
$fn$;
