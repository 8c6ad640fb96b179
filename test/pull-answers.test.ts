// "답변 확인" as the domain decides it (src/outbound/pull-answers.ts), whatever channel lays it
// out: what the resident is shown, and that only the answers the reply held count as delivered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from './support/harness.js';
import { makeCase } from './support/cases.js';
import { insertMessage } from '../src/cases/message-repository.js';
import { pullAnswers, type AnswerCheck } from '../src/outbound/pull-answers.js';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

/** A stand-in adapter: records what it was given and holds `room` answers. */
function adapter(room: number) {
  const seen: AnswerCheck[] = [];
  const present = (check: AnswerCheck) => {
    seen.push(check);
    return { reply: `reply ${seen.length}`, answersShown: check.kind === 'new_answers' ? Math.min(room, check.answers.length) : 0 };
  };
  return { seen, present };
}

async function statusesOf(ids: number[]) {
  const rows = await ctx.db.selectFrom('messages').select(['id', 'delivery_status']).where('id', 'in', ids).orderBy('id').execute();
  return rows.map((r) => r.delivery_status);
}

describe('pullAnswers', () => {
  it('an unknown resident has no cases', async () => {
    const { seen, present } = adapter(1);
    expect(await pullAnswers(ctx.db, null, present)).toBe('reply 1');
    expect(seen).toEqual([{ kind: 'no_cases' }]);
  });

  it('shows waiting answers oldest first, marks delivered only those the reply held, then offers the closing answer to reread', async () => {
    const { caseId, residentId } = await makeCase(ctx.db);
    const texts = ['첫 번째 답변', '두 번째 답변', '세 번째 답변'];
    const ids: number[] = [];
    for (const [i, text] of texts.entries()) {
      const message = await insertMessage(ctx.db, {
        case_id: caseId,
        direction: 'out',
        kind: i < 2 ? 'interim' : 'answer',
        channel: 'kakao',
        text,
        provider: 'pending',
        delivery_status: 'awaiting_pull',
      });
      ids.push(message.id);
    }
    const { seen, present } = adapter(2);

    expect(await pullAnswers(ctx.db, residentId, present)).toBe('reply 1');
    expect(seen[0]).toMatchObject({ kind: 'new_answers', cases: [{ id: caseId, status: 'assigned' }] });
    expect((seen[0] as Extract<AnswerCheck, { kind: 'new_answers' }>).answers.map((a) => a.text)).toEqual(texts);
    expect(await statusesOf(ids)).toEqual(['delivered', 'delivered', 'awaiting_pull']);
    const pulled = await ctx.db.selectFrom('case_events').select('data').where('case_id', '=', caseId).where('type', '=', 'answer_pulled').execute();
    expect(pulled).toHaveLength(1);

    await pullAnswers(ctx.db, residentId, present);
    expect((seen[1] as Extract<AnswerCheck, { kind: 'new_answers' }>).answers.map((a) => a.text)).toEqual([texts[2]]);
    expect(await statusesOf(ids)).toEqual(['delivered', 'delivered', 'delivered']);

    // Nothing new while the case is open: word will come, nothing to reread yet.
    await pullAnswers(ctx.db, residentId, present);
    expect(seen[2]).toMatchObject({ kind: 'nothing_new', allClosed: false, lastClosed: null });

    // Closed: nothing more will come; its answer is offered again and stays delivered.
    await ctx.db.updateTable('cases').set({ status: 'closed', closed_at: new Date() }).where('id', '=', caseId).execute();
    await pullAnswers(ctx.db, residentId, present);
    expect(seen[3]).toMatchObject({ kind: 'nothing_new', allClosed: true, lastClosed: { text: texts[2] } });
    expect(await statusesOf(ids)).toEqual(['delivered', 'delivered', 'delivered']);
  });
});
