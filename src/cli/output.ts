import yaml from 'js-yaml';

export const outputFormats = ['table', 'wide', 'json', 'yaml'] as const;
export type OutputFormat = (typeof outputFormats)[number];

export interface Column<R> {
  header: string;
  get: (row: R) => string | number | boolean | undefined;
  /** Shown only with -o wide. */
  wide?: boolean;
}

export interface TableView<R> {
  columns: Column<R>[];
  rows: R[];
}

/** kubectl-style table: uppercase headers, columns separated by three spaces, no trailing blanks. */
export function formatTable<R>(view: TableView<R>, wide = false): string {
  const columns = view.columns.filter((c) => wide || c.wide !== true);
  const cells = view.rows.map((row) => columns.map((c) => stringify(c.get(row))));
  const headers = columns.map((c) => c.header.toUpperCase());
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (values: string[]): string =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n') + '\n';
}

function stringify(v: string | number | boolean | undefined): string {
  if (v === undefined || v === '') return '<none>';
  return String(v);
}

export function formatData(data: unknown, format: 'json' | 'yaml'): string {
  if (format === 'json') return JSON.stringify(data, null, 2) + '\n';
  return yaml.dump(data, { noRefs: true, lineWidth: -1 });
}

/** Several Kubernetes objects as one document, as kubectl prints them. */
export function asList(items: unknown[]): { apiVersion: 'v1'; kind: 'List'; items: unknown[] } {
  return { apiVersion: 'v1', kind: 'List', items };
}
