import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { findCase } from '../cases/case-repository.js';
import { canReachCase } from '../staff/policy.js';
import { recordAudit } from '../audit/audit-repository.js';
import { actorOf } from '../cases/cases.routes.js';
import { handOff } from '../queues/enqueue.js';
import { notFound } from '../http/errors.js';
import { bodyErrors, conflictError, Id, notFoundError, Nullable, OneOf, staffErrors } from '../http/api-schemas.js';
import { FINDINGS } from './referral.table.js';
import {
  listCaseReferrals,
  listCommitteeReferrals,
  OPINION_MAX,
  readCommitteeReferral,
  recordFinding,
  referCase,
  REFERRAL_REASON_MAX,
  withdrawReferral,
} from './referrals.js';
import {
  caseReferralView,
  CommitteeDetailSchema,
  committeeDetailView,
  CommitteeListSchema,
  committeeListView,
  ReferralListSchema,
  ReferralSchema,
  referralView,
} from './committee-schemas.js';

const ById = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });
const tags = ['committee'];
const referralNotFound = notFoundError('`not_found`: no such referral, or one outside your reach (a withdrawn one, for the committee)');

/**
 * The grievance committee (구민고충처리위원회): managers refer cases (`committee:refer`), the
 * committee reads the referred cases and records findings (`committee:review`), and whoever
 * can read a case sees its referrals and findings (src/committee/referrals.ts).
 */
const committeeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const referrers = app.requirePermission('committee:refer');
  const committee = app.requirePermission('committee:review');

  app.post(
    '/cases/:id/committee-referrals',
    {
      schema: {
        tags,
        summary: 'Refer an open case to the grievance committee, with a reason (managers)',
        params: ById,
        body: Type.Object({ reason: Type.String({ minLength: 5, maxLength: REFERRAL_REASON_MAX, pattern: '\\S' }) }, { additionalProperties: false }),
        response: {
          201: ReferralSchema,
          ...staffErrors,
          ...notFoundError(),
          ...conflictError('`case_closed`, `case_purged`, or `already_referred` (one open referral per case)'),
          ...bodyErrors,
        },
      },
      onRequest: referrers,
    },
    async (request, reply) => {
      const referral = await referCase(app.db, request.staff!, request.params.id, request.body.reason, actorOf(request));
      return reply.status(201).send(referralView({ ...referral, referred_by_name: request.staff!.name }));
    },
  );

  app.get(
    '/cases/:id/committee-referrals',
    {
      schema: {
        tags,
        summary: "A case's referrals to the committee and the committee's findings (for those who can read the case)",
        params: ById,
        response: { 200: ReferralListSchema, ...staffErrors, ...notFoundError() },
      },
      onRequest: app.requirePermission('cases:read'),
    },
    async (request) => {
      const theCase = await findCase(app.db, request.params.id);
      if (!theCase || !canReachCase(request.staff!, 'cases:read', theCase)) throw notFound(`case ${request.params.id} not found`);
      const items = await listCaseReferrals(app.db, theCase.id);
      await recordAudit(app.db, actorOf(request), 'case.read', [theCase.id], { view: 'committee_referrals' });
      return { items: items.map(caseReferralView) };
    },
  );

  app.post(
    '/committee/referrals/:id/withdraw',
    {
      schema: {
        tags,
        summary: 'Withdraw a referral the committee has not answered (managers)',
        params: ById,
        response: { 200: ReferralSchema, ...staffErrors, ...referralNotFound, ...conflictError('`referral_closed`: already reviewed or withdrawn') },
      },
      onRequest: referrers,
    },
    async (request) => referralView(await withdrawReferral(app.db, request.staff!, request.params.id, actorOf(request))),
  );

  app.get(
    '/committee/referrals',
    {
      schema: {
        tags,
        summary: 'The referrals before the committee and those it reviewed (committee members)',
        querystring: Type.Object(
          {
            status: Type.Optional(Type.Union([Type.Literal('referred'), Type.Literal('reviewed')])),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: CommitteeListSchema, ...staffErrors },
      },
      onRequest: committee,
    },
    async (request) => {
      const rows = await listCommitteeReferrals(app.db, request.staff!, request.query, actorOf(request));
      return { items: rows.map(committeeListView) };
    },
  );

  app.get(
    '/committee/referrals/:id',
    {
      schema: {
        tags,
        summary: "One referral: the reason, the case's number and dates, the resident's own messages (committee members; audited)",
        params: ById,
        response: { 200: CommitteeDetailSchema, ...staffErrors, ...referralNotFound },
      },
      onRequest: committee,
    },
    async (request) => committeeDetailView(await readCommitteeReferral(app.db, request.staff!, request.params.id, actorOf(request))),
  );

  app.post(
    '/committee/referrals/:id/finding',
    {
      schema: {
        tags,
        summary: "Record the committee's finding and opinion; the resident is told the committee reviewed the case",
        params: ById,
        body: Type.Object(
          {
            finding: OneOf(FINDINGS, 'correction (시정권고), improvement (제도개선 권고), opinion (의견표명), dismissed (기각)'),
            opinion: Type.String({ minLength: 1, maxLength: OPINION_MAX, pattern: '\\S' }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object(
            {
              id: Id,
              status: Type.Literal('reviewed'),
              finding: OneOf(FINDINGS),
              noticeMessageId: Nullable(Type.Integer({ description: 'the notice sent to the resident (null: no contact)' })),
            },
            { additionalProperties: false },
          ),
          ...staffErrors,
          ...referralNotFound,
          ...conflictError('`already_reviewed` (one finding per referral) or `case_purged`'),
          ...bodyErrors,
        },
      },
      onRequest: committee,
    },
    async (request) => {
      const { referral, send } = await recordFinding(app.db, request.staff!, request.params.id, request.body, actorOf(request));
      if (send) await handOff(app.queues, request.log, { send: [send] });
      return { id: referral.id, status: 'reviewed' as const, finding: referral.finding!, noticeMessageId: send?.messageId ?? null };
    },
  );
};

export default committeeRoutes;
