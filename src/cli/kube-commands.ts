// `gantry get` and `gantry logs`: kubectl's two most used read commands, registered on the
// program (main.ts loads this module only when one of them runs, or for help and completion).
import type { Command } from 'commander';
import type { HttpClient } from '../client/http.js';
import { describeError, KUBECONFIG_OPTION, runWithKubeClient } from './app-context.js';
import { type GetFlags, getResources } from './get.js';
import { type LogsFlags, podLogs } from './logs.js';
import type { Output } from './output.js';

function withClient(
  cmd: Command,
  fn: (client: HttpClient, io: { out: Output; err: Output }) => Promise<number>,
): Promise<void> {
  return runWithKubeClient(cmd, (e) => `error: ${describeError(e)}\n`, fn);
}

export function registerKubeCommands(program: Command): void {
  program
    .command('get')
    .description('list resources as kubectl get does (TYPE[,TYPE…] [NAME…] or TYPE/NAME…)')
    .argument('<resource...>', 'resource type (pods, deploy, svc, rollouts.argoproj.io, …) then names')
    .option(...KUBECONFIG_OPTION)
    .option('-n, --namespace <ns>', 'namespace (default: default)')
    .option('-A, --all-namespaces', 'list across all namespaces')
    .option('-l, --selector <selector>', 'label selector, e.g. app=web,tier!=db')
    .option('--field-selector <selector>', 'field selector, e.g. spec.nodeName=n1')
    .option('-o, --output <format>', 'wide | json | yaml | name')
    .option('--show-labels', 'add a LABELS column')
    .option('--no-headers', 'omit the header line')
    .action((args: string[], o: GetFlags & { headers?: boolean }, cmd: Command) =>
      withClient(cmd, (client, io) =>
        getResources({ client, ...io }, args, { ...o, noHeaders: o.headers === false }),
      ),
    );
  program
    .command('logs <pod>')
    .description("print a pod container's log (kubectl logs)")
    .option(...KUBECONFIG_OPTION)
    .option('-n, --namespace <ns>', 'namespace of the pod (default: default)')
    .option('-c, --container <name>', 'container (default: the only or first one)')
    .option('-f, --follow', 'keep printing new lines')
    .option('--tail <n>', 'only the last N lines (-1: all)')
    .option('-p, --previous', "the previous (crashed) instance's log")
    .option('--timestamps', 'prefix each line with its time')
    .action((pod: string, o: LogsFlags, cmd: Command) =>
      withClient(cmd, (client, io) => podLogs({ client, ...io }, pod, o)),
    );
}
