import type { findCaseWithResident } from '../../cases/case-queries.js';
import type { Message } from '../../cases/message.table.js';
import type { MessageAttachment } from '../../attachments/attachment.table.js';
import { attachmentUrl, caseLocation, isAvailable } from '../../attachments/attachment-view.js';
import type { CaseEvent } from '../../cases/case-event.table.js';
import type { listCaseNotes } from '../../cases/case-notes.js';
import { maskPhone } from '../../residents/phone.js';
import { urgency } from '../../cases/case-inbox.js';
import { CHANNEL_LABELS, DELIVERY_LABELS, EVENT_LABELS, MESSAGE_KIND_LABELS, STATUS_LABELS, TRIAGE_LABELS, seoulTime } from '../labels.js';
import { CsrfField, Layout, Notice, type ViewSession } from './layout.js';
import { UrgencyBadge, label, type Codes } from './inbox.js';
import type { AnswerRules } from '../answer-rules.js';
import { describeAnswer } from '../answer-rules.js';
import type { CaseReferralRow } from '../../committee/referrals.js';
import { CaseCommitteeSection } from './committee.js';
import { SATISFACTION_LABELS, type CaseSatisfaction } from '../../satisfaction/satisfaction.js';

export type CaseRow = NonNullable<Awaited<ReturnType<typeof findCaseWithResident>>>;
type Note = Awaited<ReturnType<typeof listCaseNotes>>[number];

/** Which form was sent, what it held, and what went wrong: the page is drawn again with it. */
export interface FormState {
  form: 'reply' | 'close' | 'assign' | 'extend' | 'note' | 'phone' | 'refer';
  values: Record<string, string>;
  error: string | null;
}

export interface CasePageProps {
  session: ViewSession;
  row: CaseRow;
  messages: Message[];
  /** The photos residents sent with the case's messages. */
  attachments?: MessageAttachment[];
  events: CaseEvent[];
  notes: Note[];
  /** The satisfaction question of the case (src/satisfaction/); null when none was asked. */
  satisfaction?: CaseSatisfaction | null;
  staffNames: Map<number, string>;
  codes: Codes;
  /** The channel an answer goes out on (null: no contact, given in person), and its limits. */
  answer: AnswerRules | null;
  can: { act: boolean; note: boolean; phone: boolean; refer: boolean };
  /** The case's referrals to the grievance committee and its findings (src/committee). */
  referrals: CaseReferralRow[];
  revealedPhone: string | null;
  state: FormState | null;
  done: string | null;
}

function value(state: FormState | null, form: FormState['form'], field: string): string {
  return state?.form === form ? (state.values[field] ?? '') : '';
}

function FormError({ state, form }: { state: FormState | null; form: FormState['form'] }) {
  return state?.form === form && state.error ? <Notice kind="error">{state.error}</Notice> : null;
}

/** A textarea for text that goes to the resident, with its length, bytes and parts under it. */
function AnswerField({ id, name, answer, text, required }: { id: string; name: string; answer: AnswerRules | null; text: string; required: boolean }) {
  return (
    <>
      <textarea
        id={id}
        name={name}
        rows={6}
        required={required}
        maxLength={answer ? answer.limit : 4000}
        aria-describedby={`${id}-count`}
        data-answer-channel={answer?.channel ?? ''}
        data-answer-limit={answer ? String(answer.limit) : ''}
        data-sms-single={answer ? String(answer.smsSingleBytes) : ''}
        data-sms-part={answer ? String(answer.smsPartBytes) : ''}
      >
        {text}
      </textarea>
      <p class="counter" id={`${id}-count`} data-counter-for={id}>
        {answer ? describeAnswer(text, answer) : '연락처가 없어 발송되지 않고 민원 기록에만 남습니다.'}
      </p>
    </>
  );
}

function eventText(e: CaseEvent, codes: Codes): string {
  const d = e.data;
  switch (e.type) {
    case 'assigned':
      return `${label(codes.departments, (d.from as string | null) ?? null)} → ${label(codes.departments, (d.to as string | null) ?? null)}${d.reason ? ` · 사유: ${String(d.reason)}` : ''}`;
    case 'closed':
      return `처리결과 ${label(codes.dispositions, (d.disposition as string | null) ?? null)}${d.automatic ? ' (자동)' : ''}`;
    case 'deadline_extended':
      return d.reason ? `사유: ${String(d.reason)}` : '';
    case 'routed':
      return d.department ? `→ ${label(codes.departments, String(d.department))}` : '';
    default:
      return '';
  }
}

/** A message's photos: thumbnails that open the kept copy, or why one was not kept. */
function Photos({ attachments }: { attachments: MessageAttachment[] }) {
  if (attachments.length === 0) return null;
  return (
    <ul class="photos">
      {attachments.map((a, i) =>
        isAvailable(a) ? (
          <li>
            <a href={attachmentUrl('/console', a, 'original')}>
              <img src={attachmentUrl('/console', a, 'thumbnail')} alt={`민원인이 보낸 사진 ${i + 1}`} loading="lazy" />
            </a>
          </li>
        ) : (
          <li class={`photo-${a.status}`}>
            사진 {i + 1}: {a.status === 'pending' ? '받는 중' : (a.note ?? '보관하지 않음')}
          </li>
        ),
      )}
    </ul>
  );
}

export function CasePage(p: CasePageProps) {
  const { row, codes, state } = p;
  const open = row.status !== 'closed';
  const routing = row.routing;
  const u = urgency(row);
  const dispositionValue = value(state, 'close', 'disposition') || (routing?.suggestedDisposition ?? '');
  const location = caseLocation(p.attachments ?? []);
  return (
    <Layout title={`민원 ${row.case_number}`} session={p.session} section="case">
      <h1>
        민원 {row.case_number} <span class={`status s-${row.status}`}>{STATUS_LABELS[row.status] ?? row.status}</span>
      </h1>
      {p.done && <Notice kind="done">{p.done}</Notice>}
      <section aria-labelledby="h-summary">
        <h2 id="h-summary">개요</h2>
        <dl class="summary">
          <div>
            <dt>채널</dt>
            <dd>{CHANNEL_LABELS[row.channel] ?? row.channel}</dd>
          </div>
          <div>
            <dt>부서 / 분야</dt>
            <dd>
              {label(codes.departments, row.department_code)} / {label(codes.categories, row.category_code)}
            </dd>
          </div>
          <div>
            <dt>접수</dt>
            <dd>{seoulTime(row.received_at)}</dd>
          </div>
          <div>
            <dt>처리기한</dt>
            <dd id="due">
              {seoulTime(row.due_at)} {row.deadline_days !== null && `(${row.deadline_days}근무일)`} <UrgencyBadge urgency={u} />
              {row.extended_at && (
                <span class="extension">
                  {' '}
                  · {seoulTime(row.extended_at)}에 {row.extension_days}근무일 연장 (사유: {row.extension_reason})
                </span>
              )}
            </dd>
          </div>
          <div>
            <dt>민원인 연락처</dt>
            <dd id="contact">
              {p.revealedPhone ? <strong>{p.revealedPhone}</strong> : (maskPhone(row.resident_phone) ?? '없음(카카오톡)')}
              {row.resident_blocked_at && <span class="badge overdue">차단된 발신자</span>}
            </dd>
          </div>
          {location && (
            <div>
              <dt>사진 위치</dt>
              <dd id="photo-location">
                <a href={location.mapUrl} rel="noopener noreferrer" target="_blank">
                  지도에서 보기
                </a>{' '}
                ({location.latitude.toFixed(5)}, {location.longitude.toFixed(5)}, 사진의 촬영 위치)
              </dd>
            </div>
          )}
          {row.disposition_code && (
            <div>
              <dt>처리결과</dt>
              <dd>
                {label(codes.dispositions, row.disposition_code)} ({seoulTime(row.closed_at)})
              </dd>
            </div>
          )}
          {p.satisfaction && (
            <div>
              <dt>만족도</dt>
              <dd id="satisfaction">
                {p.satisfaction.score !== null
                  ? `${p.satisfaction.score}점 (${SATISFACTION_LABELS[p.satisfaction.score] ?? ''}) · ${seoulTime(p.satisfaction.answeredAt)} 응답`
                  : p.satisfaction.expiresAt.getTime() > Date.now()
                    ? `응답 대기 (${seoulTime(p.satisfaction.expiresAt)}까지)`
                    : '응답 없음'}
              </dd>
            </div>
          )}
        </dl>
        {p.can.phone && row.resident_phone && !p.revealedPhone && (
          <details class="phone" open={state?.form === 'phone'}>
            <summary>전체 전화번호 보기</summary>
            <form method="post" action={`/console/cases/${row.id}/resident-phone`}>
              <CsrfField session={p.session} />
              <FormError state={state} form="phone" />
              <label for="phone-reason">열람 사유 (감사 기록에 남습니다)</label>
              <input id="phone-reason" name="reason" required minLength={5} maxLength={500} value={value(state, 'phone', 'reason')} />
              <button type="submit">번호 보기</button>
            </form>
          </details>
        )}
      </section>

      <section aria-labelledby="h-messages">
        <h2 id="h-messages">대화</h2>
        <ol class="messages" id="messages">
          {p.messages.map((m) => (
            <li class={m.direction === 'in' ? 'in' : 'out'} data-kind={m.kind}>
              <p class="meta">
                <strong>{MESSAGE_KIND_LABELS[m.kind] ?? m.kind}</strong> · {seoulTime(m.created_at)}
                {m.direction === 'out' && (
                  <>
                    {' '}
                    · <span class={`delivery d-${m.delivery_status ?? 'pending'}`}>{DELIVERY_LABELS[m.delivery_status ?? 'pending'] ?? m.delivery_status}</span>
                    {m.staff_id !== null && ` · ${p.staffNames.get(m.staff_id) ?? `직원 ${m.staff_id}`}`}
                  </>
                )}
              </p>
              <p class="text">{m.text}</p>
              <Photos attachments={(p.attachments ?? []).filter((a) => a.message_id === m.id)} />
            </li>
          ))}
        </ol>
      </section>

      {routing && (
        <section aria-labelledby="h-routing">
          <h2 id="h-routing">자동 분류</h2>
          <p>
            {label(codes.departments, routing.department)} (신뢰도 {(routing.confidence * 100).toFixed(0)}%, {routing.router})
            {routing.triage && <span class="badge near">{TRIAGE_LABELS[routing.triage]}</span>}
          </p>
          {routing.reasons.length > 0 && (
            <>
              <h3>근거</h3>
              <ul class="reasons">
                {routing.reasons.map((r) => (
                  <li>{r}</li>
                ))}
              </ul>
            </>
          )}
          {(routing.candidates ?? []).length > 0 && (
            <table class="candidates">
              <caption>후보 부서</caption>
              <thead>
                <tr>
                  <th scope="col">부서</th>
                  <th scope="col">점수</th>
                </tr>
              </thead>
              <tbody>
                {(routing.candidates ?? []).map((c) => (
                  <tr>
                    <td>{label(codes.departments, c.department)}</td>
                    <td>{c.score.toFixed(2)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}

      {open && p.can.act && (
        <section aria-labelledby="h-actions" class="actions">
          <h2 id="h-actions">처리</h2>
          <form method="post" action={`/console/cases/${row.id}/close`} id="close-form" class="card">
            <h3>답변하고 종결</h3>
            <CsrfField session={p.session} />
            <FormError state={state} form="close" />
            <label for="close-disposition">처리결과</label>
            <select id="close-disposition" name="disposition" required>
              <option value="">선택하세요</option>
              {codes.dispositions.map((d) => (
                <option value={d.code} selected={dispositionValue === d.code}>
                  {d.label}
                </option>
              ))}
            </select>
            <label for="close-text">민원인에게 보낼 최종 답변 (감사인사·처리예외는 생략 가능)</label>
            <AnswerField id="close-text" name="text" answer={p.answer} text={value(state, 'close', 'text')} required={false} />
            <button type="submit">답변 보내고 종결</button>
          </form>
          <form method="post" action={`/console/cases/${row.id}/reply`} id="reply-form" class="card">
            <h3>중간 답변</h3>
            <CsrfField session={p.session} />
            <FormError state={state} form="reply" />
            <label for="reply-text">민원인에게 보낼 중간 답변</label>
            <AnswerField id="reply-text" name="text" answer={p.answer} text={value(state, 'reply', 'text')} required />
            <button type="submit">중간 답변 보내기</button>
          </form>
          <form method="post" action={`/console/cases/${row.id}/assign`} id="assign-form" class="card">
            <h3>다른 부서로 이송</h3>
            <CsrfField session={p.session} />
            <FormError state={state} form="assign" />
            <label for="assign-department">부서</label>
            <select id="assign-department" name="department" required>
              <option value="">선택하세요</option>
              {codes.departments
                .filter((d) => d.code !== row.department_code)
                .map((d) => (
                  <option value={d.code} selected={value(state, 'assign', 'department') === d.code}>
                    {d.name}
                  </option>
                ))}
            </select>
            <label for="assign-reason">사유 (받는 부서와 분류 학습에 쓰입니다)</label>
            <input id="assign-reason" name="reason" required maxLength={500} value={value(state, 'assign', 'reason')} />
            <button type="submit">이송</button>
          </form>
          {row.extended_at === null && row.deadline_days !== null && (
            <form method="post" action={`/console/cases/${row.id}/extend`} id="extend-form" class="card">
              <h3>처리기한 연장 (한 번)</h3>
              <CsrfField session={p.session} />
              <FormError state={state} form="extend" />
              <label for="extend-days">연장 근무일 (최대 {row.deadline_days}일)</label>
              <input id="extend-days" name="days" type="number" min={1} max={row.deadline_days} required value={value(state, 'extend', 'days')} />
              <label for="extend-reason">사유 (민원인에게 안내됩니다)</label>
              <input id="extend-reason" name="reason" required maxLength={300} value={value(state, 'extend', 'reason')} />
              <button type="submit">연장</button>
            </form>
          )}
        </section>
      )}

      <CaseCommitteeSection
        session={p.session}
        caseId={row.id}
        referrals={p.referrals}
        canRefer={p.can.refer}
        caseOpen={open}
        state={state?.form === 'refer' ? state : null}
      />

      <section aria-labelledby="h-notes">
        <h2 id="h-notes">내부 메모</h2>
        <p class="hint">직원끼리만 보며 민원인에게는 보내지 않습니다.</p>
        <ol class="notes" id="notes">
          {p.notes.map((n) => (
            <li>
              <p class="meta">
                {n.staff_name ?? '—'} · {seoulTime(n.created_at)}
              </p>
              <p class="text">{n.text}</p>
            </li>
          ))}
        </ol>
        {p.can.note && row.purged_at === null && (
          <form method="post" action={`/console/cases/${row.id}/notes`} id="note-form">
            <CsrfField session={p.session} />
            <FormError state={state} form="note" />
            <label for="note-text">새 메모</label>
            <textarea id="note-text" name="text" rows={3} required maxLength={2000}>
              {value(state, 'note', 'text')}
            </textarea>
            <button type="submit">메모 남기기</button>
          </form>
        )}
      </section>

      <section aria-labelledby="h-events">
        <h2 id="h-events">처리 이력</h2>
        <ol class="events" id="events">
          {p.events.map((e) => (
            <li data-type={e.type}>
              <span class="when">{seoulTime(e.created_at)}</span> <strong>{EVENT_LABELS[e.type] ?? e.type}</strong>{' '}
              {e.staff_id !== null ? `(${p.staffNames.get(e.staff_id) ?? `직원 ${e.staff_id}`})` : '(시스템)'} {eventText(e, codes)}
            </li>
          ))}
        </ol>
      </section>
    </Layout>
  );
}
