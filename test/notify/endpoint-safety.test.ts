/** The SSRF rules as pure functions: addresses, URLs, resolved names. */
import { describe, expect, it } from 'vitest';
import { blockedReason, checkAddresses, isEndpointAllowed, vetEndpoint } from '../../src/notify/index.ts';
import { fakeResolver } from './helpers.ts';

describe('blockedReason', () => {
  const blocked = [
    '127.0.0.1', '127.255.255.254', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.0.1', '169.254.169.254',
    '0.0.0.0', '100.64.0.1', '224.0.0.1', '255.255.255.255', '198.18.0.1',
    '::', '::1', '[::1]', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:169.254.169.254',
    'fc00::1', 'fd00:ec2::254', 'fe80::1', 'fe80::1%eth0', 'ff02::1', '64:ff9b::7f00:1', '2002:7f00:1::1', '2001:db8::1', '::127.0.0.1',
  ];
  for (const ip of blocked) it(`blocks ${ip}`, () => expect(blockedReason(ip)).toBeTruthy());

  const allowed = ['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:93.184.216.34', '2002:5db8:d822::1'];
  for (const ip of allowed) it(`allows public ${ip}`, () => expect(blockedReason(ip)).toBeUndefined());
});

describe('isEndpointAllowed', () => {
  it('allows https to public hosts and addresses', () => {
    expect(isEndpointAllowed('https://hooks.example.com/pas', []).ok).toBe(true);
    expect(isEndpointAllowed('https://93.184.216.34:8443/pas', []).ok).toBe(true);
  });

  it('refuses plain http, other schemes and credentials', () => {
    expect(isEndpointAllowed('http://hooks.example.com/pas', [])).toMatchObject({ ok: false, reason: expect.stringMatching(/https/) });
    expect(isEndpointAllowed('file:///etc/passwd', []).ok).toBe(false);
    expect(isEndpointAllowed('gopher://hooks.example.com/', []).ok).toBe(false);
    expect(isEndpointAllowed('https://u:p@hooks.example.com/', []).ok).toBe(false);
    expect(isEndpointAllowed(`https://hooks.example.com/${'a'.repeat(3000)}`, []).ok).toBe(false);
  });

  it('sees through numeric spellings of loopback (the URL parser normalizes them)', () => {
    for (const u of ['https://2130706433/', 'https://0x7f.1/', 'https://017700000001/', 'https://127.1/']) {
      expect(isEndpointAllowed(u, []), u).toMatchObject({ ok: false, reason: expect.stringMatching(/loopback/) });
    }
  });

  it('refuses localhost names (RFC 6761) and bracketed IPv6 literals', () => {
    expect(isEndpointAllowed('https://localhost/', []).ok).toBe(false);
    expect(isEndpointAllowed('https://api.localhost/', []).ok).toBe(false);
    expect(isEndpointAllowed('https://LOCALHOST./', []).ok).toBe(false);
    expect(isEndpointAllowed('https://[::ffff:169.254.169.254]/', []).ok).toBe(false);
  });

  it('lets allowlisted hosts use http and private addresses, matching without port and case', () => {
    expect(isEndpointAllowed('http://127.0.0.1:9999/hook', ['127.0.0.1'])).toMatchObject({ ok: true, allowlisted: true });
    expect(isEndpointAllowed('http://LocalHost:8080/hook', ['localhost'])).toMatchObject({ ok: true, allowlisted: true });
    expect(isEndpointAllowed('http://[::1]:8080/hook', ['::1'])).toMatchObject({ ok: true, allowlisted: true });
    expect(isEndpointAllowed('http://127.0.0.2/hook', ['127.0.0.1']).ok).toBe(false);
  });
});

describe('checkAddresses and vetEndpoint (DNS)', () => {
  const resolve = fakeResolver({ 'pub.test': ['93.184.216.34'], 'priv.test': ['10.0.0.7'], 'both.test': ['93.184.216.34', 'fd12::1'] });

  it('refuses when any resolved address is blocked', () => {
    expect(checkAddresses('both.test', [{ address: '93.184.216.34' }, { address: 'fd12::1' }])).toMatch(/unique local/);
    expect(checkAddresses('pub.test', [{ address: '93.184.216.34' }])).toBeUndefined();
  });

  it('resolves names at create time; unresolvable names pass to the delivery-time check', async () => {
    expect((await vetEndpoint('https://pub.test/', [], resolve)).ok).toBe(true);
    expect(await vetEndpoint('https://priv.test/', [], resolve)).toMatchObject({ ok: false, reason: expect.stringMatching(/10\.0\.0\.7.*private/) });
    expect((await vetEndpoint('https://both.test/', [], resolve)).ok).toBe(false);
    expect((await vetEndpoint('https://nowhere.test/', [], resolve)).ok).toBe(true);
  });

  it('does not wait forever for DNS', async () => {
    const hang = () => new Promise<never>(() => {});
    const started = Date.now();
    expect((await vetEndpoint('https://slow.test/', [], hang, 50)).ok).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
