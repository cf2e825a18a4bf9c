// The JSON schema (draft-07) of a podloop project configuration; the single source of what a valid
// .podloop/config.yaml or podloop.dev/config annotation may contain, and of the documented defaults.

const quantity = {
  description: 'A Kubernetes quantity such as 500m, 2, 256Mi or 1Gi.',
  oneOf: [
    { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$' },
    { type: 'number', minimum: 0 },
  ],
};

const resourceList = {
  type: 'object',
  description: 'Resource name (cpu, memory, ephemeral-storage, ...) to quantity.',
  propertyNames: { pattern: '^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$' },
  additionalProperties: quantity,
};

const stringList = { type: 'array', items: { type: 'string' } };

const envName = { type: 'string', minLength: 1, pattern: '^[-._a-zA-Z][-._a-zA-Z0-9]*$' };

const container = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: {
      type: 'string',
      minLength: 1,
      description: 'The container this entry configures. Default: the container dev mode picks (the first one).',
    },
    image: {
      type: 'string',
      minLength: 1,
      description:
        'The dev image that replaces the container image. Default: podloop/<language>-dev for the detected language ' +
        '(images the podloop sandbox ships); on a real cluster set an image your cluster can pull.',
    },
    workDir: {
      type: 'string',
      pattern: '^/',
      description:
        'Absolute path in the container that the project folder syncs to. Default: the container workingDir, else /app.',
    },
    shell: { type: 'string', minLength: 1, description: 'Shell for terminals and commands. Default: /bin/sh.' },
    command: {
      type: 'object',
      additionalProperties: false,
      description: 'Commands run inside the dev container, as argv arrays.',
      properties: {
        run: { ...stringList, description: 'Starts the program. Default: none.' },
        debug: { ...stringList, description: 'Starts the program under a debugger. Default: none.' },
      },
    },
    debug: {
      type: 'object',
      additionalProperties: false,
      properties: {
        language: {
          enum: ['node', 'python', 'java', 'go'],
          description: 'Debugger flavour. Default: the detected language.',
        },
        remotePort: {
          type: 'integer',
          minimum: 1,
          maximum: 65535,
          description: 'Port the debugger listens on in the container.',
        },
      },
    },
    hotReload: { type: 'boolean', description: 'Re-run command.run after each synced change. Default: false.' },
    sync: {
      type: 'object',
      additionalProperties: false,
      properties: {
        include: { ...stringList, description: 'gitignore-syntax patterns to sync. Default: everything.' },
        exclude: {
          ...stringList,
          description: "gitignore-syntax patterns never synced, on top of the project's .gitignore. Default: none.",
        },
        mode: {
          enum: ['one-way', 'two-way'],
          description:
            'one-way: local to container only. two-way: files written in the container come back too (the container is scanned every second). ' +
            'When a path changed on both sides, the newer write (mtime) stays and the other version is kept beside it as PATH.conflict ' +
            '(PATH.conflict.2, .3... when taken); on equal mtimes the local one stays. Default: one-way.',
        },
      },
    },
    env: {
      description:
        'Extra environment; replaces variables of the same name. A list of {name, value} or a NAME: value map.',
      oneOf: [
        {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'value'],
            properties: { name: envName, value: { type: ['string', 'number', 'boolean'] } },
          },
        },
        {
          type: 'object',
          propertyNames: envName,
          additionalProperties: { type: ['string', 'number', 'boolean'] },
        },
      ],
    },
    resources: {
      type: 'object',
      additionalProperties: false,
      description: 'Replaces the container resources while in dev mode. Default: the container keeps its own.',
      properties: { requests: resourceList, limits: resourceList },
    },
    persistentDirs: {
      type: 'array',
      description: 'Directories kept across dev sessions, each on its own PersistentVolumeClaim created once.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['path'],
        properties: {
          path: { type: 'string', pattern: '^/' },
          size: { ...quantity, description: 'Claim size. Default: 1Gi.' },
          storageClass: {
            type: 'string',
            minLength: 1,
            description: "The claim's StorageClass. Default: the cluster's default class.",
          },
        },
      },
    },
    portForward: {
      type: 'array',
      description: 'Ports forwarded while in dev mode, as "LOCAL:REMOTE".',
      items: { type: 'string', pattern: '^[0-9]{1,5}:[0-9]{1,5}$' },
    },
  },
};

export const projectConfigSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://podloop.dev/schemas/config.json',
  title: 'podloop project configuration',
  type: 'object',
  additionalProperties: false,
  required: ['version', 'workloads'],
  properties: {
    version: { const: 1, description: 'Schema version; always 1.' },
    workloads: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['kind', 'name', 'containers'],
        properties: {
          kind: { enum: ['Deployment', 'StatefulSet', 'DaemonSet', 'Pod', 'Job', 'CronJob'] },
          name: { type: 'string', minLength: 1 },
          namespace: { type: 'string', minLength: 1, description: 'Default: matches the workload in any namespace.' },
          containers: { type: 'array', minItems: 1, items: container },
        },
      },
    },
  },
} as const;
