/**
 * Where a Tryton protection keeps what it changed: an attachment (`ir.attachment`) of the model's
 * `ir.model` record, named per (model, key), whose description holds the declaration and what to
 * give back as JSON. Tryton keeps it like any attachment (it survives restarts and module
 * updates), only users who may write `ir.model` (administrators) may change it, and it keeps the
 * access rules free of bookkeeping beyond their description, so a read-back compares them with
 * what apply wrote and nothing else. Tryton cannot add a model of its own without a module.
 */
import { TrytonClient } from './client';
import { ProtectionRecord, recordName } from './protection-model';

interface StoredRow {
  readonly id: number;
  readonly description: string | null;
}

/** The record of (model, key) and its attachment's id, or null. */
export async function loadRecord(client: TrytonClient, model: string, key: string): Promise<{ id: number; record: ProtectionRecord } | null> {
  const resource = await modelResource(client, model);
  if (!resource) return null;
  const rows = await client.searchRead<StoredRow>('ir.attachment', [['resource', '=', resource], ['name', '=', recordName(model, key)]], ['description']);
  for (const row of rows) {
    const record = parse(row.description);
    if (record && record.declared.model === model && record.declared.key === key) return { id: row.id, record };
  }
  return null;
}

/** Every record on `model` (to tell another key's fields apart). */
export async function recordsOn(client: TrytonClient, model: string): Promise<ProtectionRecord[]> {
  const resource = await modelResource(client, model);
  if (!resource) return [];
  const rows = await client.searchRead<StoredRow>('ir.attachment', [['resource', '=', resource], ['name', 'like', 'authority-protection-%']], ['description']);
  return rows.map((r) => parse(r.description)).filter((r): r is ProtectionRecord => r !== undefined && r.declared.model === model);
}

export async function saveRecord(client: TrytonClient, record: ProtectionRecord): Promise<void> {
  const { model, key } = record.declared;
  const description = JSON.stringify(record);
  const found = await loadRecord(client, model, key);
  if (found) {
    await client.model('ir.attachment', 'write', [[found.id], { description }]);
    return;
  }
  const resource = await modelResource(client, model);
  if (!resource) throw new Error(`Tryton has no model ${JSON.stringify(model)}`);
  await client.model('ir.attachment', 'create', [[{ name: recordName(model, key), resource, type: 'data', description }]]);
}

export async function deleteRecord(client: TrytonClient, model: string, key: string): Promise<void> {
  const found = await loadRecord(client, model, key);
  if (found) await client.model('ir.attachment', 'delete', [[found.id]]);
}

async function modelResource(client: TrytonClient, model: string): Promise<string | undefined> {
  const found = await client.searchRead<{ id: number }>('ir.model', [['model', '=', model]], ['id']);
  return found.length > 0 ? `ir.model,${found[0].id}` : undefined;
}

function parse(text: string | null): ProtectionRecord | undefined {
  try {
    const value = JSON.parse(text ?? '') as ProtectionRecord;
    return value?.version === 1 && typeof value.declared?.model === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
