// Realistic ConfigMaps for the API benchmarks (1–2 KB of JSON each): labels and annotations as
// GitOps tooling sets them, an application config file, a properties file and a few flags.
// Deterministic in the index, so every run and every store sees the same bytes. Pure.
import type { KObject } from '../../src/api/types.js';

const TEAMS = ['payments', 'search', 'checkout', 'identity', 'catalog', 'ledger', 'notify'] as const;
const LEVELS = ['debug', 'info', 'warn'] as const;
const REGIONS = ['eu-west-1', 'us-east-2', 'ap-south-1'] as const;

function pick<T>(list: readonly T[], i: number): T {
  return list[i % list.length]!;
}

/** A small deterministic mixer, so the data is not a repetition of one string. */
function hash(i: number, salt: number): string {
  let x = (i + 1) * 2654435761 + salt * 40503;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 2246822519) >>> 0;
  return (x ^ (x >>> 13)).toString(16).padStart(8, '0');
}

export function configMapName(i: number): string {
  return `app-config-${String(i).padStart(5, '0')}`;
}

export function benchConfigMap(namespace: string, i: number): KObject {
  const team = pick(TEAMS, i);
  const app = `${team}-svc-${i % 97}`;
  const replicas = 2 + (i % 5);
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: configMapName(i),
      namespace,
      labels: {
        'app.kubernetes.io/name': app,
        'app.kubernetes.io/instance': `${app}-${pick(REGIONS, i)}`,
        'app.kubernetes.io/part-of': team,
        'app.kubernetes.io/managed-by': 'gantry',
        tier: i % 3 === 0 ? 'frontend' : 'backend',
      },
      annotations: {
        'gantry.dev/tracking-id': `${app}:/ConfigMap:${namespace}/${configMapName(i)}`,
        'gantry.dev/source': `git@example.com:platform/deploy.git@${hash(i, 1)}${hash(i, 2)}`,
      },
    },
    data: {
      'application.yaml': [
        'server:',
        `  port: ${8000 + (i % 1000)}`,
        '  shutdownGracePeriod: 20s',
        'database:',
        `  host: ${team}-db.${namespace}.svc.cluster.local`,
        '  port: 5432',
        `  name: ${team.replace('-', '_')}_${i % 13}`,
        '  pool:',
        `    maxOpen: ${10 + (i % 40)}`,
        '    maxIdle: 5',
        '    connMaxLifetime: 30m',
        'cache:',
        `  redis: redis://${team}-cache:6379/${i % 16}`,
        '  ttl: 300s',
        'tracing:',
        `  endpoint: http://otel-collector.observability:4317`,
        `  sampleRatio: 0.${(i % 9) + 1}`,
        '',
      ].join('\n'),
      'logging.properties': [
        `level=${pick(LEVELS, i)}`,
        'format=json',
        `logger.http.level=${pick(LEVELS, i + 1)}`,
        `logger.sql.level=${pick(LEVELS, i + 2)}`,
        'appender.console.target=stdout',
        '',
      ].join('\n'),
      'features.json': JSON.stringify({
        newCheckout: i % 2 === 0,
        searchV2: i % 5 === 0,
        rolloutPercent: (i * 7) % 101,
        region: pick(REGIONS, i),
        build: hash(i, 3),
      }),
      REPLICAS: String(replicas),
      ENVIRONMENT: i % 4 === 0 ? 'production' : 'staging',
      SECRET_REF: `vault:secret/data/${team}/${app}#${hash(i, 4)}`,
    },
  };
}
