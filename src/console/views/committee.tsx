// The grievance committee's pages (구민고충처리위원회, src/committee): the committee's list and a
// referral with its finding form, and the section of the case page where managers refer a case
// and the department reads the finding.
import type { CaseReferralRow, CommitteeListRow, CommitteeReferralDetail } from '../../committee/referrals.js';
import { FINDINGS } from '../../committee/referral.table.js';
import { CHANNEL_LABELS, FINDING_LABELS, REFERRAL_STATUS_LABELS, STATUS_LABELS, seoulTime } from '../labels.js';
import { CsrfField, Layout, Notice, type ViewSession } from './layout.js';
import { label, type Codes } from './inbox.js';

export interface FindingFormState {
  values: Record<string, string>;
  error: string;
}

function FindingText({ finding }: { finding: string | null }) {
  return finding === null ? <>—</> : <strong>{FINDING_LABELS[finding] ?? finding}</strong>;
}

export function CommitteeListPage({ session, items, codes, done }: { session: ViewSession; items: CommitteeListRow[]; codes: Codes; done: string | null }) {
  const open = items.filter((r) => r.status === 'referred');
  const reviewed = items.filter((r) => r.status !== 'referred');
  const table = (rows: CommitteeListRow[], heading: string, count: number, empty: string, id: string) => (
    <section aria-labelledby={`h-${id}`}>
      <h2 id={`h-${id}`}>
        {heading} <small>{count}건</small>
      </h2>
    <table id={id} class="referrals" aria-labelledby={`h-${id}`}>
      <thead>
        <tr>
          <th scope="col">접수번호</th>
          <th scope="col">회부일</th>
          <th scope="col">채널</th>
          <th scope="col">담당 부서</th>
          <th scope="col">민원 상태</th>
          <th scope="col">심의 결과</th>
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 && (
          <tr>
            <td colSpan={6}>{empty}</td>
          </tr>
        )}
        {rows.map((r) => (
          <tr data-referral-id={String(r.id)}>
            <th scope="row">
              <a href={`/console/committee/referrals/${r.id}`}>{r.case_number}</a>
            </th>
            <td>{seoulTime(r.referred_at)}</td>
            <td>{CHANNEL_LABELS[r.channel] ?? r.channel}</td>
            <td>{label(codes.departments, r.department_code)}</td>
            <td>{STATUS_LABELS[r.case_status] ?? r.case_status}</td>
            <td>
              <FindingText finding={r.finding} /> {r.reviewed_at && `(${seoulTime(r.reviewed_at)})`}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
    </section>
  );
  return (
    <Layout title="구민고충처리위원회" session={session} section="committee">
      <h1>구민고충처리위원회 회부 민원</h1>
      {done && <Notice kind="done">{done}</Notice>}
      <p class="hint">위원회에 회부된 민원만 보입니다. 민원인의 연락처와 부서의 내부 메모는 표시하지 않으며, 열람은 감사 기록에 남습니다.</p>
      {table(open, '심의 대기', open.length, '심의를 기다리는 회부 민원이 없습니다.', 'referrals-open')}
      {table(reviewed, '심의 완료', reviewed.length, '심의를 마친 회부 민원이 없습니다.', 'referrals-reviewed')}
    </Layout>
  );
}

export function CommitteeReferralPage({
  session,
  referral,
  codes,
  state,
  done,
}: {
  session: ViewSession;
  referral: CommitteeReferralDetail;
  codes: Codes;
  state: FindingFormState | null;
  done: string | null;
}) {
  const r = referral;
  const chosen = state?.values.finding ?? '';
  return (
    <Layout title={`회부 민원 ${r.case_number}`} session={session} section="committee">
      <h1>
        회부 민원 {r.case_number} <span class={`status s-${r.status === 'reviewed' ? 'closed' : 'open'}`}>{REFERRAL_STATUS_LABELS[r.status] ?? r.status}</span>
      </h1>
      {done && <Notice kind="done">{done}</Notice>}
      <section aria-labelledby="h-referral">
        <h2 id="h-referral">회부 내용</h2>
        <dl class="summary">
          <div>
            <dt>회부일</dt>
            <dd>{seoulTime(r.referred_at)}</dd>
          </div>
          <div>
            <dt>채널 / 접수</dt>
            <dd>
              {CHANNEL_LABELS[r.channel] ?? r.channel} / {seoulTime(r.received_at)}
            </dd>
          </div>
          <div>
            <dt>담당 부서 / 민원 상태</dt>
            <dd>
              {label(codes.departments, r.department_code)} / {STATUS_LABELS[r.case_status] ?? r.case_status}
            </dd>
          </div>
          <div>
            <dt>민원인 연락처</dt>
            <dd>비공개</dd>
          </div>
        </dl>
        <h3>회부 사유</h3>
        <p class="text" id="referral-reason">
          {r.reason || '(보존기간이 지나 삭제됨)'}
        </p>
      </section>
      <section aria-labelledby="h-words">
        <h2 id="h-words">민원인이 보낸 내용</h2>
        {r.purged_at && <p class="hint">보존기간이 지나 내용이 삭제되었습니다.</p>}
        <ol class="messages" id="messages">
          {r.messages.map((m) => (
            <li class="in">
              <p class="meta">민원인 · {seoulTime(m.created_at)}</p>
              <p class="text">{m.text}</p>
            </li>
          ))}
        </ol>
      </section>
      <section aria-labelledby="h-finding">
        <h2 id="h-finding">심의 결과</h2>
        {r.status === 'reviewed' ? (
          <dl class="summary" id="finding">
            <div>
              <dt>결과</dt>
              <dd>
                <FindingText finding={r.finding} /> ({seoulTime(r.reviewed_at)})
              </dd>
            </div>
            <div>
              <dt>부서 답변</dt>
              <dd>{r.answered_at ? `${seoulTime(r.answered_at)} 위원회 결과로 답변·종결` : '부서 답변 대기'}</dd>
            </div>
            <div class="wide">
              <dt>위원회 의견</dt>
              <dd class="text">{r.opinion}</dd>
            </div>
          </dl>
        ) : (
          <form method="post" action={`/console/committee/referrals/${r.id}/finding`} id="finding-form" class="card">
            <CsrfField session={session} />
            {state && <Notice kind="error">{state.error}</Notice>}
            <label for="finding-code">심의 결과</label>
            <select id="finding-code" name="finding" required>
              <option value="">선택하세요</option>
              {FINDINGS.map((f) => (
                <option value={f} selected={chosen === f}>
                  {FINDING_LABELS[f]}
                </option>
              ))}
            </select>
            <label for="finding-opinion">위원회 의견 (담당 부서가 이 의견으로 민원인에게 답변합니다)</label>
            <textarea id="finding-opinion" name="opinion" rows={8} required maxLength={4000}>
              {state?.values.opinion ?? ''}
            </textarea>
            <p class="hint">기록하면 민원인에게 위원회 검토가 끝났다는 안내가 민원인의 채널(문자·카카오톡)로 발송됩니다.</p>
            <button type="submit">심의 결과 기록</button>
          </form>
        )}
      </section>
    </Layout>
  );
}

/** The case page's committee section: its referrals and findings; the referral form for managers. */
export function CaseCommitteeSection({
  session,
  caseId,
  referrals,
  canRefer,
  caseOpen,
  state,
}: {
  session: ViewSession;
  caseId: number;
  referrals: CaseReferralRow[];
  canRefer: boolean;
  caseOpen: boolean;
  state: { values: Record<string, string>; error: string | null } | null;
}) {
  const hasOpen = referrals.some((r) => r.status === 'referred');
  if (referrals.length === 0 && !(canRefer && caseOpen)) return null;
  return (
    <section aria-labelledby="h-committee">
      <h2 id="h-committee">구민고충처리위원회</h2>
      <ol class="notes" id="committee-referrals">
        {referrals.map((r) => (
          <li data-referral-id={String(r.id)} data-status={r.status}>
            <p class="meta">
              {REFERRAL_STATUS_LABELS[r.status] ?? r.status} · {seoulTime(r.referred_at)} 회부 ({r.referred_by_name ?? '—'})
              {r.withdrawn_at && ` · ${seoulTime(r.withdrawn_at)} 철회`}
            </p>
            <p class="text">회부 사유: {r.reason || '(삭제됨)'}</p>
            {r.status === 'reviewed' && (
              <>
                <p class="text">
                  심의 결과: <FindingText finding={r.finding} /> ({seoulTime(r.reviewed_at)})
                  {r.answered_at ? ` · ${seoulTime(r.answered_at)} 이 결과로 답변·종결함` : ' · 이 결과로 민원인에게 답변하세요.'}
                </p>
                <p class="text">위원회 의견: {r.opinion}</p>
              </>
            )}
            {r.status === 'referred' && canRefer && (
              <form method="post" action={`/console/committee/referrals/${r.id}/withdraw`} class="inline">
                <CsrfField session={session} />
                <button type="submit" class="secondary">
                  회부 철회
                </button>
              </form>
            )}
          </li>
        ))}
      </ol>
      {canRefer && caseOpen && !hasOpen && (
        <form method="post" action={`/console/cases/${caseId}/committee-referrals`} id="refer-form" class="card">
          <h3>위원회 회부</h3>
          <CsrfField session={session} />
          {state?.error && <Notice kind="error">{state.error}</Notice>}
          <label for="refer-reason">회부 사유 (위원회가 봅니다; 민원인 연락처는 위원회에 보이지 않습니다)</label>
          <textarea id="refer-reason" name="reason" rows={3} required minLength={5} maxLength={1000}>
            {state?.values.reason ?? ''}
          </textarea>
          <button type="submit">위원회에 회부</button>
        </form>
      )}
    </section>
  );
}
