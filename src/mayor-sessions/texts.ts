// What residents hear about the mayor's sessions. Every notice is one SMS: at most 90 EUC-KR
// bytes of KS X 1001 characters, whatever the date (test: src/mayor-sessions/texts.test.ts),
// and far inside a KakaoTalk bubble (1,000 characters).
import { seoulClock } from '../domain/seoul-time.js';
import type { OndateMode } from './mayor-sessions.table.js';

/** The quick reply that shows a KakaoTalk resident their answers (webhooks/kakao/skill-response.ts). */
const CHECK_ANSWERS = '답변 확인';

/** The word a resident replies (or taps, as a KakaoTalk quick reply) to volunteer for 온데이트. */
export const ONDATE_KEYWORD = '온데이트';

/** The line a closing SMS answer carries when ONDATE_OFFER=on (the brief's wording). */
export const ONDATE_OFFER_LINE = `구청장과 영상·전화 대화를 원하시면 '${ONDATE_KEYWORD}'라고 답해 주세요.`;

/** The offer line a closing SMS answer ends with, when ONDATE_OFFER=on. */
export function ondateFooter(config: { mayorSessions: { ondateOffer: boolean } }): string | undefined {
  return config.mayorSessions.ondateOffer ? ONDATE_OFFER_LINE : undefined;
}

/**
 * True when the whole message is the keyword: spaces, punctuation and a trailing 신청 aside
 * ("온데이트", "온 데이트!", "온데이트 신청"). A sentence that merely mentions it is an ordinary message.
 */
export function isOndateReply(text: string): boolean {
  const bare = text.normalize('NFC').replace(/[\s\p{P}\p{S}]+/gu, '');
  return bare === ONDATE_KEYWORD || bare === `${ONDATE_KEYWORD}신청`;
}

export const ONDATE_OPT_IN_ACK = `[구청장 소통폰] ${ONDATE_KEYWORD} 신청이 접수되었습니다. 선정되시면 일정을 알려 드리겠습니다.`;

const WEEKDAYS = '일월화수목금토';

/** 12/18(금) 14:00, Seoul time. */
export function sessionTime(at: Date): string {
  const c = seoulClock(at);
  return `${c.month}/${c.day}(${WEEKDAYS[c.weekday]}) ${String(c.hour).padStart(2, '0')}:${String(c.minute).padStart(2, '0')}`;
}

export function ondateChosenNotice(at: Date, mode: OndateMode): string {
  return `[구청장 소통폰] ${ONDATE_KEYWORD} 선정: ${sessionTime(at)} 구청장이 ${mode === 'video' ? '영상통화로' : '전화로'} 연락드립니다.`;
}

export const ONDATE_NOT_CHOSEN_NOTICE = `[구청장 소통폰] 이번 달 ${ONDATE_KEYWORD}에는 선정되지 않으셨습니다. 신청해 주셔서 감사합니다.`;

/** The homepage form's acknowledgement, on SMS when the resident left a number. */
export function visitRequestAck(caseNumber: string): string {
  return `[구청장 소통폰] 찾아가는 구청장실 신청이 접수되었습니다(접수번호 ${caseNumber}).`;
}

/**
 * The KakaoTalk quick reply (and what a resident types) to apply for 찾아가는 구청장실 when
 * MAYOR_VISIT_OFFER=on: 7 characters, well inside Kakao's 14 for a label.
 */
export const VISIT_KEYWORD = '구청장실 신청';

/**
 * True when the whole message asks to apply: spaces and punctuation aside, '구청장실 신청',
 * '찾아가는 구청장실' or '찾아가는 구청장실 신청'. A sentence that mentions the office is an ordinary message.
 */
export function isVisitApplyReply(text: string): boolean {
  const bare = text.normalize('NFC').replace(/[\s\p{P}\p{S}]+/gu, '');
  return bare === '구청장실신청' || bare === '찾아가는구청장실' || bare === '찾아가는구청장실신청';
}

/** The line the KakaoTalk help answer ends with when MAYOR_VISIT_OFFER=on. */
export const VISIT_OFFER_LINE = `구청장과 직접 만나 이야기하시려면 아래 '${VISIT_KEYWORD}'을 눌러 주세요(찾아가는 구청장실).`;

/** The answer to a KakaoTalk application: the number, and that the date and place will follow. */
export function visitKakaoAck(caseNumber: string): string {
  return `[구청장 소통폰] 찾아가는 구청장실 신청이 접수되었습니다(접수번호 ${caseNumber}). 면담 일시와 장소가 정해지면 알려 드리겠습니다(안내는 '${CHECK_ANSWERS}'에서도 보실 수 있습니다).`;
}

/** A second application while one waits: nothing new; the resident hears where it stands. */
export function visitAlreadyAppliedAck(caseNumber: string, session: { startsAt: Date; place: string } | null): string {
  const head = `[구청장 소통폰] 이미 찾아가는 구청장실을 신청하셨습니다(접수번호 ${caseNumber}).`;
  return session
    ? `${head} 면담 일정: ${sessionTime(session.startsAt)} ${session.place}`
    : `${head} 면담 일시와 장소가 정해지면 알려 드리겠습니다(안내는 '${CHECK_ANSWERS}'에서도 보실 수 있습니다).`;
}

/** The place is staff's words (at most 40 characters): a long one makes the notice an LMS
 * (or up to three parts where the gateway sends only 90-byte SMS). */
export function visitScheduledNotice(at: Date, place: string): string {
  return `[구청장 소통폰] 찾아가는 구청장실: ${sessionTime(at)} ${place}에서 뵙겠습니다.`;
}
