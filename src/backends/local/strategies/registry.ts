/**
 * Every strategy the resolver knows, one line each. Everything else derives
 * from this list (./lookup.ts): the `Strategy` type, LocalResolver's option
 * check, the server's `--strategy`, the demo's picker. Adding a strategy is a
 * file in this folder and a line here.
 */
import { bestMatchStrategy } from './best-match';
import { conversion } from './conversion';
import { isolation } from './isolation';
import { link } from './link';

export const REGISTERED_STRATEGIES = [conversion, link, isolation, bestMatchStrategy] as const;

export type RegisteredStrategy = (typeof REGISTERED_STRATEGIES)[number];
/**
 * The name of a registered strategy (a union of the names in the list above);
 * the package exports it as `Strategy`.
 */
export type StrategyName = RegisteredStrategy['name'];
