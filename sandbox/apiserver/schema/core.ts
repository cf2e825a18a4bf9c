// Field schemas of meta/v1 and the core/v1 types the sandbox serves, with the patch strategies
// and merge keys of k8s.io/api. Rarely used sub-structures are `open` rather than guessed.

import {
  atomic, bool, bytes, free, int32, int64, intOrString, keyed, mapOf, quantity, ref, set, str, stringMap, strings, time,
  type StructDef,
} from './types.js';

export const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
export const CORE = 'io.k8s.api.core.v1.';

const objectMeta = ref(`${META}ObjectMeta`);
const labelSelector = ref(`${META}LabelSelector`);
const quantities = mapOf(quantity);

export const META_DEFINITIONS: Record<string, StructDef> = {
  [`${META}ObjectMeta`]: {
    description: 'Standard object metadata: name, namespace, labels, annotations and the fields the server owns.',
    fields: {
      name: str, generateName: str, namespace: str, selfLink: str, uid: str, resourceVersion: str, generation: int64,
      creationTimestamp: time, deletionTimestamp: time, deletionGracePeriodSeconds: int64,
      labels: stringMap, annotations: stringMap,
      ownerReferences: keyed(ref(`${META}OwnerReference`), 'uid'),
      finalizers: set(str),
      managedFields: atomic(ref(`${META}ManagedFieldsEntry`)),
    },
  },
  [`${META}OwnerReference`]: {
    description: 'Identifies an object that owns this one; owned objects are garbage collected with their owner.',
    fields: { apiVersion: str, kind: str, name: str, uid: str, controller: bool, blockOwnerDeletion: bool },
    required: ['apiVersion', 'kind', 'name', 'uid'],
  },
  [`${META}ManagedFieldsEntry`]: {
    description: 'A field manager, the operation it performed and the set of fields it owns.',
    fields: { manager: str, operation: str, apiVersion: str, time, fieldsType: str, fieldsV1: free, subresource: str },
  },
  [`${META}LabelSelector`]: {
    description: 'A label query over a set of resources: matchLabels and matchExpressions are ANDed.',
    fields: { matchLabels: stringMap, matchExpressions: atomic(ref(`${META}LabelSelectorRequirement`)) },
  },
  [`${META}LabelSelectorRequirement`]: {
    description: 'A selector requirement: a key, an operator (In, NotIn, Exists, DoesNotExist) and values.',
    fields: { key: str, operator: str, values: strings },
    required: ['key', 'operator'],
  },
  [`${META}Condition`]: {
    description: 'A condition of a resource.',
    fields: { type: str, status: str, observedGeneration: int64, lastTransitionTime: time, reason: str, message: str },
  },
};

const conditions = keyed(free, 'type');

const probe = ref(`${CORE}Probe`);
const handlerFields = {
  exec: ref(`${CORE}ExecAction`),
  httpGet: ref(`${CORE}HTTPGetAction`),
  tcpSocket: ref(`${CORE}TCPSocketAction`),
};

const containerFields = {
  name: str, image: str, command: strings, args: strings, workingDir: str,
  ports: keyed(ref(`${CORE}ContainerPort`), 'containerPort', { listMapKeys: ['containerPort', 'protocol'] }),
  envFrom: atomic(ref(`${CORE}EnvFromSource`)),
  env: keyed(ref(`${CORE}EnvVar`), 'name'),
  resources: ref(`${CORE}ResourceRequirements`),
  resizePolicy: atomic(free),
  restartPolicy: str,
  volumeMounts: keyed(ref(`${CORE}VolumeMount`), 'mountPath'),
  volumeDevices: keyed(free, 'devicePath'),
  livenessProbe: probe, readinessProbe: probe, startupProbe: probe,
  lifecycle: ref(`${CORE}Lifecycle`),
  terminationMessagePath: str, terminationMessagePolicy: str, imagePullPolicy: str,
  securityContext: ref(`${CORE}SecurityContext`),
  stdin: bool, stdinOnce: bool, tty: bool,
};

const keyToPath = atomic(ref(`${CORE}KeyToPath`));

export const CORE_DEFINITIONS: Record<string, StructDef> = {
  [`${CORE}PodTemplateSpec`]: {
    description: 'The metadata and spec of the pods a controller creates.',
    fields: { metadata: objectMeta, spec: ref(`${CORE}PodSpec`) },
  },
  [`${CORE}PodSpec`]: {
    description: 'The desired behaviour of a pod: its containers, volumes and scheduling.',
    required: ['containers'],
    fields: {
      volumes: keyed(ref(`${CORE}Volume`), 'name', { retainKeys: true }),
      initContainers: keyed(ref(`${CORE}Container`), 'name'),
      containers: keyed(ref(`${CORE}Container`), 'name'),
      ephemeralContainers: keyed(ref(`${CORE}EphemeralContainer`), 'name'),
      restartPolicy: str, terminationGracePeriodSeconds: int64, activeDeadlineSeconds: int64, dnsPolicy: str,
      nodeSelector: stringMap, serviceAccountName: str, serviceAccount: str, automountServiceAccountToken: bool,
      nodeName: str, hostNetwork: bool, hostPID: bool, hostIPC: bool, shareProcessNamespace: bool,
      securityContext: ref(`${CORE}PodSecurityContext`),
      imagePullSecrets: keyed(ref(`${CORE}LocalObjectReference`), 'name'),
      hostname: str, subdomain: str, affinity: free, schedulerName: str,
      tolerations: atomic(ref(`${CORE}Toleration`)),
      hostAliases: keyed(free, 'ip'),
      priorityClassName: str, priority: int32, dnsConfig: free,
      readinessGates: atomic(free), runtimeClassName: str, enableServiceLinks: bool, preemptionPolicy: str,
      overhead: quantities,
      topologySpreadConstraints: keyed(free, 'topologyKey', { listMapKeys: ['topologyKey', 'whenUnsatisfiable'] }),
      setHostnameAsFQDN: bool, os: free, hostUsers: bool,
      schedulingGates: keyed(free, 'name'),
      resourceClaims: keyed(free, 'name', { retainKeys: true }),
      resources: ref(`${CORE}ResourceRequirements`),
    },
  },
  [`${CORE}Container`]: {
    description: 'A single application container that runs within a pod.',
    required: ['name'],
    fields: containerFields,
  },
  [`${CORE}EphemeralContainer`]: {
    description: 'A temporary container added to a running pod for debugging.',
    required: ['name'],
    fields: { ...containerFields, targetContainerName: str },
  },
  [`${CORE}ContainerPort`]: {
    description: 'A network port in a single container.',
    required: ['containerPort'],
    fields: { name: str, hostPort: int32, containerPort: int32, protocol: str, hostIP: str },
  },
  [`${CORE}EnvVar`]: {
    description: 'An environment variable of a container.',
    required: ['name'],
    fields: { name: str, value: str, valueFrom: ref(`${CORE}EnvVarSource`) },
  },
  [`${CORE}EnvVarSource`]: {
    description: "The source of an environment variable's value.",
    fields: {
      fieldRef: ref(`${CORE}ObjectFieldSelector`),
      resourceFieldRef: ref(`${CORE}ResourceFieldSelector`),
      configMapKeyRef: ref(`${CORE}ConfigMapKeySelector`),
      secretKeyRef: ref(`${CORE}SecretKeySelector`),
    },
  },
  [`${CORE}ObjectFieldSelector`]: {
    description: 'Selects a field of the pod, e.g. metadata.name or status.podIP.',
    required: ['fieldPath'],
    fields: { apiVersion: str, fieldPath: str },
  },
  [`${CORE}ResourceFieldSelector`]: {
    description: 'Selects a resource of a container: limits.cpu, requests.memory, ...',
    required: ['resource'],
    fields: { containerName: str, resource: str, divisor: quantity },
  },
  [`${CORE}ConfigMapKeySelector`]: {
    description: 'Selects a key of a ConfigMap.',
    required: ['key'],
    fields: { name: str, key: str, optional: bool },
  },
  [`${CORE}SecretKeySelector`]: {
    description: 'Selects a key of a Secret.',
    required: ['key'],
    fields: { name: str, key: str, optional: bool },
  },
  [`${CORE}EnvFromSource`]: {
    description: 'A source of a set of environment variables: every key of a ConfigMap or Secret.',
    fields: { prefix: str, configMapRef: ref(`${CORE}LocalOptionalReference`), secretRef: ref(`${CORE}LocalOptionalReference`) },
  },
  [`${CORE}LocalOptionalReference`]: {
    description: 'Names an object in the same namespace that may be optional.',
    fields: { name: str, optional: bool },
  },
  [`${CORE}LocalObjectReference`]: {
    description: 'Names an object in the same namespace.',
    fields: { name: str },
  },
  [`${CORE}ResourceRequirements`]: {
    description: 'Compute resource requests and limits.',
    fields: { limits: quantities, requests: quantities, claims: keyed(free, 'name') },
  },
  [`${CORE}VolumeMount`]: {
    description: 'Mounts a volume into a container.',
    required: ['name', 'mountPath'],
    fields: {
      name: str, readOnly: bool, recursiveReadOnly: str, mountPath: str, subPath: str, mountPropagation: str, subPathExpr: str,
    },
  },
  [`${CORE}Probe`]: {
    description: 'A health check performed against a container.',
    fields: {
      ...handlerFields, grpc: free,
      initialDelaySeconds: int32, timeoutSeconds: int32, periodSeconds: int32, successThreshold: int32,
      failureThreshold: int32, terminationGracePeriodSeconds: int64,
    },
  },
  [`${CORE}ExecAction`]: {
    description: 'Runs a command inside the container.',
    fields: { command: strings },
  },
  [`${CORE}HTTPGetAction`]: {
    description: 'An HTTP GET request against the container.',
    required: ['port'],
    fields: { path: str, port: intOrString, host: str, scheme: str, httpHeaders: atomic(ref(`${CORE}HTTPHeader`)) },
  },
  [`${CORE}HTTPHeader`]: {
    description: 'A header of an HTTP probe.',
    fields: { name: str, value: str },
  },
  [`${CORE}TCPSocketAction`]: {
    description: 'Opens a TCP connection to the container.',
    required: ['port'],
    fields: { port: intOrString, host: str },
  },
  [`${CORE}Lifecycle`]: {
    description: 'Actions run right after a container starts and before it stops.',
    fields: { postStart: ref(`${CORE}LifecycleHandler`), preStop: ref(`${CORE}LifecycleHandler`), stopSignal: str },
  },
  [`${CORE}LifecycleHandler`]: {
    description: 'One lifecycle action.',
    fields: { ...handlerFields, sleep: free },
  },
  [`${CORE}SecurityContext`]: {
    description: 'Security options of a container.',
    open: true,
    fields: {
      capabilities: free, privileged: bool, seLinuxOptions: free, windowsOptions: free, runAsUser: int64, runAsGroup: int64,
      runAsNonRoot: bool, readOnlyRootFilesystem: bool, allowPrivilegeEscalation: bool, procMount: str,
      seccompProfile: free, appArmorProfile: free,
    },
  },
  [`${CORE}PodSecurityContext`]: {
    description: 'Security options of every container of a pod.',
    open: true,
    fields: {
      seLinuxOptions: free, windowsOptions: free, runAsUser: int64, runAsGroup: int64, runAsNonRoot: bool,
      supplementalGroups: atomic(int64), supplementalGroupsPolicy: str, fsGroup: int64, sysctls: atomic(free),
      fsGroupChangePolicy: str, seccompProfile: free, appArmorProfile: free, seLinuxChangePolicy: str,
    },
  },
  [`${CORE}Toleration`]: {
    description: 'Lets a pod schedule onto a node with a matching taint.',
    fields: { key: str, operator: str, value: str, effect: str, tolerationSeconds: int64 },
  },
  [`${CORE}Volume`]: {
    description: 'A named volume in a pod that its containers may mount.',
    required: ['name'],
    // Volume sources the sandbox does not back are accepted and kept as they are.
    open: true,
    fields: {
      name: str,
      emptyDir: ref(`${CORE}EmptyDirVolumeSource`),
      configMap: ref(`${CORE}ConfigMapVolumeSource`),
      secret: ref(`${CORE}SecretVolumeSource`),
      persistentVolumeClaim: ref(`${CORE}PersistentVolumeClaimVolumeSource`),
      hostPath: ref(`${CORE}HostPathVolumeSource`),
      projected: free, downwardAPI: free, csi: free, ephemeral: free, nfs: free, image: free,
    },
  },
  [`${CORE}EmptyDirVolumeSource`]: {
    description: 'A temporary directory that shares the pod lifetime.',
    fields: { medium: str, sizeLimit: quantity },
  },
  [`${CORE}ConfigMapVolumeSource`]: {
    description: 'Projects the keys of a ConfigMap as files.',
    fields: { name: str, items: keyToPath, defaultMode: int32, optional: bool },
  },
  [`${CORE}SecretVolumeSource`]: {
    description: 'Projects the keys of a Secret as files.',
    fields: { secretName: str, items: keyToPath, defaultMode: int32, optional: bool },
  },
  [`${CORE}KeyToPath`]: {
    description: 'Maps a key to a relative file path.',
    required: ['key', 'path'],
    fields: { key: str, path: str, mode: int32 },
  },
  [`${CORE}PersistentVolumeClaimVolumeSource`]: {
    description: 'Mounts the volume bound to a PersistentVolumeClaim.',
    required: ['claimName'],
    fields: { claimName: str, readOnly: bool },
  },
  [`${CORE}HostPathVolumeSource`]: {
    description: 'A directory of the host.',
    required: ['path'],
    fields: { path: str, type: str },
  },
  [`${CORE}PodStatus`]: {
    description: 'The most recently observed status of a pod; written by the kubelet.',
    open: true,
    fields: {
      phase: str, conditions, message: str, reason: str, nominatedNodeName: str, hostIP: str,
      hostIPs: keyed(free, 'ip'), podIP: str, podIPs: keyed(free, 'ip'), startTime: time,
      initContainerStatuses: atomic(free), containerStatuses: atomic(free), ephemeralContainerStatuses: atomic(free),
      qosClass: str, resize: str, resourceClaimStatuses: keyed(free, 'name'), observedGeneration: int64,
    },
  },
  [`${CORE}Pod`]: {
    description: 'A group of containers that run together on one node.',
    gvk: { group: '', version: 'v1', kind: 'Pod' },
    fields: { apiVersion: str, kind: str, metadata: objectMeta, spec: ref(`${CORE}PodSpec`), status: ref(`${CORE}PodStatus`) },
  },
  [`${CORE}ServicePort`]: {
    description: 'A port a Service exposes.',
    required: ['port'],
    fields: { name: str, protocol: str, appProtocol: str, port: int32, targetPort: intOrString, nodePort: int32 },
  },
  [`${CORE}ServiceSpec`]: {
    description: 'The desired behaviour of a Service.',
    fields: {
      ports: keyed(ref(`${CORE}ServicePort`), 'port', { listMapKeys: ['port', 'protocol'] }),
      selector: stringMap, clusterIP: str, clusterIPs: strings, type: str, externalIPs: strings, sessionAffinity: str,
      loadBalancerIP: str, loadBalancerSourceRanges: strings, externalName: str, externalTrafficPolicy: str,
      healthCheckNodePort: int32, publishNotReadyAddresses: bool, sessionAffinityConfig: free, ipFamilies: strings,
      ipFamilyPolicy: str, allocateLoadBalancerNodePorts: bool, loadBalancerClass: str, internalTrafficPolicy: str,
      trafficDistribution: str,
    },
  },
  [`${CORE}Service`]: {
    description: 'A named abstraction of a set of pods reachable on one virtual address.',
    gvk: { group: '', version: 'v1', kind: 'Service' },
    fields: {
      apiVersion: str, kind: str, metadata: objectMeta, spec: ref(`${CORE}ServiceSpec`),
      status: { kind: 'ref', name: `${CORE}ServiceStatus` },
    },
  },
  [`${CORE}ServiceStatus`]: {
    description: 'The current status of a Service.',
    open: true,
    fields: { loadBalancer: free, conditions },
  },
  [`${CORE}Endpoints`]: {
    description: 'The addresses and ports that implement a Service.',
    gvk: { group: '', version: 'v1', kind: 'Endpoints' },
    fields: { apiVersion: str, kind: str, metadata: objectMeta, subsets: atomic(ref(`${CORE}EndpointSubset`)) },
  },
  [`${CORE}EndpointSubset`]: {
    description: 'A group of addresses sharing a set of ports.',
    fields: {
      addresses: atomic(ref(`${CORE}EndpointAddress`)), notReadyAddresses: atomic(ref(`${CORE}EndpointAddress`)),
      ports: atomic(ref(`${CORE}EndpointPort`)),
    },
  },
  [`${CORE}EndpointAddress`]: {
    description: 'One endpoint address.',
    required: ['ip'],
    fields: { ip: str, hostname: str, nodeName: str, targetRef: ref(`${CORE}ObjectReference`) },
  },
  [`${CORE}EndpointPort`]: {
    description: 'One endpoint port.',
    required: ['port'],
    fields: { name: str, port: int32, protocol: str, appProtocol: str },
  },
  [`${CORE}ObjectReference`]: {
    description: 'A reference to an object.',
    fields: {
      kind: str, namespace: str, name: str, uid: str, apiVersion: str, resourceVersion: str, fieldPath: str,
    },
  },
  [`${CORE}ConfigMap`]: {
    description: 'Configuration data for pods to consume.',
    gvk: { group: '', version: 'v1', kind: 'ConfigMap' },
    fields: { apiVersion: str, kind: str, metadata: objectMeta, immutable: bool, data: stringMap, binaryData: mapOf(bytes) },
  },
  [`${CORE}Secret`]: {
    description: 'Secret data; values of `data` are base64-encoded, `stringData` is a write-only plain-text convenience.',
    gvk: { group: '', version: 'v1', kind: 'Secret' },
    fields: {
      apiVersion: str, kind: str, metadata: objectMeta, immutable: bool, data: mapOf(bytes), stringData: stringMap, type: str,
    },
  },
  [`${CORE}ServiceAccount`]: {
    description: 'An identity for processes that run in a pod.',
    gvk: { group: '', version: 'v1', kind: 'ServiceAccount' },
    fields: {
      apiVersion: str, kind: str, metadata: objectMeta,
      secrets: keyed(ref(`${CORE}ObjectReference`), 'name'),
      imagePullSecrets: atomic(ref(`${CORE}LocalObjectReference`)),
      automountServiceAccountToken: bool,
    },
  },
  [`${CORE}PersistentVolumeClaimSpec`]: {
    description: 'The storage a claim asks for.',
    fields: {
      accessModes: strings, selector: labelSelector, resources: ref(`${CORE}VolumeResourceRequirements`), volumeName: str,
      storageClassName: str, volumeMode: str, dataSource: free, dataSourceRef: free, volumeAttributesClassName: str,
    },
  },
  [`${CORE}VolumeResourceRequirements`]: {
    description: 'Storage requests and limits.',
    fields: { limits: quantities, requests: quantities },
  },
  [`${CORE}PersistentVolumeClaim`]: {
    description: "A user's request for persistent storage.",
    gvk: { group: '', version: 'v1', kind: 'PersistentVolumeClaim' },
    fields: {
      apiVersion: str, kind: str, metadata: objectMeta, spec: ref(`${CORE}PersistentVolumeClaimSpec`),
      status: ref(`${CORE}PersistentVolumeClaimStatus`),
    },
  },
  [`${CORE}PersistentVolumeClaimStatus`]: {
    description: 'The current status of a claim.',
    open: true,
    fields: { phase: str, accessModes: strings, capacity: quantities, conditions },
  },
  [`${CORE}Event`]: {
    description: 'A report of something that happened in the cluster.',
    gvk: { group: '', version: 'v1', kind: 'Event' },
    fields: {
      apiVersion: str, kind: str, metadata: objectMeta, involvedObject: ref(`${CORE}ObjectReference`), reason: str,
      message: str, source: free, firstTimestamp: time, lastTimestamp: time, count: int32, type: str, eventTime: time,
      series: free, action: str, related: ref(`${CORE}ObjectReference`), reportingComponent: str, reportingInstance: str,
    },
  },
  [`${CORE}Namespace`]: {
    description: 'A scope for names of namespaced objects.',
    gvk: { group: '', version: 'v1', kind: 'Namespace' },
    fields: {
      apiVersion: str, kind: str, metadata: objectMeta,
      spec: ref(`${CORE}NamespaceSpec`),
      status: ref(`${CORE}NamespaceStatus`),
    },
  },
  [`${CORE}NamespaceSpec`]: {
    description: 'The finalizers a namespace waits for before it is removed.',
    fields: { finalizers: strings },
  },
  [`${CORE}NamespaceStatus`]: {
    description: 'The phase of a namespace: Active or Terminating.',
    open: true,
    fields: { phase: str, conditions },
  },
  [`${CORE}Node`]: {
    description: 'A worker machine; the sandbox has exactly one.',
    gvk: { group: '', version: 'v1', kind: 'Node' },
    fields: { apiVersion: str, kind: str, metadata: objectMeta, spec: ref(`${CORE}NodeSpec`), status: ref(`${CORE}NodeStatus`) },
  },
  [`${CORE}NodeSpec`]: {
    description: 'The configuration of a node.',
    open: true,
    fields: { podCIDR: str, podCIDRs: strings, providerID: str, unschedulable: bool, taints: atomic(free) },
  },
  [`${CORE}NodeStatus`]: {
    description: 'The current status of a node.',
    open: true,
    fields: { capacity: quantities, allocatable: quantities, phase: str, conditions, addresses: keyed(free, 'type'), nodeInfo: free },
  },
};
