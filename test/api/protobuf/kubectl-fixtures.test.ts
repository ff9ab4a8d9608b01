// Real request bodies captured from stock kubectl 1.32 (`kubectl create …`, see capture.ts), each
// decoded and compared with what the same command prints with `--dry-run=client -o json`: the
// JSON object kubectl would have sent.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeK8sProtobuf } from '../../../src/api/protobuf/index.js';

const TESTDATA = join(import.meta.dirname, 'testdata');

const FIXTURES = [
  'namespace', // create namespace ns1
  'configmap', // create configmap cm1 --from-literal=a=b --from-literal=c=d
  'configmap-empty-value', // create configmap cm2 --from-literal=x= --append-hash
  'configmap-binary', // create configmap cm3 --from-file=bin=<non-UTF-8 file> --from-literal=t=x
  'secret', // create secret generic s1 --from-literal=k=v
  'secret-binary', // create secret generic s5 --from-file=bin=<non-UTF-8 file> --type=Opaque
  'secret-docker', // create secret docker-registry reg1 --docker-username=u --docker-password=p
  'serviceaccount', // create serviceaccount sa1
  'deployment', // create deployment d1 --image=nginx:1.27 --replicas=3 --port=8080
  'deployment-zero', // create deployment d2 --image=a:1 --image=b:2 --replicas=0
  'service-nodeport', // create service nodeport s2 --tcp=80:8080 --node-port=30080
  'service-clusterip', // create service clusterip s3 --tcp=80:80
  'service-externalname', // create service externalname s4 --external-name=example.com
  'service-loadbalancer', // create service loadbalancer s6 --tcp=443:https
  'job', // create job j1 --image=busybox -- echo hi
  'quota', // create quota q1 --hard=cpu=1,memory=1Gi,pods=2 --scopes=BestEffort
] as const;

function load(name: string): { bin: Buffer; json: unknown } {
  return {
    bin: readFileSync(join(TESTDATA, `${name}.bin`)),
    json: JSON.parse(readFileSync(join(TESTDATA, `${name}.json`), 'utf8')),
  };
}

describe('kubectl protobuf bodies decode to the JSON kubectl would send', () => {
  it.each(FIXTURES)('%s', (name) => {
    const { bin, json } = load(name);
    expect(bin.subarray(0, 4).toString('latin1')).toBe('k8s\0');
    expect(decodeK8sProtobuf(bin)).toEqual(json);
  });
});

describe('details the fixtures pin down', () => {
  it('keeps a pointer field set to zero (replicas: 0) and drops zero non-pointer fields', () => {
    const d = decodeK8sProtobuf(load('deployment-zero').bin);
    expect(d.spec.replicas).toBe(0);
    // The body carries minReadySeconds 0 and paused false; Go's JSON omits both.
    expect(d.spec).not.toHaveProperty('minReadySeconds');
    expect(d.spec).not.toHaveProperty('paused');
    expect(d.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(['a', 'b']);
  });

  it('emits a zero creationTimestamp as null and leaves out empty metadata strings', () => {
    const ns = decodeK8sProtobuf(load('namespace').bin);
    expect(ns.metadata).toEqual({ name: 'ns1', creationTimestamp: null });
  });

  it('keeps an empty map value and base64-encodes binary data', () => {
    expect(decodeK8sProtobuf(load('configmap-empty-value').bin).data).toEqual({ x: '' });
    const bin = Buffer.from([0, 1, 2, 0xfe, 0xff, 0x80, 10]).toString('base64');
    expect(decodeK8sProtobuf(load('configmap-binary').bin).binaryData).toEqual({ bin });
    expect(decodeK8sProtobuf(load('secret-binary').bin).data).toEqual({ bin });
    expect(decodeK8sProtobuf(load('secret').bin).data).toEqual({ k: Buffer.from('v').toString('base64') });
  });

  it('decodes IntOrString target ports as numbers or names', () => {
    expect(decodeK8sProtobuf(load('service-nodeport').bin).spec.ports[0]).toEqual({
      name: '80-8080',
      protocol: 'TCP',
      port: 80,
      targetPort: 8080,
      nodePort: 30080,
    });
    expect(decodeK8sProtobuf(load('service-loadbalancer').bin).spec.ports[0].targetPort).toBe('https');
  });

  it('decodes quantity maps to strings', () => {
    expect(decodeK8sProtobuf(load('quota').bin).spec.hard).toEqual({ cpu: '1', memory: '1Gi', pods: '2' });
  });
});
