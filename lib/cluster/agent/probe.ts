/** What the agent finds on its node (crictl, systemd and its units, a static-pod API server): the host script and its parse (pure). */
import path from 'node:path';
import { shq } from './host-scripts.js';

/** What the agent found on the node. */
export interface NodeProbe {
  /** The node's crictl, absolute path (undefined: none found). */
  crictl?: string;
  /** The CRI endpoint from the kubelet's configz (undefined: crictl's own configuration decides). */
  runtimeEndpoint?: string;
  /** systemd is PID 1 and systemctl/systemd-run exist. */
  systemd: boolean;
  /** Why not, in words ("does not run systemd (PID 1 is "tini")", "has no systemd-run"). */
  noSystemd?: string;
  pid1: string;
  units: Partial<Record<'kubelet' | 'containerd', string>>;
  staticPodPath?: string;
  apiServerManifest: boolean;
  /** What could not be found out, in words. */
  notes: string[];
}

export const CRICTL_PLACES = ['/usr/local/bin/crictl', '/usr/bin/crictl', '/home/kubernetes/bin/crictl', '/opt/bin/crictl', '/var/lib/rancher/rke2/bin/crictl'];

/** The host shell script of the probe: prints key=value lines (parsed by parseProbe). */
export function probeScript(staticPodPath: string | undefined): string {
  return [
    `c=$(command -v crictl 2>/dev/null); for p in ${CRICTL_PLACES.join(' ')}; do [ -n "$c" ] && break; [ -x "$p" ] && c=$p; done; echo "crictl=$c"`,
    'echo "systemctl=$(command -v systemctl 2>/dev/null)"',
    'echo "systemd-run=$(command -v systemd-run 2>/dev/null)"',
    'if [ -d /run/systemd/system ]; then echo booted=yes; else echo booted=no; fi',
    'echo "pid1=$(cat /proc/1/comm 2>/dev/null)"',
    'if command -v systemctl >/dev/null 2>&1; then for u in kubelet containerd; do echo "unit-$u=$(systemctl is-active $u 2>/dev/null)"; done; fi',
    staticPodPath ? `if [ -f ${shq(path.posix.join(staticPodPath, 'kube-apiserver.yaml'))} ]; then echo apiserver-manifest=yes; else echo apiserver-manifest=no; fi` : 'echo apiserver-manifest=no',
  ].join('\n');
}

/** The probe's result from its output and the kubelet's configz (pure). */
export function parseProbe(out: string, configz: { containerRuntimeEndpoint?: string; staticPodPath?: string } | undefined, configzError?: string): NodeProbe {
  const kv = new Map(out.split('\n').map((l) => l.trim()).filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const));
  const notes: string[] = [];
  if (configzError) notes.push(`the kubelet's configz could not be read (${configzError}): crictl uses the node's own configuration (/etc/crictl.yaml)`);
  let runtimeEndpoint = configz?.containerRuntimeEndpoint?.trim() || undefined;
  // Before 1.27 the endpoint was a flag, absent from configz; a bare path means a unix socket.
  if (runtimeEndpoint && !/^[a-z]+:\/\//.test(runtimeEndpoint)) runtimeEndpoint = `unix://${runtimeEndpoint}`;
  if (configz && !runtimeEndpoint) notes.push("the kubelet's configz names no containerRuntimeEndpoint: crictl uses the node's own configuration (/etc/crictl.yaml)");
  const pid1 = kv.get('pid1') ?? '';
  const noSystemd =
    kv.get('booted') !== 'yes' ? `does not run systemd (PID 1 is "${pid1 || 'unknown'}")` : !kv.get('systemctl') ? 'has no systemctl (systemd is PID 1)' : !kv.get('systemd-run') ? 'has no systemd-run (systemd is PID 1)' : undefined;
  const units: NodeProbe['units'] = {};
  for (const u of ['kubelet', 'containerd'] as const) if (kv.has(`unit-${u}`)) units[u] = kv.get(`unit-${u}`) || 'unknown';
  return {
    crictl: kv.get('crictl') || undefined,
    runtimeEndpoint,
    systemd: !noSystemd,
    ...(noSystemd ? { noSystemd } : {}),
    pid1,
    units,
    staticPodPath: configz?.staticPodPath || undefined,
    apiServerManifest: kv.get('apiserver-manifest') === 'yes',
    notes,
  };
}

/** One line for the run's output: what node access the agent has. */
export function describeProbe(p: NodeProbe): string {
  return [
    p.crictl ? `crictl ${p.crictl}${p.runtimeEndpoint ? ` → ${p.runtimeEndpoint}` : ''}` : 'no crictl',
    p.systemd ? `systemd (kubelet ${p.units.kubelet ?? '?'}, containerd ${p.units.containerd ?? '?'})` : `no systemd: ${p.noSystemd}`,
    p.apiServerManifest ? `API server a static pod (${p.staticPodPath})` : 'API server not a static pod here',
    ...p.notes,
  ].join('; ');
}
