-- The score a resident's reply to the satisfaction question gives, or null when it is not one:
-- a digit 1–5 (half- or full-width, "4점" too) or one of the quick replies' words (매우 만족 5,
-- 만족 4, 보통 3, 불만 2, 매우 불만 1; 불만족 and 매우 불만족 as well). Spaces and trailing
-- punctuation do not count. Anything else is a message like any other (src/satisfaction/).
create or replace function satisfaction_score(p_text text) returns smallint
language plpgsql immutable parallel safe as $fn$
begin
  return (case regexp_replace(regexp_replace(translate(coalesce(p_text, ''), '１２３４５', '12345'), '[[:space:].,!?~^]+', '', 'g'), '점$', '')
    when '5' then 5 when '4' then 4 when '3' then 3 when '2' then 2 when '1' then 1
    when '매우만족' then 5 when '만족' then 4 when '보통' then 3 when '불만' then 2 when '불만족' then 2
    when '매우불만' then 1 when '매우불만족' then 1
    else null end)::smallint;
end
$fn$;
