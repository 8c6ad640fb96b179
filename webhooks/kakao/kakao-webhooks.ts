import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SkillRequest, isBotTester, readIdentity, skillCallerCheck } from './skill-request.js';
import { CHECK_ANSWERS, SkillResponse, packBlocks, skillResponse } from './skill-response.js';
import { ONDATE_KEYWORD, VISIT_KEYWORD, VISIT_OFFER_LINE } from '../../src/mayor-sessions/texts.js';
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
import { pullAnswers, type AnswerCheck } from '../../src/outbound/pull-answers.js';
import { SATISFACTION_CHOICES } from '../../src/satisfaction/satisfaction.js';

/** Shown with a satisfaction question: its five answers, then "답변 확인". */
const SURVEY_QUICK_REPLIES = [...SATISFACTION_CHOICES.map((c) => c.label), CHECK_ANSWERS];
import { kakaoMedia, photosOnlyText } from '../../src/attachments/media-references.js';

/**
 * "답변 확인" in the chat's format (src/outbound/pull-answers.ts decides what is shown): the
 * recent cases with their status, then the waiting answers, as many as three bubbles hold.
 */
function answersReply(check: AnswerCheck): { reply: SkillResponse; answersShown: number } {
  if (check.kind === 'no_cases') return { reply: skillResponse([NO_CASES_TEXT]), answersShown: 0 };
  const summary = caseStatusSummary(check.cases);
  if (check.kind === 'nothing_new') {
    const head = `${summary}\n\n${check.allClosed ? ALL_CLOSED_TEXT : NO_NEW_ANSWERS_TEXT}`;
    const closed = check.lastClosed;
    if (!closed) return { reply: skillResponse([head]), answersShown: 0 };
    const withHead = packBlocks([head, closedAnswerBlock(closed)], moreAnswersNotice);
    const bubbles = withHead.included === 2 ? withHead.bubbles : packBlocks([closedAnswerBlock(closed)], moreAnswersNotice).bubbles;
    return { reply: skillResponse(bubbles), answersShown: 0 };
  }
  // The status list goes first when it leaves room for at least the first answer.
  const blocks = check.answers.map(answerBlock);
  const withSummary = packBlocks([summary, ...blocks], moreAnswersNotice);
  const packed = withSummary.included > 1 ? { ...withSummary, included: withSummary.included - 1 } : packBlocks(blocks, moreAnswersNotice);
  const asks = check.answers.slice(0, packed.included).some((a) => a.kind === 'survey');
  return { reply: skillResponse(packed.bubbles, asks ? SURVEY_QUICK_REPLIES : undefined), answersShown: packed.included };
}

/** Kakao i Open Builder → us: the channel's fallback block calls this skill with what the resident wrote. */
const kakaoWebhooks: FastifyPluginAsyncTypebox = async (app) => {
  const { config } = app;
  const verify = skillCallerCheck(config.kakao);
  const { ondateOffer, visitOffer } = config.mayorSessions;
  // MAYOR_VISIT_OFFER=on: the help answer names 찾아가는 구청장실 and offers it as a quick reply.
  const help = visitOffer ? skillResponse([`${HELP_TEXT}\n\n${VISIT_OFFER_LINE}`], [CHECK_ANSWERS, VISIT_KEYWORD]) : skillResponse([HELP_TEXT]);

  const route = {
    schema: { body: SkillRequest, response: { 200: SkillResponse } },
    preValidation: verify,
    bodyLimit: 256 * 1024,
  };
  app.post('/webhooks/kakao/skill', route, async (request) => {
    const body = request.body;
    const identity = readIdentity(body);
    const utterance = body.userRequest.utterance ?? '';
    // Photos: their URLs only, fetched later by the attachments worker (docs/photos.md).
    const { media, utteranceWasMedia } = kakaoMedia(body, config.attachments.kakaoHosts);

    if (media.length === 0 && asksForAnswers(utterance)) {
      const resident = await refreshKakaoResident(app.db, identity);
      return pullAnswers(app.db, resident?.id ?? null, answersReply);
    }
    if (media.length === 0 && hasNoContent(utterance)) {
      await refreshKakaoResident(app.db, identity);
      return help;
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
        text: utteranceWasMedia || (media.length > 0 && hasNoContent(utterance)) ? photosOnlyText(media.length) : utterance.trim(),
        raw: body,
        media,
        acknowledgement: acknowledgement.plain,
        numberedAcknowledgement: acknowledgement.numbered,
        // A skill answer appears in the chat at once.
        acknowledgementStatus: 'delivered',
      },
      request.log,
    );
    if (isBotTester(body)) request.log.info('message from the bot tester');
    // ONDATE_OFFER / MAYOR_VISIT_OFFER=on: the acknowledgement offers 온데이트 and 찾아가는 구청장실 as
    // quick replies (src/mayor-sessions); the answer to either keyword offers only answers.
    const keywordReply = receipt.outcome === 'opted-in' || receipt.outcome === 'visit-applied';
    const offers = keywordReply ? [] : [...(ondateOffer ? [ONDATE_KEYWORD] : []), ...(visitOffer ? [VISIT_KEYWORD] : [])];
    return skillResponse([receipt.acknowledgement ?? acknowledgement.plain], [CHECK_ANSWERS, ...offers]);
  });
};

export default kakaoWebhooks;
