import type { ComponentChildren } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { ROLE_LABELS } from '../labels.js';

/** Who is signed in, as every page's header and forms need it. */
export interface ViewSession {
  name: string;
  role: string;
  departmentName: string | null;
  /** The synchronizer token every form posts back (src/staff/session.ts). */
  csrf: string;
  isManager: boolean;
  canTriage: boolean;
  /** A member of the grievance committee: their pages are the referred cases only. */
  isCommittee: boolean;
  /** Managers and admins: the notices page (구청 알림). */
  canNotices?: boolean;
  /** False for an account without cases (an admin, who signs in for the notices): no inbox or search links. */
  readsCases?: boolean;
}

export type Section = 'inbox' | 'triage' | 'search' | 'manager' | 'case' | 'login' | 'committee' | 'notices';

/** A page as sent: preact escapes every text and attribute value it renders. */
export function htmlPage(node: preact.VNode): string {
  return `<!doctype html>${renderToString(node)}`;
}

export function CsrfField({ session }: { session: ViewSession }) {
  return <input type="hidden" name="_csrf" value={session.csrf} />;
}

function NavLink({ href, current, children }: { href: string; current: boolean; children: ComponentChildren }) {
  return (
    <li>
      <a href={href} aria-current={current ? 'page' : undefined}>
        {children}
      </a>
    </li>
  );
}

export function Layout({ title, session, section, children }: { title: string; session: ViewSession | null; section: Section; children: ComponentChildren }) {
  return (
    <html lang="ko">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · 구청장 소통폰 민원 콘솔`}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="/console/assets/console.css" />
        <script src="/console/assets/console.js" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">
          본문 바로가기
        </a>
        <header class="site">
          <p class="brand">
            <a href="/console">구청장 소통폰 민원 콘솔</a>
          </p>
          {session?.isCommittee && (
            <nav aria-label="주 메뉴">
              <ul>
                <NavLink href="/console/committee" current={section === 'committee'}>
                  위원회 회부 민원
                </NavLink>
              </ul>
            </nav>
          )}
          {session && !session.isCommittee && (
            <nav aria-label="주 메뉴">
              <ul>
                {session.readsCases !== false && (
                  <NavLink href="/console" current={section === 'inbox'}>
                    받은 민원
                  </NavLink>
                )}
                {session.canTriage && (
                  <NavLink href="/console/triage" current={section === 'triage'}>
                    분류 대기
                  </NavLink>
                )}
                {session.readsCases !== false && (
                  <NavLink href="/console/search" current={section === 'search'}>
                    검색
                  </NavLink>
                )}
                {session.isManager && (
                  <NavLink href="/console/manager" current={section === 'manager'}>
                    관리자 현황
                  </NavLink>
                )}
                {session.canNotices && (
                  <NavLink href="/console/notices" current={section === 'notices'}>
                    구청 알림
                  </NavLink>
                )}
              </ul>
            </nav>
          )}
          {session && (
            <div class="who">
              <span>
                {session.name} ({ROLE_LABELS[session.role] ?? session.role}
                {session.departmentName ? ` · ${session.departmentName}` : ''})
              </span>
              <form method="post" action="/console/logout" class="inline">
                <CsrfField session={session} />
                <button type="submit" class="link">
                  로그아웃
                </button>
              </form>
            </div>
          )}
        </header>
        <main id="main" tabindex={-1}>
          {children}
        </main>
      </body>
    </html>
  );
}

export function Notice({ kind, children }: { kind: 'error' | 'done'; children: ComponentChildren }) {
  return (
    <p class={`notice ${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </p>
  );
}

export function LoginPage({ message, formToken }: { message: string | null; formToken: string }) {
  return (
    <Layout title="로그인" session={null} section="login">
      <div class="login">
        <h1>민원 콘솔 로그인</h1>
        <p>발급받은 직원 토큰을 한 번 입력하면 이 브라우저에서 로그인이 유지됩니다.</p>
        {message && <Notice kind="error">{message}</Notice>}
        <form method="post" action="/console/login">
          <input type="hidden" name="_csrf" value={formToken} />
          <label for="token">직원 토큰</label>
          <input id="token" type="password" name="token" autocomplete="off" required maxLength={200} />
          <button type="submit">로그인</button>
        </form>
      </div>
    </Layout>
  );
}

export function MessagePage({ title, message, session, status }: { title: string; message: string; session: ViewSession | null; status: number }) {
  return (
    <Layout title={title} session={session} section="case">
      <h1>{title}</h1>
      <Notice kind="error">{message}</Notice>
      <p>
        {session?.isCommittee ? (
          <a href="/console/committee">위원회 회부 민원으로 돌아가기</a>
        ) : session ? (
          <a href="/console">받은 민원으로 돌아가기</a>
        ) : (
          <a href="/console/login">로그인</a>
        )}
        <span class="sr-only"> (오류 {status})</span>
      </p>
    </Layout>
  );
}
