/** The little the shared SQL code needs of a database connection. */

export type SqlDialect = 'sqlite' | 'postgres';

export type Row = Record<string, unknown>;

export interface SqlRunner {
  readonly dialect: SqlDialect;
  /** runs one statement with `?` placeholders; resolves with its rows (none for writes) */
  query(sql: string, params?: readonly unknown[]): Promise<Row[]>;
}
