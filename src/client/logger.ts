import type { Logger } from '../types';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const ORDER: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** The default logger: the console, from `level` up (`warn` and above unless told). */
export function createConsoleLogger(level: LogLevel = 'warn'): Logger {
  const min = ORDER.indexOf(level);
  const method =
    (name: Exclude<LogLevel, 'silent'>) =>
    (...args: unknown[]): void => {
      if (ORDER.indexOf(name) >= min) console[name](...args);
    };
  return {
    debug: method('debug'),
    info: method('info'),
    warn: method('warn'),
    error: method('error'),
  };
}
