import * as vscode from 'vscode';
import { rangeDays, unpricedModels } from '../core/usage';
import { withPriceOverride, type PriceOverrideEntry } from '../core/pricing';
import { userSettingValue, writeSetting } from './config';
import type { UsageService } from './usageService';

function parsePrice(text: string): number | undefined {
  const value = Number(text.trim().replace(/^\$/, ''));
  return text.trim() !== '' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

async function askPrice(model: string, what: string, optional: boolean): Promise<number | null | undefined> {
  const text = await vscode.window.showInputBox({
    title: `Set a Price for ${model}`,
    prompt: `USD per million ${what}${optional ? ' (leave empty to use the input price)' : ''}`,
    placeHolder: optional ? 'same as input' : 'e.g. 3',
    ignoreFocusOut: true,
    validateInput: (value) =>
      (optional && value.trim() === '') || parsePrice(value) !== undefined ? undefined : 'A price in USD per million tokens, 0 or more.',
  });
  if (text === undefined) return undefined; // cancelled
  return text.trim() === '' ? null : parsePrice(text)!;
}

/**
 * "Set a Price for <model>…": asks for the model's prices and writes them to the user's
 * tokenMeter.pricing.overrides, where they win over the catalog; totals then recount.
 */
export async function setModelPriceCommand(usage: UsageService, given?: unknown): Promise<void> {
  let model = typeof given === 'string' && given.trim() !== '' ? given.trim() : undefined;
  if (!model) {
    const { fromDay, toDay } = rangeDays('month', usage.now(), usage.settings);
    const unknown = unpricedModels(usage.rows(fromDay, toDay), fromDay, toDay);
    const picked =
      unknown.length > 0
        ? await vscode.window.showQuickPick(
            [
              ...unknown.map((u) => ({ label: u.model, description: `${u.tokens.toLocaleString('en-US')} unpriced tokens this month` })),
              { label: 'Another model…', description: '' },
            ],
            { title: 'Set a Price for a Model' },
          )
        : { label: 'Another model…' };
    if (!picked) return;
    model =
      picked.label === 'Another model…'
        ? (
            await vscode.window.showInputBox({
              title: 'Set a Price for a Model',
              prompt: 'Model name (a glob such as my-model* works too)',
              ignoreFocusOut: true,
            })
          )?.trim()
        : picked.label;
    if (!model) return;
  }
  const input = await askPrice(model, 'input tokens', false);
  if (input === undefined || input === null) return;
  const output = await askPrice(model, 'output tokens', false);
  if (output === undefined || output === null) return;
  const cacheRead = await askPrice(model, 'cache-read tokens', true);
  if (cacheRead === undefined) return;
  const cacheWrite = await askPrice(model, 'cache-write tokens (5-minute)', true);
  if (cacheWrite === undefined) return;
  const entry: PriceOverrideEntry = {
    model,
    input,
    output,
    ...(cacheRead !== null ? { cacheRead } : {}),
    ...(cacheWrite !== null ? { cacheWrite } : {}),
  };
  // Added to the user's own list: a workspace's overrides are not copied into user settings.
  await writeSetting('pricing.overrides', withPriceOverride(userSettingValue('pricing.overrides'), entry));
  void vscode.window.showInformationMessage(
    `Token Meter: ${model} is now priced at $${input} in / $${output} out per million tokens; its usage is recounted.`,
  );
}
