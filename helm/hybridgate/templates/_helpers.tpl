{{/* Names and labels shared by every template. */}}

{{- define "hybridgate.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "hybridgate.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "hybridgate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hybridgate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: gateway
{{- end -}}

{{- define "hybridgate.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "hybridgate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "hybridgate.serviceAccountName" -}}
{{- default (include "hybridgate.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "hybridgate.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "hybridgate.rayServiceName" -}}
{{- printf "%s-cloud" (include "hybridgate.fullname" .) | trunc 48 | trimSuffix "-" -}}
{{- end -}}

{{/* KubeRay's Serve service for a RayService is <name>-serve-svc, on Serve's port. */}}
{{- define "hybridgate.cloudUrl" -}}
{{- if .Values.cloud.enabled -}}
{{- printf "http://%s-serve-svc.%s.svc:8000" (include "hybridgate.rayServiceName" .) .Release.Namespace -}}
{{- else -}}
{{- required "cloud.url is required when cloud.enabled is false" .Values.cloud.url -}}
{{- end -}}
{{- end -}}

{{- define "hybridgate.policyConfigMap" -}}
{{- default (printf "%s-policy" (include "hybridgate.fullname" .)) .Values.policy.existingConfigMap -}}
{{- end -}}

{{- define "hybridgate.configPath" -}}/etc/hybridgate/config/hybridgate.yaml{{- end -}}

{{/* The gateway's hybridgate.yaml, as a dict; values' gateway.config is merged over it. */}}
{{- define "hybridgate.config" -}}
{{- $v := .Values -}}
{{- $entra := dict "tenant_id" $v.auth.tenantId "allowed_tenants" $v.auth.allowedTenants "audiences" $v.auth.audiences "authority" $v.auth.authority "required_scopes" $v.auth.requiredScopes "required_roles" $v.auth.requiredRoles "admin_role" $v.auth.adminRole -}}
{{- if and (eq $v.cloudAuth.kind "workload_identity") (not $v.workloadIdentity.enabled) -}}
{{- fail "cloudAuth.kind workload_identity needs workloadIdentity.enabled (the webhook provides its AZURE_* environment)" -}}
{{- end -}}
{{- $cloudAuth := dict "kind" $v.cloudAuth.kind -}}
{{- if ne $v.cloudAuth.kind "none" -}}
{{- $_ := set $cloudAuth "scopes" $v.cloudAuth.scopes -}}
{{- end -}}
{{- if eq $v.cloudAuth.kind "client_credentials" -}}
{{- $_ := set $cloudAuth "tenant_id" (required "cloudAuth.tenantId is required for client_credentials" $v.cloudAuth.tenantId) -}}
{{- $_ := set $cloudAuth "client_id" (required "cloudAuth.clientId is required for client_credentials" $v.cloudAuth.clientId) -}}
{{- $_ := set $cloudAuth "client_secret_file" "/etc/hybridgate/secrets/cloud-client-secret" -}}
{{- end -}}
{{- $config := dict
  "server" (dict "host" "0.0.0.0" "port" $v.gateway.port "state_dir" "/var/lib/hybridgate" "drain_timeout_s" $v.shutdown.drainTimeoutSeconds)
  "policy" (dict "file" "/etc/hybridgate/policy/default.yaml" "reload_interval_s" $v.policy.reloadIntervalSeconds)
  "auth" (dict "mode" "entra" "entra" $entra)
  "edge" (dict "host" "127.0.0.1" "port" $v.edge.port "n_threads" $v.edge.threads "parallel" $v.edge.parallel "n_ctx" $v.edge.contextPerSlot "drain_timeout_s" $v.shutdown.drainTimeoutSeconds)
  "backends" (dict
    "edge" (dict "url" (printf "http://127.0.0.1:%d" (int $v.edge.port)))
    "cloud" (dict "url" (include "hybridgate.cloudUrl" .) "model" $v.cloud.model.id "auth" $cloudAuth))
  "cloud" (dict "local" false)
-}}
{{- if $v.otlp.tracesEndpoint -}}
{{- $_ := set $config "telemetry" (dict "tracing" (dict "endpoint" $v.otlp.tracesEndpoint "service_name" (include "hybridgate.fullname" .))) -}}
{{- end -}}
{{- if $v.otlp.logsEndpoint -}}
{{- $_ := set $config "audit" (dict "otel_logs" (dict "endpoint" $v.otlp.logsEndpoint)) -}}
{{- end -}}
{{- if eq $v.limits.store "redis" -}}
{{- $_ := set $config "limits" (include "hybridgate.limits" . | fromYaml) -}}
{{- end -}}
{{- toYaml (mergeOverwrite $config (deepCopy $v.gateway.config)) -}}
{{- end -}}

{{- define "hybridgate.redisPasswordDir" -}}/etc/hybridgate/redis{{- end -}}

{{/* The most gateway pods this release can run: the HPA's ceiling, else replicas. */}}
{{- define "hybridgate.maxPods" -}}
{{- if .Values.autoscaling.enabled -}}
{{- .Values.autoscaling.maxReplicas -}}
{{- else -}}
{{- .Values.replicas -}}
{{- end -}}
{{- end -}}

{{/* The divisor of limits.on_store_unavailable local: each pod then allows limit / it.
The most pods that can run, not those running now: with the HPA's maximum, the fleet
stays within every limit whatever it scales to (fewer pods just get less during an
outage), and the config, hence the pods, need not change as it scales. A larger
limits.replicas is for several releases sharing one Redis (their pods summed). */}}
{{- define "hybridgate.limitReplicas" -}}
{{- $pods := include "hybridgate.maxPods" . | int -}}
{{- $set := int .Values.limits.replicas -}}
{{- if and $set (lt $set $pods) -}}
{{- fail (printf "limits.replicas (%d) must be at least the pods this release can run (%d): with fewer, the pods together would allow more than a limit while Redis is down" $set $pods) -}}
{{- end -}}
{{- max $set $pods -}}
{{- end -}}

{{/* The limits section of hybridgate.yaml, with limits.store redis. */}}
{{- define "hybridgate.limits" -}}
{{- $l := .Values.limits -}}
{{- $r := $l.redis -}}
{{- $redis := dict "url" (required "limits.redis.url is required when limits.store is redis" $r.url) "auth" $r.auth -}}
{{- if eq $r.auth "password" -}}
{{- $_ := required "limits.redis.existingSecret.name is required for limits.redis.auth password" $r.existingSecret.name -}}
{{- $_ := set $redis "password_file" (printf "%s/password" (include "hybridgate.redisPasswordDir" .)) -}}
{{- with $r.username -}}
{{- $_ := set $redis "username" . -}}
{{- end -}}
{{- else if eq $r.auth "entra" -}}
{{- if not .Values.workloadIdentity.enabled -}}
{{- fail "limits.redis.auth entra needs workloadIdentity.enabled (the token comes from the pod's workload identity)" -}}
{{- end -}}
{{- $objectId := required "limits.redis.entra.objectId is required for limits.redis.auth entra" $r.entra.objectId -}}
{{- $_ := set $redis "entra" (dict "object_id" $objectId "credential" "workload_identity") -}}
{{- end -}}
{{- toYaml (dict "store" "redis" "redis" $redis "on_store_unavailable" $l.onStoreUnavailable "replicas" (include "hybridgate.limitReplicas" . | int)) -}}
{{- end -}}

{{/* Redis's port for the NetworkPolicy: networkPolicy.redisPort, else the URL's,
else the scheme's usual one. */}}
{{- define "hybridgate.redisPort" -}}
{{- if .Values.networkPolicy.redisPort -}}
{{- .Values.networkPolicy.redisPort -}}
{{- else -}}
{{- $url := urlParse .Values.limits.redis.url -}}
{{- $port := regexFind ":[0-9]+$" $url.host | trimPrefix ":" -}}
{{- if $port -}}
{{- $port -}}
{{- else if eq $url.scheme "rediss" -}}
6380
{{- else -}}
6379
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "hybridgate.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "hybridgate.modelMount" -}}
{{- if .Values.cloud.modelVolume.claimName -}}
volumeMounts:
  - name: models
    mountPath: {{ .Values.cloud.modelVolume.mountPath }}
    readOnly: true
{{- end -}}
{{- end -}}

{{- define "hybridgate.modelVolume" -}}
{{- if .Values.cloud.modelVolume.claimName -}}
volumes:
  - name: models
    persistentVolumeClaim:
      claimName: {{ .Values.cloud.modelVolume.claimName }}
      readOnly: true
{{- end -}}
{{- end -}}

{{/* cloud/llm_config.yaml's structure, filled from values.cloud. */}}
{{- define "hybridgate.serveConfig" -}}
{{- $c := .Values.cloud -}}
{{- $gpus := mul (int $c.tensorParallelism) (int $c.pipelineParallelism) -}}
{{- $bundles := list -}}
{{- range until (int $gpus) -}}
{{- $bundles = append $bundles (dict "GPU" 1 "CPU" (int $c.cpusPerGpu)) -}}
{{- end -}}
{{- $llm := dict
  "model_loading_config" (dict "model_id" $c.model.id "model_source" $c.model.source)
  "accelerator_type" $c.model.acceleratorType
  "engine_kwargs" (dict
    "tensor_parallel_size" (int $c.tensorParallelism)
    "pipeline_parallel_size" (int $c.pipelineParallelism)
    "distributed_executor_backend" "ray"
    "max_model_len" (int $c.model.maxModelLen)
    "gpu_memory_utilization" $c.model.gpuMemoryUtilization
    "enable_prefix_caching" true)
  "placement_group_config" (dict "strategy" "PACK" "bundles" $bundles)
  "deployment_config" (dict
    "autoscaling_config" (dict
      "min_replicas" (int $c.autoscaling.minReplicas)
      "max_replicas" (int $c.autoscaling.maxReplicas)
      "target_ongoing_requests" (int $c.autoscaling.targetOngoingRequests)
      "upscale_delay_s" (int $c.autoscaling.upscaleDelaySeconds)
      "downscale_delay_s" (int $c.autoscaling.downscaleDelaySeconds))
    "max_ongoing_requests" (int $c.maxOngoingRequests))
-}}
{{- $app := dict
  "name" "hybridgate-cloud"
  "route_prefix" "/"
  "import_path" "ray.serve.llm:build_openai_app"
  "runtime_env" (dict "env_vars" (dict "HF_HUB_OFFLINE" "1"))
  "args" (dict "llm_configs" (list $llm))
-}}
{{- $serve := dict
  "proxy_location" "EveryNode"
  "http_options" (dict "host" "0.0.0.0" "port" 8000 "request_timeout_s" 600)
  "applications" (list $app)
-}}
{{- toYaml $serve -}}
{{- end -}}

{{/* The preStop sleep: exec, since the image guarantees python3 but no shell. */}}
{{- define "hybridgate.preStop" -}}
preStop:
  exec:
    command: ["python3", "-c", "import time; time.sleep({{ int .Values.shutdown.preStopSeconds }})"]
{{- end -}}
