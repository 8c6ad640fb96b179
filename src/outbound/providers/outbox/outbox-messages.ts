import type { Db } from '../../../db/database.js';

/**
 * What the development outbox "sent": outbound messages it accepted, newest first, with their
 * case number (`npm run cli -- outbox list`). The text is the resident's answer: it is shown on
 * the server's shell to whoever runs the CLI, never logged.
 */
export async function listOutboxMessages(db: Db, options: { limit: number; caseNumber?: string }) {
  let query = db
    .selectFrom('messages')
    .innerJoin('cases', 'cases.id', 'messages.case_id')
    .select(['messages.id', 'cases.case_number', 'messages.channel', 'messages.kind', 'messages.text', 'messages.sent_at', 'messages.created_at'])
    .where('messages.direction', '=', 'out')
    .where('messages.provider', '=', 'outbox');
  if (options.caseNumber !== undefined) query = query.where('cases.case_number', '=', options.caseNumber);
  return query.orderBy('messages.id', 'desc').limit(options.limit).execute();
}
