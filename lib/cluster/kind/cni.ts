/**
 * initc's stand-in for kindnetd, kind's default CNI, whose image is not on any source this machine
 * reaches (the Go module proxy does not serve sigs.k8s.io/kind/images/kindnetd). Pure: the
 * manifest and its script are text, unit-tested (test/unit/kind-cni.test.ts runs the script
 * against stand-ins of kubectl and ip).
 *
 * A DaemonSet of the fixture image (busybox) on every node runs a script in the node's own mount
 * namespace (hostPID, privileged: `nsenter -t 1 -m`), where the node image has bash, kubectl and
 * iproute2. It watches the nodes with the pod's service account (a node's own credentials may read
 * only its own Node object), whose files it reads through its busybox parent's root
 * (/proc/$PPID/root), so the tokens the kubelet refreshes are the ones used:
 * - its own node's podCIDR (node.spec.podCIDR, which kube-controller-manager allocates under
 *   kubeadm) becomes a ptp + host-local + portmap conflist, rewritten only when it changes;
 * - every other node's podCIDR gets a route via that node's InternalIP (`ip route replace`), as
 *   kindnetd does: the nodes share one Docker network, so that is all a pod needs to reach a pod
 *   of another node.
 * The watch is started again whenever it ends (the API server restarting, say), and a restarted
 * node container gets its routes back from the pod the kubelet starts again there.
 */
import yaml from 'js-yaml';

export const CNI_CONF_DIR = '/etc/cni/net.d';
export const CNI_CONF_FILE = '10-initc-ptp.conflist';
/** The node's kubelet kubeconfig (kubeadm writes it on every node): the API server's address is read from it. */
export const KUBELET_KUBECONFIG = '/etc/kubernetes/kubelet.conf';
/** In the node (a tmpfs): the kubeconfig the script writes for the service account. */
export const CNI_STATE_DIR = '/run/initc-cni';
const SA_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
export const CNI_NAME = 'initc-cni';

/** The conflist of a node whose pods get addresses of `subnet` (a shell expression in the script). */
export function ptpConflist(subnet: string): string {
  return JSON.stringify({
    cniVersion: '1.0.0',
    name: 'initc-ptp',
    plugins: [
      {
        type: 'ptp',
        ipMasq: false,
        mtu: 1500,
        ipam: { type: 'host-local', dataDir: '/run/cni-ipam-state', ranges: [[{ subnet }]], routes: [{ dst: '0.0.0.0/0' }] },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  });
}

/** One line per node: name, podCIDR, InternalIP(s) (kubectl's jsonpath; each object of a watch is printed alone). */
export const NODE_LINE_JSONPATH = '{.metadata.name} {.spec.podCIDR} {.status.addresses[?(@.type=="InternalIP")].address}{"\\n"}';

/** Where the script finds and puts things; the defaults are the node's (tests point them elsewhere). */
export interface CniScriptOptions {
  confDir?: string;
  kubeletKubeconfig?: string;
  /** The pod's service account files, as the node sees them (a shell word, expanded). */
  serviceAccountDir?: string;
  stateDir?: string;
}

/**
 * The bash script each node runs (NODE_NAME in its environment: the downward API's spec.nodeName).
 * Its output says each file it wrote and each route it set, once.
 */
export function cniNodeScript(o: CniScriptOptions = {}): string {
  const confDir = o.confDir ?? CNI_CONF_DIR;
  const stateDir = o.stateDir ?? CNI_STATE_DIR;
  const kubeletKubeconfig = o.kubeletKubeconfig ?? KUBELET_KUBECONFIG;
  return `set -u
: "\${NODE_NAME:?NODE_NAME (spec.nodeName) is missing}"
trap 'exit 0' TERM INT
conf='${confDir}/${CNI_CONF_FILE}'
sa="${o.serviceAccountDir ?? `/proc/$PPID/root${SA_MOUNT}`}"
kc='${stateDir}/kubeconfig'
server=$(sed -n 's/^ *server: *//p' '${kubeletKubeconfig}' | head -n 1)
[ -n "$server" ] || { echo "no API server address in ${kubeletKubeconfig}" >&2; exit 1; }
mkdir -p '${stateDir}'
cat > "$kc" <<END
apiVersion: v1
kind: Config
clusters: [{name: cluster, cluster: {server: "$server", certificate-authority: "$sa/ca.crt"}}]
users: [{name: ${CNI_NAME}, user: {tokenFile: "$sa/token"}}]
contexts: [{name: ${CNI_NAME}, context: {cluster: cluster, user: ${CNI_NAME}}}]
current-context: ${CNI_NAME}
END
own() {
  local want
  want=$(cat <<END
${ptpConflist('$1')}
END
)
  [ "$(cat "$conf" 2>/dev/null)" = "$want" ] && return 0
  mkdir -p '${confDir}'
  printf '%s\\n' "$want" > "$conf.tmp" && mv "$conf.tmp" "$conf" && echo "wrote $conf for $NODE_NAME's pods $1"
}
other() {
  case "$(ip route show exact "$2")" in
    "$2 via $3 "*) return 0 ;;
  esac
  ip route replace "$2" via "$3" && echo "route to $1's pods $2 via $3"
}
while true; do
  kubectl --kubeconfig="$kc" get nodes --watch -o 'jsonpath=${NODE_LINE_JSONPATH}' |
  while read -r name cidr ip _; do
    [ -n "$cidr" ] || continue
    if [ "$name" = "$NODE_NAME" ]; then own "$cidr"
    elif [ -n "$ip" ]; then other "$name" "$cidr" "$ip"
    fi
  done
  sleep 2 & wait $!
done
`;
}

/**
 * The container's command (busybox sh): the shell stays in the container, so the script finds the
 * service account through its root, and runs the script (its $0) in the node's mount namespace.
 */
export const CNI_LAUNCHER = 'trap \'kill $! 2>/dev/null; exit 0\' TERM INT; nsenter -t 1 -m -- bash -c "$0" & wait $!';

/**
 * The manifest the node image carries as /kind/manifests/default-cni.yaml. Its first comment lines
 * are kind's template markers and must stay; kind has nothing to fill in (no template action):
 * each node's pod range comes from the API.
 */
export function defaultCniManifest(fixtureImage: string): string {
  const namespace = 'kube-system';
  const labels = { app: CNI_NAME, 'k8s-app': CNI_NAME };
  const role = `initc:${CNI_NAME}`;
  const docs = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: CNI_NAME, namespace } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: role },
      rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: role },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects: [{ kind: 'ServiceAccount', name: CNI_NAME, namespace }],
    },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: CNI_NAME, namespace, labels },
      spec: {
        selector: { matchLabels: { app: CNI_NAME } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: CNI_NAME,
            hostNetwork: true,
            hostPID: true,
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            tolerations: [{ operator: 'Exists' }],
            priorityClassName: 'system-node-critical',
            terminationGracePeriodSeconds: 1,
            containers: [
              {
                name: 'cni',
                image: fixtureImage,
                imagePullPolicy: 'Never',
                securityContext: { privileged: true },
                env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
                command: ['sh', '-c', CNI_LAUNCHER, cniNodeScript()],
                resources: { requests: { cpu: '10m', memory: '20Mi' } },
              },
            ],
          },
        },
      },
    },
  ];
  return `# initc's stand-in for kindnetd: ptp + host-local + portmap per node, routes between nodes (lib/cluster/kind/cni.ts)
# would you kindly template this file
${docs.map((d) => `---\n${yaml.dump(d, { lineWidth: -1, noRefs: true })}`).join('')}`;
}
