/**
 * The image every fixture container runs, and what initc needs of it. The embedded cluster (and a
 * kind node image built here) carries `localhost/initc/fixture:v1`, made locally from Debian's
 * busybox-static; any other cluster pulls a pinned busybox, or runs the image `--fixture-image`
 * names. Suites learn the run's choice from the environment (INITC_FIXTURE_IMAGE).
 */
export const LOCAL_FIXTURE_IMAGE = 'localhost/initc/fixture:v1';
/** What upstream's own e2e tests run (test/utils/image/manifest.go, BusyBox 1.37.0-1): busybox with every applet below. */
export const PUBLIC_FIXTURE_IMAGE = 'registry.k8s.io/e2e-test-images/busybox:1.37.0-1';
export const FIXTURE_IMAGE_ENV = 'INITC_FIXTURE_IMAGE';

/** Commands the fixture scripts run (fixtures/pod.ts, lib/pod/ledger.ts); a busybox with these applets will do. */
export const FIXTURE_COMMANDS = ['sh', 'sleep', 'date', 'cut', 'cat', 'echo', 'printf', 'mv', 'mkdir', 'touch', 'timeout', 'wget', 'nslookup', 'httpd', 'ip', 'awk', 'grep'] as const;

/** The image fixture containers of this process use. */
export const fixtureImage = (): string => process.env[FIXTURE_IMAGE_ENV] || LOCAL_FIXTURE_IMAGE;

const MARK = 'initc-fixture-check';

/**
 * A shell script that prints one line naming every command of FIXTURE_COMMANDS the image lacks
 * (and whether `sleep` takes fractions of a second, which the fixtures rely on).
 */
export function fixtureCheckScript(): string {
  return [
    'missing=""',
    `for c in ${FIXTURE_COMMANDS.join(' ')}; do command -v "$c" >/dev/null 2>&1 || missing="$missing $c"; done`,
    'sleep 0.1 2>/dev/null || missing="$missing sleep-fractions"',
    `echo "${MARK} missing:$missing"`,
  ].join('\n');
}

/** The missing commands the check script's output names; undefined when its line is absent (the script did not run to the end). */
export function parseFixtureCheck(log: string): string[] | undefined {
  const line = log.split('\n').find((l) => l.startsWith(`${MARK} missing:`));
  if (line === undefined) return undefined;
  return line.slice(`${MARK} missing:`.length).split(' ').filter(Boolean);
}
