package main

import (
	"fmt"
	"path/filepath"
	"strings"

	v1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// hostnameLabel is the label the PV's node affinity names: the kubelet sets it to the node's name.
const hostnameLabel = "kubernetes.io/hostname"

// volumeSpec is what one provisioned volume is: its directory on the node and its PV object.
type volumeSpec struct {
	Dir string
	PV  *v1.PersistentVolume
}

// volumeDir is the directory of PV pvName: one level under base, nothing else.
func volumeDir(base, pvName string) (string, error) {
	if pvName == "" || pvName == "." || pvName == ".." || strings.ContainsAny(pvName, "/\x00") {
		return "", fmt.Errorf("PV name %q cannot name a directory", pvName)
	}
	return filepath.Join(base, pvName), nil
}

// nodeLocalModes are the access modes a directory on one node can honour.
var nodeLocalModes = map[v1.PersistentVolumeAccessMode]bool{v1.ReadWriteOnce: true, v1.ReadWriteOncePod: true}

// planVolume builds the local PV for a claim on node: reclaim policy and mount options from the
// class, capacity and access modes from the claim, and a required node affinity to the node.
func planVolume(base, node, provisioner, pvName string, class *storagev1.StorageClass, claim *v1.PersistentVolumeClaim) (*volumeSpec, error) {
	if node == "" {
		return nil, fmt.Errorf("no node to place the volume on")
	}
	if claim.Spec.VolumeMode != nil && *claim.Spec.VolumeMode == v1.PersistentVolumeBlock {
		return nil, fmt.Errorf("volumeMode Block is not supported: volumes are directories")
	}
	if len(claim.Spec.AccessModes) == 0 {
		return nil, fmt.Errorf("the claim asks for no access mode")
	}
	for _, m := range claim.Spec.AccessModes {
		if !nodeLocalModes[m] {
			return nil, fmt.Errorf("access mode %s is not supported: a volume is a directory on one node (ReadWriteOnce, ReadWriteOncePod)", m)
		}
	}
	size, ok := claim.Spec.Resources.Requests[v1.ResourceStorage]
	if !ok {
		return nil, fmt.Errorf("the claim requests no storage size")
	}
	if claim.Spec.Selector != nil {
		return nil, fmt.Errorf("claims with a selector are not supported")
	}
	dir, err := volumeDir(base, pvName)
	if err != nil {
		return nil, err
	}
	reclaim := v1.PersistentVolumeReclaimDelete
	if class.ReclaimPolicy != nil {
		reclaim = *class.ReclaimPolicy
	}
	fs := v1.PersistentVolumeFilesystem
	pv := &v1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{
			Name:        pvName,
			Annotations: map[string]string{"pv.kubernetes.io/provisioned-by": provisioner},
		},
		Spec: v1.PersistentVolumeSpec{
			PersistentVolumeReclaimPolicy: reclaim,
			AccessModes:                   claim.Spec.AccessModes,
			VolumeMode:                    &fs,
			Capacity:                      v1.ResourceList{v1.ResourceStorage: size.DeepCopy()},
			MountOptions:                  class.MountOptions,
			StorageClassName:              class.Name,
			PersistentVolumeSource: v1.PersistentVolumeSource{
				Local: &v1.LocalVolumeSource{Path: dir},
			},
			NodeAffinity: &v1.VolumeNodeAffinity{Required: &v1.NodeSelector{NodeSelectorTerms: []v1.NodeSelectorTerm{{
				MatchExpressions: []v1.NodeSelectorRequirement{{Key: hostnameLabel, Operator: v1.NodeSelectorOpIn, Values: []string{node}}},
			}}}},
		},
	}
	return &volumeSpec{Dir: dir, PV: pv}, nil
}

// pvNode is the one node a PV's required affinity names by hostname, or "".
func pvNode(pv *v1.PersistentVolume) string {
	if pv.Spec.NodeAffinity == nil || pv.Spec.NodeAffinity.Required == nil {
		return ""
	}
	for _, t := range pv.Spec.NodeAffinity.Required.NodeSelectorTerms {
		for _, e := range t.MatchExpressions {
			if e.Key == hostnameLabel && e.Operator == v1.NodeSelectorOpIn && len(e.Values) == 1 {
				return e.Values[0]
			}
		}
	}
	return ""
}

// ownedDir is the directory to remove for pv, when this provisioner on node made it: a local PV
// on this node whose path is one level under base. Otherwise why not (another node's, or a path
// it never made), so that nothing outside base is ever removed.
func ownedDir(base, node string, pv *v1.PersistentVolume) (string, string) {
	if pv.Spec.Local == nil {
		return "", "not a local volume"
	}
	if n := pvNode(pv); n != node {
		return "", fmt.Sprintf("on node %q, not %q", n, node)
	}
	dir := filepath.Clean(pv.Spec.Local.Path)
	want, err := volumeDir(base, filepath.Base(dir))
	if err != nil || want != dir || dir != pv.Spec.Local.Path {
		return "", fmt.Sprintf("path %q is not a volume directory under %s", pv.Spec.Local.Path, base)
	}
	return dir, ""
}
