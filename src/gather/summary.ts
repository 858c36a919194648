import type { ConnectionRow } from '../show/data/connections.js';
import type { GatewayRow } from '../show/data/gateways.js';

/** The fleet at a glance, as summary.html shows it. */
export interface SummaryModel {
  title: string;
  generatedAt: string;
  redacted: boolean;
  clusters: ClusterSummary[];
  /** Failures of `diagnose all`, across the fleet. */
  failingChecks: { check: string; context: string; message: string; fix: string }[];
  checksPassed: number;
}

export interface ClusterSummary {
  context: string;
  /** Undefined when the cluster could not be reached. */
  error?: string | undefined;
  clusterId?: string | undefined;
  kubernetesVersion?: string | undefined;
  networkPlugin?: string | undefined;
  cableDriver?: string | undefined;
  globalCidr?: string | undefined;
  gateways: GatewayRow[];
  connections: ConnectionRow[];
  exports: { namespace: string; name: string; status: string }[];
  /** Files of the cluster's directory, relative to the bundle. */
  files: string[];
}

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (s: string | number | undefined): string => String(s ?? '').replace(/[&<>"']/g, (c) => escapes[c] ?? c);

const css = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2430;background:#f5f7fa}
header{background:#0b3d5c;color:#fff;padding:16px 24px}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;opacity:.8}
main{padding:16px 24px;max-width:1200px}section{background:#fff;border:1px solid #d8dee6;border-radius:6px;margin:0 0 16px;padding:12px 16px}
h2{font-size:16px;margin:0 0 8px}h3{font-size:14px;margin:12px 0 4px}table{border-collapse:collapse;width:100%;margin:4px 0 8px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e6eaef;vertical-align:top}th{font-size:12px;text-transform:uppercase;color:#5b6675}
.ok{color:#17803d;font-weight:600}.bad{color:#b42318;font-weight:600}.warn{color:#a15c07;font-weight:600}
.fix{color:#5b6675}.tiles{display:flex;gap:12px;flex-wrap:wrap}.tile{flex:1;min-width:150px;background:#fff;border:1px solid #d8dee6;border-radius:6px;padding:10px 14px}
.tile b{display:block;font-size:22px}details summary{cursor:pointer}ul.files{columns:2;font-family:ui-monospace,monospace;font-size:12px}
`;

const statusClass = (s: string): string => (s === 'connected' || s === 'active' || s === 'Ready' ? 'ok' : s === 'connecting' || s === 'passive' ? 'warn' : 'bad');

function table(headers: string[], rows: string[][], empty: string): string {
  if (rows.length === 0) return `<p class="fix">${esc(empty)}</p>`;
  return `<table><thead><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.join('')}</tr>`).join('')}</tbody></table>`;
}
const td = (s: string | undefined, cls?: string): string => `<td${cls ? ` class="${cls}"` : ''}>${esc(s || '—')}</td>`;

function cluster(c: ClusterSummary): string {
  if (c.error !== undefined) {
    return `<section id="cluster-${esc(c.context)}" data-cluster="${esc(c.context)}"><h2>${esc(c.context)} <span class="bad">unreachable</span></h2><p class="bad">${esc(c.error)}</p></section>`;
  }
  const facts = [
    ['cluster ID', c.clusterId],
    ['Kubernetes', c.kubernetesVersion],
    ['network plugin', c.networkPlugin],
    ['cable driver', c.cableDriver],
    ['Globalnet CIDR', c.globalCidr || 'off'],
  ];
  return [
    `<section id="cluster-${esc(c.context)}" data-cluster="${esc(c.context)}"><h2>${esc(c.context)}</h2>`,
    table(facts.map(([k]) => k ?? ''), [facts.map(([, v]) => td(v))], ''),
    '<h3>Gateways</h3>',
    table(['node', 'HA status', 'summary'], c.gateways.map((g) => [td(g.node), td(g.haStatus, statusClass(g.haStatus)), td(g.summary)]), 'No gateway.'),
    '<h3>Connections</h3>',
    table(
      ['gateway', 'to cluster', 'remote IP', 'NAT', 'cable driver', 'status', 'RTT avg.'],
      c.connections.map((r) => [td(r.gateway), td(r.cluster), td(r.remoteIp), td(r.nat), td(r.cableDriver), td(r.status, statusClass(r.status)), td(r.rtt)]),
      'No connection.',
    ),
    '<h3>Exported services</h3>',
    table(['namespace', 'name', 'status'], c.exports.map((e) => [td(e.namespace), td(e.name), td(e.status, statusClass(e.status))]), 'No exported service.'),
    `<details><summary>${c.files.length} files</summary><ul class="files">${c.files.map((f) => `<li><a href="${esc(f)}">${esc(f)}</a></li>`).join('')}</ul></details>`,
    '</section>',
  ].join('\n');
}

/** The self-contained page: inline CSS, no script, no external resource. */
export function renderSummaryHtml(m: SummaryModel): string {
  const reachable = m.clusters.filter((c) => c.error === undefined);
  const conns = reachable.flatMap((c) => c.connections);
  const up = conns.filter((c) => c.status === 'connected').length;
  const tiles = [
    ['clusters', `${reachable.length}/${m.clusters.length}`, reachable.length === m.clusters.length ? 'ok' : 'bad'],
    ['connections up', `${up}/${conns.length}`, up === conns.length ? 'ok' : 'bad'],
    ['failing checks', String(m.failingChecks.length), m.failingChecks.length === 0 ? 'ok' : 'bad'],
    ['exported services', String(reachable.reduce((n, c) => n + c.exports.length, 0)), ''],
  ];
  const checks =
    m.failingChecks.length === 0
      ? `<p class="ok">All ${m.checksPassed} checks of diagnose passed.</p>`
      : table(
          ['check', 'cluster', 'failure', 'fix'],
          m.failingChecks.map((f) => [td(f.check), td(f.context), td(`✗ ${f.message}`, 'bad'), td(f.fix, 'fix')]),
          '',
        );
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(m.title)}</title>
<style>${css}</style>
</head>
<body>
<header><h1>${esc(m.title)}</h1><p>Gathered ${esc(m.generatedAt)}${m.redacted ? ' · secrets redacted' : ' · includes sensitive data'}</p></header>
<main>
<div class="tiles">${tiles.map(([k, v, cls]) => `<div class="tile"><b class="${cls ?? ''}">${esc(v)}</b>${esc(k)}</div>`).join('')}</div>
<section id="checks"><h2>Failing checks</h2>
${checks}
</section>
${m.clusters.map(cluster).join('\n')}
</main>
</body>
</html>
`;
}
