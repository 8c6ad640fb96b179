// Every migration, by name, in the order they apply. Add a new file and a line here; never edit an old one.
import type { Migration } from 'kysely';
import * as initial from './20261126T070000_initial.js';
import * as routingExamples from './20261126T080000_routing_examples.js';
import * as intakeFunction from './20261126T090000_intake_function.js';
import * as inboundInbox from './20261126T091000_inbound_inbox.js';
import * as privacy from './20261126T100000_privacy.js';
import * as deadlines from './20261126T110000_deadlines.js';
import * as messageParts from './20261126T120000_message_parts.js';
import * as fileAndRoute from './20261126T130000_file_and_route.js';
import * as blockedSenders from './20261126T131000_blocked_senders.js';
import * as senderFloodCounts from './20261126T140000_sender_flood_counts.js';
import * as caseNumberReservation from './20261204T110000_case_number_reservation.js';
import * as caseSearchAndNotes from './20261204T120000_case_search_and_notes.js';
import * as staffDepartmentOptional from './20261204T130000_staff_department_optional.js';
import * as messageCounts from './20261204T150000_message_counts.js';
import * as sqlFunctionsInFiles from './20261204T190000_sql_functions_in_files.js';
import * as consoleInbox from './20261204T200000_console_inbox.js';
import * as routingExampleKinds from './20261204T200000_routing_example_kinds.js';
import * as messageAttachments from './20261205T100000_message_attachments.js';
import * as notices from './20261205T110000_notices.js';
import * as satisfactionSurveys from './20261205T120000_satisfaction_surveys.js';
import * as committeeReferrals from './20261205T130000_committee_referrals.js';
import * as mayorSessions from './20261205T140000_mayor_sessions.js';
import * as visitApplicationsApart from './20261205T150000_visit_applications_apart.js';

export const migrations: Record<string, Migration> = {
  '20261126T070000_initial': initial,
  '20261126T080000_routing_examples': routingExamples,
  '20261126T090000_intake_function': intakeFunction,
  '20261126T091000_inbound_inbox': inboundInbox,
  '20261126T100000_privacy': privacy,
  '20261126T110000_deadlines': deadlines,
  '20261126T120000_message_parts': messageParts,
  '20261126T130000_file_and_route': fileAndRoute,
  '20261126T131000_blocked_senders': blockedSenders,
  '20261126T140000_sender_flood_counts': senderFloodCounts,
  '20261204T110000_case_number_reservation': caseNumberReservation,
  '20261204T120000_case_search_and_notes': caseSearchAndNotes,
  '20261204T130000_staff_department_optional': staffDepartmentOptional,
  '20261204T150000_message_counts': messageCounts,
  '20261204T190000_sql_functions_in_files': sqlFunctionsInFiles,
  '20261204T200000_console_inbox': consoleInbox,
  '20261204T200000_routing_example_kinds': routingExampleKinds,
  '20261205T100000_message_attachments': messageAttachments,
  '20261205T110000_notices': notices,
  '20261205T120000_satisfaction_surveys': satisfactionSurveys,
  '20261205T130000_committee_referrals': committeeReferrals,
  '20261205T140000_mayor_sessions': mayorSessions,
  '20261205T150000_visit_applications_apart': visitApplicationsApart,
};
