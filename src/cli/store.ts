// `gantry store …`: operations on a control plane's store while its servers are stopped.
import type { Command } from 'commander';
import { migrateStore, openMigrationStore } from '../cluster/store/migrate.js';

interface MigrateFlags {
  from: string;
  to: string;
  force?: boolean;
}

export function registerStoreCommands(program: Command): void {
  const store = program.command('store').description("operate on the control plane's store");
  store
    .command('migrate')
    .description(
      'copy every object from one store to another (e.g. sqlite → etcd) and verify the copy; ' +
        'stop the servers first. resourceVersions are renumbered by the destination',
    )
    .requiredOption('--from <spec>', 'source store: sqlite:PATH | etcd:URL[,URL…]')
    .requiredOption('--to <spec>', 'destination store: etcd:URL[,URL…] | sqlite:PATH')
    .option('--force', 'replace what the destination holds instead of refusing a non-empty one')
    .action(async (flags: MigrateFlags) => {
      const out = (line: string) => process.stdout.write(`${line}\n`);
      const from = await openMigrationStore(flags.from, 'source');
      try {
        const to = await openMigrationStore(flags.to, 'destination');
        try {
          const r = await migrateStore(from, to, { force: flags.force === true, log: out });
          out(
            `migrated ${r.copied} objects from ${flags.from} (revision ${r.sourceRevision}) to ${flags.to} ` +
              `(now at revision ${r.destinationRevision})${r.cleared > 0 ? `, replacing ${r.cleared}` : ''}.`,
          );
          out(
            'Revisions cannot be carried across stores: start the servers on the new store and restart ' +
              'agents and other watchers so that they list again.',
          );
        } finally {
          await to.close();
        }
      } finally {
        await from.close();
      }
    });
}
