// Package helm holds only the tests of the Helm chart in deploy/helm/strata:
// linted and rendered through the Helm Go module (helm.sh/helm/v4, pinned
// in go.mod), every manifest strictly decoded into the k8s.io/api types,
// and the KEDA trigger checked against the real queue key in real Redis.
package helm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/lint"
	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/queue"
	"github.com/strata-render/strata/pkg/redistest"
	"github.com/strata-render/strata/pkg/schema"
)

const chartDir = "strata"

// scaledObject is the part of KEDA's keda.sh/v1alpha1 ScaledObject the
// chart writes (field names as in KEDA's CRD). KEDA's own Go module is not
// imported for it (it brings the controller runtime); decoding is strict,
// so a misspelt field fails here as it would be refused by the CRD.
type scaledObject struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name   string            `json:"name"`
		Labels map[string]string `json:"labels"`
	} `json:"metadata"`
	Spec struct {
		ScaleTargetRef struct {
			Name string `json:"name"`
		} `json:"scaleTargetRef"`
		MinReplicaCount int `json:"minReplicaCount"`
		MaxReplicaCount int `json:"maxReplicaCount"`
		PollingInterval int `json:"pollingInterval"`
		CooldownPeriod  int `json:"cooldownPeriod"`
		Triggers        []struct {
			Type              string            `json:"type"`
			Metadata          map[string]string `json:"metadata"`
			AuthenticationRef *struct {
				Name string `json:"name"`
			} `json:"authenticationRef"`
		} `json:"triggers"`
	} `json:"spec"`
}

// triggerAuth is KEDA's TriggerAuthentication as the chart writes it.
type triggerAuth struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name   string            `json:"name"`
		Labels map[string]string `json:"labels"`
	} `json:"metadata"`
	Spec struct {
		SecretTargetRef []struct {
			Parameter string `json:"parameter"`
			Name      string `json:"name"`
			Key       string `json:"key"`
		} `json:"secretTargetRef"`
	} `json:"spec"`
}

// objects is one rendering of the chart, decoded.
type objects struct {
	deployments  map[string]*appsv1.Deployment
	statefulSets map[string]*appsv1.StatefulSet
	services     map[string]*corev1.Service
	configMaps   map[string]*corev1.ConfigMap
	secrets      map[string]*corev1.Secret
	pdbs         map[string]*policyv1.PodDisruptionBudget
	hpas         map[string]*autoscalingv2.HorizontalPodAutoscaler
	scaled       map[string]*scaledObject
	auths        map[string]*triggerAuth
}

// render lints the chart with values, renders it as `helm template` does
// and strictly decodes every manifest.
func render(t *testing.T, values map[string]any) objects {
	t.Helper()
	linter := lint.RunAll(chartDir, values, "strata")
	for _, m := range linter.Messages {
		if m.Severity >= support.WarningSev {
			t.Errorf("helm lint: %s", m.Error())
		}
	}
	ch, err := loader.Load(chartDir)
	require.NoError(t, err)
	vals, err := util.ToRenderValues(ch, values, common.ReleaseOptions{Name: "prod", Namespace: "strata", IsInstall: true}, nil)
	require.NoError(t, err)
	files, err := engine.Engine{Strict: true}.Render(ch, vals)
	require.NoError(t, err)

	o := objects{deployments: map[string]*appsv1.Deployment{}, statefulSets: map[string]*appsv1.StatefulSet{},
		services: map[string]*corev1.Service{}, configMaps: map[string]*corev1.ConfigMap{}, secrets: map[string]*corev1.Secret{},
		pdbs: map[string]*policyv1.PodDisruptionBudget{}, hpas: map[string]*autoscalingv2.HorizontalPodAutoscaler{},
		scaled: map[string]*scaledObject{}, auths: map[string]*triggerAuth{}}
	for name, text := range files {
		if !strings.HasSuffix(name, ".yaml") {
			continue
		}
		for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(text, -1) {
			if strings.TrimSpace(regexp.MustCompile(`(?m)^#.*$`).ReplaceAllString(doc, "")) == "" {
				continue
			}
			js, err := yaml.YAMLToJSON([]byte(doc))
			require.NoError(t, err, "%s: not YAML:\n%s", name, doc)
			var head struct{ APIVersion, Kind string }
			require.NoError(t, json.Unmarshal(js, &head))
			var into any
			switch head.APIVersion + " " + head.Kind {
			case "apps/v1 Deployment":
				into = put(o.deployments)
			case "apps/v1 StatefulSet":
				into = put(o.statefulSets)
			case "v1 Service":
				into = put(o.services)
			case "v1 ConfigMap":
				into = put(o.configMaps)
			case "v1 Secret":
				into = put(o.secrets)
			case "policy/v1 PodDisruptionBudget":
				into = put(o.pdbs)
			case "autoscaling/v2 HorizontalPodAutoscaler":
				into = put(o.hpas)
			case "keda.sh/v1alpha1 ScaledObject":
				into = put(o.scaled)
			case "keda.sh/v1alpha1 TriggerAuthentication":
				into = put(o.auths)
			default:
				t.Fatalf("%s: unexpected object %s %s", name, head.APIVersion, head.Kind)
			}
			dec := json.NewDecoder(bytes.NewReader(js))
			dec.DisallowUnknownFields()
			require.NoError(t, dec.Decode(into), "%s: %s %s does not decode strictly", name, head.APIVersion, head.Kind)
			into.(interface{ store() }).store()
		}
	}
	return o
}

// slot decodes one object and files it under its name.
type slot[T any] struct {
	m map[string]*T
	v T
}

func put[T any](m map[string]*T) *slot[T] { return &slot[T]{m: m} }

func (s *slot[T]) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(&s.v)
}

func (s *slot[T]) store() {
	var name string
	switch v := any(&s.v).(type) {
	case interface{ GetName() string }:
		name = v.GetName()
	case *scaledObject:
		name = v.Metadata.Name
	case *triggerAuth:
		name = v.Metadata.Name
	}
	s.m[name] = &s.v
}

// documented is every STRATA_* variable of the README's table.
func documented(t *testing.T) map[string]bool {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	out := map[string]bool{}
	for _, m := range regexp.MustCompile("`(STRATA_[A-Z_]+)`").FindAllStringSubmatch(string(readme), -1) {
		out[m[1]] = true
	}
	return out
}

// The default install: the API with probes on /readyz and /healthz, an HPA
// and a PDB; workers with a grace period longer than the shutdown timeout,
// a PDB and a KEDA ScaledObject on the renders queue; a Redis; every
// STRATA_* variable a documented one.
func TestChartDefaults(t *testing.T) {
	o := render(t, map[string]any{"secrets": map[string]any{"STRATA_API_KEYS": "k_0123456789abcdef"}})

	apiDep := o.deployments["prod-strata-api"]
	require.NotNil(t, apiDep, "API Deployment")
	c := apiDep.Spec.Template.Spec.Containers[0]
	require.Equal(t, []string{"strata-api"}, c.Command)
	require.Equal(t, int32(8080), c.Ports[0].ContainerPort)
	require.Equal(t, "/readyz", c.ReadinessProbe.HTTPGet.Path)
	require.Equal(t, "/healthz", c.LivenessProbe.HTTPGet.Path)
	require.Equal(t, "http", c.ReadinessProbe.HTTPGet.Port.String())
	require.Nil(t, apiDep.Spec.Replicas, "replicas are the HPA's")
	require.False(t, c.Resources.Requests.Memory().IsZero(), "memory request")
	require.False(t, c.Resources.Requests.Cpu().IsZero(), "CPU request")
	hpa := o.hpas["prod-strata-api"]
	require.NotNil(t, hpa)
	require.Equal(t, "prod-strata-api", hpa.Spec.ScaleTargetRef.Name)
	require.NotNil(t, o.pdbs["prod-strata-api"].Spec.MinAvailable)
	require.Equal(t, "prod-strata-api", o.services["prod-strata-api"].Name)

	cm := o.configMaps["prod-strata-env"]
	require.NotNil(t, cm)
	require.Equal(t, "redis://prod-strata-redis:6379/0", cm.Data["STRATA_REDIS_URL"])
	shutdown, err := time.ParseDuration(cm.Data["STRATA_SHUTDOWN_TIMEOUT"])
	require.NoError(t, err)
	sec := o.secrets["prod-strata-env"]
	require.NotNil(t, sec)
	require.Equal(t, "k_0123456789abcdef", sec.StringData["STRATA_API_KEYS"])
	known := documented(t)
	for k := range cm.Data {
		require.True(t, known[k], "%s is not a variable of the README's table", k)
	}
	for k := range sec.StringData {
		require.True(t, known[k], "%s is not a variable of the README's table", k)
	}

	w := o.deployments["prod-strata-worker"]
	require.NotNil(t, w, "worker Deployment")
	ws := w.Spec.Template.Spec
	require.Equal(t, []string{"strata-worker"}, ws.Containers[0].Command)
	require.Greater(t, time.Duration(*ws.TerminationGracePeriodSeconds)*time.Second, shutdown,
		"the worker's grace period outlasts STRATA_SHUTDOWN_TIMEOUT")
	require.Greater(t, time.Duration(*apiDep.Spec.Template.Spec.TerminationGracePeriodSeconds)*time.Second, shutdown)
	require.Equal(t, "/healthz", ws.Containers[0].ReadinessProbe.HTTPGet.Path)
	require.Equal(t, cm.Data["STRATA_WORKER_METRICS_ADDR"], fmt.Sprintf(":%d", ws.Containers[0].Ports[0].ContainerPort))
	require.Nil(t, w.Spec.Replicas, "replicas are KEDA's")
	for _, d := range []*appsv1.Deployment{apiDep, w} {
		env := d.Spec.Template.Spec.Containers[0].EnvFrom
		require.Equal(t, cm.Name, env[0].ConfigMapRef.Name)
		require.Equal(t, sec.Name, env[1].SecretRef.Name)
		// A selector that matches its own pods.
		for k, v := range d.Spec.Selector.MatchLabels {
			require.Equal(t, v, d.Spec.Template.Labels[k])
		}
	}
	require.NotNil(t, o.pdbs["prod-strata-worker"].Spec.MaxUnavailable)

	so := o.scaled["prod-strata-worker"]
	require.NotNil(t, so, "KEDA ScaledObject")
	require.Equal(t, w.Name, so.Spec.ScaleTargetRef.Name)
	require.Len(t, so.Spec.Triggers, 1)
	tr := so.Spec.Triggers[0]
	require.Equal(t, "redis", tr.Type)
	require.Equal(t, "prod-strata-redis:6379", tr.Metadata["address"])
	require.Nil(t, tr.AuthenticationRef, "no password, no TriggerAuthentication")
	require.Empty(t, o.auths)
	require.Equal(t, "prod-strata-redis", o.services["prod-strata-redis"].Name)
	require.Equal(t, "prod-strata-redis", o.statefulSets["prod-strata-redis"].Name)
	requireQueueDepthKey(t, tr.Metadata["listName"])
}

// An external Sentinel deployment: no Redis of the chart's own, the
// redis-sentinel:// URL for the processes and KEDA's redis-sentinel
// trigger on the same queue key.
func TestChartSentinel(t *testing.T) {
	o := render(t, map[string]any{
		"redis": map[string]any{"enabled": false, "url": "redis-sentinel://s1:26379,s2:26379,s3:26379/mymaster/0",
			"sentinel": map[string]any{"addresses": "s1:26379,s2:26379,s3:26379", "master": "mymaster"}},
		"existingSecret": "strata-keys",
		"config":         map[string]any{"STRATA_REDIS_WAIT_REPLICAS": 1},
		"worker":         map[string]any{"keda": map[string]any{"passwordSecretKey": "redis-password"}},
	})
	require.Empty(t, o.statefulSets)
	require.Empty(t, o.secrets, "the Secret is the operator's")
	cm := o.configMaps["prod-strata-env"]
	require.Equal(t, "redis-sentinel://s1:26379,s2:26379,s3:26379/mymaster/0", cm.Data["STRATA_REDIS_URL"])
	require.Equal(t, "1", cm.Data["STRATA_REDIS_WAIT_REPLICAS"])
	require.Equal(t, "strata-keys", o.deployments["prod-strata-worker"].Spec.Template.Spec.Containers[0].EnvFrom[1].SecretRef.Name)
	tr := o.scaled["prod-strata-worker"].Spec.Triggers[0]
	require.Equal(t, "redis-sentinel", tr.Type)
	require.Equal(t, "mymaster", tr.Metadata["sentinelMaster"])
	require.Equal(t, "s1:26379,s2:26379,s3:26379", tr.Metadata["addresses"])
	// The scaler's password comes from the operator's Secret.
	require.NotNil(t, tr.AuthenticationRef)
	auth := o.auths[tr.AuthenticationRef.Name]
	require.NotNil(t, auth, "the TriggerAuthentication the trigger names")
	require.Len(t, auth.Spec.SecretTargetRef, 1)
	ref := auth.Spec.SecretTargetRef[0]
	require.Equal(t, []string{"password", "strata-keys", "redis-password"}, []string{ref.Parameter, ref.Name, ref.Key})
	requireQueueDepthKey(t, tr.Metadata["listName"])
}

// An external Redis without an address for the scaler is refused at
// render time with a sentence naming the value to set.
func TestChartRefusesScalerWithoutAddress(t *testing.T) {
	ch, err := loader.Load(chartDir)
	require.NoError(t, err)
	vals, err := util.ToRenderValues(ch, map[string]any{"redis": map[string]any{"enabled": false, "url": "redis://r:6379/0"}},
		common.ReleaseOptions{Name: "prod", Namespace: "strata"}, nil)
	require.NoError(t, err)
	_, err = engine.Engine{Strict: true}.Render(ch, vals)
	require.ErrorContains(t, err, "worker.keda.redisAddress")
}

// requireQueueDepthKey enqueues jobs through the API's queue client into
// real Redis and reads the depth as KEDA's Redis list scaler does (LLEN of
// listName): it must count them, and drop as a worker takes one.
func requireQueueDepthKey(t *testing.T, listName string) {
	t.Helper()
	rdb := redistest.Client(t, 9) // no other package's tests use 9
	c := queue.NewClient(queue.ClientOptions{Redis: rdb})
	body := `{"dimensions":{"width":10,"height":10},"layers":[{"index":0,"type":"solid-color","hex_color":"#FFFFFF"}],"webhook_url":"https://example.com/hook"}`
	req, err := schema.Decode([]byte(body), schema.DefaultLimits())
	require.NoError(t, err)
	const n = 7
	for range n {
		_, err := c.Submit(context.Background(), core.Submission{KeyID: "k", Request: req, Body: []byte(body)})
		require.NoError(t, err)
	}
	depth, err := rdb.LLen(context.Background(), listName).Result()
	require.NoError(t, err)
	require.EqualValues(t, n, depth, "the scaler's list %q counts the pending renders", listName)
	// And it is the list asynq itself counts as the queue's pending tasks.
	info, err := asynq.NewInspectorFromRedisClient(rdb).GetQueueInfo(queue.QueueRenders)
	require.NoError(t, err)
	require.EqualValues(t, info.Pending, depth)
}
