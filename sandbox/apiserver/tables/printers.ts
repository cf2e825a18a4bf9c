// Per-kind Table columns and cells as the real API server prints them (kubernetes
// pkg/printers/internalversion): the registry of printers, and those of the core kinds.

import type { JsonObject } from '../../store/objects.js';
import { age, AGE, col, name, NAME, spec, status, type Printer } from './columns.js';
import { formatLabels, list, num, obj, since, text } from './format.js';
import { podPrinter } from './pod.js';
import {
  controllerRevisionPrinter,
  cronJobPrinter,
  daemonSetPrinter,
  deploymentPrinter,
  hpaPrinter,
  jobPrinter,
  replicaSetPrinter,
  statefulSetPrinter,
} from './workloads.js';

export type { Column, Printed, Printer } from './columns.js';

function externalIps(o: JsonObject): string {
  const s = spec(o);
  const external = list(s.externalIPs).map(String);
  switch (s.type) {
    case 'ExternalName':
      return text(s.externalName);
    case 'LoadBalancer': {
      const ingress = list(obj(status(o).loadBalancer).ingress)
        .map(obj)
        .map((i) => text(i.ip, text(i.hostname)))
        .filter(Boolean);
      const all = [...ingress, ...external];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    default:
      return external.length > 0 ? external.join(',') : '<none>';
  }
}

const servicePrinter: Printer = {
  columns: [
    NAME,
    col('Type', 'The type of the service.'),
    col('Cluster-IP', 'The cluster IP of the service.'),
    col('External-IP', 'The external IP of the service.'),
    col('Port(s)', 'The ports of the service.'),
    AGE,
    col('Selector', 'Route service traffic to pods with label keys and values matching this selector.', 1),
  ],
  print: (o, now) => {
    const s = spec(o);
    const ports = list(s.ports)
      .map(obj)
      .map((p) =>
        p.nodePort
          ? `${num(p.port)}:${num(p.nodePort)}/${text(p.protocol, 'TCP')}`
          : `${num(p.port)}/${text(p.protocol, 'TCP')}`,
      );
    return {
      cells: [
        name(o),
        text(s.type, 'ClusterIP'),
        text(s.clusterIP, '<none>'),
        externalIps(o),
        ports.join(','),
        age(o, now),
        formatLabels(s.selector),
      ],
    };
  },
};

const endpointsPrinter: Printer = {
  columns: [NAME, col('Endpoints', 'Endpoints is the list of endpoints in the service.'), AGE],
  print: (o, now) => {
    // kubectl's formatEndpoints: up to three ip:port pairs, port by port, then a count of the rest.
    const subsets = list(o.subsets).map(obj);
    const shown: string[] = [];
    let total = 0;
    for (const subset of subsets) {
      const addresses = list(subset.addresses).map(obj);
      const ports = list(subset.ports).map(obj);
      for (const port of ports.length > 0 ? ports : [undefined]) {
        total += addresses.length;
        for (const address of addresses) {
          if (shown.length === 3) break;
          shown.push(port ? `${text(address.ip)}:${num(port.port)}` : text(address.ip));
        }
      }
    }
    const cell =
      subsets.length === 0 ? '<none>' : total > 3 ? `${shown.join(',')} + ${total - 3} more...` : shown.join(',');
    return { cells: [name(o), cell, age(o, now)] };
  },
};

const configMapPrinter: Printer = {
  columns: [NAME, col('Data', 'Number of data entries.', 0, 'integer'), AGE],
  print: (o, now) => ({
    cells: [name(o), Object.keys(obj(o.data)).length + Object.keys(obj(o.binaryData)).length, age(o, now)],
  }),
};

const secretPrinter: Printer = {
  columns: [NAME, col('Type', 'The type of the secret.'), col('Data', 'Number of data entries.', 0, 'integer'), AGE],
  print: (o, now) => ({ cells: [name(o), text(o.type, 'Opaque'), Object.keys(obj(o.data)).length, age(o, now)] }),
};

const namespacePrinter: Printer = {
  columns: [NAME, col('Status', 'The status of the namespace.'), AGE],
  print: (o, now) => ({ cells: [name(o), text(status(o).phase, 'Active'), age(o, now)] }),
};

const serviceAccountPrinter: Printer = {
  columns: [
    NAME,
    col(
      'Secrets',
      'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.',
      0,
      'integer',
    ),
    AGE,
  ],
  print: (o, now) => ({ cells: [name(o), list(o.secrets).length, age(o, now)] }),
};

const eventPrinter: Printer = {
  columns: [
    col('Last Seen', 'The time the event was last seen.'),
    col('Type', 'Type of this event (Normal, Warning), new types could be added in the future.'),
    col(
      'Reason',
      "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
    ),
    col('Object', 'The object that this event is about.'),
    col('Subobject', 'The subobject (field path) that this event is about.', 1),
    col('Source', 'The component reporting this event.', 1),
    col('Message', 'A human-readable description of the status of this operation.'),
    col('First Seen', 'The time the event was first seen.', 1),
    col('Count', 'The number of times this event has occurred.', 1),
    col('Name', 'Name must be unique within a namespace.', 1),
  ],
  print: (o, now) => {
    const involved = obj(o.involvedObject);
    const series = obj(o.series);
    const firstSeen = since(text(o.firstTimestamp, text(o.eventTime)), now);
    const lastSeen = o.series
      ? since(series.lastObservedTime, now)
      : text(o.lastTimestamp)
        ? since(o.lastTimestamp, now)
        : firstSeen;
    // Events of the events.k8s.io API carry no count when they happened once.
    const count = o.series ? num(series.count) : num(o.count) || 1;
    const source = obj(o.source);
    const component = text(source.component, text(o.reportingComponent));
    const instance = text(source.host, text(o.reportingInstance));
    const kind = text(involved.kind).toLowerCase();
    return {
      cells: [
        lastSeen,
        text(o.type),
        text(o.reason),
        text(involved.name) ? `${kind}/${text(involved.name)}` : kind,
        text(involved.fieldPath),
        instance ? `${component}, ${instance}` : component,
        text(o.message).trim(),
        firstSeen,
        count,
        name(o),
      ],
    };
  },
};

const ACCESS_MODES: Record<string, string> = {
  ReadWriteOnce: 'RWO',
  ReadOnlyMany: 'ROX',
  ReadWriteMany: 'RWX',
  ReadWriteOncePod: 'RWOP',
};

const pvcPrinter: Printer = {
  columns: [
    NAME,
    col('Status', 'Phase represents the current phase of PersistentVolumeClaim.'),
    col('Volume', 'VolumeName is the binding reference to the PersistentVolume backing this claim.'),
    col('Capacity', 'Capacity represents the actual resources of the underlying volume.'),
    col('Access Modes', 'AccessModes contains the actual access modes the volume backing the PVC has.'),
    col('StorageClass', 'StorageClassName is the name of the StorageClass required by the claim.'),
    col(
      'VolumeAttributesClass',
      'VolumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim.',
    ),
    AGE,
    col('VolumeMode', 'VolumeMode defines what type of volume is required by the claim.', 1),
  ],
  print: (o, now) => {
    const s = spec(o);
    const st = status(o);
    const bound = text(s.volumeName) !== '';
    const modes = (bound ? list(st.accessModes) : []).map((m) => ACCESS_MODES[String(m)] ?? String(m)).join(',');
    const deleting = typeof obj(o.metadata).deletionTimestamp === 'string';
    const legacyClass = obj(obj(o.metadata).annotations)['volume.beta.kubernetes.io/storage-class'];
    return {
      cells: [
        name(o),
        deleting ? 'Terminating' : text(st.phase),
        text(s.volumeName),
        bound ? text(obj(st.capacity).storage) : '',
        modes,
        text(legacyClass, text(s.storageClassName)),
        text(s.volumeAttributesClassName, '<unset>'),
        age(o, now),
        text(s.volumeMode, '<unset>'),
      ],
    };
  },
};

const nodePrinter: Printer = {
  columns: [
    NAME,
    col('Status', 'The status of the node'),
    col('Roles', 'The roles of the node'),
    AGE,
    col('Version', 'Kubelet Version reported by the node.'),
    col('Internal-IP', 'List of addresses reachable to the node. Queried from cloud provider, if available.', 1),
    col('External-IP', 'List of addresses reachable to the node. Queried from cloud provider, if available.', 1),
    col('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
    col('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
    col(
      'Container-Runtime',
      'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).',
      1,
    ),
  ],
  print: (o, now) => {
    const st = status(o);
    const readyCondition = list(st.conditions)
      .map(obj)
      .find((c) => c.type === 'Ready');
    let state = readyCondition ? (readyCondition.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown';
    if (spec(o).unschedulable === true) state += ',SchedulingDisabled';
    const roles = Object.keys(obj(obj(o.metadata).labels))
      .filter((key) => key.startsWith('node-role.kubernetes.io/'))
      .map((key) => key.slice('node-role.kubernetes.io/'.length))
      .filter(Boolean)
      .sort();
    const addresses = list(st.addresses).map(obj);
    const address = (type: string): string => text(addresses.find((a) => a.type === type)?.address, '<none>');
    const info = obj(st.nodeInfo);
    return {
      cells: [
        name(o),
        state,
        roles.length > 0 ? roles.join(',') : '<none>',
        age(o, now),
        text(info.kubeletVersion),
        address('InternalIP'),
        address('ExternalIP'),
        text(info.osImage, '<unknown>'),
        text(info.kernelVersion, '<unknown>'),
        text(info.containerRuntimeVersion, '<unknown>'),
      ],
    };
  },
};

const leasePrinter: Printer = {
  columns: [NAME, col('Holder', 'The holder of the lease.'), AGE],
  print: (o, now) => ({ cells: [name(o), text(spec(o).holderIdentity), age(o, now)] }),
};

const storageClassPrinter: Printer = {
  columns: [
    NAME,
    col('Provisioner', 'Indicates the type of the provisioner.'),
    col(
      'ReclaimPolicy',
      'Dynamically provisioned PersistentVolumes of this storage class are created with this reclaimPolicy. Defaults to Delete.',
    ),
    col(
      'VolumeBindingMode',
      'VolumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound. When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature.',
    ),
    col('AllowVolumeExpansion', 'AllowVolumeExpansion shows whether the storage class allow volume expand.'),
    AGE,
  ],
  print: (o, now) => {
    const annotations = obj(obj(o.metadata).annotations);
    const isDefault =
      annotations['storageclass.kubernetes.io/is-default-class'] === 'true' ||
      annotations['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
    return {
      cells: [
        isDefault ? `${name(o)} (default)` : name(o),
        text(o.provisioner),
        text(o.reclaimPolicy, 'Delete'),
        text(o.volumeBindingMode, 'Immediate'),
        o.allowVolumeExpansion === true,
        age(o, now),
      ],
    };
  },
};

/** NAME AGE: what the real server prints for kinds without a dedicated printer. */
export const DEFAULT_PRINTER: Printer = {
  columns: [NAME, AGE],
  print: (o, now) => ({ cells: [name(o), age(o, now)] }),
};

export const PRINTERS: Readonly<Record<string, Printer>> = {
  Pod: podPrinter,
  Deployment: deploymentPrinter,
  ReplicaSet: replicaSetPrinter,
  StatefulSet: statefulSetPrinter,
  DaemonSet: daemonSetPrinter,
  Job: jobPrinter,
  CronJob: cronJobPrinter,
  Service: servicePrinter,
  Endpoints: endpointsPrinter,
  ConfigMap: configMapPrinter,
  Secret: secretPrinter,
  Namespace: namespacePrinter,
  ServiceAccount: serviceAccountPrinter,
  Event: eventPrinter,
  PersistentVolumeClaim: pvcPrinter,
  Node: nodePrinter,
  Lease: leasePrinter,
  StorageClass: storageClassPrinter,
  HorizontalPodAutoscaler: hpaPrinter,
  ControllerRevision: controllerRevisionPrinter,
};
