/** Stands for the case number in an acknowledgement until the inbox statement has reserved it. */
export const CASE_NUMBER = '{caseNumber}';

/**
 * An acknowledgement naming the resident's case number, in two forms: a message that opens a
 * new case, and a follow-up joining the resident's open case. The statement that stores the
 * message reserves the number and picks the form (src/intake/inbox-repository.ts).
 */
export interface NumberedAcknowledgement {
  newCase: string;
  followUp: string;
}

export function withCaseNumber(template: string, caseNumber: string): string {
  return template.replace(CASE_NUMBER, caseNumber);
}

/*
 * What an SMS resident hears back at once, inside the webhook's answer. Short: on SMS every
 * byte is paid for, and each form stays within one SMS (90 EUC-KR bytes, KS X 1001 only) for
 * numbers of up to 7 digits a year (test: src/intake/acknowledgement.test.ts). No particle
 * follows the number: 으로/로 would depend on how its last digit is read.
 */
export const SMS_NUMBERED_ACKNOWLEDGEMENT: NumberedAcknowledgement = {
  newCase: `[구청장 소통폰] 접수되었습니다(접수번호 ${CASE_NUMBER}). 담당 부서 확인 후 답변드리겠습니다.`,
  followUp: `[구청장 소통폰] 접수번호 ${CASE_NUMBER} 민원에 추가되었습니다. 확인 후 답변드리겠습니다.`,
};

/** Said when no number can be reserved: Postgres is away and the message waits in Redis. */
export const SMS_ACKNOWLEDGEMENT = '[구청장 소통폰] 보내주신 내용이 접수되었습니다. 담당 부서에서 확인 후 답변드리겠습니다.';
