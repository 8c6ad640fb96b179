// What the chatbot says to residents. Plain text: Kakao renders no markdown.
import type { CaseStatus } from '../../src/cases/case.table.js';
import type { ClosedAnswer, PullableAnswer } from '../../src/outbound/pull-answers.js';
import { CHECK_ANSWERS } from './skill-response.js';
import { CASE_NUMBER, type NumberedAcknowledgement } from '../../src/intake/acknowledgement.js';

export const HELP_TEXT =
  '구청장 소통폰입니다.\n불편하신 점이나 제안을 글로 보내 주시면 담당 부서가 확인해 답변드립니다.\n' +
  `이미 보내신 민원의 답변은 아래 '${CHECK_ANSWERS}'을 눌러 보실 수 있습니다.`;

/**
 * The acknowledgement, with how the answer will reach this resident: pushed into the chat
 * when they are a friend of the channel (and pushing is configured), otherwise by pull. It
 * names the case number the inbox statement reserves (a new case's, or the open case a
 * follow-up joins); `plain` names none, for a message kept in Redis while Postgres is away.
 */
function buildKakaoAcknowledgement(pushable: boolean, isFriend: boolean): KakaoAcknowledgement {
  const status = `처리 상황은 '${CHECK_ANSWERS}'에서 보실 수 있습니다.`;
  const heads = {
    plain: `민원이 접수되었습니다. 접수번호와 ${status}`,
    newCase: `민원이 접수되었습니다(접수번호 ${CASE_NUMBER}). ${status}`,
    followUp: `보내주신 내용을 접수번호 ${CASE_NUMBER} 민원에 추가했습니다. ${status}`,
  };
  const pull = `답변이 등록되면 아래 '${CHECK_ANSWERS}'을 눌러 확인하실 수 있습니다.`;
  const tail = pushable
    ? '\n담당 부서 확인 후 이 채팅방으로 답변드리겠습니다.'
    : isFriend
      ? `\n${pull}`
      : `\n${pull}\n채널을 추가하시면 답변을 이 채팅방으로 바로 받아보실 수 있습니다.`;
  return { plain: heads.plain + tail, numbered: { newCase: heads.newCase + tail, followUp: heads.followUp + tail } };
}

export interface KakaoAcknowledgement {
  plain: string;
  numbered: NumberedAcknowledgement;
}

// Three answers in all, built once at start: the skill's hot path only picks one.
const KAKAO_ACKNOWLEDGEMENTS = {
  pushed: buildKakaoAcknowledgement(true, true),
  friend: buildKakaoAcknowledgement(false, true),
  stranger: buildKakaoAcknowledgement(false, false),
};

export function kakaoAcknowledgement(pushable: boolean, isFriend: boolean): KakaoAcknowledgement {
  return pushable ? KAKAO_ACKNOWLEDGEMENTS.pushed : isFriend ? KAKAO_ACKNOWLEDGEMENTS.friend : KAKAO_ACKNOWLEDGEMENTS.stranger;
}

const STATUS_LABEL: Record<CaseStatus, string> = {
  received: '접수',
  assigned: '담당 부서 검토 중',
  answered: '중간 답변',
  closed: '처리 완료',
};

export function caseStatusSummary(cases: { caseNumber: string; status: CaseStatus }[]): string {
  return ['최근 민원', ...cases.map((c) => `· ${c.caseNumber} ${STATUS_LABEL[c.status]}`)].join('\n');
}

export function answerBlock(answer: PullableAnswer): string {
  // The satisfaction question names its case itself; the quick replies carry the answers.
  if (answer.kind === 'survey') return answer.text;
  return `[접수번호 ${answer.caseNumber} ${answer.kind === 'answer' ? '답변' : '중간 답변'}]\n${answer.text}`;
}

export const NO_CASES_TEXT = '접수된 민원이 없습니다. 불편하신 점을 글로 보내 주시면 접수해 드립니다.';
export const NO_NEW_ANSWERS_TEXT = '아직 새 답변이 없습니다. 답변이 등록되면 알려 드리겠습니다.';
/** Instead of NO_NEW_ANSWERS_TEXT when every listed case is closed: nothing more will come. */
export const ALL_CLOSED_TEXT = '보내주신 민원은 모두 처리 완료(종결)되었습니다. 새로 불편하신 점은 글로 보내 주시면 접수해 드립니다.';

/** A closed case's answer, already delivered, shown again so the resident can reread it. */
export function closedAnswerBlock(answer: ClosedAnswer): string {
  return `[접수번호 ${answer.caseNumber} 처리 완료 · 답변 다시 보기]\n${answer.text}`;
}

export function moreAnswersNotice(remaining: number): string {
  return `남은 답변 ${remaining}건은 '${CHECK_ANSWERS}'을 다시 눌러 확인해 주세요.`;
}

/** "답변 확인" as residents type or tap it, with or without the space. */
export function asksForAnswers(utterance: string): boolean {
  return utterance.replace(/\s+/g, '') === CHECK_ANSWERS.replace(/\s+/g, '');
}

/**
 * True when there is nothing to file: blank, only emoji or symbols, or the placeholder
 * KakaoTalk sends for a sticker (이모티콘).
 */
export function hasNoContent(utterance: string): boolean {
  const text = utterance.trim();
  if (/^[([]?(이모티콘|스티커)[)\]]?$/.test(text)) return true;
  return !/[\p{L}\p{N}]/u.test(text);
}
