-- The filing rule of accept_resident_message, read before the case exists: the sender's open
-- case on this channel whose last message is within the window. Used by reserve_case_number for
-- a sender it has no live thread for. (plpgsql, not sql: Postgres 15 plans an sql function
-- called this way anew at every call.)
create or replace function open_case_of_sender(p_channel text, p_phone text, p_kakao_user_key text, p_received_at timestamptz,
                                    p_window_minutes integer, out open_number text, out open_last_at timestamptz)
language plpgsql stable as $fn$
declare
  v_resident bigint;
begin
  if p_window_minutes <= 0 then
    return;
  end if;
  if p_phone is not null then
    select r.id into v_resident from residents r where r.phone = p_phone;
  else
    select r.id into v_resident from residents r where r.kakao_user_key = p_kakao_user_key;
  end if;
  if v_resident is null then
    return;
  end if;
  select k.case_number, k.last_resident_message_at into open_number, open_last_at
    from cases k
   where k.resident_id = v_resident and k.channel = p_channel and k.status <> 'closed'
     and k.last_resident_message_at >= p_received_at - make_interval(mins => p_window_minutes)
     -- A 찾아가는 구청장실 application is a case of its own and takes no follow-ups.
     and not exists (select 1 from mayor_visit_requests v where v.case_id = k.id)
   order by k.last_resident_message_at desc
   limit 1;
end
$fn$;
