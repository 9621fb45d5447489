/** What the rest of the package reads of the strategy registry (./registry.ts). */
import { REGISTERED_STRATEGIES, type RegisteredStrategy, type StrategyName } from './registry';

export const DEFAULT_STRATEGY: StrategyName = 'conversion';

/** Every strategy name, in the registry's order. */
export function strategyNames(): StrategyName[] {
  return REGISTERED_STRATEGIES.map((strategy) => strategy.name);
}

export function findStrategy(name: unknown): RegisteredStrategy | undefined {
  return REGISTERED_STRATEGIES.find((strategy) => strategy.name === name);
}

export function isStrategyName(name: unknown): name is StrategyName {
  return findStrategy(name) !== undefined;
}

/** A strategy as the package's users see it: its name, how to show it, whether it aliases. */
export interface StrategyInfo {
  /** the value of LocalResolver's `strategy` option and of the server's `--strategy` */
  readonly name: StrategyName;
  /** a human-readable name, e.g. for a picker */
  readonly label: string;
  /** whether alias requests are provisioned under this strategy (else 403) */
  readonly aliasing: boolean;
}

/** The registered strategies, for pickers and docs (the demo builds its menu from it). */
export function listStrategies(): StrategyInfo[] {
  return REGISTERED_STRATEGIES.map(({ name, label, aliasing }) => ({ name, label, aliasing }));
}
