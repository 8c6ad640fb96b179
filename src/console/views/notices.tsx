import { CsrfField, Layout, Notice as Banner, type ViewSession } from './layout.js';
import type { Notice } from '../../notices/notice.table.js';
import type { NoticePreview, NoticeProgress } from '../../notices/notices.js';

export interface NoticeRow {
  notice: Notice;
  preview: NoticePreview;
  progress: NoticeProgress;
}

const STATUS_LABELS: Record<string, string> = { draft: '초안', approved: '승인됨', sending: '발송 중', sent: '발송 완료', cancelled: '취소됨' };
const won = (n: number) => `${n.toLocaleString('ko-KR')}원`;

/**
 * 구청 알림: managers draft notices, an admin who did not draft one approves it, both follow the
 * progress and may cancel (the same domain functions as /api/notices; docs/notices.md).
 */
export function NoticesPage({
  session,
  rows,
  staffId,
  canDraft,
  canApprove,
  done,
  error,
}: {
  session: ViewSession;
  rows: NoticeRow[];
  staffId: number;
  canDraft: boolean;
  canApprove: boolean;
  done: string | null;
  error: string | null;
}) {
  return (
    <Layout title="구청 알림" session={session} section="notices">
      <h1>구청 알림</h1>
      {done && <Banner kind="done">{done}</Banner>}
      {error && <Banner kind="error">{error}</Banner>}
      <p class="hint">
        알림 신청한 주민에게 카카오 알림톡(안 되면 문자)으로 보냅니다. 관리자가 작성하고, 작성하지 않은 시스템 관리자가 승인하면 발송됩니다. 21시~8시에는 긴급 표시가 없으면 8시까지 기다립니다.
      </p>
      {canDraft && (
        <section aria-labelledby="h-draft">
          <h2 id="h-draft">새 알림 작성</h2>
          <form method="post" action="/console/notices" class="stack">
            <CsrfField session={session} />
            <label>
              제목 <input name="title" required maxLength={40} />
            </label>
            <label>
              내용 <textarea name="body" required maxLength={800} rows={6}></textarea>
            </label>
            <label>
              링크(https, 선택) <input name="buttonUrl" type="url" pattern="https://.*" />
            </label>
            <label>
              보낼 동(쉼표로 구분, 비우면 전체) <input name="dongs" />
            </label>
            <button type="submit">초안 저장</button>
          </form>
        </section>
      )}
      <section aria-labelledby="h-list">
        <h2 id="h-list">알림 목록</h2>
        <table class="cases" id="notices">
          <thead>
            <tr>
              <th scope="col">제목</th>
              <th scope="col">상태</th>
              <th scope="col">받는 사람</th>
              <th scope="col">예상 비용</th>
              <th scope="col">진행</th>
              <th scope="col">처리</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 && (
              <tr>
                <td colSpan={6}>알림이 없습니다.</td>
              </tr>
            )}
            {rows.map(({ notice, preview, progress }) => (
              <tr data-notice={notice.id}>
                <th scope="row">
                  <details>
                    <summary>{notice.title}</summary>
                    <pre class="preview">{preview.text}</pre>
                  </details>
                </th>
                <td>
                  {STATUS_LABELS[notice.status] ?? notice.status}
                  {notice.urgent ? ' (긴급)' : ''}
                </td>
                <td>{preview.recipients.toLocaleString('ko-KR')}명</td>
                <td>
                  알림톡 {won(preview.cost.ata)}
                  <br />
                  모두 문자({preview.cost.fallbackType})로 갈 때 {won(preview.cost.fallback)}
                </td>
                <td>
                  발송 {progress.sent + progress.delivered + progress.fallback} · 도착 {progress.delivered} · 문자 대체 {progress.fallback} · 실패 {progress.failed} · 제외 {progress.skipped}
                  {progress.unknown > 0 ? ` · 확인 불가 ${progress.unknown}` : ''} / {progress.total}
                </td>
                <td>
                  {canApprove && notice.status === 'draft' && notice.drafted_by !== staffId && (
                    <form method="post" action={`/console/notices/${notice.id}/approve`} class="inline">
                      <CsrfField session={session} />
                      <label>
                        <input type="checkbox" name="urgent" value="1" /> 긴급(야간 발송)
                      </label>
                      <button type="submit">승인·발송</button>
                    </form>
                  )}
                  {(notice.status === 'draft' || notice.status === 'sending' || notice.status === 'approved') && (
                    <form method="post" action={`/console/notices/${notice.id}/cancel`} class="inline">
                      <CsrfField session={session} />
                      <button type="submit" class="secondary">
                        취소
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
