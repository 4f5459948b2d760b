import { describe, expect, it } from 'vitest';
import { opsRequest } from '../lib/ops-request.ts';

describe('npm run ops -- cdn …', () => {
  it('turns each command into its ops API call', () => {
    expect(opsRequest(['cdn', 'list'])).toEqual({ method: 'GET', path: '/cdn/pathways' });
    expect(opsRequest(['cdn', 'drain', 'cdn-b'])).toEqual({ method: 'POST', path: '/cdn/pathways/cdn-b/drain' });
    expect(opsRequest(['cdn', 'restore', 'cdn-b'])).toEqual({ method: 'POST', path: '/cdn/pathways/cdn-b/restore' });
    expect(opsRequest(['cdn', 'weight', 'edge', '30'])).toEqual({ method: 'PUT', path: '/cdn/pathways/edge/weight', body: { weight: 30 } });
    expect(opsRequest(['cdn', 'region', 'IN', 'cdn-b,edge'])).toEqual({ method: 'PUT', path: '/cdn/regions/IN', body: { pathways: ['cdn-b', 'edge'] } });
    expect(opsRequest(['cdn', 'region', 'IN', 'none'])).toEqual({ method: 'PUT', path: '/cdn/regions/IN', body: { pathways: null } });
    expect(opsRequest(['cdn', 'surge', '3000000'])).toEqual({ method: 'PUT', path: '/cdn/surge', body: { capBps: 3_000_000 } });
    expect(opsRequest(['cdn', 'surge', 'off'])).toEqual({ method: 'PUT', path: '/cdn/surge', body: { capBps: null } });
    expect(opsRequest(['cdn', 'audit'])).toEqual({ method: 'GET', path: '/cdn/audit?limit=20' });
  });

  it('refuses bad commands naming what is wrong', () => {
    expect(() => opsRequest([])).toThrow(/area: expected "cdn"/);
    expect(() => opsRequest(['cdn', 'explode'])).toThrow(/expected list, drain/);
    expect(() => opsRequest(['cdn', 'drain'])).toThrow(/pathway: expected an id/);
    expect(() => opsRequest(['cdn', 'drain', '../x'])).toThrow(/pathway: expected an id/);
    expect(() => opsRequest(['cdn', 'weight', 'edge', '-3'])).toThrow(/weight: expected an integer in 0..1000, received "-3"/);
    expect(() => opsRequest(['cdn', 'weight', 'edge', '5', 'more'])).toThrow(/unexpected "more"/);
    expect(() => opsRequest(['cdn', 'region', 'in', 'edge'])).toThrow(/country/);
    expect(() => opsRequest(['cdn', 'surge', '12'])).toThrow(/surge: expected an integer in 10000/);
  });
});
