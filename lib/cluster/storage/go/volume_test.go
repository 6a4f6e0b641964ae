package main

import (
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func claim(modes ...v1.PersistentVolumeAccessMode) *v1.PersistentVolumeClaim {
	return &v1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "data", Namespace: "ns"},
		Spec: v1.PersistentVolumeClaimSpec{
			AccessModes: modes,
			Resources:   v1.VolumeResourceRequirements{Requests: v1.ResourceList{v1.ResourceStorage: resource.MustParse("1Gi")}},
		},
	}
}

func class() *storagev1.StorageClass {
	return &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "standard"}, MountOptions: []string{"noatime"}}
}

func TestPlanVolume(t *testing.T) {
	spec, err := planVolume("/v", "n1", "initc.dev/local", "pvc-1", class(), claim(v1.ReadWriteOnce))
	if err != nil {
		t.Fatal(err)
	}
	pv := spec.PV
	if spec.Dir != "/v/pvc-1" || pv.Spec.Local.Path != "/v/pvc-1" || pv.Name != "pvc-1" {
		t.Fatalf("dir %q path %q name %q", spec.Dir, pv.Spec.Local.Path, pv.Name)
	}
	if pvNode(pv) != "n1" {
		t.Fatalf("node affinity names %q", pvNode(pv))
	}
	if pv.Spec.PersistentVolumeReclaimPolicy != v1.PersistentVolumeReclaimDelete {
		t.Fatalf("reclaim %q", pv.Spec.PersistentVolumeReclaimPolicy)
	}
	if q := pv.Spec.Capacity[v1.ResourceStorage]; q.String() != "1Gi" {
		t.Fatalf("capacity %s", q.String())
	}
	if pv.Spec.StorageClassName != "standard" || pv.Annotations["pv.kubernetes.io/provisioned-by"] != "initc.dev/local" || pv.Spec.MountOptions[0] != "noatime" {
		t.Fatalf("class %q annotations %v mount %v", pv.Spec.StorageClassName, pv.Annotations, pv.Spec.MountOptions)
	}
	if *pv.Spec.VolumeMode != v1.PersistentVolumeFilesystem || len(pv.Spec.AccessModes) != 1 || pv.Spec.AccessModes[0] != v1.ReadWriteOnce {
		t.Fatalf("mode %v access %v", *pv.Spec.VolumeMode, pv.Spec.AccessModes)
	}
	retain := v1.PersistentVolumeReclaimRetain
	c := class()
	c.ReclaimPolicy = &retain
	spec, _ = planVolume("/v", "n1", "p", "pvc-1", c, claim(v1.ReadWriteOncePod))
	if spec.PV.Spec.PersistentVolumeReclaimPolicy != retain {
		t.Fatalf("the class's reclaim policy was not kept: %q", spec.PV.Spec.PersistentVolumeReclaimPolicy)
	}
}

func TestPlanVolumeRefuses(t *testing.T) {
	block := v1.PersistentVolumeBlock
	blockClaim := claim(v1.ReadWriteOnce)
	blockClaim.Spec.VolumeMode = &block
	noSize := claim(v1.ReadWriteOnce)
	noSize.Spec.Resources.Requests = nil
	selector := claim(v1.ReadWriteOnce)
	selector.Spec.Selector = &metav1.LabelSelector{}
	cases := []struct {
		node, pv string
		claim    *v1.PersistentVolumeClaim
		want     string
	}{
		{"", "pvc-1", claim(v1.ReadWriteOnce), "no node"},
		{"n1", "pvc-1", claim(v1.ReadWriteMany), "access mode ReadWriteMany is not supported"},
		{"n1", "pvc-1", claim(v1.ReadWriteOnce, v1.ReadOnlyMany), "access mode ReadOnlyMany"},
		{"n1", "pvc-1", claim(), "no access mode"},
		{"n1", "pvc-1", blockClaim, "Block is not supported"},
		{"n1", "pvc-1", noSize, "no storage size"},
		{"n1", "pvc-1", selector, "selector"},
		{"n1", "../x", claim(v1.ReadWriteOnce), "cannot name a directory"},
		{"n1", "..", claim(v1.ReadWriteOnce), "cannot name a directory"},
		{"n1", "", claim(v1.ReadWriteOnce), "cannot name a directory"},
	}
	for _, c := range cases {
		_, err := planVolume("/v", c.node, "p", c.pv, class(), c.claim)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("node %q pv %q: error %v, want %q", c.node, c.pv, err, c.want)
		}
	}
}

func TestOwnedDir(t *testing.T) {
	spec, _ := planVolume("/v", "n1", "p", "pvc-1", class(), claim(v1.ReadWriteOnce))
	if dir, why := ownedDir("/v", "n1", spec.PV); dir != "/v/pvc-1" || why != "" {
		t.Fatalf("own volume: %q %q", dir, why)
	}
	if dir, why := ownedDir("/v", "n2", spec.PV); dir != "" || why != `on node "n1", not "n2"` {
		t.Fatalf("another node's volume: %q %q", dir, why)
	}
	for _, path := range []string{"/v", "/", "/v/a/b", "/w/pvc-1", "/v/../etc", "/v/pvc-1/"} {
		pv := spec.PV.DeepCopy()
		pv.Spec.Local.Path = path
		if dir, why := ownedDir("/v", "n1", pv); dir != "" || !strings.Contains(why, "is not a volume directory under /v") {
			t.Errorf("path %q: %q %q", path, dir, why)
		}
	}
	hostPath := spec.PV.DeepCopy()
	hostPath.Spec.Local = nil
	if dir, why := ownedDir("/v", "n1", hostPath); dir != "" || why != "not a local volume" {
		t.Fatalf("non-local: %q %q", dir, why)
	}
	noAffinity := spec.PV.DeepCopy()
	noAffinity.Spec.NodeAffinity = nil
	if dir, _ := ownedDir("/v", "n1", noAffinity); dir != "" {
		t.Fatalf("a PV with no node affinity was owned: %q", dir)
	}
}
