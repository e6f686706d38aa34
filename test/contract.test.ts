/**
 * constructs/src/contract.ts is the one definition of what the constructs synthesize and the
 * provider reads: resource types, divergence rules, the lag format. The constructs use it, and
 * every lag they can synthesize is one the format parses back.
 */
import { Testing } from 'cdktf';
import {
  Contract, Divergence, Duration, FieldProtection, Propagation, SyncRoute,
} from '../constructs/src';
import { DIVERGENCE_RULES, isDivergenceRule } from '../constructs/src/contract';
import { campaigns, newApp, platforms } from './rules/harness';

test.each([
  [0, '0s'], [1, '1s'], [59, '59s'], [60, '1m'], [90, '90s'], [300, '5m'], [3600, '1h'], [5400, '90m'], [86400, '1d'], [172800, '2d'], [90000, '25h'],
])('%d seconds is "%s", and parses back', (seconds, text) => {
  expect(Contract.formatLag(seconds)).toBe(text);
  expect(Contract.parseLag(text)).toBe(seconds);
});

test.each([[1.5], [-1], [Number.NaN], [Number.POSITIVE_INFINITY]])('%d seconds has no lag text', (seconds) => {
  expect(() => Contract.formatLag(seconds)).toThrow(`A lag is a whole number of seconds, zero or more; got ${seconds}.`);
});

test.each(['1.5s', '5', 'm', '5 m', ' 5m', '5M', '5w', '-5s', '', '99999999999999999999d'])('"%s" is not a lag', (text) => {
  expect(Contract.parseLag(text)).toBeUndefined();
});

test('Duration.seconds(1.5) is refused at the factory, naming the call and what to write', () => {
  expect(() => Duration.seconds(1.5)).toThrow(
    'Duration.seconds(1.5) is 1.5 seconds: a duration is a whole number of seconds (lags are synthesized as e.g. "90s"). Use Duration.seconds(2) or another whole amount.');
  expect(() => Duration.minutes(0.01)).toThrow('Duration.minutes(0.01) is 0.6 seconds');
  expect(Duration.minutes(0.5).toString()).toBe('30s');
});

test('every Duration a factory makes synthesizes a lag that parses back to its seconds', () => {
  for (const d of [Duration.seconds(0), Duration.seconds(45), Duration.minutes(1.5), Duration.hours(0.25), Duration.hours(36), Duration.days(3)]) {
    expect(Contract.parseLag(d.toString())).toBe(d.toSeconds());
  }
});

test('the Divergence values are the contract\'s divergence rules', () => {
  expect(Object.values(Divergence)).toEqual(Contract.divergenceRules());
  expect(Contract.divergenceRules()).toEqual([...DIVERGENCE_RULES]);
  expect(Object.values(Divergence).every((d) => Contract.isDivergenceRule(d) && isDivergenceRule(d))).toBe(true);
  expect(isDivergenceRule('crm_wins')).toBe(false);
  expect(isDivergenceRule(undefined)).toBe(false);
});

test('the L1 resources use the contract\'s type names', () => {
  expect(FieldProtection.tfResourceType).toBe(Contract.FIELD_PROTECTION_TYPE);
  expect(SyncRoute.tfResourceType).toBe(Contract.SYNC_ROUTE_TYPE);
});

test('a policy synthesizes the contract\'s defaults, and its max_lag in the contract\'s format', () => {
  const { app } = newApp();
  const p = platforms(true);
  const { domain } = campaigns(app, p, { propagation: Propagation.oneWay({ maxLag: Duration.minutes(1.5) }) });
  const { domain: other } = campaigns(app, p, { propagation: undefined }, { id: 'defaults', table: 'other' });
  const route = (d: typeof domain) => Object.values<any>(JSON.parse(Testing.synth(d)).resource.authority_sync_route)[0];
  expect(route(domain).max_lag).toBe('90s');
  expect(route(other).max_lag).toBe(Contract.formatLag(Contract.DEFAULT_MAX_LAG_SECONDS));
  expect(route(other).divergence).toBe(Contract.DEFAULT_DIVERGENCE);
});
