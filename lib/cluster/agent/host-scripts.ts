/**
 * The detached host scripts of the node-wide faults (kubelet or containerd restart, API server
 * restart, reboot), each one command that stops, waits and starts by itself, and what their logs
 * say went wrong (pure).
 */
import path from 'node:path';

/** Single-quoted for a POSIX shell. */
export const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

const seconds = (ms: number) => String(Math.max(0, Math.round(ms) / 1000));

interface ScriptTools {
  /** The crictl command line, quoted for the shell (path and endpoint). */
  crictl: string;
  log: string;
}

/** A POSIX shell runs its EXIT trap on `exit`, not when a signal ends it (systemd stops a unit with TERM): exit on one. */
const ON_SIGNAL_EXIT = "trap 'exit 143' TERM INT HUP";

/** The detached host script of a kubelet or containerd restart (pure): stop, wait, start; a trap starts it again whatever happens. */
export function restartUnitScript(unit: 'kubelet' | 'containerd', downMs: number, t: Pick<ScriptTools, 'log'>): string {
  return [
    `exec >${shq(t.log)} 2>&1`,
    `trap 'systemctl start ${unit}' EXIT`,
    ON_SIGNAL_EXIT,
    // Lets the exec that launched this return before the exec path goes down.
    'sleep 0.5',
    `systemctl stop ${unit}; echo "stop rc=$?"`,
    `sleep ${seconds(downMs)}`,
    `systemctl start ${unit}; echo "start rc=$?"`,
    'echo done',
  ].join('\n');
}

/**
 * The detached host script of an API server restart (pure): its static-pod manifest moved out of
 * the kubelet's folder (the kubelet stops the pod), its container stopped at once (sparing the
 * 30 s grace period), down for `downMs`, the manifest moved back; a trap moves it back whatever happens.
 */
export function restartApiServerScript(downMs: number, manifest: string, t: ScriptTools): string {
  const parked = path.posix.join(path.posix.dirname(path.posix.dirname(manifest)), 'kube-apiserver.yaml.stopped-by-initc');
  const running = `${t.crictl} ps --name '^kube-apiserver$' --state Running -q`;
  return [
    `exec >${shq(t.log)} 2>&1`,
    `M=${shq(manifest)}; P=${shq(parked)}`,
    `trap '[ -f "$P" ] && mv -f "$P" "$M"' EXIT`,
    ON_SIGNAL_EXIT,
    'sleep 0.5',
    'mv "$M" "$P"; echo "park rc=$?"',
    `for id in $(${t.crictl} ps --name '^kube-apiserver$' -q); do ${t.crictl} stop --timeout 1 "$id" >/dev/null; done`,
    `i=0; while [ -n "$(${running})" ]; do i=$((i+1)); [ $i -gt 240 ] && break; sleep 0.25; done`,
    'if [ $i -gt 240 ]; then echo "stop rc=1 (still running after 60s)"; else echo "stop rc=0"; fi',
    `sleep ${seconds(downMs)}`,
    'mv "$P" "$M"; echo "start rc=$?"',
    'echo done',
  ].join('\n');
}

/**
 * The detached host script of a node reboot (pure): kubelet stopped, every sandbox stopped and
 * removed (the agent's own too: the kubelet makes it again), containerd restarted, the kubelet
 * started once containerd serves; a trap starts both whatever happens.
 */
export function rebootScript(t: ScriptTools): string {
  return [
    `exec >${shq(t.log)} 2>&1`,
    "trap 'systemctl start containerd; systemctl start kubelet' EXIT",
    ON_SIGNAL_EXIT,
    'sleep 0.5',
    'systemctl stop kubelet; echo "stop kubelet rc=$?"',
    `f=0; for id in $(${t.crictl} pods -q); do ${t.crictl} stopp "$id" >/dev/null || f=$((f+1)); done; echo "stopp failed=$f"`,
    `f=0; for id in $(${t.crictl} pods -q); do ${t.crictl} rmp --force "$id" >/dev/null || f=$((f+1)); done; echo "rmp failed=$f"`,
    `set -- $(${t.crictl} pods -q); echo "sandboxes left=$#"`,
    'systemctl stop containerd; echo "stop containerd rc=$?"',
    'systemctl start containerd; echo "start containerd rc=$?"',
    `i=0; until ${t.crictl} version >/dev/null 2>&1; do i=$((i+1)); [ $i -gt 240 ] && break; sleep 0.25; done`,
    'systemctl start kubelet; echo "start kubelet rc=$?"',
    'echo done',
  ].join('\n');
}

/** What a finished detached command's log says went wrong (pure): every `rc=N`, `failed=N`, `left=N` that is not 0. Empty: all went well. */
export function logProblems(log: string): string[] {
  return log
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /\b(rc|failed|left)=(\d+)/.test(l) && !/\b(rc|failed|left)=0\b/.test(l));
}
