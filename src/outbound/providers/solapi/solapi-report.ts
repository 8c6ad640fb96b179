import type { DeliveryStatus } from '../../delivery-status.js';
import { mapSolapiStatus } from './solapi-sms-provider.js';

/**
 * One element of Solapi's message-report webhook, read whichever of its two forms arrives:
 * - the envelope of Solapi's own SDK model (solapi-python `model/webhook/single_report.py`):
 *   `{ eventDataId, data: { messageId, statusCode, to, from, type, dateReported, ... }, retryCount }`;
 * - the flat form (the `data` fields at the top level) that integrations in the wild post.
 * Solapi adds fields without notice, so only the two fields a status needs are required.
 */
export interface SolapiReport {
  messageId: string;
  statusCode: string;
  status: DeliveryStatus;
  /** Success codes say nothing went wrong; any other code is the reason. */
  errorCode: string | null;
  /** Solapi's id for this event, the same on each re-send (envelope form only). */
  eventDataId: string | null;
  /** How many times Solapi has re-sent it (envelope form only). */
  retryCount: number | null;
}

export type SolapiReportReading = { ok: true; report: SolapiReport } | { ok: false; reason: 'not_a_report' | 'unknown_status'; statusCode?: string };

const SUCCESS_CODES = new Set(['2000', '3000', '4000']);
/** Solapi's message ids are about 32 characters; anything far longer is not one. */
const MAX_ID_LENGTH = 128;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A status code as a string: the SDK models it as one; a number is taken as its digits. */
function codeOf(value: unknown): string | null {
  if (typeof value === 'string' && value.trim() !== '' && value.length <= 16) return value.trim();
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return String(value);
  return null;
}

export function readSolapiReport(element: unknown): SolapiReportReading {
  if (!isRecord(element)) return { ok: false, reason: 'not_a_report' };
  // The envelope carries the report in `data`; the flat form is the report itself.
  const fields = isRecord(element.data) ? element.data : element;
  const messageId = fields.messageId;
  const statusCode = codeOf(fields.statusCode);
  if (typeof messageId !== 'string' || messageId === '' || messageId.length > MAX_ID_LENGTH || statusCode === null) {
    return { ok: false, reason: 'not_a_report' };
  }
  const status = mapSolapiStatus(statusCode);
  if (status === null) return { ok: false, reason: 'unknown_status', statusCode };
  return {
    ok: true,
    report: {
      messageId,
      statusCode,
      status,
      errorCode: SUCCESS_CODES.has(statusCode) ? null : statusCode,
      eventDataId: fields === element ? null : typeof element.eventDataId === 'string' ? element.eventDataId : null,
      retryCount: fields === element ? null : typeof element.retryCount === 'number' ? element.retryCount : null,
    },
  };
}

/**
 * X-Solapi-Event-Name of a single-message report. Solapi's console and integrations spell it
 * `SINGLE-REPORT`; case and separators are ignored so no spelling of it loses a report.
 * No header at all is taken as a report too (the flat form was accepted without one).
 */
export function isSingleReportEvent(eventName: string | undefined): boolean {
  if (eventName === undefined) return true;
  return eventName.toLowerCase().replace(/[^a-z]/g, '') === 'singlereport';
}
