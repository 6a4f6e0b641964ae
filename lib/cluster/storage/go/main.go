// Command provisioner is the default StorageClass's dynamic provisioner of the clusters initc
// makes: for each claim it makes a directory under --base-dir on the node the scheduler picked
// (WaitForFirstConsumer), and a local PV pinned to that node; on the PV's deletion it removes the
// directory. It runs as a host process with its own kubeconfig (embedded cluster) or in a pod
// with its service account (kind), one per node: it serves only the claims placed on --node-name.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	v1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
	"sigs.k8s.io/sig-storage-lib-external-provisioner/v13/controller"
)

type localProvisioner struct {
	name, node, base string
}

const selectedNodeAnnotation = "volume.kubernetes.io/selected-node"

// ShouldProvision: only the claims the scheduler placed on this node.
func (p *localProvisioner) ShouldProvision(_ context.Context, claim *v1.PersistentVolumeClaim) bool {
	return claim.Annotations[selectedNodeAnnotation] == p.node
}

// ShouldDelete: only the volumes this node's provisioner made.
func (p *localProvisioner) ShouldDelete(_ context.Context, pv *v1.PersistentVolume) bool {
	dir, _ := ownedDir(p.base, p.node, pv)
	return dir != ""
}

func (p *localProvisioner) Provision(ctx context.Context, o controller.ProvisionOptions) (*v1.PersistentVolume, controller.ProvisioningState, error) {
	if o.SelectedNodeName != p.node {
		return nil, controller.ProvisioningFinished, &controller.IgnoredError{Reason: fmt.Sprintf("claim placed on %q, not %q", o.SelectedNodeName, p.node)}
	}
	spec, err := planVolume(p.base, p.node, p.name, o.PVName, o.StorageClass, o.PVC)
	if err != nil {
		return nil, controller.ProvisioningFinished, err
	}
	if err := os.MkdirAll(spec.Dir, 0o777); err != nil {
		return nil, controller.ProvisioningFinished, err
	}
	// Any pod user may write to it (the umask took the group and other bits).
	if err := os.Chmod(spec.Dir, 0o777); err != nil {
		return nil, controller.ProvisioningFinished, err
	}
	klog.FromContext(ctx).Info("provisioned", "pv", o.PVName, "dir", spec.Dir, "claim", klog.KObj(o.PVC))
	return spec.PV, controller.ProvisioningFinished, nil
}

func (p *localProvisioner) Delete(ctx context.Context, pv *v1.PersistentVolume) error {
	dir, why := ownedDir(p.base, p.node, pv)
	if dir == "" {
		return &controller.IgnoredError{Reason: why}
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	klog.FromContext(ctx).Info("deleted", "pv", pv.Name, "dir", dir)
	return nil
}

func main() {
	klog.InitFlags(nil)
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig file (none: the pod's service account)")
	name := flag.String("provisioner-name", "initc.dev/local", "the StorageClass provisioner this serves")
	node := flag.String("node-name", os.Getenv("NODE_NAME"), "the node this runs on (the volumes' node affinity)")
	base := flag.String("base-dir", "", "the directory under which each volume gets its own directory")
	healthz := flag.String("healthz-address", "", "host:port serving /healthz once the controller runs (empty: none)")
	flag.Parse()
	if *node == "" || *base == "" {
		fmt.Fprintln(os.Stderr, "provisioner: --node-name (or NODE_NAME) and --base-dir are required")
		os.Exit(2)
	}
	if err := run(*kubeconfig, *name, *node, *base, *healthz); err != nil {
		fmt.Fprintf(os.Stderr, "provisioner: %v\n", err)
		os.Exit(1)
	}
}

func run(kubeconfig, name, node, base, healthz string) error {
	if err := os.MkdirAll(base, 0o711); err != nil {
		return err
	}
	var cfg *rest.Config
	var err error
	if kubeconfig != "" {
		cfg, err = clientcmd.BuildConfigFromFlags("", kubeconfig)
	} else {
		cfg, err = rest.InClusterConfig()
	}
	if err != nil {
		return err
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	p := &localProvisioner{name: name, node: node, base: base}
	pc := controller.NewProvisionController(ctx, client, name, p, controller.LeaderElection(false))
	if healthz != "" {
		ln, err := net.Listen("tcp", healthz)
		if err != nil {
			return err
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
			if !pc.HasRun() {
				http.Error(w, "controller not running yet", http.StatusServiceUnavailable)
				return
			}
			fmt.Fprintln(w, "ok")
		})
		go func() {
			if err := http.Serve(ln, mux); err != nil && !errors.Is(err, net.ErrClosed) {
				klog.ErrorS(err, "healthz server")
			}
		}()
	}
	klog.InfoS("starting", "provisioner", name, "node", node, "baseDir", base)
	pc.Run(ctx)
	return nil
}
