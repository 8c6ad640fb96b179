// The console's pages for the mayor's sessions (managers): /console/ondate and /console/visits.
import type { OndateMonth } from '../../mayor-sessions/ondate.js';
import type { listVisits, VisitRequestView } from '../../mayor-sessions/visits.js';
import { CHANNEL_LABELS, seoulTime } from '../labels.js';
import { CsrfField, Layout, Notice, type ViewSession } from './layout.js';
import type { Codes } from './inbox.js';

const STATUS: Record<string, string> = {
  volunteered: '선정 대기',
  chosen: '선정',
  not_chosen: '미선정',
  requested: '일정 대기',
  scheduled: '일정 안내',
  met: '면담 완료',
  no_show: '불참',
};

const at = (iso: string | null) => (iso ? seoulTime(new Date(iso)) : '—');

export function OndatePage({ session, month, data, done, error }: { session: ViewSession; month: string; data: OndateMonth; done: string | null; error: string | null }) {
  const undecided = data.counts.undecided;
  return (
    <Layout title="온데이트" session={session} section="manager">
      <h1>
        온데이트 <small>{month}</small>
      </h1>
      <p class="hint">구청장이 영상·전화로 직접 답하는 민원인을 고릅니다. 선정하면 선정·미선정 민원인 모두에게 각자의 채널로 안내가 나갑니다.</p>
      {done && <Notice kind="done">{done}</Notice>}
      {error && <Notice kind="error">{error}</Notice>}
      <form method="get" action="/console/ondate" class="inline">
        <label for="o-month">월</label> <input id="o-month" type="month" name="month" value={month} /> <button type="submit">보기</button>
      </form>
      <p id="ondate-counts">
        신청 {data.counts.volunteers}명 · 선정 {data.counts.chosen}명 · 미선정 {data.counts.notChosen}명 · 선정 대기 {undecided}명
      </p>
      <form method="post" action="/console/ondate">
        <CsrfField session={session} />
        <input type="hidden" name="month" value={month} />
        {data.categories.length === 0 && <p>이 달의 신청자가 없습니다.</p>}
        {data.categories.map((group) => (
          <section aria-label={group.label ?? '분류 전'}>
            <h2>
              {group.label ?? '분류 전'} <small>{group.volunteers.length}명</small>
            </h2>
            <table class="cases">
              <thead>
                <tr>
                  <th scope="col">선정</th>
                  <th scope="col">접수번호</th>
                  <th scope="col">연락처</th>
                  <th scope="col">신청 일시</th>
                  <th scope="col">상태</th>
                  <th scope="col">일정</th>
                </tr>
              </thead>
              <tbody>
                {group.volunteers.map((v) => (
                  <tr data-volunteer={v.id}>
                    <td>
                      {v.status === 'volunteered' ? (
                        <input type="checkbox" name="chosen" value={String(v.id)} aria-label={`${v.caseNumber} 선정`} />
                      ) : (
                        '—'
                      )}
                    </td>
                    <th scope="row">
                      <a href={`/console/cases/${v.caseId}`}>{v.caseNumber}</a>
                    </th>
                    <td class="nowrap">{v.residentPhone ?? '카카오톡'}</td>
                    <td class="nowrap">{at(v.optedInAt)}</td>
                    <td>{STATUS[v.status]}</td>
                    <td>{v.sessionAt ? `${at(v.sessionAt)} ${v.mode === 'video' ? '영상' : '전화'}` : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        ))}
        {undecided > 0 && (
          <fieldset>
            <legend>선정 확정</legend>
            <label for="o-at">일시(서울)</label> <input id="o-at" type="datetime-local" name="sessionAt" required />{' '}
            <label for="o-mode">방식</label>{' '}
            <select id="o-mode" name="mode">
              <option value="video">영상통화</option>
              <option value="phone">전화</option>
            </select>{' '}
            <button type="submit">선정하고 안내 보내기</button>
            <p class="hint">체크하지 않은 선정 대기 {undecided}명에게는 이번 달 미선정 안내가 나갑니다.</p>
          </fieldset>
        )}
      </form>
    </Layout>
  );
}

type Visits = Awaited<ReturnType<typeof listVisits>>;

function RequestRow({ r, session, sessions, codes }: { r: VisitRequestView; session: ViewSession; sessions: Visits['sessions']; codes: Codes }) {
  return (
    <tr data-visit={r.id}>
      <th scope="row">
        <a href={`/console/cases/${r.caseId}`}>{r.caseNumber}</a>
      </th>
      <td class="nowrap">{r.residentPhone ?? (r.channel === 'kakao' ? CHANNEL_LABELS.kakao : '연락처 없음')}</td>
      <td class="nowrap">{at(r.appliedAt)}</td>
      <td class="nowrap">{STATUS[r.status]}</td>
      <td>
        {(r.status === 'requested' || r.status === 'scheduled') && sessions.length > 0 && (
          <form method="post" action={`/console/visits/requests/${r.id}/schedule`} class="inline">
            <CsrfField session={session} />
            <select name="sessionId" aria-label={`${r.caseNumber} 회차`}>
              {sessions.map((s) => (
                <option value={String(s.id)} selected={s.id === r.sessionId}>
                  {at(s.startsAt)} {s.place}
                </option>
              ))}
            </select>{' '}
            <button type="submit">{r.status === 'scheduled' ? '일정 변경' : '일정 안내'}</button>
          </form>
        )}
      </td>
      <td>
        {r.status === 'scheduled' ? (
          <form method="post" action={`/console/visits/requests/${r.id}/outcome`}>
            <CsrfField session={session} />
            <select name="outcome" aria-label={`${r.caseNumber} 결과`}>
              <option value="met">면담 완료</option>
              <option value="no_show">불참</option>
            </select>{' '}
            <input name="note" maxLength={2000} placeholder="면담 내용(내부용)" aria-label={`${r.caseNumber} 면담 내용`} />{' '}
            <select name="department" aria-label={`${r.caseNumber} 새 민원 부서`}>
              <option value="">새 민원 열지 않음</option>
              {codes.departments.map((d) => (
                <option value={d.code}>{d.name}에 새 민원</option>
              ))}
            </select>{' '}
            <input name="joinCaseId" placeholder="기존 민원 접수번호" aria-label={`${r.caseNumber} 기존 민원`} />{' '}
            <button type="submit">결과 기록</button>
          </form>
        ) : r.outcomeAt ? (
          <>
            {r.outcomeNote ?? ''}
            {r.outcomeCaseId && (
              <>
                {' '}
                → <a href={`/console/cases/${r.outcomeCaseId}`}>{r.outcomeCaseNumber}</a>
              </>
            )}
          </>
        ) : (
          '—'
        )}
      </td>
    </tr>
  );
}

function RequestTable({ rows, session, sessions, codes, id }: { rows: VisitRequestView[]; session: ViewSession; sessions: Visits['sessions']; codes: Codes; id: string }) {
  return (
    <table class="cases" id={id}>
      <thead>
        <tr>
          <th scope="col">접수번호</th>
          <th scope="col">연락처</th>
          <th scope="col">신청 일시</th>
          <th scope="col">상태</th>
          <th scope="col">회차</th>
          <th scope="col">결과</th>
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 && (
          <tr>
            <td colSpan={6}>없습니다.</td>
          </tr>
        )}
        {rows.map((r) => (
          <RequestRow r={r} session={session} sessions={sessions} codes={codes} />
        ))}
      </tbody>
    </table>
  );
}

export function VisitsPage({ session, visits, codes, done, error }: { session: ViewSession; visits: Visits; codes: Codes; done: string | null; error: string | null }) {
  return (
    <Layout title="찾아가는 구청장실" session={session} section="manager">
      <h1>찾아가는 구청장실</h1>
      {done && <Notice kind="done">{done}</Notice>}
      {error && <Notice kind="error">{error}</Notice>}
      <section aria-labelledby="h-new-session">
        <h2 id="h-new-session">회차 만들기</h2>
        <form method="post" action="/console/visits/sessions">
          <CsrfField session={session} />
          <label for="v-at">일시(서울)</label> <input id="v-at" type="datetime-local" name="startsAt" required />{' '}
          <label for="v-place">장소</label> <input id="v-place" name="place" maxLength={40} required />{' '}
          <button type="submit">만들기</button>
        </form>
      </section>
      <section aria-labelledby="h-waiting">
        <h2 id="h-waiting">
          일정 대기 <small>{visits.waiting.length}건</small>
        </h2>
        <RequestTable rows={visits.waiting} session={session} sessions={visits.sessions} codes={codes} id="visits-waiting" />
      </section>
      {visits.sessions.map((s) => (
        <section aria-label={`${at(s.startsAt)} ${s.place}`}>
          <h2>
            {at(s.startsAt)} {s.place} <small>{s.requests.length}명</small>
          </h2>
          <RequestTable rows={s.requests} session={session} sessions={visits.sessions} codes={codes} id={`visits-session-${s.id}`} />
        </section>
      ))}
    </Layout>
  );
}
