import type { listInbox, InboxCounts, Urgency } from '../../cases/case-inbox.js';
import { CASE_CHANNELS } from '../../domain/channel.js';
import { CHANNEL_LABELS, STATUS_LABELS, seoulTime } from '../labels.js';
import { Layout, Notice, type ViewSession } from './layout.js';

export interface Codes {
  departments: { code: string; name: string }[];
  categories: { code: string; label: string }[];
  dispositions: { code: string; label: string }[];
}

export function label(list: { code: string; label?: string; name?: string }[], code: string | null): string {
  if (code === null) return '미분류';
  const found = list.find((x) => x.code === code);
  return found?.label ?? found?.name ?? code;
}

export type InboxItem = Awaited<ReturnType<typeof listInbox>>['items'][number];

export interface InboxQuery {
  status?: string | undefined;
  channel?: string | undefined;
  category?: string | undefined;
  department?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  page: number;
}

export function UrgencyBadge({ urgency }: { urgency: Urgency }) {
  if (urgency === 'overdue') return <span class="badge overdue">기한 초과</span>;
  if (urgency === 'near_due') return <span class="badge near">기한 임박</span>;
  return null;
}

/** The rows of the inbox table; the page's script swaps them in when new cases arrive. */
export function InboxRows({ items, codes }: { items: InboxItem[]; codes: Codes }) {
  return (
    <tbody id="inbox-rows">
      {items.length === 0 && (
        <tr>
          <td colSpan={7}>조건에 맞는 미처리 민원이 없습니다.</td>
        </tr>
      )}
      {items.map((c) => (
        <tr class={c.urgency ?? undefined} data-case-id={String(c.id)}>
          <th scope="row">
            <a href={`/console/cases/${c.id}`}>{c.case_number}</a>
          </th>
          <td>
            {seoulTime(c.due_at)} <UrgencyBadge urgency={c.urgency} />
          </td>
          <td>{STATUS_LABELS[c.status] ?? c.status}</td>
          <td>{CHANNEL_LABELS[c.channel] ?? c.channel}</td>
          <td>
            {label(codes.departments, c.department_code)} / {label(codes.categories, c.category_code)}
          </td>
          <td class="words">{c.first_words ?? ''}</td>
          <td>{seoulTime(c.received_at)}</td>
        </tr>
      ))}
    </tbody>
  );
}

function queryString(q: InboxQuery, page: number): string {
  const params = new URLSearchParams();
  for (const key of ['status', 'channel', 'category', 'department', 'from', 'to'] as const) {
    const value = q[key];
    if (value) params.set(key, value);
  }
  if (page > 1) params.set('page', String(page));
  const s = params.toString();
  return s ? `?${s}` : '';
}

export interface InboxPageProps {
  session: ViewSession;
  scopeName: string;
  counts: InboxCounts;
  items: InboxItem[];
  total: number;
  pageSize: number;
  query: InboxQuery;
  codes: Codes;
  error: string | null;
}

export function InboxPage(p: InboxPageProps) {
  const pages = Math.max(1, Math.ceil(p.total / p.pageSize));
  const q = p.query;
  return (
    <Layout title="받은 민원" session={p.session} section="inbox">
      <h1>받은 민원 <small>{p.scopeName}</small></h1>
      <dl class="counts" id="counts">
        <div>
          <dt>미처리</dt>
          <dd>{p.counts.open}</dd>
        </div>
        <div>
          <dt>신규 접수</dt>
          <dd>{p.counts.received}</dd>
        </div>
        <div class="overdue">
          <dt>기한 초과</dt>
          <dd>{p.counts.overdue}</dd>
        </div>
        <div class="near">
          <dt>기한 임박(24시간 이내)</dt>
          <dd>{p.counts.nearDue}</dd>
        </div>
      </dl>
      <div id="new-cases" class="live" aria-live="polite" data-latest-id={String(p.counts.latestId ?? 0)} data-poll={`/console/inbox/latest${queryString({ ...q, page: 1 }, 1)}`}>
        <a href={`/console${queryString(q, q.page)}`}>새로 고침</a>
      </div>
      {p.error && <Notice kind="error">{p.error}</Notice>}
      <form method="get" action="/console" class="filters" aria-label="민원 거르기">
        <div>
          <label for="f-status">상태</label>
          <select id="f-status" name="status">
            <option value="">전체</option>
            {(['received', 'assigned', 'answered'] as const).map((s) => (
              <option value={s} selected={q.status === s}>
                {STATUS_LABELS[s]}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="f-channel">채널</label>
          <select id="f-channel" name="channel">
            <option value="">전체</option>
            {CASE_CHANNELS.map((c) => (
              <option value={c} selected={q.channel === c}>
                {CHANNEL_LABELS[c]}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="f-category">분야</label>
          <select id="f-category" name="category">
            <option value="">전체</option>
            {p.codes.categories.map((c) => (
              <option value={c.code} selected={q.category === c.code}>
                {c.label}
              </option>
            ))}
          </select>
        </div>
        {p.session.isManager && (
          <div>
            <label for="f-department">부서</label>
            <select id="f-department" name="department">
              <option value="">전체 부서</option>
              {p.codes.departments.map((d) => (
                <option value={d.code} selected={q.department === d.code}>
                  {d.name}
                </option>
              ))}
            </select>
          </div>
        )}
        <div>
          <label for="f-from">접수일(부터)</label>
          <input id="f-from" type="date" name="from" value={q.from ?? ''} />
        </div>
        <div>
          <label for="f-to">접수일(까지)</label>
          <input id="f-to" type="date" name="to" value={q.to ?? ''} />
        </div>
        <div class="actions">
          <button type="submit">조회</button>
          <a href="/console">조건 지우기</a>
        </div>
      </form>
      <table class="cases" id="inbox">
        <caption>
          처리기한이 가까운 순 · {p.total}건 중 {p.items.length}건 ({q.page}/{pages}쪽)
        </caption>
        <thead>
          <tr>
            <th scope="col">접수번호</th>
            <th scope="col">처리기한</th>
            <th scope="col">상태</th>
            <th scope="col">채널</th>
            <th scope="col">부서 / 분야</th>
            <th scope="col">내용</th>
            <th scope="col">접수 일시</th>
          </tr>
        </thead>
        <InboxRows items={p.items} codes={p.codes} />
      </table>
      <nav class="pager" aria-label="쪽 이동">
        {q.page > 1 ? <a href={`/console${queryString(q, q.page - 1)}`} rel="prev">이전 쪽</a> : <span aria-disabled="true">이전 쪽</span>}
        <span>
          {q.page} / {pages}
        </span>
        {q.page < pages ? <a href={`/console${queryString(q, q.page + 1)}`} rel="next">다음 쪽</a> : <span aria-disabled="true">다음 쪽</span>}
      </nav>
    </Layout>
  );
}
