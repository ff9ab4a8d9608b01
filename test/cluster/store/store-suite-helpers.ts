// Shared pieces of the Store conformance suite (store-suite.ts): fixtures, an event recorder
// and the per-test context each group of cases receives.
import { expect } from 'vitest';
import type { KObject } from '../../../src/api/types.js';
import { type Store, StoreError, type StoreEvent, type Watch } from '../../../src/cluster/store/types.js';

/** What each group of conformance cases gets from storeSuite. */
export interface SuiteContext {
  /** A new empty store (closed after the test); with historySize, one keeping only that many events. */
  fresh(historySize?: number): Promise<Store>;
  /** Starts a watch whose events land in a Recorder. */
  record(store: Store, prefix: string, from?: number): Recorder;
  /** Whether fresh(historySize) is available (the backend can bound its watch history). */
  readonly hasHistoryLimit: boolean;
}

export const DEPLOYS = '/apps/deployments/';

export function deployment(ns: string, name: string, replicas = 1, uid = `uid-${ns}-${name}`): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, uid, labels: { app: name } },
    spec: { replicas, template: { spec: { containers: [{ name: 'c', image: 'img:1' }] } } },
  };
}

export function keyOf(ns: string, name: string): string {
  return `${DEPLOYS}${ns}/${name}`;
}

/** Collects a watch's events; waitFor(n) resolves once n arrived (fails after a timeout). */
export class Recorder {
  readonly events: StoreEvent[] = [];
  watch?: Watch;
  private waiters: { n: number; resolve: () => void }[] = [];

  readonly onEvent = (e: StoreEvent): void => {
    this.events.push(e);
    this.waiters = this.waiters.filter((w) => {
      if (this.events.length >= w.n) {
        w.resolve();
        return false;
      }
      return true;
    });
  };

  async waitFor(n: number, timeoutMs = 2000): Promise<StoreEvent[]> {
    if (this.events.length < n) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`waited for ${n} events, got ${this.events.length}`)),
          timeoutMs,
        );
        this.waiters.push({
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    }
    return this.events;
  }

  /** Waits for n events, then a little longer to catch any extra (duplicates, leaks). */
  async exactly(n: number): Promise<StoreEvent[]> {
    await this.waitFor(n);
    await settle();
    expect(this.events.length).toBe(n);
    return this.events;
  }
}

export function settle(ms = 30): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function storeError(p: Promise<unknown> | (() => unknown)): Promise<StoreError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    expect(err).toBeInstanceOf(StoreError);
    return err as StoreError;
  }
  throw new Error('expected a StoreError, the call succeeded');
}

export function summary(events: StoreEvent[]): string[] {
  return events.map((e) => `${e.type} ${e.key}@${e.revision}`);
}
