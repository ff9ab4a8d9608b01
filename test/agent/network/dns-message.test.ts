import { describe, expect, it } from 'vitest';
import { answerQuery, CLUSTER_DNS_TTL } from '../../../src/agent/network/dns-answer.js';
import {
  aRecord,
  aRecordIp,
  DnsClass,
  DnsFormatError,
  type DnsMessage,
  DnsType,
  decodeMessage,
  encodeMessage,
  Rcode,
} from '../../../src/agent/network/dns-message.js';
import { parseNameservers, podResolvConf } from '../../../src/agent/network/resolv-conf.js';

const query = (name: string, type: number = DnsType.A, over: Partial<DnsMessage> = {}): DnsMessage => ({
  id: 0x1234,
  qr: false,
  opcode: 0,
  aa: false,
  tc: false,
  rd: true,
  ra: false,
  rcode: 0,
  questions: [{ name, type, class: DnsClass.IN }],
  answers: [],
  authorities: [],
  additionals: [],
  ...over,
});

const services: Record<string, string[]> = {
  'web.default.svc.cluster.local': ['10.96.0.10'],
  'multi.default.svc.cluster.local': ['10.96.0.11', '10.96.0.12'],
  'headless.default.svc.cluster.local': [],
};
const lookup = (name: string) => services[name];

function answered(v: ReturnType<typeof answerQuery>): DnsMessage {
  if (v.kind !== 'answer') {
    throw new Error('expected an answer');
  }
  // Round-trip through the wire format so the encoder is exercised too.
  return decodeMessage(encodeMessage(v.response));
}

describe('dns wire format', () => {
  it('round-trips a query and an answer, compressing repeated names', () => {
    const q = query('Web.Default.svc.cluster.local');
    const wire = encodeMessage(q);
    expect(decodeMessage(wire)).toEqual(q);
    const resp = encodeMessage({
      ...q,
      qr: true,
      answers: [
        aRecord(q.questions[0]?.name ?? '', '10.96.0.10', 5),
        aRecord('web.default.svc.cluster.local', '10.1.2.3', 5),
      ],
    });
    // the answer names are 2-byte pointers to the question name
    expect(resp.length).toBe(wire.length + 2 * (2 + 10 + 4));
    const back = decodeMessage(resp);
    expect(back.answers.map(aRecordIp)).toEqual(['10.96.0.10', '10.1.2.3']);
    expect(back.answers[0]?.name).toBe('Web.Default.svc.cluster.local');
  });

  it('rejects malformed messages', () => {
    expect(() => decodeMessage(Buffer.alloc(5))).toThrow(DnsFormatError);
    const wire = encodeMessage(query('web.default.svc.cluster.local'));
    expect(() => decodeMessage(wire.subarray(0, wire.length - 3))).toThrow(DnsFormatError);
    const loop = Buffer.from(wire.subarray(0, 12));
    loop.writeUInt16BE(1, 4);
    expect(() => decodeMessage(Buffer.concat([loop, Buffer.from([0xc0, 12, 0, 1, 0, 1])]))).toThrow(/loop/);
  });

  it('truncates to the size limit by setting TC', () => {
    const big = {
      ...query('x.default.svc.cluster.local'),
      qr: true,
      answers: Array.from({ length: 40 }, (_, i) => aRecord('x.default.svc.cluster.local', `10.0.0.${i}`, 5)),
    };
    const small = decodeMessage(encodeMessage(big, { maxBytes: 512 }));
    expect(small.tc).toBe(true);
    expect(small.answers).toEqual([]);
    expect(decodeMessage(encodeMessage(big)).answers).toHaveLength(40);
  });
});

describe('answerQuery', () => {
  it('answers A records for services, case-insensitively, with the question echoed', () => {
    const r = answered(answerQuery(query('WEB.default.svc.cluster.local.'), 'cluster.local', lookup, true));
    expect(r.rcode).toBe(Rcode.NOERROR);
    expect(r.aa).toBe(true);
    expect(r.id).toBe(0x1234);
    expect(r.questions[0]?.name).toBe('WEB.default.svc.cluster.local');
    expect(r.answers.map(aRecordIp)).toEqual(['10.96.0.10']);
    expect(r.answers[0]?.ttl).toBe(CLUSTER_DNS_TTL);
    const multi = answered(
      answerQuery(query('multi.default.svc.cluster.local'), 'cluster.local', lookup, true),
    );
    expect(multi.answers.map(aRecordIp)).toEqual(['10.96.0.11', '10.96.0.12']);
  });

  it('returns NXDOMAIN with an SOA for unknown cluster names', () => {
    const r = answered(answerQuery(query('nope.default.svc.cluster.local'), 'cluster.local', lookup, true));
    expect(r.rcode).toBe(Rcode.NXDOMAIN);
    expect(r.answers).toEqual([]);
    expect(r.authorities[0]?.type).toBe(DnsType.SOA);
    expect(r.authorities[0]?.name).toBe('cluster.local');
  });

  it('returns NODATA for other types of known names and for empty services', () => {
    const aaaa = answered(
      answerQuery(query('web.default.svc.cluster.local', DnsType.AAAA), 'cluster.local', lookup, true),
    );
    expect(aaaa.rcode).toBe(Rcode.NOERROR);
    expect(aaaa.answers).toEqual([]);
    const empty = answered(
      answerQuery(query('headless.default.svc.cluster.local'), 'cluster.local', lookup, true),
    );
    expect(empty.rcode).toBe(Rcode.NOERROR);
    expect(empty.answers).toEqual([]);
  });

  it('answers pod names of the form a-b-c-d.<ns>.pod.<domain>', () => {
    const r = answered(
      answerQuery(query('10-244-1-5.default.pod.cluster.local'), 'cluster.local', lookup, false),
    );
    expect(r.answers.map(aRecordIp)).toEqual(['10.244.1.5']);
  });

  it('forwards names outside the domain, or fails them when there is nowhere to forward', () => {
    expect(answerQuery(query('example.com'), 'cluster.local', lookup, true)).toEqual({ kind: 'forward' });
    expect(answerQuery(query('notcluster.local'), 'cluster.local', lookup, true)).toEqual({
      kind: 'forward',
    });
    expect(answered(answerQuery(query('example.com'), 'cluster.local', lookup, false)).rcode).toBe(
      Rcode.SERVFAIL,
    );
  });

  it('refuses what it does not implement', () => {
    expect(
      answered(
        answerQuery(
          query('web.default.svc.cluster.local', DnsType.A, { opcode: 2 }),
          'cluster.local',
          lookup,
          true,
        ),
      ).rcode,
    ).toBe(Rcode.NOTIMP);
    expect(answered(answerQuery({ ...query('x'), questions: [] }, 'cluster.local', lookup, true)).rcode).toBe(
      Rcode.FORMERR,
    );
  });
});

describe('resolv.conf', () => {
  it('renders a pod resolv.conf', () => {
    expect(podResolvConf('staging', '10.244.1.1')).toBe(
      'nameserver 10.244.1.1\nsearch staging.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n',
    );
    expect(podResolvConf('a', '10.0.0.1', 'corp.example')).toContain(
      'search a.svc.corp.example svc.corp.example corp.example',
    );
  });

  it('reads name servers from a host resolv.conf', () => {
    expect(
      parseNameservers('# comment\nnameserver 1.1.1.1\nsearch x\nnameserver  ::1 # local\nnameserver\n'),
    ).toEqual(['1.1.1.1', '::1']);
  });
});
