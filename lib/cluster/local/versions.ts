import { InitcError } from '../../errors.js';

/**
 * The Kubernetes releases the embedded cluster builds, each pinned to one patch that the Go module
 * proxy serves, so every machine builds the same thing. Bump a pin here and the build cache key
 * changes with it.
 */
export const PINNED_PATCHES = {
  '1.33': '1.33.13',
  '1.34': '1.34.12',
  '1.35': '1.35.8',
  '1.36': '1.36.5',
} as const;

export type Minor = keyof typeof PINNED_PATCHES;
export const DEFAULT_MINOR: Minor = '1.34';

export interface KubeVersion {
  /** e.g. "v1.34.12", what the server reports as gitVersion. */
  readonly gitVersion: string;
  /** e.g. "1.34.12" */
  readonly semver: string;
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

export function parseKubeVersion(semver: string): KubeVersion {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(semver);
  if (!m) throw new Error(`not a Kubernetes release version: ${semver}`);
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return { gitVersion: `v${semver}`, semver, major, minor, patch };
}

/**
 * Resolve what a user typed: "1.34" → the pinned patch, "v1.34.12" or "1.34.12" → that patch if it
 * is the pinned one. Any other patch is refused: it would build, but unpinned patches are not
 * what the project tests, and a typo must not start a 20-minute build.
 */
export function resolveKubeVersion(input: string | undefined): KubeVersion {
  const wanted = (input ?? DEFAULT_MINOR).trim().replace(/^v/, '');
  const supported = Object.entries(PINNED_PATCHES)
    .map(([minor, patch]) => `${minor} (${patch})`)
    .join(', ');
  const m = /^(\d+\.\d+)(?:\.(\d+))?$/.exec(wanted);
  if (!m) {
    throw new InitcError('unknownVersion', `unknown Kubernetes version "${input}": give a minor such as 1.34; supported: ${supported}`);
  }
  const pinned = (PINNED_PATCHES as Record<string, string>)[m[1]!];
  if (!pinned) {
    throw new InitcError('unknownVersion', `unsupported Kubernetes version "${input}"; supported: ${supported}`);
  }
  if (m[2] !== undefined && `${m[1]}.${m[2]}` !== pinned) {
    throw new InitcError('unknownVersion', `Kubernetes ${wanted} is not the pinned patch of ${m[1]}; use ${m[1]} or ${pinned}`);
  }
  return parseKubeVersion(pinned);
}

/** Kubelet 1.35+ refuses cgroup v1 unless `failCgroupV1: false`; the field exists since 1.31. */
export const kubeletNeedsFailCgroupV1Off = (v: KubeVersion) => v.major === 1 && v.minor >= 31;

/** The kubelet constructor took a context from 1.34 on. */
export const kubeletCommandTakesContext = (v: KubeVersion) => v.major === 1 && v.minor >= 34;

/**
 * crictl (sigs.k8s.io/cri-tools) for the chaos injectors. The Go module proxy serves only v1.34.0
 * and v1.37.0: each release speaks CRI v1, so 1.33–1.34 get v1.34.0 and 1.35–1.36 the nearest
 * later release, v1.37.0.
 */
export const crictlVersionFor = (v: KubeVersion) => (v.major === 1 && v.minor <= 34 ? 'v1.34.0' : 'v1.37.0');

/**
 * crictl builds inside kube's module (on every module held to the release's version, sharing its
 * compiled packages) only when its release is kube's own minor: measured, v1.34.0 on 1.33's CRI
 * API lacks Image.GetSize, and v1.37.0 on 1.36's cri-client lacks NewRemoteImageServiceBuilder.
 */
export const crictlBuildsWithKube = (v: KubeVersion) => crictlVersionFor(v) === `v${v.major}.${v.minor}.0`;
