/** The web dashboard's HTML pages and stylesheet (the script is in page-script.ts). */

/** Escapes text for HTML (the pages themselves carry only the cluster name; the script builds the rest as DOM text). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const head = (cluster: string, title: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · ${escapeHtml(cluster)} · hypernode</title>
<link rel="stylesheet" href="/app.css">
</head>`;

/** The page asking for the cluster secret; `problem` says why the last try failed. */
export function loginPage(cluster: string, problem: string | null): string {
  return `${head(cluster, 'Sign in')}
<body class="login">
<form method="post" action="/login" id="login">
<h1>hypernode · ${escapeHtml(cluster)}</h1>
<p>This cluster has a secret. Give its read-role secret, a higher role's, or the cluster secret itself (see docs/operations.md, "Web dashboard").</p>
${problem ? `<p class="problem" id="login-problem">${escapeHtml(problem)}</p>` : ''}
<label>Secret <input type="password" name="secret" autocomplete="current-password" autofocus required></label>
<button type="submit">Open the dashboard</button>
</form>
</body>
</html>
`;
}

/** The dashboard itself: empty sections the script fills from the websocket's snapshots. */
export function mainPage(cluster: string, withLogout: boolean): string {
  return `${head(cluster, 'Dashboard')}
<body>
<header>
<h1>hypernode · <span id="cluster">${escapeHtml(cluster)}</span></h1>
<span id="summary"></span>
<span id="live" class="live off">connecting</span>
${withLogout ? '<form method="post" action="/logout"><button type="submit">Sign out</button></form>' : ''}
</header>
<main>
<section id="workers-section" class="wide"><h2>Workers</h2><div id="workers"></div></section>
<section id="nodes-section" class="wide"><h2>Nodes</h2><div id="nodes"></div></section>
<section id="tree-section" class="wide">
<h2>Processes <input id="search" type="search" placeholder="filter: name, module, worker, registered name" aria-label="filter processes">
<button id="expand" type="button">expand all</button><button id="collapse" type="button">collapse all</button></h2>
<div id="tree"></div>
</section>
<section id="detail-section"><h2>Process</h2><div id="detail"><p class="muted">Click a process to see its state size, links, monitors and names.</p></div></section>
<section id="modules-section"><h2>Modules</h2><div id="modules"></div></section>
<section id="exits-section" class="wide"><h2>Recent exits</h2><div id="exits"></div></section>
<section id="dead-section" class="wide"><h2>Recent dead letters</h2><div id="dead"></div></section>
</main>
<script src="/app.js"></script>
</body>
</html>
`;
}

/** The stylesheet: small, readable, light and dark. */
export const APP_CSS = `
:root { --bg: #fff; --fg: #1d2330; --muted: #6b7280; --line: #e5e7eb; --accent: #2563eb; --bad: #b91c1c; --warn: #b45309; --ok: #15803d; --pane: #f8fafc; }
@media (prefers-color-scheme: dark) { :root { --bg: #111418; --fg: #e5e7eb; --muted: #9ca3af; --line: #2a2f37; --accent: #60a5fa; --bad: #f87171; --warn: #fbbf24; --ok: #4ade80; --pane: #181c22; } }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--fg); }
header { display: flex; align-items: center; gap: 16px; padding: 8px 16px; border-bottom: 1px solid var(--line); background: var(--pane); }
header h1 { font-size: 16px; margin: 0; }
header form { margin-left: auto; }
#summary { color: var(--muted); }
.live { padding: 1px 8px; border-radius: 10px; font-size: 12px; background: var(--ok); color: #fff; }
.live.off { background: var(--warn); }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 12px; padding: 12px 16px; }
section { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; background: var(--bg); min-width: 0; overflow-x: auto; }
section.wide { grid-column: 1 / -1; }
h2 { font-size: 13px; margin: 0 0 6px; display: flex; gap: 8px; align-items: center; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
h2 input { flex: 1; max-width: 360px; font: inherit; padding: 2px 6px; text-transform: none; letter-spacing: 0; }
button { font: inherit; font-size: 12px; cursor: pointer; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 2px 8px 2px 0; border-bottom: 1px solid var(--line); white-space: nowrap; vertical-align: middle; }
th { font-weight: 600; color: var(--muted); font-size: 12px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.reason { white-space: normal; max-width: 640px; word-break: break-word; }
.muted { color: var(--muted); }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
.tag { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 11px; border: 1px solid var(--line); }
.tag.bad, tr[data-kind="crash"] .kind { color: var(--bad); border-color: var(--bad); }
.tag.warn, tr[data-kind="killed"] .kind { color: var(--warn); border-color: var(--warn); }
tr.proc { cursor: pointer; }
tr.proc:hover { background: var(--pane); }
tr.proc.selected { background: var(--pane); outline: 1px solid var(--accent); }
tr.proc.match td.pname { font-weight: 600; }
.toggle { display: inline-block; width: 14px; color: var(--muted); border: 0; background: none; padding: 0; }
svg.spark { vertical-align: middle; }
svg.spark polyline { fill: none; stroke: var(--accent); stroke-width: 1.5; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; word-break: break-all; }
body.login { display: grid; place-items: center; min-height: 100vh; }
#login { width: 420px; padding: 20px; border: 1px solid var(--line); border-radius: 8px; background: var(--pane); }
#login label { display: flex; flex-direction: column; gap: 4px; margin: 12px 0; }
#login input { font: inherit; padding: 6px; }
.problem { color: var(--bad); }
`;
