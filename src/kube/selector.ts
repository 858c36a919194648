import type { LabelSelector } from '../api/generated.js';

/** Why a label selector is invalid, or undefined when it is valid. */
export function selectorProblem(s: LabelSelector): string | undefined {
  for (const e of s.matchExpressions ?? []) {
    const n = e.values?.length ?? 0;
    if ((e.operator === 'In' || e.operator === 'NotIn') && n === 0) return `operator ${e.operator} of key "${e.key}" needs at least one value`;
    if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && n > 0) return `operator ${e.operator} of key "${e.key}" takes no values`;
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(e.operator)) return `unknown operator "${String(e.operator)}" of key "${e.key}"`;
  }
  return undefined;
}

/** Whether `labels` satisfy the selector (an empty selector selects everything), as the API server decides. */
export function selectorMatches(s: LabelSelector, labels: Readonly<Record<string, string>> = {}): boolean {
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) if (labels[k] !== v) return false;
  return (s.matchExpressions ?? []).every((e) => {
    const has = Object.hasOwn(labels, e.key);
    switch (e.operator) {
      case 'In':
        return has && (e.values ?? []).includes(labels[e.key] ?? '');
      case 'NotIn':
        return !has || !(e.values ?? []).includes(labels[e.key] ?? '');
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        return false;
    }
  });
}
