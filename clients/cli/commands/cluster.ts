// `podloop contexts` and `podloop workloads`: read-only views of the kubeconfig and the cluster.
import type { Command } from 'commander';
import { ClusterContexts } from '../../../protocol/cluster.js';
import { WorkloadsList } from '../../../protocol/workloads.js';
import { paint, printJson, printTable } from '../output.js';
import { run } from './action.js';

/** kubectl-style age: 45s, 3m, 5h, 2d. */
export function age(iso: string | undefined, now = Date.now()): string {
  if (iso === undefined) return '';
  const seconds = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

export function registerClusterCommands(program: Command): void {
  program
    .command('contexts')
    .description("list the kubeconfig's contexts")
    .action(
      run(async (globals, _args, engine) => {
        const result = await engine.request(ClusterContexts.type, {});
        if (globals.json === true) return printJson(result);
        printTable(
          ['CURRENT', 'NAME', 'CLUSTER', 'SERVER', 'NAMESPACE'],
          result.contexts.map((context) => [
            context.name === result.activeContext ? '*' : '',
            context.name,
            context.cluster,
            context.server,
            context.namespace ?? '',
          ]),
        );
      }),
    );

  program
    .command('workloads')
    .description('list Deployments, StatefulSets, DaemonSets, Pods, Jobs and CronJobs')
    .option('-A, --all-namespaces', 'list every namespace')
    .action(
      run(async (globals, _args, engine) => {
        const all = globals.allNamespaces === true;
        const result = await engine.request(
          WorkloadsList.type,
          {
            ...(all ? { allNamespaces: true } : {}),
            ...(globals.namespace !== undefined ? { namespace: globals.namespace } : {}),
          },
          { progress: true },
        );
        if (globals.json === true) return printJson(result);
        if (result.items.length === 0) {
          process.stderr.write(
            all ? 'No workloads found.\n' : `No workloads found in namespace ${globals.namespace ?? '(default)'}.\n`,
          );
          return;
        }
        printTable(
          [...(all ? ['NAMESPACE'] : []), 'KIND', 'NAME', 'READY', 'CONTAINERS', 'AGE', 'DEV'],
          result.items.map((item) => [
            ...(all ? [item.namespace] : []),
            item.kind,
            item.name,
            `${item.readyReplicas}/${item.replicas}`,
            item.containers.join(','),
            age(item.createdAt),
            item.devMode ? paint(process.stdout, 'green', 'yes') : '',
          ]),
        );
      }),
    );
}
