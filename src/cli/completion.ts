// Shell completion. `gantry completion bash|zsh|fish` prints a script generated from the
// commander command tree (commands, subcommands, flags, which flags take a value); names that
// live in the cluster — Applications, Rollouts, resource types and objects, pods, namespaces —
// come from the hidden `gantry __complete WORDS…`, which asks the API server and prints nothing
// when no cluster answers.
import type { Command, Option } from 'commander';
import { resourcePath } from '../client/http.js';
import { R } from '../client/resources.js';
import { APPLICATION_NAMESPACE } from '../sync/types.js';
import { clientFromKubeconfig, defaultKubeconfigPath } from './app-context.js';
import { loadApiResources, pathInfo, resolveResource, resourceTypeNames } from './discovery.js';

const FORMATS = ['json', 'yaml', 'wide', 'name'];
const SHELLS = ['bash', 'zsh', 'fish'];

interface Node {
  readonly path: string;
  readonly cmd: Command;
}

function visible(cmd: Command): Command[] {
  return cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
}

/** Every command with its path (`''`, `app`, `app get`, …), parents first. */
export function commandPaths(program: Command): Node[] {
  const out: Node[] = [];
  const walk = (cmd: Command, path: string) => {
    out.push({ path, cmd });
    for (const c of visible(cmd)) {
      walk(c, path ? `${path} ${c.name()}` : c.name());
    }
  };
  walk(program, '');
  return out;
}

/** The options a command accepts: its own and its ancestors' (not the program's --version). */
function options(cmd: Command): readonly Option[] {
  const all: Option[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) {
    if (c.parent || c === cmd) {
      all.push(...(c.options as Option[]));
    }
  }
  return all;
}

function flagNames(opts: readonly Option[]): string[] {
  return [
    ...opts.flatMap((o) => [o.long, o.short].filter((f): f is string => typeof f === 'string')),
    '--help',
  ];
}

function takesValue(o: Option): boolean {
  return o.required || o.optional;
}

/** What a command's positional arguments are, for the names completion offers. */
type ArgKind = 'app' | 'rollout' | 'resource' | 'object' | 'pod' | 'shell' | 'none';

function argKind(path: string, position: number): ArgKind {
  const [top, verb] = path.split(' ');
  if (top === 'app' && verb && !['list', 'create'].includes(verb) && position === 0) {
    return 'app';
  }
  if ((top === 'promote' || top === 'rollback') && position === 0) {
    return 'app';
  }
  if (top === 'rollout' && verb && position === 0) {
    return 'rollout';
  }
  if (top === 'get') {
    return position === 0 ? 'resource' : 'object';
  }
  if (top === 'logs' && position === 0) {
    return 'pod';
  }
  if (top === 'completion' && position === 0) {
    return 'shell';
  }
  return 'none';
}

/** Where the words typed so far lead: the command, its positional arguments, the option awaiting a value. */
export function locate(
  program: Command,
  words: readonly string[],
): { node: Node; positionals: string[]; pendingOption?: Option; optionValues: Map<string, string> } {
  let node: Node = { path: '', cmd: program };
  const positionals: string[] = [];
  const optionValues = new Map<string, string>();
  let pending: Option | undefined;
  for (const w of words) {
    if (pending) {
      optionValues.set(pending.attributeName(), w);
      pending = undefined;
      continue;
    }
    if (w.startsWith('-') && w !== '-') {
      const [flag, value] = w.includes('=') ? [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)] : [w];
      const opt = options(node.cmd).find((o) => o.long === flag || o.short === flag);
      if (opt && value !== undefined) {
        optionValues.set(opt.attributeName(), value);
      } else if (opt?.required) {
        pending = opt;
      }
      continue;
    }
    const sub =
      positionals.length === 0
        ? visible(node.cmd).find((c) => c.name() === w || c.aliases().includes(w))
        : undefined;
    if (sub) {
      node = { path: node.path ? `${node.path} ${sub.name()}` : sub.name(), cmd: sub };
    } else {
      positionals.push(w);
    }
  }
  return { node, positionals, ...(pending ? { pendingOption: pending } : {}), optionValues };
}

/** Names from the cluster; [] when it cannot be reached. */
export type NameSource = (
  kind: ArgKind | 'namespace',
  ctx: { namespace?: string; type?: string; kubeconfig?: string },
) => Promise<string[]>;

/** The candidates for the last word (the one being typed), given the words before it. */
export async function completeWords(
  program: Command,
  words: readonly string[],
  names: NameSource,
): Promise<string[]> {
  const cur = words[words.length - 1] ?? '';
  const at = locate(program, words.slice(0, -1));
  const starts = (xs: readonly string[]) => [...new Set(xs)].filter((x) => x.startsWith(cur)).sort();
  const ctx = {
    ...(at.optionValues.get('namespace') ? { namespace: at.optionValues.get('namespace') } : {}),
    ...(at.optionValues.get('kubeconfig') ? { kubeconfig: at.optionValues.get('kubeconfig') } : {}),
  };
  if (at.pendingOption) {
    const o = at.pendingOption;
    if (o.long === '--output') {
      return starts(FORMATS);
    }
    if (o.long === '--namespace') {
      return starts(await names('namespace', ctx));
    }
    return [];
  }
  if (cur.startsWith('-')) {
    return starts(flagNames(options(at.node.cmd)).filter((f) => f.startsWith('--') || cur.length <= 2));
  }
  const subs = visible(at.node.cmd);
  if (subs.length > 0 && at.positionals.length === 0) {
    return starts(subs.map((c) => c.name()));
  }
  const kind = argKind(at.node.path, at.positionals.length);
  if (kind === 'shell') {
    return starts(SHELLS);
  }
  if (kind === 'none') {
    return [];
  }
  return starts(await names(kind, { ...ctx, ...(kind === 'object' ? { type: at.positionals[0] } : {}) }));
}

/** Asks the cluster the kubeconfig names; quietly nothing when it does not answer within 3 s. */
export const clusterNames: NameSource = async (kind, ctx) => {
  let client: Awaited<ReturnType<typeof clientFromKubeconfig>> | undefined;
  try {
    client = await clientFromKubeconfig(ctx.kubeconfig ?? defaultKubeconfigPath());
    const c = client;
    const ns = ctx.namespace || 'default';
    const namesOf = (items: { metadata: { name?: string } }[]) => items.map((i) => i.metadata.name ?? '');
    const work = (async (): Promise<string[]> => {
      switch (kind) {
        case 'app':
          return namesOf((await c.list(R.applications, { namespace: APPLICATION_NAMESPACE })).items);
        case 'rollout':
          return namesOf((await c.list(R.rollouts, { namespace: ns })).items);
        case 'pod':
          return namesOf((await c.list(R.pods, { namespace: ns })).items);
        case 'namespace':
          return namesOf((await c.list(R.namespaces)).items);
        case 'resource':
          return resourceTypeNames(await loadApiResources(c));
        case 'object': {
          const res = resolveResource(ctx.type ?? '', await loadApiResources(c));
          if (!res) {
            return [];
          }
          return namesOf(
            JSON.parse((await c.getRaw(resourcePath(pathInfo(res), ns))).toString('utf8')).items ?? [],
          );
        }
        default:
          return [];
      }
    })();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string[]>((r) => {
      timer = setTimeout(() => r([]), 3000);
    });
    const out = await Promise.race([work.catch(() => []), timeout]);
    clearTimeout(timer);
    return out;
  } catch {
    return [];
  } finally {
    client?.close();
  }
};

/** `case` arms of a shell function: path → words. */
function caseArms(entries: readonly [string, string[]][]): string {
  return entries
    .filter(([, w]) => w.length > 0)
    .map(([p, w]) => `    "${p}") echo "${w.join(' ')}" ;;`)
    .join('\n');
}

/** The bash script (zsh runs it through bashcompinit). */
export function bashScript(program: Command): string {
  const nodes = commandPaths(program);
  const subs = caseArms(nodes.map((n) => [n.path, visible(n.cmd).map((c) => c.name())]));
  const flags = caseArms(nodes.map((n) => [n.path, flagNames(options(n.cmd))]));
  const valued = caseArms(nodes.map((n) => [n.path, flagNames(options(n.cmd).filter(takesValue))]));
  return `# bash completion for gantry (generated by \`gantry completion bash\`)
# load it with:  source <(gantry completion bash)

_gantry_subcommands() {
  case "$1" in
${subs}
  esac
}

_gantry_flags() {
  case "$1" in
${flags}
  esac
}

_gantry_value_flags() {
  case "$1" in
${valued}
  esac
}

_gantry() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" word i skip=0 npos=0 prev_valued=0
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    prev_valued=0
    if ((skip)); then skip=0; continue; fi
    case "$word" in
      -*=*) continue ;;
      -*)
        if [[ " $(_gantry_value_flags "$path") " == *" $word "* ]]; then skip=1; prev_valued=1; fi
        continue ;;
    esac
    if ((npos == 0)) && [[ " $(_gantry_subcommands "$path") " == *" $word "* ]]; then
      path="\${path:+$path }$word"
    else
      npos=$((npos + 1))
    fi
  done
  if ((prev_valued == 0)) && [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(_gantry_flags "$path")" -- "$cur"))
    return 0
  fi
  local subs
  subs="$(_gantry_subcommands "$path")"
  if ((prev_valued == 0)) && ((npos == 0)) && [[ -n "$subs" ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
    return 0
  fi
  # names from the cluster: Applications, Rollouts, resource types and objects, pods
  local IFS=$'\\n'
  COMPREPLY=($("\${COMP_WORDS[0]}" __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
  return 0
}

complete -o default -F _gantry gantry
`;
}

export function zshScript(program: Command): string {
  return `#compdef gantry
# zsh completion for gantry (generated by \`gantry completion zsh\`)
# load it with:  source <(gantry completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bashScript(program).split('\n').slice(2).join('\n')}`;
}

export function fishScript(program: Command): string {
  const lines: string[] = [
    '# fish completion for gantry (generated by `gantry completion fish`)',
    '# load it with:  gantry completion fish | source',
    'complete -c gantry -f',
  ];
  const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  for (const n of commandPaths(program)) {
    const parts = n.path === '' ? [] : n.path.split(' ');
    const subs = visible(n.cmd).map((c) => c.name());
    const cond =
      parts.length === 0
        ? `__fish_use_subcommand`
        : `__fish_seen_subcommand_from ${parts[parts.length - 1]}${
            subs.length ? `; and not __fish_seen_subcommand_from ${subs.join(' ')}` : ''
          }`;
    for (const c of visible(n.cmd)) {
      lines.push(`complete -c gantry -n ${quote(cond)} -a ${c.name()} -d ${quote(c.description())}`);
    }
    for (const o of n.cmd.options as Option[]) {
      const flag = [o.long ? `-l ${o.long.slice(2)}` : '', o.short ? `-s ${o.short.slice(1)}` : '']
        .join(' ')
        .trim();
      const seen =
        parts.length === 0 ? '' : `-n ${quote(`__fish_seen_subcommand_from ${parts[parts.length - 1]}`)} `;
      lines.push(`complete -c gantry ${seen}${flag}${takesValue(o) ? ' -r' : ''} -d ${quote(o.description)}`);
    }
  }
  lines.push(
    "complete -c gantry -n 'not __fish_use_subcommand' -a '(gantry __complete (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)'",
  );
  return `${lines.join('\n')}\n`;
}

export function registerCompletionCommands(program: Command): void {
  program
    .command('completion <shell>')
    .description('print a shell completion script: bash, zsh or fish (e.g. source <(gantry completion bash))')
    .action((shell: string) => {
      const scripts: Record<string, (p: Command) => string> = {
        bash: bashScript,
        zsh: zshScript,
        fish: fishScript,
      };
      const make = scripts[shell];
      if (!make) {
        process.stderr.write(`gantry completion: unknown shell "${shell}": use bash, zsh or fish\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(make(program));
    });
  program
    .command('__complete', { hidden: true })
    .description('print the completions of the last word (used by the completion scripts)')
    .argument('[words...]')
    .allowUnknownOption()
    .helpOption(false)
    .action(async () => {
      // the raw words: options among them belong to the command line being completed
      const words = process.argv.slice(process.argv.indexOf('__complete') + 1);
      const out = await completeWords(program, words.length ? words : [''], clusterNames);
      process.stdout.write(out.map((w) => `${w}\n`).join(''));
    });
}
