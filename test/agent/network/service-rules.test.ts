import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderServiceRules, usableEndpoints } from '../../../src/agent/network/service-rules.js';
import type { ServiceEndpoint, ServicePortRule } from '../../../src/agent/types.js';

const ep = (ip: string, port: number, ready = true, terminating = false): ServiceEndpoint => ({
  ip,
  port,
  ready,
  terminating,
});

const rule = (over: Partial<ServicePortRule>): ServicePortRule => ({
  namespace: 'default',
  service: 'web',
  portName: 'http',
  protocol: 'TCP',
  clusterIP: '10.96.0.10',
  port: 80,
  endpoints: [ep('10.244.1.5', 8080), ep('10.244.1.6', 8080)],
  ...over,
});

const canCheck = process.getuid?.() === 0 && existsSync('/usr/sbin/nft');

function nftCheck(script: string): void {
  execFileSync('nft', ['-c', '-f', '-'], { input: script, encoding: 'utf8' });
}

/** The body of chain `name` (lines between its header and closing brace). */
function chainBody(script: string, prefix: string): string[] {
  const lines = script.split('\n');
  const start = lines.findIndex((l) => l.trim().startsWith(`chain ${prefix}`));
  expect(start, `chain ${prefix}`).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((l, i) => i > start && l.trim() === '}');
  return lines.slice(start + 1, end).map((l) => l.trim());
}

describe('usableEndpoints', () => {
  it('keeps ready, non-terminating endpoints, sorted and de-duplicated', () => {
    const got = usableEndpoints([
      ep('10.0.0.9', 80),
      ep('10.0.0.10', 80),
      ep('10.0.0.9', 80),
      ep('10.0.0.3', 80, false),
      ep('10.0.0.4', 80, true, true),
      ep('bogus', 80),
    ]);
    expect(got.map((e) => e.ip)).toEqual(['10.0.0.9', '10.0.0.10']);
  });

  it('falls back to ready terminating endpoints, never to unready ones', () => {
    expect(
      usableEndpoints([ep('10.0.0.3', 80, false), ep('10.0.0.4', 80, true, true)]).map((e) => e.ip),
    ).toEqual(['10.0.0.4']);
    expect(usableEndpoints([ep('10.0.0.3', 80, false), ep('10.0.0.4', 80, false, true)])).toEqual([]);
  });
});

describe('renderServiceRules', () => {
  it('replaces the table in one transaction', () => {
    const script = renderServiceRules('gantry-svc', [rule({})], []);
    const lines = script.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'table ip gantry-svc',
      'delete table ip gantry-svc',
      'table ip gantry-svc {',
    ]);
    expect(script.endsWith('}\n')).toBe(true);
  });

  it('DNATs a ClusterIP to a random ready endpoint', () => {
    const script = renderServiceRules('t', [rule({})], []);
    expect(script).toMatch(/10\.96\.0\.10 \. tcp \. 80 : goto svc-[0-9A-F]{8}-default\/web\/tcp\/http/);
    const svc = chainBody(script, 'svc-');
    expect(svc).toHaveLength(1);
    expect(svc[0]).toMatch(
      /^numgen random mod 2 vmap \{ 0 : goto ep-\S+__10\.244\.1\.5\/8080, 1 : goto ep-\S+__10\.244\.1\.6\/8080 \}$/,
    );
    const ep5 = chainBody(script, 'ep-');
    expect(ep5).toEqual([
      'ip saddr 10.244.1.5 jump mark-for-masquerade',
      'meta l4proto tcp dnat to 10.244.1.5:8080',
    ]);
    expect(script).toContain('ip daddr . meta l4proto . th dport vmap @service-ips');
    expect(script).toContain('type nat hook prerouting priority dstnat; policy accept;');
    expect(script).toContain('type nat hook output priority -100; policy accept;');
  });

  it('goes straight to a single endpoint and leaves unready ones out', () => {
    const script = renderServiceRules(
      't',
      [rule({ endpoints: [ep('10.244.1.5', 8080), ep('10.244.1.6', 8080, false)] })],
      [],
    );
    expect(chainBody(script, 'svc-')).toEqual([expect.stringMatching(/^goto ep-\S+__10\.244\.1\.5\/8080$/)]);
    expect(script).not.toContain('10.244.1.6');
  });

  it('rejects services without usable endpoints (tcp reset, icmp otherwise)', () => {
    const script = renderServiceRules(
      't',
      [
        rule({ endpoints: [ep('10.244.1.6', 8080, false)], nodePort: 30080 }),
        rule({ service: 'dns', protocol: 'UDP', clusterIP: '10.96.0.53', port: 53, endpoints: [] }),
      ],
      [],
    );
    expect(script).toContain('10.96.0.10 . tcp . 80 : goto reject-chain');
    expect(script).toContain('10.96.0.53 . udp . 53 : goto reject-chain');
    expect(script).toContain('tcp . 30080 : goto reject-chain');
    expect(chainBody(script, 'reject-chain')).toEqual([
      'meta l4proto tcp reject with tcp reset',
      'reject with icmp type port-unreachable',
    ]);
    expect(chainBody(script, 'filter-forward')).toContain(
      'ct state new ip daddr . meta l4proto . th dport vmap @no-endpoint-services',
    );
    expect(script).not.toMatch(/chain svc-/);
  });

  it('serves NodePorts on every local address, marking them for masquerade', () => {
    const script = renderServiceRules('t', [rule({ nodePort: 30080 })], []);
    expect(script).toContain('fib daddr type local meta l4proto . th dport vmap @service-nodeports');
    expect(script).toMatch(/tcp \. 30080 : goto ext-[0-9A-F]{8}-default\/web\/tcp\/http/);
    const ext = chainBody(script, 'ext-');
    expect(ext[0]).toBe('jump mark-for-masquerade');
    expect(ext[1]).toMatch(/^goto svc-[0-9A-F]{8}-default\/web\/tcp\/http$/);
    expect(chainBody(script, 'masquerading')).toEqual([
      'meta mark & 0x4000 == 0 return',
      'meta mark set meta mark ^ 0x4000',
      'masquerade fully-random',
    ]);
    expect(chainBody(script, 'nat-postrouting')).toContain('jump masquerading');
  });

  it('restricts NodePorts to the node IPs and loopback when given', () => {
    const script = renderServiceRules('t', [rule({ nodePort: 30080 })], ['192.168.1.10', 'fe80::1']);
    expect(script).toContain(
      'ip daddr { 127.0.0.1, 192.168.1.10 } meta l4proto . th dport vmap @service-nodeports',
    );
    expect(script).not.toContain('fib daddr');
  });

  it('is deterministic and skips invalid or duplicate rules', () => {
    const a = rule({});
    const b = rule({ service: 'api', clusterIP: '10.96.0.11', endpoints: [ep('10.244.1.7', 9000)] });
    const headless = rule({ service: 'headless', clusterIP: 'None' });
    const dup = rule({ service: 'zzz' }); // same ClusterIP/port as a
    const one = renderServiceRules('t', [a, b, headless, dup], []);
    expect(renderServiceRules('t', [dup, headless, b, a], [])).toBe(one);
    expect(one.match(/10\.96\.0\.10 \. tcp \. 80 :/g)).toHaveLength(1);
    expect(one).not.toContain('headless');
  });

  it('keeps odd names from reaching the script unescaped', () => {
    const script = renderServiceRules('t', [rule({ namespace: 'a b;', service: 'x}{', portName: '' })], []);
    expect(script).toContain('svc-');
    expect(script).not.toMatch(/a b;|x\}\{/);
    expect(() => renderServiceRules('bad name', [], [])).toThrow();
  });

  it.skipIf(!canCheck)('passes `nft -c` with NodePorts, UDP, fallbacks and an empty rule set', () => {
    nftCheck(renderServiceRules('gantry-rules-check', [], []));
    nftCheck(
      renderServiceRules(
        'gantry-rules-check',
        [
          rule({ nodePort: 30080 }),
          rule({
            service: 'dns',
            protocol: 'UDP',
            portName: 'dns',
            clusterIP: '10.96.0.53',
            port: 53,
            endpoints: [ep('10.244.1.2', 53)],
          }),
          rule({ service: 'gone', clusterIP: '10.96.0.12', nodePort: 30081, endpoints: [] }),
          rule({ service: 'old', clusterIP: '10.96.0.13', endpoints: [ep('10.244.1.9', 80, true, true)] }),
          rule({
            service: 'odd',
            namespace: 'ns_1',
            portName: '',
            clusterIP: '10.96.0.14',
            endpoints: [ep('10.244.1.9', 80)],
          }),
        ],
        ['192.168.1.10'],
      ),
    );
  });
});
