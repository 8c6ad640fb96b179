// The managers' report page: plain HTML with inline SVG charts, drawn on the server, so it
// needs no script, no outside asset, and prints as it shows.
import type { ReportSummary, reportTrend } from './report-queries.js';

type Trend = Awaited<ReturnType<typeof reportTrend>>;

const CHANNEL_LABELS: Record<string, string> = { kakao: '카카오톡', sms: '문자(SMS)', visit: '방문', web: '홈페이지' };

export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const percent = (r: number) => `${(r * 100).toFixed(1)}%`;
const decimal = (r: number, digits = 1) => r.toFixed(digits);

interface Bar {
  key: string;
  label: string;
  value: number;
}

/** Horizontal bars, one per row, scaled to the largest value; each bar names its key and count. */
export function horizontalBarChart(id: string, title: string, bars: Bar[], color: string): string {
  const rowHeight = 26;
  const labelWidth = 120;
  const chartWidth = 360;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const height = bars.length * rowHeight + 10;
  const rows = bars
    .map((b, i) => {
      const y = 5 + i * rowHeight;
      const width = Math.round((b.value / max) * chartWidth);
      return (
        `<text x="${labelWidth - 8}" y="${y + 17}" text-anchor="end" class="axis">${escapeHtml(b.label)}</text>` +
        `<rect class="bar" data-key="${escapeHtml(b.key)}" data-count="${b.value}" x="${labelWidth}" y="${y + 3}" width="${width}" height="${rowHeight - 8}" fill="${color}"><title>${escapeHtml(b.label)}: ${b.value}</title></rect>` +
        `<text x="${labelWidth + width + 6}" y="${y + 17}" class="value">${b.value}</text>`
      );
    })
    .join('');
  return (
    `<svg id="${id}" class="chart" role="img" aria-label="${escapeHtml(title)}" xmlns="http://www.w3.org/2000/svg" ` +
    `width="${labelWidth + chartWidth + 50}" height="${height}" viewBox="0 0 ${labelWidth + chartWidth + 50} ${height}">${rows}</svg>`
  );
}

/** Received and closed side by side for each month (or quarter). */
export function trendChart(id: string, trend: Trend): string {
  const groupWidth = 44;
  const plotHeight = 160;
  const left = 36;
  const max = Math.max(1, ...trend.periods.flatMap((p) => [p.received, p.closed]));
  const width = left + trend.periods.length * groupWidth + 10;
  const height = plotHeight + 50;
  const groups = trend.periods
    .map((p, i) => {
      const x = left + i * groupWidth + 6;
      const bar = (kind: 'received' | 'closed', value: number, dx: number, color: string) => {
        const h = Math.round((value / max) * plotHeight);
        return `<rect class="bar trend-${kind}" data-key="${escapeHtml(p.period)}" data-count="${value}" x="${x + dx}" y="${10 + plotHeight - h}" width="15" height="${h}" fill="${color}"><title>${escapeHtml(p.period)} ${kind === 'received' ? '접수' : '종결'}: ${value}</title></rect>`;
      };
      return (
        bar('received', p.received, 0, '#2f6fb5') +
        bar('closed', p.closed, 16, '#8cc084') +
        `<text x="${x + 15}" y="${plotHeight + 28}" text-anchor="middle" class="axis">${escapeHtml(p.period.slice(2))}</text>`
      );
    })
    .join('');
  return (
    `<svg id="${id}" class="chart" role="img" aria-label="월별 추이" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<line x1="${left}" y1="${10 + plotHeight}" x2="${width - 4}" y2="${10 + plotHeight}" stroke="#999"/>` +
    `<text x="${left - 6}" y="18" text-anchor="end" class="axis">${max}</text>` +
    `<text x="${left - 6}" y="${10 + plotHeight}" text-anchor="end" class="axis">0</text>${groups}</svg>`
  );
}

function table(headers: string[], rows: (string | number)[][], id: string): string {
  return (
    `<table id="${id}"><thead><tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>` +
    rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('') +
    `</tbody></table>`
  );
}

export interface ReportPageData {
  summary: ReportSummary;
  trend: Trend;
  categories: { code: string; label: string }[];
  dispositions: { code: string; label: string }[];
  /** Department names by code, for the satisfaction table (the code is shown when missing). */
  departments?: Record<string, string>;
  generatedAt: string;
}

const SCORE_LABELS = ['매우 만족', '만족', '보통', '불만', '매우 불만'];

/** The satisfaction question's figures: the scores as bars, then by department and by category. */
function satisfactionSection(data: ReportPageData): string {
  const q = data.summary.satisfaction;
  const bars = [5, 4, 3, 2, 1].map((score, i) => ({ key: String(score), label: `${score} ${SCORE_LABELS[i]!}`, value: q.distribution[String(score) as '1'] }));
  const categoryLabels = Object.fromEntries(data.categories.map((c) => [c.code, c.label]));
  const rowsOf = (by: typeof q.byDepartment, names: Record<string, string>) =>
    Object.entries(by).map(([code, f]) => [
      code === 'none' ? '미지정' : (names[code] ?? code),
      f.asked,
      f.responded,
      percent(f.responseRate),
      f.responded === 0 ? '-' : percent(f.positiveShare),
      f.averageScore === null ? '-' : decimal(f.averageScore, 2),
    ]);
  const headers = ['', '질문', '응답', '응답률', '긍정(4·5점)', '평균'];
  return `<section><h2>만족도</h2>
<dl id="satisfaction-figures">${[
    ['질문', String(q.asked)],
    ['응답', String(q.responded)],
    ['응답률', percent(q.responseRate)],
    ['긍정 비율(4·5점)', q.responded === 0 ? '-' : percent(q.positiveShare)],
    ['평균 점수', q.averageScore === null ? '-' : decimal(q.averageScore, 2)],
  ]
    .map(([k, v]) => `<div><dt>${escapeHtml(k!)}</dt><dd>${escapeHtml(v!)}</dd></div>`)
    .join('')}</dl>
${horizontalBarChart('chart-satisfaction', '만족도 점수 분포', bars, '#6a5acd')}
${table(['부서', ...headers.slice(1)], rowsOf(q.byDepartment, data.departments ?? {}), 'table-satisfaction-department')}
${table(['분야', ...headers.slice(1)], rowsOf(q.byCategory, categoryLabels), 'table-satisfaction-category')}</section>`;
}

/**
 * What the summary counts besides cases: photos residents sent, the grievance committee and the
 * mayor's sessions (온데이트, 찾아가는 구청장실), each a pair of figures in the summary's style.
 */
function activitySection(s: ReportSummary): string {
  const groups: [string, string, [string, string, number][]][] = [
    ['activity-photos', '사진 첨부 민원', [['photos-with', '접수', s.withPhotos]]],
    [
      'activity-committee',
      '구민고충처리위원회',
      [
        ['committee-referred', '회부', s.committee.referred],
        ['committee-reviewed', '심의 완료', s.committee.reviewed],
      ],
    ],
    [
      'activity-ondate',
      '온데이트',
      [
        ['ondate-volunteers', '신청', s.mayorSessions.ondate.volunteers],
        ['ondate-chosen', '선정', s.mayorSessions.ondate.chosen],
      ],
    ],
    [
      'activity-visits',
      '찾아가는 구청장실',
      [
        ['visits-applied', '신청', s.mayorSessions.visits.applied],
        ['visits-met', '면담', s.mayorSessions.visits.met],
      ],
    ],
  ];
  const dl = groups
    .map(
      ([id, title, figures]) =>
        `<div id="${id}"><h3>${escapeHtml(title)}</h3><dl>${figures
          .map(([key, label, value]) => `<div data-key="${escapeHtml(key)}"><dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd></div>`)
          .join('')}</dl></div>`,
    )
    .join('');
  return `<section id="activity"><h2>사진·위원회·구청장 소통</h2><div class="activity">${dl}</div></section>`;
}

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/reports/report.css"></head><body>${body}</body></html>`;
}

export function reportPage(data: ReportPageData): string {
  const { summary: s, trend } = data;
  const categoryBars = data.categories.map((c) => ({ key: c.code, label: c.label, value: s.byCategory[c.code] ?? 0 }));
  const dispositionBars = data.dispositions.map((d) => ({ key: d.code, label: d.label, value: s.byDisposition[d.code] ?? 0 }));
  const figures: [string, string][] = [
    ['접수', String(s.received)],
    ['종결', String(s.closed)],
    ['처리완료율', percent(s.completionRate)],
    ['답변율', percent(s.answerRate)],
    ['일평균 접수', decimal(s.dailyAverageReceived, 2)],
    ['일평균 종결', decimal(s.dailyAverageClosed, 2)],
    ['평균 처리일수', decimal(s.averageProcessingDays)],
    ['미처리', String(s.open)],
    ['기한 초과', String(s.overdue)],
  ];
  const query = `from=${encodeURIComponent(s.period.from)}&to=${encodeURIComponent(s.period.to)}`;
  const body = `
<header>
  <h1>구청장 소통폰 민원 처리 현황</h1>
  <p class="period">기간 <strong id="period">${escapeHtml(s.period.from)} ~ ${escapeHtml(s.period.to)}</strong> (${s.period.days}일) · 작성 ${escapeHtml(data.generatedAt)}</p>
  <form class="no-print" method="get" action="/reports">
    <label>시작 <input type="date" name="from" value="${escapeHtml(s.period.from)}"></label>
    <label>종료 <input type="date" name="to" value="${escapeHtml(s.period.to)}"></label>
    <button type="submit">조회</button>
    <a href="/reports/cases.csv?${escapeHtml(query)}">건별 CSV 내려받기</a>
  </form>
  <form class="no-print logout" method="post" action="/reports/logout"><button type="submit">로그아웃</button></form>
</header>
<section><h2>요약</h2><dl id="figures">${figures.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`).join('')}</dl></section>
<section><h2>분야별 접수</h2>${horizontalBarChart('chart-category', '분야별 접수', categoryBars, '#2f6fb5')}
${table(['분야', '건수'], [...categoryBars.map((b) => [b.label, b.value]), ...(s.unclassified > 0 ? [['미분류', s.unclassified]] : []), ['계', s.received]], 'table-category')}</section>
<section><h2>처리결과별 종결</h2>${horizontalBarChart('chart-disposition', '처리결과별 종결', dispositionBars, '#d08a2c')}
${table(['처리결과', '건수'], [...dispositionBars.map((b) => [b.label, b.value]), ['계', s.closed], ['처리완료율 (처리완료+조치예정)/종결', percent(s.completionRate)]], 'table-disposition')}</section>
<section><h2>채널별 접수</h2>${table(['채널', '건수'], Object.entries(s.byChannel).map(([k, v]) => [CHANNEL_LABELS[k] ?? k, v]), 'table-channel')}</section>
${activitySection(s)}
${satisfactionSection(data)}
<section class="page-break"><h2>월별 추이</h2>${trendChart('chart-trend', trend)}
<p class="legend"><span class="swatch received"></span>접수 <span class="swatch closed"></span>종결</p>
${table(['월', '접수', '종결', '처리완료율', '평균 처리일수'], trend.periods.map((p) => [p.period, p.received, p.closed, percent(p.completionRate), decimal(p.averageProcessingDays)]), 'table-trend')}</section>
<footer>접수·분야·채널은 기간 중 접수된 민원, 처리결과는 기간 중 종결된 민원 기준입니다. 미처리·기한 초과는 기간 말(또는 현재) 기준입니다. 만족도는 기간 중 보낸 질문과 그 응답 기준입니다. 사진 첨부는 기간 중 접수된 민원 중 주민이 사진을 보낸 건, 위원회와 구청장 소통은 기간 중 회부·심의·신청·면담한 건(선정은 기간 중 신청자 가운데 선정된 사람) 기준입니다.</footer>`;
  return layout(`민원 처리 현황 ${s.period.from} ~ ${s.period.to}`, body);
}

export function loginPage(message: string | null): string {
  return layout(
    '보고서 로그인',
    `<main class="login"><h1>민원 처리 현황 보고서</h1>
<form method="post" action="/reports/login">
  <label>관리자 토큰 <input type="password" name="token" autocomplete="off" required></label>
  <button type="submit">로그인</button>
</form>${message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : ''}</main>`,
  );
}

export function errorPage(title: string, message: string): string {
  return layout(title, `<main class="login"><h1>${escapeHtml(title)}</h1><p class="error">${escapeHtml(message)}</p><p><a href="/reports/login">로그인</a></p></main>`);
}

export const REPORT_CSS = `
body { font-family: "Noto Sans KR", "Malgun Gothic", sans-serif; margin: 24px; color: #222; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; border-bottom: 2px solid #2f6fb5; padding-bottom: 4px; }
.period { color: #555; } form { margin: 8px 0; } form.logout { display: inline; }
section { margin: 20px 0; break-inside: avoid; }
dl#figures, dl#satisfaction-figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(130px, 1fr)); gap: 8px; }
dl#figures div, dl#satisfaction-figures div { border: 1px solid #ccc; padding: 8px; }
.activity { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 8px; }
.activity > div { border: 1px solid #ccc; padding: 8px; } .activity h3 { font-size: 14px; margin: 0 0 6px; }
.activity dl { display: flex; gap: 16px; margin: 0; } dt { color: #555; font-size: 13px; } dd { margin: 0; font-size: 20px; font-weight: bold; }
table { border-collapse: collapse; margin-top: 8px; } th, td { border: 1px solid #bbb; padding: 4px 10px; text-align: right; }
th:first-child, td:first-child { text-align: left; } th { background: #eef3fa; }
svg.chart text.axis, svg.chart text.value { font-size: 12px; fill: #333; }
.legend .swatch { display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 12px; }
.swatch.received { background: #2f6fb5; } .swatch.closed { background: #8cc084; }
.error { color: #b00020; } footer { color: #666; font-size: 12px; margin-top: 24px; }
main.login { max-width: 420px; margin: 60px auto; }
@media print {
  .no-print, form.logout { display: none; }
  body { margin: 0; } section { page-break-inside: avoid; } .page-break { page-break-before: always; }
  @page { size: A4; margin: 15mm; }
}
`;
