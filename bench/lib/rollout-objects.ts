// The objects a user writes for the rollout e2e tests and benchmark: a Deployment or blue/green
// Rollout of the demo web image with an HTTP readiness probe, and NodePort Services. Pure.
import type { KObject } from '../../src/api/types.js';
import { DEMO_IMAGE } from '../../src/cli/demo.js';

export interface WebTemplateOptions {
  readonly app: string;
  readonly version: string;
  /** Readiness probe timing (seconds). */
  readonly periodSeconds?: number;
  readonly initialDelaySeconds?: number;
  /** A container command replacing the image's (e.g. one that exits at once). */
  readonly command?: readonly string[];
  readonly terminationGracePeriodSeconds?: number;
  /**
   * Run httpd under a shell that exits on SIGTERM (the image's httpd, as PID 1, ignores it and
   * would wait for SIGKILL): the common case of an app that stops at once, with no drain of its own.
   */
  readonly exitOnSigterm?: boolean;
}

/** The image's `httpd -f -v -p 80 -h /www`, stopped at once by SIGTERM. */
export const HTTPD_EXITING_ON_SIGTERM = ['sh', '-c', 'trap "exit 0" TERM; httpd -f -v -p 80 -h /www & wait'];

export function demoImage(version: string): string {
  return `${DEMO_IMAGE}:${version}`;
}

export function webTemplate(o: WebTemplateOptions): Record<string, unknown> {
  return {
    metadata: { labels: { app: o.app } },
    spec: {
      ...(o.terminationGracePeriodSeconds !== undefined
        ? { terminationGracePeriodSeconds: o.terminationGracePeriodSeconds }
        : {}),
      containers: [
        {
          name: 'web',
          image: demoImage(o.version),
          imagePullPolicy: 'IfNotPresent',
          ...(o.command
            ? { command: [...o.command] }
            : o.exitOnSigterm
              ? { command: [...HTTPD_EXITING_ON_SIGTERM] }
              : {}),
          ports: [{ name: 'http', containerPort: 80 }],
          readinessProbe: {
            httpGet: { path: '/', port: 'http' },
            periodSeconds: o.periodSeconds ?? 1,
            ...(o.initialDelaySeconds ? { initialDelaySeconds: o.initialDelaySeconds } : {}),
          },
        },
      ],
    },
  };
}

export function namespace(name: string): KObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

export interface DeploymentOptions extends WebTemplateOptions {
  readonly namespace: string;
  readonly name: string;
  readonly replicas: number;
  readonly maxSurge?: number | string;
  readonly maxUnavailable?: number | string;
  readonly progressDeadlineSeconds?: number;
}

export function webDeployment(o: DeploymentOptions): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: o.name, namespace: o.namespace, labels: { app: o.app } },
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: { app: o.app } },
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: o.maxSurge ?? '25%', maxUnavailable: o.maxUnavailable ?? '25%' },
      },
      ...(o.progressDeadlineSeconds ? { progressDeadlineSeconds: o.progressDeadlineSeconds } : {}),
      template: webTemplate(o),
    },
  };
}

export interface BlueGreenOptions extends WebTemplateOptions {
  readonly namespace: string;
  readonly name: string;
  readonly replicas: number;
  readonly activeService: string;
  readonly previewService: string;
  readonly scaleDownDelaySeconds: number;
  readonly abortScaleDownDelaySeconds?: number;
}

export function webBlueGreen(o: BlueGreenOptions): KObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: o.name, namespace: o.namespace, labels: { app: o.app } },
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: { app: o.app } },
      template: webTemplate(o),
      strategy: {
        blueGreen: {
          activeService: o.activeService,
          previewService: o.previewService,
          autoPromotionEnabled: false,
          scaleDownDelaySeconds: o.scaleDownDelaySeconds,
          ...(o.abortScaleDownDelaySeconds !== undefined
            ? { abortScaleDownDelaySeconds: o.abortScaleDownDelaySeconds }
            : {}),
        },
      },
    },
  };
}

export function nodePortService(ns: string, name: string, app: string, nodePort?: number): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: {
      type: 'NodePort',
      selector: { app },
      ports: [{ name: 'http', port: 80, targetPort: 'http', ...(nodePort ? { nodePort } : {}) }],
    },
  };
}

/** The strategic merge patch `kubectl set image deployment/NAME web=IMAGE` sends. */
export function setImageStrategic(image: string, container = 'web'): unknown {
  return { spec: { template: { spec: { containers: [{ name: container, image }] } } } };
}

/** The same change as a JSON patch (for kinds without strategic merge, e.g. a Rollout). */
export function setImageJsonPatch(image: string): unknown[] {
  return [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: image }];
}

/** `kubectl rollout status`'s notion of done for a Deployment. */
export function deploymentComplete(d: KObject): boolean {
  const s = d.status ?? {};
  const want = Number(d.spec?.replicas ?? 1);
  return (
    Number(s.observedGeneration ?? 0) >= Number(d.metadata.generation ?? 0) &&
    Number(s.updatedReplicas ?? 0) === want &&
    Number(s.replicas ?? 0) === want &&
    Number(s.availableReplicas ?? 0) === want
  );
}
