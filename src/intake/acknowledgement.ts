/**
 * What an SMS resident hears back at once, inside the webhook's answer. Short: on SMS every
 * byte is paid for. It goes back before the message is filed into a case (a burst after a
 * district notice is answered at once), so it names no case number.
 */
export const SMS_ACKNOWLEDGEMENT = '[구청장 소통폰] 보내주신 내용이 접수되었습니다. 담당 부서에서 확인 후 답변드리겠습니다.';
