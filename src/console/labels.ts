// Korean words the console shows for the domain's codes. Disposition, category and department
// names come from the database (the departments file); these are the fixed vocabularies.
import { seoulDateTime } from '../domain/seoul-time.js';

export const STATUS_LABELS: Record<string, string> = { received: '접수', assigned: '배정', answered: '답변 중', closed: '종결' };
export const CHANNEL_LABELS: Record<string, string> = { kakao: '카카오톡', sms: '문자(SMS)', visit: '방문', web: '홈페이지' };
export const DELIVERY_LABELS: Record<string, string> = {
  pending: '발송 대기',
  queued: '발송 요청됨',
  sending: '발송 중',
  sent: '발송됨',
  awaiting_pull: '민원인 확인 대기',
  delivered: '전달됨',
  undelivered: '전달 실패',
  failed: '발송 실패',
};
export const MESSAGE_KIND_LABELS: Record<string, string> = { resident: '민원인', acknowledgement: '접수 안내', interim: '중간 답변', answer: '최종 답변', survey: '만족도 질문' };
export const EVENT_LABELS: Record<string, string> = {
  received: '접수',
  message_added: '추가 메시지',
  routed: '자동 분류',
  assigned: '부서 배정',
  replied: '중간 답변',
  closed: '종결',
  delivery_failed: '발송 실패',
  answer_pulled: '민원인이 답변 확인',
  delivery_retried: '재발송',
  deadline_extended: '처리기한 연장',
  interim_notice: '중간 안내 발송',
  note_added: '내부 메모',
  committee_referred: '구민고충처리위원회 회부',
  committee_reviewed: '구민고충처리위원회 심의 결과',
  committee_withdrawn: '구민고충처리위원회 회부 철회',
  satisfaction_asked: '만족도 질문 발송',
  satisfaction: '만족도 응답',
};
export const TRIAGE_LABELS: Record<string, string> = { low_confidence: '분류 신뢰도 낮음', spam: '스팸·욕설 의심' };
export const ROLE_LABELS: Record<string, string> = { staff: '담당자', manager: '관리자', operator: '운영자', admin: '시스템 관리자', committee: '구민고충처리위원' };
/** The grievance committee's findings and a referral's states (src/committee). */
export const FINDING_LABELS: Record<string, string> = { correction: '시정권고', improvement: '제도개선 권고', opinion: '의견표명', dismissed: '기각' };
export const REFERRAL_STATUS_LABELS: Record<string, string> = { referred: '심의 중', reviewed: '심의 완료', withdrawn: '회부 철회' };

/** What a domain error code means to the person at the form (the API's English message is for developers). */
export const ERROR_LABELS: Record<string, string> = {
  answer_required: '민원인에게 보낼 답변을 입력하세요.',
  answer_too_long: '답변이 이 채널의 길이 제한을 넘습니다.',
  unknown_disposition: '처리결과를 선택하세요.',
  case_closed: '이미 종결된 민원입니다.',
  reason_required: '사유를 입력하세요.',
  unknown_department: '배정할 부서를 선택하세요.',
  already_extended: '처리기한은 한 번만 연장할 수 있습니다.',
  no_deadline: '아직 처리기한이 없습니다. 먼저 부서를 배정하세요.',
  extension_too_long: '연장 기간은 원래 처리기간을 넘을 수 없습니다.',
  text_required: '메모 내용을 입력하세요.',
  case_purged: '보존기간이 지나 내용이 삭제된 민원입니다.',
  no_phone_number: '이 민원에는 전화번호가 없습니다(카카오톡 또는 보존기간 경과).',
  search_too_short: '접수번호, 전화번호 끝 4자리, 또는 두 글자 이상의 낱말로 검색하세요.',
  search_too_long: '검색어는 다섯 낱말까지입니다.',
  invalid_date: '날짜 형식이 올바르지 않습니다(YYYY-MM-DD).',
  invalid_input: '입력값이 올바르지 않습니다.',
  already_referred: '이미 구민고충처리위원회에 회부되어 심의 중인 민원입니다.',
  referral_closed: '이미 심의가 끝났거나 철회된 회부입니다.',
  already_reviewed: '이미 심의 결과가 기록된 회부입니다.',
  unknown_finding: '심의 결과를 선택하세요.',
  opinion_required: '위원회 의견을 입력하세요.',
};

export function errorLabel(code: string, fallback = '요청을 처리하지 못했습니다.'): string {
  return ERROR_LABELS[code] ?? fallback;
}

/** 2026-12-04 15:30 (서울): every time the console shows is Seoul time. */
export function seoulTime(at: Date | null | undefined): string {
  return at ? seoulDateTime(at) : '—';
}
