import type { listTriage, countsByDepartment } from '../../cases/case-inbox.js';
import type { listCases } from '../../cases/case-queries.js';
import type { listCorrections } from '../../routing/routing-examples.js';
import { CHANNEL_LABELS, STATUS_LABELS, TRIAGE_LABELS, seoulTime } from '../labels.js';
import { CsrfField, Layout, Notice, type ViewSession } from './layout.js';
import { UrgencyBadge, label, type Codes } from './inbox.js';
import { urgency } from '../../cases/case-inbox.js';
import { maskPhone } from '../../residents/phone.js';

type TriageItem = Awaited<ReturnType<typeof listTriage>>[number];

export function TriagePage({ session, items, codes, done, error }: { session: ViewSession; items: TriageItem[]; codes: Codes; done: string | null; error: { caseId: number; message: string } | null }) {
  return (
    <Layout title="분류 대기" session={session} section="triage">
      <h1>분류 대기 <small>{items.length}건</small></h1>
      <p class="hint">자동 분류의 신뢰도가 낮거나 스팸으로 보인 민원입니다. 후보 부서를 한 번 눌러 배정하세요(사유 필수).</p>
      {done && <Notice kind="done">{done}</Notice>}
      {items.length === 0 && <p>분류를 기다리는 민원이 없습니다.</p>}
      <ol class="triage" id="triage">
        {items.map((c) => {
          const candidates = (c.routing?.candidates ?? []).filter((x) => x.department !== c.department_code);
          return (
            <li class="card" data-case-id={String(c.id)}>
              <h2>
                <a href={`/console/cases/${c.id}`}>{c.case_number}</a>{' '}
                <span class="badge near">{TRIAGE_LABELS[c.routing?.triage ?? ''] ?? '분류 대기'}</span>
              </h2>
              <p class="meta">
                {CHANNEL_LABELS[c.channel] ?? c.channel} · {seoulTime(c.received_at)} · 신뢰도 {((c.routing?.confidence ?? 0) * 100).toFixed(0)}%
              </p>
              <p class="text">{c.first_words ?? ''}</p>
              <form method="post" action={`/console/cases/${c.id}/assign`}>
                <CsrfField session={session} />
                <input type="hidden" name="from" value="triage" />
                {error?.caseId === c.id && <Notice kind="error">{error.message}</Notice>}
                <label for={`reason-${c.id}`}>배정 사유</label>
                <input id={`reason-${c.id}`} name="reason" required maxLength={500} />
                <div class="buttons" role="group" aria-label="후보 부서로 배정">
                  {candidates.map((x) => (
                    <button type="submit" name="department" value={x.department}>
                      {label(codes.departments, x.department)}에 배정 <span class="score">({x.score.toFixed(2)})</span>
                    </button>
                  ))}
                </div>
                <label for={`other-${c.id}`}>다른 부서</label>
                <div class="buttons">
                  <select id={`other-${c.id}`} name="other">
                    <option value="">선택하세요</option>
                    {codes.departments.map((d) => (
                      <option value={d.code}>{d.name}</option>
                    ))}
                  </select>
                  <button type="submit" name="department" value="">
                    선택한 부서에 배정
                  </button>
                </div>
              </form>
              {c.routing?.suggestedDisposition && (
                <form method="post" action={`/console/cases/${c.id}/close`} class="suggested">
                  <CsrfField session={session} />
                  <input type="hidden" name="from" value="triage" />
                  <input type="hidden" name="disposition" value={c.routing.suggestedDisposition} />
                  <button type="submit" class="secondary">
                    답변 없이 종결 ({label(codes.dispositions, c.routing.suggestedDisposition)})
                  </button>
                </form>
              )}
            </li>
          );
        })}
      </ol>
    </Layout>
  );
}

type SearchItem = Awaited<ReturnType<typeof listCases>>['items'][number];

export function SearchPage({ session, q, items, next, wordsSince, codes, error }: { session: ViewSession; q: string; items: SearchItem[] | null; next: string | null; wordsSince: Date | null; codes: Codes; error: string | null }) {
  return (
    <Layout title="검색" session={session} section="search">
      <h1>민원 검색</h1>
      <form method="get" action="/console/search" role="search" class="search">
        <label for="q">접수번호, 전화번호 끝 4자리, 또는 낱말</label>
        <input id="q" name="q" type="search" value={q} required maxLength={100} />
        <button type="submit">검색</button>
      </form>
      {error && <Notice kind="error">{error}</Notice>}
      {wordsSince && <p class="hint">두 글자 낱말만으로는 {seoulTime(wordsSince).slice(0, 10)} 이후 접수된 민원만 찾습니다.</p>}
      {items && (
        <table class="cases" id="results">
          <caption>검색 결과 {items.length}건</caption>
          <thead>
            <tr>
              <th scope="col">접수번호</th>
              <th scope="col">상태</th>
              <th scope="col">채널</th>
              <th scope="col">부서</th>
              <th scope="col">연락처</th>
              <th scope="col">처리기한</th>
              <th scope="col">접수 일시</th>
            </tr>
          </thead>
          <tbody>
            {items.length === 0 && (
              <tr>
                <td colSpan={7}>찾은 민원이 없습니다.</td>
              </tr>
            )}
            {items.map((c) => (
              <tr>
                <th scope="row">
                  <a href={`/console/cases/${c.id}`}>{c.case_number}</a>
                </th>
                <td>{STATUS_LABELS[c.status] ?? c.status}</td>
                <td>{CHANNEL_LABELS[c.channel] ?? c.channel}</td>
                <td>{label(codes.departments, c.department_code)}</td>
                <td>{maskPhone(c.resident_phone) ?? '—'}</td>
                <td>
                  {seoulTime(c.due_at)} <UrgencyBadge urgency={urgency(c)} />
                </td>
                <td>{seoulTime(c.received_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next && (
        <p>
          <a href={`/console/search?q=${encodeURIComponent(q)}&cursor=${encodeURIComponent(next)}`}>다음 결과</a>
        </p>
      )}
    </Layout>
  );
}

type DepartmentCounts = Awaited<ReturnType<typeof countsByDepartment>>[number];
type Correction = Awaited<ReturnType<typeof listCorrections>>[number];

export function ManagerPage({ session, departments, corrections, codes, done }: { session: ViewSession; departments: DepartmentCounts[]; corrections: Correction[]; codes: Codes; done: string | null }) {
  return (
    <Layout title="관리자 현황" session={session} section="manager">
      <h1>관리자 현황</h1>
      {done && <Notice kind="done">{done}</Notice>}
      <p>
        <a href="/console">전체 부서 받은 민원</a> · <a href="/reports">민원 처리 현황 보고서(/reports)</a> · <a href="/console/ondate">온데이트</a> ·{' '}
        <a href="/console/visits">찾아가는 구청장실</a>
      </p>
      <section aria-labelledby="h-departments">
        <h2 id="h-departments">부서별 미처리·기한 초과</h2>
        <table class="cases" id="departments">
          <thead>
            <tr>
              <th scope="col">부서</th>
              <th scope="col">미처리</th>
              <th scope="col">기한 초과</th>
              <th scope="col">기한 임박</th>
            </tr>
          </thead>
          <tbody>
            {departments.map((d) => (
              <tr class={d.overdue > 0 ? 'overdue' : undefined} data-department={d.code}>
                <th scope="row">
                  <a href={`/console?department=${encodeURIComponent(d.code)}`}>{d.name}</a>
                </th>
                <td>{d.open}</td>
                <td>{d.overdue}</td>
                <td>{d.nearDue}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="h-corrections">
        <h2 id="h-corrections">분류 정정 목록</h2>
        <p class="hint">직원이 부서를 바꾼 기록이며 자동 분류가 이를 학습합니다. 잘못된 정정은 철회하면 자동 분류가 다시 학습할 때 빠집니다.</p>
        <table class="cases" id="corrections">
          <thead>
            <tr>
              <th scope="col">접수번호</th>
              <th scope="col">자동 분류</th>
              <th scope="col">정정한 부서</th>
              <th scope="col">사유</th>
              <th scope="col">직원</th>
              <th scope="col">일시</th>
              <th scope="col">철회</th>
            </tr>
          </thead>
          <tbody>
            {corrections.length === 0 && (
              <tr>
                <td colSpan={7}>정정 기록이 없습니다.</td>
              </tr>
            )}
            {corrections.map((c) => (
              <tr class={c.withdrawn_at ? 'withdrawn' : undefined}>
                <th scope="row">
                  <a href={`/console/cases/${c.case_id}`}>{c.case_number}</a>
                </th>
                <td>{label(codes.departments, c.routed_department)}</td>
                <td>{label(codes.departments, c.department_code)}</td>
                <td>{c.reason ?? '—'}</td>
                <td>{c.staff_name ?? '—'}</td>
                <td>
                  {seoulTime(c.created_at)}
                  {c.withdrawn_at && ' (철회됨)'}
                </td>
                <td>
                  {c.withdrawn_at ? (
                    '—'
                  ) : (
                    <form method="post" action={`/console/corrections/${c.id}/withdraw`} class="inline">
                      <CsrfField session={session} />
                      <button type="submit" aria-label={`${c.case_number} 정정 철회`}>
                        철회
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </Layout>
  );
}
