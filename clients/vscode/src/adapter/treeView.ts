// Shows the view model in VS Code's tree: icons and descriptions for dev-mode and sync state,
// and context values the menus in package.json match on.
import * as vscode from 'vscode';
import type { DevState, TreeNode, WorkloadNode } from '../model/viewModel.js';
import type { ViewModel } from '../model/store.js';

const devIcons: Record<DevState, vscode.ThemeIcon> = {
  none: new vscode.ThemeIcon('package'),
  starting: new vscode.ThemeIcon('loading~spin'),
  running: new vscode.ThemeIcon('debug-start', new vscode.ThemeColor('testing.iconPassed')),
  ending: new vscode.ThemeIcon('loading~spin'),
  error: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  elsewhere: new vscode.ThemeIcon('lock'),
};

function workloadIcon(node: WorkloadNode): vscode.ThemeIcon {
  if (node.dev === 'running' && node.sync !== undefined) {
    if (node.sync.state === 'error')
      return new vscode.ThemeIcon('sync-ignored', new vscode.ThemeColor('testing.iconFailed'));
    if (node.sync.state === 'syncing' || node.sync.state === 'scanning') return new vscode.ThemeIcon('sync~spin');
    if (node.sync.state === 'paused') return new vscode.ThemeIcon('debug-pause');
  }
  return devIcons[node.dev];
}

function workloadTooltip(node: WorkloadNode): vscode.MarkdownString {
  const { workload } = node;
  const lines = [
    `**${workload.kind} ${workload.namespace}/${workload.name}**`,
    `Ready: ${workload.readyReplicas}/${workload.replicas}`,
    `Containers: ${workload.containers.map((name, index) => `${name} (${workload.images[index] ?? '?'})`).join(', ')}`,
  ];
  if (node.session !== undefined) {
    lines.push(`Dev mode: ${node.session.phase} in container ${node.session.container}`);
    if (node.session.message !== undefined) lines.push(`Last error: ${node.session.message}`);
  }
  if (node.sync !== undefined) lines.push(`Sync: ${node.sync.state}, ${node.sync.totals.files} files synced`);
  return new vscode.MarkdownString(lines.join('\n\n'));
}

export function treeItemOf(node: TreeNode): vscode.TreeItem {
  switch (node.type) {
    case 'context': {
      const item = new vscode.TreeItem(
        node.name,
        node.active ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None,
      );
      item.id = `context:${node.id}`;
      item.iconPath = new vscode.ThemeIcon(node.active ? 'vm-active' : 'vm-outline');
      item.description = node.active ? 'active' : node.server;
      item.contextValue = node.active ? 'podloop.context.active' : 'podloop.context';
      if (!node.active) {
        item.command = { command: 'podloop.useContext', title: 'Use Context', arguments: [node] };
      }
      return item;
    }
    case 'namespace': {
      const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `namespace:${node.id}`;
      item.iconPath = new vscode.ThemeIcon('symbol-namespace');
      if (node.devCount > 0) item.description = `${node.devCount} in dev mode`;
      item.contextValue = 'podloop.namespace';
      return item;
    }
    case 'workload': {
      const item = new vscode.TreeItem(node.workload.name, vscode.TreeItemCollapsibleState.None);
      item.id = `workload:${node.id}`;
      item.iconPath = workloadIcon(node);
      item.description = `${node.workload.kind} · ${node.description}`;
      item.tooltip = workloadTooltip(node);
      item.contextValue = node.dev === 'none' ? 'podloop.workload' : `podloop.workload.dev`;
      return item;
    }
    case 'message': {
      const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
      item.id = `message:${node.id}`;
      item.iconPath = new vscode.ThemeIcon(
        node.command !== undefined ? 'play-circle' : node.severity === 'error' ? 'warning' : 'info',
      );
      if (node.command !== undefined) item.command = { command: node.command, title: node.text };
      return item;
    }
  }
}

/** The tree data provider over a ViewModel; refreshes the whole tree on each model change. */
export class WorkloadTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: { dispose(): void };

  constructor(private readonly model: ViewModel) {
    this.subscription = model.onDidChange(() => this.changed.fire(undefined));
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    return treeItemOf(node);
  }

  getChildren(node?: TreeNode): TreeNode[] {
    return this.model.children(node);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
