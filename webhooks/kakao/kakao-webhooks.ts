import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SkillRequest, isBotTester, readIdentity, skillCallerCheck } from './skill-request.js';
import { SkillResponse, packBlocks, skillResponse } from './skill-response.js';
import {
  ALL_CLOSED_TEXT,
  HELP_TEXT,
  NO_CASES_TEXT,
  NO_NEW_ANSWERS_TEXT,
  answerBlock,
  asksForAnswers,
  caseStatusSummary,
  closedAnswerBlock,
  hasNoContent,
  kakaoAcknowledgement,
  moreAnswersNotice,
} from './replies.js';
import { refreshKakaoResident } from '../../src/residents/resident-repository.js';
import { findPullableAnswers, lastClosedAnswer, markPulled, recentCases } from '../../src/outbound/pull-answers.js';
import type { Db } from '../../src/db/database.js';
import type { KakaoIdentity } from '../../src/residents/resident-repository.js';

/** "답변 확인": recent cases with their status, then the answers that have not reached the resident. */
async function answersFor(db: Db, identity: KakaoIdentity) {
  const resident = await refreshKakaoResident(db, identity);
  if (!resident) return skillResponse([NO_CASES_TEXT]);
  const [cases, answers] = await Promise.all([recentCases(db, resident.id), findPullableAnswers(db, resident.id)]);
  if (cases.length === 0) return skillResponse([NO_CASES_TEXT]);
  const summary = caseStatusSummary(cases);
  if (answers.length === 0) {
    // Nothing new: the promise to tell them holds only while a case is open; the latest
    // closing answer is shown again (it stays delivered), so it can be reread.
    const head = `${summary}\n\n${cases.some((c) => c.status !== 'closed') ? NO_NEW_ANSWERS_TEXT : ALL_CLOSED_TEXT}`;
    const closed = await lastClosedAnswer(db, cases.map((c) => c.id));
    if (!closed) return skillResponse([head]);
    const withHead = packBlocks([head, closedAnswerBlock(closed)], moreAnswersNotice);
    return skillResponse(withHead.included === 2 ? withHead.bubbles : packBlocks([closedAnswerBlock(closed)], moreAnswersNotice).bubbles);
  }
  // The status list goes first when it leaves room for at least the first answer.
  const withSummary = packBlocks([summary, ...answers.map(answerBlock)], moreAnswersNotice);
  const packed = withSummary.included > 1 ? { ...withSummary, included: withSummary.included - 1 } : packBlocks(answers.map(answerBlock), moreAnswersNotice);
  await markPulled(db, answers.slice(0, packed.included));
  return skillResponse(packed.bubbles);
}

/** Kakao i Open Builder → us: the channel's fallback block calls this skill with what the resident wrote. */
const kakaoWebhooks: FastifyPluginAsyncTypebox = async (app) => {
  const { config } = app;
  const verify = skillCallerCheck(config.kakao);

  const route = {
    schema: { body: SkillRequest, response: { 200: SkillResponse } },
    preValidation: verify,
    bodyLimit: 256 * 1024,
  };
  app.post('/webhooks/kakao/skill', route, async (request) => {
    const body = request.body;
    const identity = readIdentity(body);
    const utterance = body.userRequest.utterance ?? '';

    if (asksForAnswers(utterance)) return answersFor(app.db, identity);
    if (hasNoContent(utterance)) {
      await refreshKakaoResident(app.db, identity);
      return skillResponse([HELP_TEXT]);
    }

    const pushable = config.kakao.event !== null && identity.isFriend;
    const acknowledgement = kakaoAcknowledgement(pushable, identity.isFriend);
    const receipt = await app.intake.receive(
      {
        channel: 'kakao',
        provider: 'kakao',
        // Kakao gives a request no id and is not known to re-send one: each call is a new message.
        providerMessageId: null,
        sender: { kakao: identity },
        text: utterance.trim(),
        raw: body,
        acknowledgement: acknowledgement.plain,
        numberedAcknowledgement: acknowledgement.numbered,
        // A skill answer appears in the chat at once.
        acknowledgementStatus: 'delivered',
      },
      request.log,
    );
    if (isBotTester(body)) request.log.info('message from the bot tester');
    return skillResponse([receipt.acknowledgement ?? acknowledgement.plain]);
  });
};

export default kakaoWebhooks;
