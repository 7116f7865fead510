{{/* Names and labels shared by every object of the chart. */}}
{{- define "strata.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}

{{- define "strata.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "strata.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* The queue's Redis URL: the chart's Redis, or redis.url. */}}
{{- define "strata.redisURL" -}}
{{- if .Values.redis.enabled -}}
{{- printf "redis://%s-redis:6379/%d" (include "strata.fullname" .) (int .Values.redis.database) -}}
{{- else -}}
{{- .Values.redis.url -}}
{{- end -}}
{{- end -}}

{{- define "strata.secretName" -}}
{{- default (printf "%s-env" (include "strata.fullname" .)) .Values.existingSecret -}}
{{- end -}}

{{/* env sources of both processes: the ConfigMap and the Secret. */}}
{{- define "strata.envFrom" -}}
- configMapRef:
    name: {{ include "strata.fullname" . }}-env
- secretRef:
    name: {{ include "strata.secretName" . }}
{{- end -}}
