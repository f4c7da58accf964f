/**
 * Opens the Overcrypt IndexedDB (via `idb`) and applies migrations in order. Raw access only: records here are
 * already sealed; lib/vault/keystore.ts is the typed, encrypting layer on top.
 */
import { openDB, deleteDB, type IDBPDatabase } from 'idb';
import { DB_NAME, MIGRATIONS, type Migration, type OvercryptSchema } from './schema';

export type OvercryptDB = IDBPDatabase<OvercryptSchema>;

export interface OpenOptions {
  /** Database name; tests use a unique one each. */
  name?: string;
  /** Migrations to apply (tests add later versions); defaults to the real list. */
  migrations?: readonly Migration[];
}

export async function openStorage(options: OpenOptions = {}): Promise<OvercryptDB> {
  const migrations = options.migrations ?? MIGRATIONS;
  checkMigrationOrder(migrations);
  return openDB<OvercryptSchema>(options.name ?? DB_NAME, migrations.length, {
    upgrade(db, oldVersion, newVersion, tx) {
      for (const m of migrations) {
        if (m.to > oldVersion && m.to <= (newVersion ?? migrations.length)) m.run(db, tx);
      }
    },
    blocking() {
      // Another context wants a newer version: let it proceed (this worker reopens on next start).
      // Nothing to do here; the upgrade is rare and the worker restarts with the new code.
    },
  });
}

/** Removes the whole database (logout). */
export async function deleteStorage(name: string = DB_NAME): Promise<void> {
  await deleteDB(name);
}

function checkMigrationOrder(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.to !== i + 1) throw new Error(`migration ${i} must bring the schema to version ${i + 1}, not ${m.to}`);
  });
}
