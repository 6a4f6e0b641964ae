/**
 * The image every fixture container runs. The embedded cluster makes it locally from Debian's
 * busybox-static and imports it into its containerd (lib/cluster/local/images.ts), so nothing is
 * pulled; other clusters need it loaded under the same name.
 */
export const FIXTURE_IMAGE = 'localhost/initc/fixture:v1';
