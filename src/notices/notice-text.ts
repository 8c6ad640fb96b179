import { eucKrByteLength, toKsX1001 } from '../outbound/sms-text.js';
import { seoulClock } from '../domain/seoul-time.js';

/** 알림톡 holds 1,000 characters; the title, the opt-out line and the frame leave the body this much. */
export const MAX_BODY_CHARS = 800;
export const MAX_TITLE_CHARS = 40;

export interface NoticeContent {
  title: string;
  body: string;
  buttonLabel: string | null;
  buttonUrl: string | null;
}

/** The opt-out line every notice ends with: the reply word always, the free 080 number when configured. */
export function optOutLine(optOutNumber: string | null): string {
  return optOutNumber ? `수신거부: '수신거부' 회신 또는 무료 ${optOutNumber}` : "수신거부: '수신거부' 회신";
}

/**
 * The notice as residents read it, in KakaoTalk and in its SMS/LMS fallback alike (the 알림톡
 * template renders the same variables: docs/notices.md). KS X 1001 only, so the fallback
 * costs what the preview says.
 */
export function renderNotice(content: NoticeContent, optOutNumber: string | null): string {
  const link = content.buttonUrl ? `\n${content.buttonLabel ?? '자세히 보기'}: ${content.buttonUrl}` : '';
  return toKsX1001(`[구청장 소통폰] ${content.title}\n\n${content.body}${link}\n\n${optOutLine(optOutNumber)}`);
}

/** The template's variables (#{제목}, #{내용}, #{링크}, #{수신거부}), strings all. */
export function templateVariables(content: NoticeContent, optOutNumber: string | null): Record<string, string> {
  return {
    '#{제목}': toKsX1001(content.title),
    '#{내용}': toKsX1001(content.body),
    '#{링크}': content.buttonUrl ?? '',
    '#{수신거부}': optOutLine(optOutNumber),
  };
}

/** What the fallback would be: SMS up to 90 EUC-KR bytes, else LMS. */
export function fallbackType(text: string): 'SMS' | 'LMS' {
  return eucKrByteLength(text) <= 90 ? 'SMS' : 'LMS';
}

export interface CostEstimate {
  recipients: number;
  /** Every recipient reached by 알림톡. */
  ata: number;
  /** Every recipient reached by the fallback instead (the most it can cost). */
  fallback: number;
  fallbackType: 'SMS' | 'LMS';
  prices: { ata: number; sms: number; lms: number };
}

export function estimateCost(recipients: number, text: string, prices: { ata: number; sms: number; lms: number }): CostEstimate {
  const type = fallbackType(text);
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    recipients,
    ata: round(recipients * prices.ata),
    fallback: round(recipients * (type === 'SMS' ? prices.sms : prices.lms)),
    fallbackType: type,
    prices,
  };
}

/** No notice between 21:00 and 08:00 Seoul time (정보통신망법 제50조 ③ for advertising; our rule for all). */
export function inQuietHours(at: Date): boolean {
  const { hour } = seoulClock(at);
  return hour >= 21 || hour < 8;
}

/** Milliseconds from `at` to the next 08:00 in Seoul (0 outside quiet hours). */
export function untilQuietHoursEnd(at: Date): number {
  if (!inQuietHours(at)) return 0;
  const { hour, minute } = seoulClock(at);
  const seconds = at.getUTCSeconds() * 1000 + at.getUTCMilliseconds();
  const hoursLeft = hour >= 21 ? 24 - hour + 8 : 8 - hour;
  return hoursLeft * 3600_000 - minute * 60_000 - seconds;
}
