-- At the webhook (src/intake/inbox-repository.ts): is this message a score answering the
-- sender's open satisfaction question on this channel, within its reply window? Then it names
-- the closed case asked about: the message is filed there (accept_resident_message), takes no
-- new case number and is not counted as a flood, and the resident is thanked instead of told a
-- number. Most messages are no score: they cost no read.
create or replace function survey_of_sender(p_channel text, p_phone text, p_kakao_user_key text, p_text text,
                                            p_received_at timestamptz, out survey_case_number text, out survey_score smallint)
language plpgsql stable as $fn$
declare
  v_resident bigint;
begin
  survey_score := satisfaction_score(p_text);
  if survey_score is null then
    return;
  end if;
  if p_phone is not null then
    select r.id into v_resident from residents r where r.phone = p_phone and r.blocked_at is null;
  elsif p_kakao_user_key is not null then
    select r.id into v_resident from residents r where r.kakao_user_key = p_kakao_user_key and r.blocked_at is null;
  end if;
  if v_resident is not null then
    select c.case_number into survey_case_number
      from satisfaction_surveys s join cases c on c.id = s.case_id
     where s.resident_id = v_resident and s.channel = p_channel and s.score is null
       and p_received_at >= s.asked_at and p_received_at <= s.expires_at
     order by s.asked_at desc
     limit 1;
  end if;
  if survey_case_number is null then
    survey_score := null;
  end if;
end
$fn$;
