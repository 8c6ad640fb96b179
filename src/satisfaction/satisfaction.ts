// The satisfaction question (issue 19): asked once, when a case closes with an answer, on the
// resident's channel; the reply is recorded on the case by intake (src/db/functions/
// accept_resident_message.sql, survey_of_sender.sql), never opening a new one.
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { Channel } from '../domain/channel.js';
import { eucKrByteLength, toKsX1001 } from '../outbound/sms-text.js';
import { LMS_MAX_BYTES, SMS_MAX_BYTES } from '../outbound/providers/solapi/solapi-sms-provider.js';

/** The five answers, best first: the Kakao quick replies, and the words a reply may use (satisfaction_score.sql). */
export const SATISFACTION_CHOICES = [
  { score: 5, label: '매우 만족' },
  { score: 4, label: '만족' },
  { score: 3, label: '보통' },
  { score: 2, label: '불만' },
  { score: 1, label: '매우 불만' },
] as const;

export const SATISFACTION_LABELS: Record<number, string> = Object.fromEntries(SATISFACTION_CHOICES.map((c) => [c.score, c.label]));

export interface SatisfactionPolicy {
  /** A reply within this many hours of the question is recorded; 0 = no question is asked. */
  replyHours: number;
  /** A resident is asked at most once in this many days. */
  intervalDays: number;
}


/** Dispositions closed without asking: thanks and exceptions are not answers to be rated. */
const NOT_ASKED = new Set(['thanks', 'exception']);

/** Appended to an SMS answer when it still fits the same message (one SMS, or one LMS). */
export const SMS_QUESTION_SUFFIX = '만족도를 1~5로 답해 주세요(5 매우 만족).';

/** The SMS question on its own, when the answer has no room for it: one SMS (90 bytes). */
export function smsQuestion(caseNumber: string): string {
  return `[구청장 소통폰] ${caseNumber} 답변 만족도를 1~5로 답해 주세요(5 매우 만족).`;
}

/**
 * The Kakao question. Quick replies carry the five answers where the chat can show them ("답변
 * 확인", or a push with KAKAO_SURVEY_EVENT_NAME's block); the words are in the text for a push
 * without them, and typing one (or 1–5) counts the same.
 */
export function kakaoQuestion(caseNumber: string): string {
  return `접수번호 ${caseNumber} 답변에 얼마나 만족하셨나요?\n${SATISFACTION_CHOICES.map((c) => c.label).join(' · ')} 중에서 골라 주세요(1~5로 답하셔도 됩니다).`;
}

/** What a resident hears for their score, instead of an acknowledgement naming a case number. */
export const SATISFACTION_THANKS: Record<Channel, string> = {
  sms: '[구청장 소통폰] 응답해 주셔서 감사합니다. 더 나은 민원 처리에 반영하겠습니다.',
  kakao: '응답해 주셔서 감사합니다. 더 나은 민원 처리에 반영하겠습니다.',
};

/** The SMS class of a text: the Korean operators' single SMS, one LMS, or several parts. */
function smsClass(text: string): 'sms' | 'lms' | 'parts' {
  const bytes = eucKrByteLength(toKsX1001(text));
  return bytes <= SMS_MAX_BYTES ? 'sms' : bytes <= LMS_MAX_BYTES ? 'lms' : 'parts';
}

/**
 * The SMS answer with the question appended, when that costs nothing: it stays one SMS (90
 * EUC-KR bytes) or one LMS (2,000), as the answer alone would be. Null: send it apart.
 */
export function appendSmsQuestion(answer: string): string | null {
  const joined = `${answer.trimEnd()}\n${SMS_QUESTION_SUFFIX}`;
  const alone = smsClass(answer);
  return alone !== 'parts' && smsClass(joined) === alone ? joined : null;
}

export interface AskedQuestion {
  /** A message of its own to hand to the outbound queue; null when the question went inside the answer. */
  messageId: number | null;
  channel: Channel;
}

/**
 * Asks the resident how satisfied they are with the answer that closes the case (inside the
 * caller's transaction, after the answer was stored). Not asked: a disposition that is no
 * answer, a resident on the block list, one asked within the policy's interval, or with the
 * question turned off. The resident's row is locked, so two closings at once ask once.
 */
export async function askSatisfaction(
  trx: Db,
  caseId: number,
  residentId: number,
  disposition: string,
  answer: { id: number; channel: Channel },
  policy: SatisfactionPolicy,
  now = new Date(),
): Promise<AskedQuestion | null> {
  if (policy.replyHours <= 0 || NOT_ASKED.has(disposition)) return null;
  const resident = await trx.selectFrom('residents').select('blocked_at').where('id', '=', residentId).forUpdate().executeTakeFirst();
  if (!resident || resident.blocked_at !== null) return null;
  const since = new Date(now.getTime() - policy.intervalDays * 24 * 3600 * 1000);
  const recent = await trx
    .selectFrom('satisfaction_surveys')
    .select('case_id')
    .where('resident_id', '=', residentId)
    .where((eb) => eb.or([eb('asked_at', '>', since), eb('case_id', '=', caseId)]))
    .limit(1)
    .executeTakeFirst();
  if (recent) return null;

  const row = await trx
    .selectFrom('messages')
    .innerJoin('cases', 'cases.id', 'messages.case_id')
    .select(['messages.text', 'cases.case_number'])
    .where('messages.id', '=', answer.id)
    .executeTakeFirstOrThrow();
  let questionId = answer.id;
  let separate: number | null = null;
  const appended = answer.channel === 'sms' ? appendSmsQuestion(row.text) : null;
  if (appended !== null) {
    await trx.updateTable('messages').set({ text: appended }).where('id', '=', answer.id).execute();
  } else {
    const text = answer.channel === 'sms' ? smsQuestion(row.case_number) : kakaoQuestion(row.case_number);
    const inserted = await trx
      .insertInto('messages')
      .values({
        case_id: caseId,
        direction: 'out',
        kind: 'survey',
        channel: answer.channel,
        text,
        provider: 'pending',
        delivery_status: 'pending',
        staff_id: null,
        created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    questionId = inserted.id;
    separate = inserted.id;
  }
  await trx
    .insertInto('satisfaction_surveys')
    .values({
      case_id: caseId,
      resident_id: residentId,
      channel: answer.channel,
      question_message_id: questionId,
      asked_at: now,
      expires_at: new Date(now.getTime() + policy.replyHours * 3600 * 1000),
    })
    .execute();
  await trx
    .insertInto('case_events')
    .values({ case_id: caseId, type: 'satisfaction_asked', data: JSON.stringify({ messageId: questionId, appended: appended !== null }), staff_id: null })
    .execute();
  return { messageId: separate, channel: answer.channel };
}

/**
 * Where the answer a question sent apart follows stands: 'waiting' while an answer of the same
 * case, stored before it, has not been accepted by the provider yet (the question waits);
 * 'failed' when that answer could not be sent at all (nothing to rate: the question is not
 * sent either); 'left' otherwise.
 */
export async function answerBeforeQuestion(db: Db, caseId: number, questionId: number): Promise<'waiting' | 'failed' | 'left'> {
  const rows = await db
    .selectFrom('messages')
    .select(['provider_message_id', 'delivery_status'])
    .where('case_id', '=', caseId)
    .where('direction', '=', 'out')
    .where('kind', '=', 'answer')
    .where('id', '<', questionId)
    .execute();
  if (rows.some((r) => r.provider_message_id === null && (r.delivery_status === 'pending' || r.delivery_status === 'sending'))) return 'waiting';
  if (rows.length > 0 && rows.every((r) => r.delivery_status === 'failed')) return 'failed';
  return 'left';
}

/** What a case shows of its question: null when none was asked. */
export interface CaseSatisfaction {
  askedAt: Date;
  expiresAt: Date;
  channel: Channel;
  score: number | null;
  answeredAt: Date | null;
}

export async function findCaseSatisfaction(db: Db, caseId: number): Promise<CaseSatisfaction | null> {
  const row = await db
    .selectFrom('satisfaction_surveys')
    .select(['asked_at', 'expires_at', 'channel', 'score', 'answered_at'])
    .where('case_id', '=', caseId)
    .executeTakeFirst();
  if (!row) return null;
  return { askedAt: row.asked_at, expiresAt: row.expires_at, channel: row.channel, score: row.score, answeredAt: row.answered_at };
}

/** For tests and the docs: the score intake reads from a reply (satisfaction_score.sql). */
export async function scoreOf(db: Db, text: string): Promise<number | null> {
  const { rows } = await sql<{ score: number | null }>`select satisfaction_score(${text}) as score`.execute(db);
  return rows[0]?.score ?? null;
}
