// Cluster DNS answers (pure): A records for `<svc>.<ns>.svc.<domain>` from a lookup callback and
// for `a-b-c-d.<ns>.pod.<domain>`, NXDOMAIN for other cluster names, and a verdict to forward
// everything outside the cluster domain.
import { isIpv4 } from './cidr.js';
import {
  aRecord,
  DnsClass,
  type DnsMessage,
  type DnsRecord,
  DnsType,
  Rcode,
  soaRecord,
} from './dns-message.js';

export const CLUSTER_DNS_TTL = 5;

/** Returns the ClusterIPs of a fully qualified, lowercased name without the trailing dot; undefined if unknown. */
export type ServiceLookup = (name: string) => readonly string[] | undefined;

export type DnsVerdict =
  | { readonly kind: 'answer'; readonly response: DnsMessage }
  | { readonly kind: 'forward' };

export function answerQuery(
  query: DnsMessage,
  domain: string,
  lookup: ServiceLookup,
  canRecurse: boolean,
): DnsVerdict {
  const zone = domain.toLowerCase().replace(/\.$/, '');
  const reply = (
    rcode: number,
    answers: readonly DnsRecord[] = [],
    authorities: readonly DnsRecord[] = [],
  ) => ({
    kind: 'answer' as const,
    response: {
      id: query.id,
      qr: true,
      opcode: query.opcode,
      aa: rcode === Rcode.NOERROR || rcode === Rcode.NXDOMAIN,
      tc: false,
      rd: query.rd,
      ra: canRecurse,
      rcode,
      questions: query.questions,
      answers,
      authorities,
      additionals: [],
    },
  });
  if (query.qr) {
    return reply(Rcode.FORMERR);
  }
  if (query.opcode !== 0) {
    return reply(Rcode.NOTIMP);
  }
  const q = query.questions[0];
  if (!q || query.questions.length !== 1) {
    return reply(Rcode.FORMERR);
  }
  const name = q.name.toLowerCase().replace(/\.$/, '');
  if (name !== zone && !name.endsWith(`.${zone}`)) {
    return canRecurse ? { kind: 'forward' } : reply(Rcode.SERVFAIL);
  }
  const soa = soaRecord(zone, CLUSTER_DNS_TTL, 1);
  if (q.class !== DnsClass.IN) {
    return reply(Rcode.NOTIMP);
  }
  if (name === zone) {
    return q.type === DnsType.SOA ? reply(Rcode.NOERROR, [soa]) : reply(Rcode.NOERROR, [], [soa]);
  }
  const ips = podAddress(name, zone) ?? lookup(name);
  if (ips === undefined) {
    return reply(Rcode.NXDOMAIN, [], [soa]);
  }
  const records = ips.filter(isIpv4).map((ip) => aRecord(q.name, ip, CLUSTER_DNS_TTL));
  if (q.type !== DnsType.A || records.length === 0) {
    return reply(Rcode.NOERROR, [], [soa]);
  }
  return reply(Rcode.NOERROR, records);
}

/** `10-244-1-5.default.pod.cluster.local` → ['10.244.1.5']. */
function podAddress(name: string, zone: string): string[] | undefined {
  const labels = name.slice(0, -(zone.length + 1)).split('.');
  if (labels.length !== 3 || labels[2] !== 'pod') {
    return undefined;
  }
  const ip = (labels[0] ?? '').replaceAll('-', '.');
  return isIpv4(ip) ? [ip] : undefined;
}
