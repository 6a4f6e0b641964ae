/** The faults `initc check` can inject, and --faults parsed into them. */
export const FAULTS = ['lose-sandbox', 'kill-init', 'node-reboot', 'service-outage', 'replace-pod', 'rollout', 'scale-out', 'drain'] as const;
export type FaultName = (typeof FAULTS)[number];

/** Parses --faults: names from FAULTS, comma-separated; `all` (or no --faults, or only commas) for every one, `none` for none. */
export function parseFaults(values: string[] | undefined): FaultName[] {
  const names = (values ?? []).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  if (names.includes('none')) return [];
  if (!names.length || names.includes('all')) return [...FAULTS];
  const unknown = names.filter((n) => !(FAULTS as readonly string[]).includes(n));
  if (unknown.length) throw new Error(`unknown fault ${unknown.join(', ')}; faults: all, none, ${FAULTS.join(', ')}`);
  return [...new Set(names)] as FaultName[];
}
