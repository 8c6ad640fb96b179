// The console's one stylesheet and one script, served by the app itself (/console/assets/...),
// so the content security policy allows this origin's files only and nothing inline.

/** Colours meet WCAG AA contrast on white; focus is always visible. System fonts only. */
export const CONSOLE_CSS = `
:root { --blue: #1f5fa8; --red: #a8071a; --amber: #7a4b00; --line: #c8ced6; --soft: #f3f6fa; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans KR", "Nanum Gothic", "NanumGothic", "Malgun Gothic", "Apple SD Gothic Neo", sans-serif;
  margin: 0; color: #1b1f24; background: #fff; line-height: 1.5; font-size: 15px; word-break: keep-all; }
a { color: var(--blue); } a:hover { text-decoration-thickness: 2px; }
:focus-visible { outline: 3px solid #e8a200; outline-offset: 2px; }
.skip { position: absolute; left: -9999px; top: 0; background: #fff; padding: 8px; z-index: 10; }
.skip:focus { left: 8px; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
header.site { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 24px; padding: 10px 24px; background: #0f3e73; color: #fff; }
header.site a { color: #fff; } header.site .brand { margin: 0; font-weight: bold; font-size: 17px; }
header.site .brand a { text-decoration: none; }
header.site nav ul { display: flex; gap: 4px; list-style: none; margin: 0; padding: 0; }
header.site nav a { display: inline-block; padding: 6px 12px; border-radius: 4px; text-decoration: none; }
header.site nav a[aria-current="page"] { background: #fff; color: #0f3e73; font-weight: bold; }
header.site .who { margin-left: auto; display: flex; gap: 12px; align-items: center; font-size: 14px; }
button.link { background: none; border: 1px solid #fff; color: #fff; padding: 4px 10px; border-radius: 4px; cursor: pointer; font: inherit; }
main { padding: 16px 24px 48px; max-width: 1280px; }
h1 { font-size: 22px; margin: 8px 0 12px; } h1 small { font-size: 15px; color: #4a5360; font-weight: normal; margin-left: 8px; }
h2 { font-size: 17px; border-bottom: 2px solid var(--blue); padding-bottom: 4px; margin-top: 28px; }
h3 { font-size: 15px; margin: 0 0 8px; }
form.inline { display: inline; margin: 0; }
label { display: block; font-weight: bold; margin: 8px 0 4px; font-size: 14px; }
input, select, textarea { font: inherit; padding: 6px 8px; border: 1px solid #6b7480; border-radius: 4px; max-width: 100%; }
textarea { width: 100%; }
button { font: inherit; padding: 7px 14px; border-radius: 4px; border: 1px solid var(--blue); background: var(--blue); color: #fff; cursor: pointer; margin-top: 8px; }
button:hover { background: #164a85; }
button.secondary { background: #fff; color: var(--blue); } button.secondary:hover { background: var(--soft); }
.counts { display: grid; grid-template-columns: repeat(4, minmax(120px, 200px)); gap: 10px; margin: 0 0 12px; }
.counts div { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; background: var(--soft); }
.counts dt { font-size: 13px; color: #4a5360; } .counts dd { margin: 0; font-size: 24px; font-weight: bold; }
.counts .overdue dd { color: var(--red); } .counts .near dd { color: var(--amber); }
.live { min-height: 1.5em; margin-bottom: 8px; } .live .fresh { font-weight: bold; color: var(--blue); }
.filters { display: flex; flex-wrap: wrap; gap: 4px 14px; align-items: flex-end; padding: 10px 12px; background: var(--soft); border: 1px solid var(--line); border-radius: 6px; }
.filters label { margin-top: 0; } .filters .actions { display: flex; gap: 12px; align-items: center; }
table { border-collapse: collapse; width: 100%; margin-top: 12px; }
caption { text-align: left; font-size: 14px; color: #4a5360; padding-bottom: 4px; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; font-size: 14px; overflow-wrap: break-word; }
td.nowrap { white-space: nowrap; } table.referrals { table-layout: fixed; }
thead th { background: #e7edf5; }
tbody th { font-weight: normal; white-space: nowrap; }
tr.overdue { background: #fff1f0; } tr.near_due { background: #fff8e6; } tr.withdrawn { color: #4a5360; text-decoration: line-through; }
td.words { max-width: 420px; }
.badge { display: inline-block; font-size: 12px; font-weight: bold; padding: 1px 6px; border-radius: 10px; margin-left: 4px; border: 1px solid; }
.badge.overdue { color: var(--red); border-color: var(--red); background: #fff; }
.badge.near { color: var(--amber); border-color: var(--amber); background: #fff; }
.status { font-size: 14px; padding: 2px 8px; border-radius: 10px; background: #e7edf5; color: #0f3e73; vertical-align: middle; }
.status.s-closed { background: #e6f4ea; color: #1d5c2e; }
.pager { display: flex; gap: 16px; margin-top: 12px; align-items: center; } .pager [aria-disabled] { color: #4a5360; }
.notice { padding: 8px 12px; border-radius: 4px; border-left: 4px solid; }
.notice.error { background: #fff1f0; border-color: var(--red); color: var(--red); }
.notice.done { background: #e6f4ea; border-color: #1d5c2e; color: #1d5c2e; }
.hint { color: #4a5360; font-size: 14px; }
dl.summary { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 8px 16px; }
dl.summary dt { font-size: 13px; color: #4a5360; } dl.summary dd { margin: 0; } dl.summary .wide { grid-column: 1 / -1; }
fieldset { border: 1px solid var(--line); border-radius: 6px; padding: 4px 12px 12px; margin: 16px 0 0; } legend { font-weight: bold; padding: 0 4px; }
form.stack label { max-width: 48em; } form.stack input, form.stack textarea { display: block; width: 100%; margin-top: 4px; font-weight: normal; }
pre.preview { white-space: pre-wrap; font-family: inherit; font-size: 14px; background: var(--soft); border: 1px solid var(--line); border-radius: 4px; padding: 8px; max-width: 36em; }
details > summary { cursor: pointer; }
details.phone { margin-top: 8px; } details.phone summary { cursor: pointer; color: var(--blue); }
ol.messages { list-style: none; padding: 0; display: flex; flex-direction: column; gap: 8px; }
ol.messages li { max-width: 720px; padding: 8px 12px; border-radius: 8px; border: 1px solid var(--line); }
ol.messages li.in { background: #fff; } ol.messages li.out { background: #eef4fb; margin-left: 48px; }
ul.photos { list-style: none; padding: 0; margin: 6px 0 0; display: flex; flex-wrap: wrap; gap: 8px; }
ul.photos img { display: block; max-width: 160px; max-height: 160px; border: 1px solid var(--line); border-radius: 4px; }
ul.photos li.photo-refused, ul.photos li.photo-pending { font-size: 0.9em; color: #444; }
.meta { font-size: 13px; color: #4a5360; margin: 0 0 4px; } .text { white-space: pre-wrap; margin: 0; overflow-wrap: anywhere; }
.delivery.d-failed, .delivery.d-undelivered { color: var(--red); font-weight: bold; }
.delivery.d-delivered, .delivery.d-sent { color: #1d5c2e; }
section.actions { display: grid; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)); gap: 12px; }
section.actions h2 { grid-column: 1 / -1; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 12px; background: #fff; }
.card input:not([type=hidden]):not([type=number]), .card select { display: block; width: 100%; }
.card input[type=number] { display: block; width: 8em; } .card button { display: block; }
table.candidates { width: auto; min-width: 360px; }
#note-form textarea { max-width: 960px; } #note-form button { display: block; }
.counter { font-size: 13px; color: #4a5360; margin: 2px 0 0; } .counter.over { color: var(--red); font-weight: bold; }
ol.events, ol.notes { padding-left: 20px; } ol.events li { margin: 2px 0; font-size: 14px; } .when { color: #4a5360; }
ol.triage { list-style: none; padding: 0; display: grid; gap: 12px; }
ol.triage h2 { border: 0; margin: 0 0 4px; font-size: 16px; }
.buttons { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; } .buttons button { margin-top: 4px; } .buttons select { margin-top: 4px; }
ol.triage input[name=reason] { width: 100%; max-width: 640px; }
ol.triage .buttons select { display: inline-block; width: auto; max-width: 320px; } ol.triage .buttons button { display: inline-block; }
form.suggested { margin-top: 8px; padding-top: 8px; border-top: 1px dashed var(--line); }
button .score { font-size: 12px; opacity: .9; }
.login { max-width: 420px; margin: 48px auto; } .login input { width: 100%; }
form.search { display: flex; flex-wrap: wrap; gap: 8px; align-items: flex-end; } form.search label { width: 100%; }
form.search input { min-width: 320px; } form.search button { margin-top: 0; }
@media (max-width: 700px) { .counts { grid-template-columns: repeat(2, 1fr); } main { padding: 12px; } section.actions { grid-template-columns: 1fr; } }
`;

/**
 * Progressive enhancement only: every page works without it. It counts an answer's length,
 * EUC-KR bytes and SMS parts as the server does (src/console/answer-rules.ts), and on the inbox
 * asks every few seconds whether new cases arrived, then redraws the list in place.
 */
export const CONSOLE_JS = `'use strict';
(function () {
  function bytesOf(ch) {
    var c = ch.codePointAt(0);
    if (c === 10 || (c >= 32 && c < 127)) return 1;
    if (c >= 0x1f000 || (c >= 0xfe00 && c <= 0xfe0f) || (c >= 0x200b && c <= 0x200f)) return 0;
    return 2;
  }
  function smsParts(bytes, part) {
    if (bytes === 0) return 0;
    if (bytes <= part) return 1;
    var n = 2;
    for (;;) {
      var prefix = ('(' + n + '/' + n + ') ').length;
      var count = Math.ceil(bytes / (part - prefix));
      if (count <= n) return n;
      n = count;
    }
  }
  function describe(area) {
    var text = area.value;
    var chars = Array.from(text).length;
    var limit = Number(area.getAttribute('data-answer-limit'));
    var channel = area.getAttribute('data-answer-channel');
    if (channel === 'kakao') return { text: chars + '자 / 최대 ' + limit + '자 (카카오톡)', over: chars > limit };
    var bytes = 0;
    Array.from(text.trim()).forEach(function (ch) { bytes += bytesOf(ch); });
    var single = Number(area.getAttribute('data-sms-single'));
    var parts = smsParts(bytes, Number(area.getAttribute('data-sms-part')));
    var kind = parts === 0 ? '보낼 내용 없음' : parts === 1 ? (bytes <= single ? '단문(SMS) 1건' : '장문(LMS) 1건') : '장문(LMS) ' + parts + '건으로 나뉨';
    return { text: chars + '자 / 최대 ' + limit + '자 · ' + bytes + '바이트 · ' + kind, over: chars > limit };
  }
  document.querySelectorAll('textarea[data-answer-channel]').forEach(function (area) {
    if (!area.getAttribute('data-answer-channel')) return;
    var out = document.getElementById(area.id + '-count');
    if (!out) return;
    var update = function () { var d = describe(area); out.textContent = d.text; out.classList.toggle('over', d.over); };
    area.addEventListener('input', update);
    update();
  });

  var live = document.getElementById('new-cases');
  if (!live || !live.getAttribute('data-poll') || !window.fetch) return;
  var latest = Number(live.getAttribute('data-latest-id')) || 0;
  var busy = false;
  function poll() {
    if (busy || document.hidden) return;
    busy = true;
    fetch(live.getAttribute('data-poll'), { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (r) {
        // Signed out or revoked: stop asking (each refusal counts against the office's address).
        if (r.status === 401) {
          clearInterval(timer);
          var link = document.createElement('a');
          link.href = '/console/login';
          link.textContent = '로그인이 끝났습니다. 다시 로그인하세요.';
          live.replaceChildren(link);
          throw new Error('signed out');
        }
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })
      .then(function (now) {
        if (!now.latestId || now.latestId <= latest) return;
        latest = now.latestId;
        return fetch(location.href, { credentials: 'same-origin' }).then(function (r) { return r.text(); }).then(function (html) {
          var doc = new DOMParser().parseFromString(html, 'text/html');
          ['inbox-rows', 'counts'].forEach(function (id) {
            var fresh = doc.getElementById(id), old = document.getElementById(id);
            if (fresh && old) old.replaceWith(document.adoptNode(fresh));
          });
          var caption = doc.querySelector('#inbox caption'), oldCaption = document.querySelector('#inbox caption');
          if (caption && oldCaption) oldCaption.textContent = caption.textContent;
          var note = document.createElement('span');
          note.className = 'fresh';
          note.textContent = '새 민원이 도착해 목록을 새로 고쳤습니다.';
          live.replaceChildren(note);
        });
      })
      .catch(function () { /* the next poll tries again; the page still works by reloading */ })
      .then(function () { busy = false; });
  }
  var timer = setInterval(poll, Number(live.getAttribute('data-poll-ms')) || 5000);
})();
`;
