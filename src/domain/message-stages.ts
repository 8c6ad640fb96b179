/**
 * The four stages of a resident's message, named once: the code, the queues and the docs use
 * these words and no others.
 *
 * - received: a webhook has stored it in the inbox (`inbound_messages`) with its reserved case
 *   number, and answered the provider (src/intake/receive-message.ts). Kept in Redis instead
 *   while Postgres is away (src/intake/intake-buffer.ts), and stored once it is back.
 * - filed: the routing worker's `file` job has put it into its case, a new one or the
 *   resident's open one (fileAndRouteInbound → store_inbound_message.sql).
 * - routed: its case has a category and a department (the same `file` job for a new case, a
 *   `route` job otherwise; src/routing/route-message.ts → apply_routing.sql).
 * - answered: staff have sent the resident an answer through the case's channel (the outbound
 *   queue's `send` job, src/outbound/send-message.ts).
 */
export const MESSAGE_STAGES = ['received', 'filed', 'routed', 'answered'] as const;
export type MessageStage = (typeof MESSAGE_STAGES)[number];
