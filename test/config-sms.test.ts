// SMS provider choice (SMS_PROVIDER, SOLAPI_*) and domestic gateway adapters (SMS_GATEWAYS_FILE).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.js';

const TWILIO = { TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef', TWILIO_AUTH_TOKEN: 'secret-token', TWILIO_FROM: '+8225550100' };
const SOLAPI = { SMS_PROVIDER: 'solapi', SOLAPI_API_KEY: 'NCSKEY', SOLAPI_API_SECRET: 'SECRET', SOLAPI_FROM: '02-3396-4114' };

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

function gatewaysFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'sotong-config-'));
  const path = join(dir, 'gateways.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('SMS_PROVIDER', () => {
  it('is the outbox without credentials and Twilio with them', () => {
    expect(loadConfig({}).smsProvider).toBe('outbox');
    expect(loadConfig(TWILIO).smsProvider).toBe('twilio');
  });

  it('selects Solapi, with the sender number in its domestic digits and the default subject', () => {
    const config = loadConfig(SOLAPI);
    expect(config.smsProvider).toBe('solapi');
    expect(config.solapi).toEqual({ apiKey: 'NCSKEY', apiSecret: 'SECRET', from: '0233964114', apiBaseUrl: 'https://api.solapi.com', lmsSubject: '구청장 소통폰' });
  });

  it('takes Solapi in production without Twilio credentials', () => {
    const config = loadConfig({ NODE_ENV: 'production', KAKAO_SKILL_SECRET: 's', INTAKE_BUFFER_SECRET: 'b', ...SOLAPI });
    expect(config.smsProvider).toBe('solapi');
    expect(config.twilio).toBeNull();
  });

  it('names every missing Solapi setting', () => {
    expect(problemsOf({ SMS_PROVIDER: 'solapi' })).toEqual(['SOLAPI_API_KEY and SOLAPI_API_SECRET and SOLAPI_FROM must be set with SMS_PROVIDER=solapi']);
  });

  it('refuses a sender number that is not a Korean number, a long subject and an unknown provider', () => {
    expect(problemsOf({ ...SOLAPI, SOLAPI_FROM: '+8225550100' })).toEqual([expect.stringContaining('SOLAPI_FROM')]);
    expect(loadConfig({ ...SOLAPI, SOLAPI_FROM: '1588-1234' }).solapi?.from).toBe('15881234');
    expect(problemsOf({ ...SOLAPI, SOLAPI_LMS_SUBJECT: '가'.repeat(21) })).toEqual([expect.stringContaining('SOLAPI_LMS_SUBJECT')]);
    expect(problemsOf({ SMS_PROVIDER: 'aligo' })).toEqual(['SMS_PROVIDER must be twilio or solapi (got "aligo")']);
  });

  it('refuses SMS_PROVIDER=twilio without Twilio credentials rather than a silent outbox', () => {
    expect(problemsOf({ SMS_PROVIDER: 'twilio' })).toEqual([expect.stringContaining('SMS_PROVIDER=twilio needs')]);
  });
});

describe('SMS_GATEWAYS_FILE', () => {
  const good = {
    gateways: {
      munja: {
        secretEnv: 'MUNJA_SECRET',
        signature: { header: 'X-Munja-Signature', prefix: 'sha256=', timestampHeader: 'X-Munja-Timestamp' },
        fields: { messageId: 'mo_key', from: 'sender.number', text: 'content' },
      },
    },
  };

  it('reads an adapter, with the secret from the variable it names and documented defaults', () => {
    const config = loadConfig({ SMS_GATEWAYS_FILE: gatewaysFile(good), MUNJA_SECRET: 'a-long-enough-shared-secret' });
    expect(config.smsGateways).toEqual({
      munja: {
        name: 'munja',
        secret: 'a-long-enough-shared-secret',
        signature: { header: 'x-munja-signature', encoding: 'hex', prefix: 'sha256=', timestampHeader: 'x-munja-timestamp', toleranceSeconds: 300 },
        fields: { messageId: 'mo_key', from: 'sender.number', text: 'content', receivedAt: null },
      },
    });
    expect(loadConfig({}).smsGateways).toEqual({});
  });

  it('reports a file it cannot read, and a missing or short secret', () => {
    expect(problemsOf({ SMS_GATEWAYS_FILE: '/nonexistent/gateways.json' })).toEqual([expect.stringContaining('cannot be read')]);
    expect(problemsOf({ SMS_GATEWAYS_FILE: gatewaysFile('{ not json') })).toEqual([expect.stringContaining('cannot be read as JSON')]);
    expect(problemsOf({ SMS_GATEWAYS_FILE: gatewaysFile({ munja: {} }) })).toEqual([expect.stringContaining('"gateways"')]);
    expect(problemsOf({ SMS_GATEWAYS_FILE: gatewaysFile(good) })).toEqual(['SMS_GATEWAYS_FILE gateway "munja": MUNJA_SECRET (its shared secret) is not set']);
    expect(problemsOf({ SMS_GATEWAYS_FILE: gatewaysFile(good), MUNJA_SECRET: 'short' })).toEqual([expect.stringContaining('at least 16')]);
  });

  it('names each problem of an adapter', () => {
    const bad = {
      gateways: {
        twilio: good.gateways.munja,
        other: {
          secretEnv: 'MUNJA_SECRET',
          signature: { header: 'X Sig', encoding: 'base32', toleranceSeconds: 0 },
          fields: { messageId: 'id', from: 'a..b' },
        },
      },
    };
    const problems = problemsOf({ SMS_GATEWAYS_FILE: gatewaysFile(bad), MUNJA_SECRET: 'a-long-enough-shared-secret' });
    expect(problems).toEqual([
      expect.stringContaining('gateway "twilio": the name'),
      expect.stringContaining('"signature.header"'),
      expect.stringContaining('"signature.encoding"'),
      expect.stringContaining('"signature.toleranceSeconds"'),
      expect.stringContaining('"fields.from" must be'),
      expect.stringContaining('"fields.text" is required'),
    ]);
  });

  it('the example file in the repository is a valid adapter', () => {
    const config = loadConfig({
      SMS_GATEWAYS_FILE: new URL('../sms-gateways.example.json', import.meta.url).pathname,
      MUNJA_WEBHOOK_SECRET: 'a-long-enough-shared-secret',
    });
    expect(Object.keys(config.smsGateways)).toEqual(['munja']);
  });
});
