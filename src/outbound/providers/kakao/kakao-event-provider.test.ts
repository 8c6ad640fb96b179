import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createKakaoEventProvider, KAKAO_PUSH_TEXT_LIMIT, readTaskStatus } from './kakao-event-provider.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../../../test/fixtures/kakao-${name}`, import.meta.url), 'utf8')) as object;

describe('readTaskStatus', () => {
  it('ALL SUCCESS (the shared fixture): finished, nobody failed', () => {
    expect(readTaskStatus(fixture('event-task-status.json'))).toEqual({ finished: true, failedUserKeys: [], unnamedFailures: false, noneReached: false });
  });

  it('a key Kakao could not resolve is a failure it does not name, not a failure of everyone', () => {
    expect(readTaskStatus(fixture('event-task-status-unresolved.json'))).toEqual({
      finished: true,
      failedUserKeys: [],
      unnamedFailures: true,
      noneReached: false,
    });
    // Even when the status string and fail.count leave it out.
    expect(readTaskStatus({ status: 'ALL SUCCESS', allRequestCount: 3, successCount: 3, userKeyResolvingFailCount: 1, fail: { count: 0, list: [] } })).toMatchObject({
      unnamedFailures: true,
      noneReached: false,
    });
  });

  it('names the failed residents it can, and says when some are left unnamed', () => {
    const named = { status: '1 FAIL', allRequestCount: 3, successCount: 2, fail: { count: 1, list: [{ id: 'key-b', type: 'botUserKey' }] } };
    expect(readTaskStatus(named)).toEqual({ finished: true, failedUserKeys: ['key-b'], unnamedFailures: false, noneReached: false });
    const partly = { ...named, status: '2 FAIL', successCount: 1, fail: { count: 2, list: [{ id: 'key-b' }] } };
    expect(readTaskStatus(partly)).toEqual({ finished: true, failedUserKeys: ['key-b'], unnamedFailures: true, noneReached: false });
  });

  it('says nobody was reached only when the counts say so', () => {
    expect(readTaskStatus({ status: '3 FAIL', allRequestCount: 3, successCount: 0, fail: { count: 3, list: [] } }).noneReached).toBe(true);
    expect(readTaskStatus({ status: 'FAIL' })).toEqual({ finished: true, failedUserKeys: [], unnamedFailures: true, noneReached: false });
    expect(readTaskStatus({ status: 'PROCESSING', allRequestCount: 3, successCount: 0 })).toMatchObject({ finished: false, noneReached: false });
  });
});

describe('the push text limit and the event block docs/channels.md describes', () => {
  const channels = readFileSync(new URL('../../../../docs/channels.md', import.meta.url), 'utf8');
  const step = channels.slice(channels.indexOf('**Pushing answers (Event API).**'), channels.indexOf('**Bot tester.**'));

  it('the provider pushes at most KAKAO_PUSH_TEXT_LIMIT characters, which a simpleText holds', () => {
    const provider = createKakaoEventProvider({ botId: 'bot', restApiKey: 'key', eventName: 'answer_ready', apiBaseUrl: 'http://kakao.fake.local' });
    expect(provider.maxTextLength).toBe(KAKAO_PUSH_TEXT_LIMIT);
    // Open Builder: a simpleText holds 1,000 characters, a text card's description 400.
    expect(KAKAO_PUSH_TEXT_LIMIT).toBeLessThanOrEqual(1000);
  });

  it('docs/channels.md tells operators to show the pushed text in a simpleText and names the limit', () => {
    expect(step).not.toBe('');
    const instruction = step.slice(step.indexOf('create a block for the event'), step.indexOf('Set `KAKAO_BOT_ID`'));
    expect(instruction).toContain('{{#current.event.data.text}}');
    expect(instruction).toMatch(/말풍선 텍스트\*\* \(simpleText\)/);
    expect(instruction).toContain('`KAKAO_PUSH_TEXT_LIMIT`');
    expect(instruction).toContain(KAKAO_PUSH_TEXT_LIMIT.toLocaleString('en-US'));
    // A text card may be named only as what not to use.
    expect(instruction).not.toMatch(/whose answer is\s+a text card/);
  });
});
