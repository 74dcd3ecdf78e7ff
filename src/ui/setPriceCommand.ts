import * as vscode from 'vscode';
import { rangeDays, unpricedModels } from '../core/usage';
import { withPriceOverride, type PriceOverrideEntry } from '../core/pricing';
import { userSettingValue, writeSetting } from './config';
import type { UsageService } from './usageService';

function parsePrice(text: string): number | undefined {
  const value = Number(text.trim().replace(/^\$/, ''));
  return text.trim() !== '' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** Asks for one price; `prompt` names the tokens it is for, and whether empty means "same as input". */
async function askPrice(model: string, prompt: string, optional: boolean): Promise<number | null | undefined> {
  const text = await vscode.window.showInputBox({
    title: vscode.l10n.t('Set a Price for {0}', model),
    prompt,
    placeHolder: optional ? vscode.l10n.t('same as input') : vscode.l10n.t('e.g. 3'),
    ignoreFocusOut: true,
    validateInput: (value) =>
      (optional && value.trim() === '') || parsePrice(value) !== undefined
        ? undefined
        : vscode.l10n.t('A price in USD per million tokens, 0 or more.'),
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
    const title = vscode.l10n.t('Set a Price for a Model');
    const another = { label: vscode.l10n.t('Another model…'), description: '', model: undefined };
    const picked =
      unknown.length > 0
        ? await vscode.window.showQuickPick(
            [
              ...unknown.map((u) => ({
                label: u.model,
                description: vscode.l10n.t('{0} unpriced tokens this month', u.tokens.toLocaleString('en-US')),
                model: u.model,
              })),
              another,
            ],
            { title },
          )
        : another;
    if (!picked) return;
    model =
      picked.model ??
      (
        await vscode.window.showInputBox({
          title,
          prompt: vscode.l10n.t('Model name (a glob such as my-model* works too)'),
          ignoreFocusOut: true,
        })
      )?.trim();
    if (!model) return;
  }
  const input = await askPrice(model, vscode.l10n.t('USD per million input tokens'), false);
  if (input === undefined || input === null) return;
  const output = await askPrice(model, vscode.l10n.t('USD per million output tokens'), false);
  if (output === undefined || output === null) return;
  const cacheRead = await askPrice(model, vscode.l10n.t('USD per million cache-read tokens (leave empty to use the input price)'), true);
  if (cacheRead === undefined) return;
  const cacheWrite = await askPrice(
    model,
    vscode.l10n.t('USD per million cache-write tokens (5-minute) (leave empty to use the input price)'),
    true,
  );
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
    vscode.l10n.t('Token Meter: {0} is now priced at ${1} in / ${2} out per million tokens; its usage is recounted.', model, input, output),
  );
}
