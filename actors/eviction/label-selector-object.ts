// Whether a metav1.LabelSelector (matchLabels, matchExpressions) selects a set of labels.
// policy/v1: an empty selector selects every pod; none selects none.

interface Requirement {
  key: string;
  operator: string;
  values?: string[];
}

export function labelSelectorMatches(selector: unknown, labels: Readonly<Record<string, string>> | undefined): boolean {
  if (!selector || typeof selector !== 'object') return false;
  const s = selector as { matchLabels?: Record<string, string>; matchExpressions?: Requirement[] };
  const have = labels ?? {};
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) if (have[k] !== v) return false;
  for (const r of s.matchExpressions ?? []) {
    const present = Object.hasOwn(have, r.key);
    const value = have[r.key];
    switch (r.operator) {
      case 'In': if (!present || !(r.values ?? []).includes(value!)) return false; break;
      case 'NotIn': if (present && (r.values ?? []).includes(value!)) return false; break;
      case 'Exists': if (!present) return false; break;
      case 'DoesNotExist': if (present) return false; break;
      default: return false;
    }
  }
  return true;
}
