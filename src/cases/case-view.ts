import type { Case } from './case.table.js';
import type { CaseEvent } from './case-event.table.js';
import type { Message } from './message.table.js';
import { maskPhone } from '../residents/phone.js';

type CaseRow = Case & { resident_phone: string | null; resident_blocked_at?: Date | null };

/** A case as the staff API shows it (CONTRACT.md). Phone numbers are always masked here. */
export function caseView(row: CaseRow) {
  return {
    id: row.id,
    caseNumber: row.case_number,
    channel: row.channel,
    status: row.status,
    category: row.category_code,
    department: row.department_code,
    disposition: row.disposition_code,
    receivedAt: row.received_at.toISOString(),
    answeredAt: row.answered_at?.toISOString() ?? null,
    closedAt: row.closed_at?.toISOString() ?? null,
    /** Set once retention removed the text and contact details (statistics stay). */
    purgedAt: row.purged_at?.toISOString() ?? null,
    dueAt: row.due_at?.toISOString() ?? null,
    overdue: row.status !== 'closed' && row.due_at !== null && row.due_at.getTime() < Date.now(),
    deadline:
      row.deadline_days === null
        ? null
        : {
            workingDays: row.deadline_days,
            interimNoticeAt: row.interim_notice_at?.toISOString() ?? null,
            extension: row.extended_at
              ? { at: row.extended_at.toISOString(), days: row.extension_days, reason: row.extension_reason }
              : null,
          },
    resident: {
      id: row.resident_id,
      phone: maskPhone(row.resident_phone),
      ...(row.resident_blocked_at !== undefined ? { blocked: row.resident_blocked_at !== null } : {}),
    },
    kind: row.kind,
    routing: row.routing
      ? {
          router: row.routing.router,
          department: row.routing.department,
          confidence: row.routing.confidence,
          reasons: row.routing.reasons,
          candidates: row.routing.candidates ?? [],
          triage: row.routing.triage ?? null,
          suggestedDisposition: row.routing.suggestedDisposition ?? null,
        }
      : null,
  };
}

export function messageView(m: Message) {
  return {
    id: m.id,
    direction: m.direction,
    kind: m.kind,
    text: m.text,
    createdAt: m.created_at.toISOString(),
    ...(m.direction === 'out'
      ? {
          deliveryStatus: m.delivery_status,
          errorCode: m.error_code,
          errorMessage: m.error_message,
          sentAt: m.sent_at?.toISOString() ?? null,
        }
      : {}),
  };
}

export function eventView(e: CaseEvent) {
  return { id: e.id, type: e.type, staffId: e.staff_id, data: e.data, createdAt: e.created_at.toISOString() };
}
