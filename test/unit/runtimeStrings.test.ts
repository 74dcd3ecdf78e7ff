import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { getL10nJson } from '@vscode/l10n-dev';
import * as ts from 'typescript';

/**
 * The runtime strings people see (notifications and their buttons, quick picks, input boxes, progress
 * titles, status-bar names, tooltip notes) go through vscode.l10n.t with English as the message, and
 * l10n/bundle.l10n.json, the base translators start from, holds exactly those messages.
 */

const ROOT = path.join(__dirname, '..', '..');
const SRC = path.join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const file = path.join(dir, entry.name);
      return entry.isDirectory() ? sourceFiles(file) : entry.name.endsWith('.ts') ? [file] : [];
    })
    .sort();
}

const files = sourceFiles(SRC).map((file) => ({
  name: path.relative(ROOT, file),
  text: fs.readFileSync(file, 'utf8'),
}));

function parse(file: { name: string; text: string }): ts.SourceFile {
  return ts.createSourceFile(file.name, file.text, ts.ScriptTarget.ES2022, true);
}

function* nodes(node: ts.Node): Generator<ts.Node> {
  yield node;
  for (const child of node.getChildren()) yield* nodes(child);
}

function where(node: ts.Node): string {
  const source = node.getSourceFile();
  return `${source.fileName}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
}

function isL10nCall(node: ts.Node): node is ts.CallExpression {
  return ts.isCallExpression(node) && /(^|\.)l10n\.t$/.test(node.expression.getText());
}

function isLiteralText(node: ts.Node): node is ts.StringLiteral | ts.NoSubstitutionTemplateLiteral {
  return ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node);
}

describe('runtime strings (vscode.l10n, English as the base)', () => {
  const sources = files.map(parse);
  const l10nCalls = sources.flatMap((source) => [...nodes(source)].filter(isL10nCall));

  it('declares the l10n folder in package.json', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { l10n?: string };
    assert.equal(manifest.l10n, './l10n');
    assert.ok(fs.existsSync(path.join(ROOT, 'l10n', 'bundle.l10n.json')));
  });

  it('has l10n/bundle.l10n.json exactly as @vscode/l10n-dev extracts it from src (run `npm run l10n` after changing a message)', async function () {
    // The export parses every source file with tree-sitter (WebAssembly): seconds on a busy machine.
    this.timeout(120_000);
    const extracted = await getL10nJson(files.map((f) => ({ contents: f.text, extension: '.ts' })));
    const bundle = JSON.parse(fs.readFileSync(path.join(ROOT, 'l10n', 'bundle.l10n.json'), 'utf8')) as Record<string, unknown>;
    assert.ok(Object.keys(extracted).length > 100, 'the export found the messages');
    assert.deepEqual(
      Object.keys(extracted).filter((key) => !(key in bundle)),
      [],
      'messages missing from the bundle',
    );
    assert.deepEqual(
      Object.keys(bundle).filter((key) => !(key in extracted)),
      [],
      'messages in the bundle that nothing uses',
    );
    assert.deepEqual(bundle, extracted);
  });

  it('gives every vscode.l10n.t call a literal message, which the export can see', () => {
    const opaque = l10nCalls
      .filter((call) => {
        const first = call.arguments[0];
        return !first || !(isLiteralText(first) || ts.isObjectLiteralExpression(first));
      })
      .map((call) => `${where(call)}: ${call.getText().slice(0, 80)}`);
    assert.deepEqual(opaque, []);
  });

  it('passes one argument for each numbered placeholder, and uses every argument', () => {
    const mismatched = l10nCalls
      .filter((call) => isLiteralText(call.arguments[0]))
      .filter((call) => {
        const message = (call.arguments[0] as ts.StringLiteral).text;
        const used = new Set([...message.matchAll(/\{(\d+)\}/g)].map((m) => Number(m[1])));
        const count = call.arguments.length - 1;
        const expected = new Set(Array.from({ length: count }, (_, i) => i));
        return used.size !== expected.size || [...used].some((i) => !expected.has(i));
      })
      .map((call) => `${where(call)}: ${call.getText().slice(0, 100)}`);
    assert.deepEqual(mismatched, []);
  });

  /**
   * Where shown text lives: arguments of these calls, these properties of an options object or
   * item, and these properties of a status-bar item or similar. A literal found there outside
   * vscode.l10n.t is English nobody can translate.
   */
  const SHOWN_CALLS = /(^|\.)(show(Information|Warning|Error)Message|showQuickPick|NotFound|Blocked|NoPermissions)$/;
  const SHOWN_PROPERTIES = new Set([
    'title',
    'prompt',
    'placeHolder',
    'label',
    'detail',
    'description',
    'tooltip',
    'message',
    'validateInput',
  ]);
  const SHOWN_ASSIGNMENTS = new Set(['text', 'tooltip', 'name', 'description']);
  /** Operators whose result is (or contains) the literal, unlike a comparison. */
  const VALUE_OPERATORS = new Set([ts.SyntaxKind.PlusToken, ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.BarBarToken]);
  /** Names, not words: file formats and a shell line. */
  const NOT_WORDS = new Set(['CSV', 'JSON', 'export OPENAI_BASE_URL=… ANTHROPIC_BASE_URL=…']);

  /** Why a literal is shown untranslated, or undefined when it is not shown (or is translated). */
  function shownUntranslated(literal: ts.Node): string | undefined {
    let node = literal;
    for (let parent = node.parent; parent; node = parent, parent = node.parent) {
      if (isL10nCall(parent)) return undefined;
      if (ts.isCallExpression(parent)) {
        const callee = parent.expression.getText();
        if (/(^|\.)setNote$/.test(callee)) return parent.arguments[1] === node ? 'a note in the meter tooltip' : undefined;
        return SHOWN_CALLS.test(callee) && parent.arguments.includes(node as ts.Expression) ? callee : undefined;
      }
      if (ts.isNewExpression(parent)) return /MarkdownString$/.test(parent.expression.getText()) ? 'new MarkdownString' : undefined;
      if (ts.isPropertyAssignment(parent)) {
        const name = parent.name.getText();
        return parent.initializer === node && SHOWN_PROPERTIES.has(name) ? `${name}:` : undefined;
      }
      if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
        const target = parent.left;
        return parent.right === node && ts.isPropertyAccessExpression(target) && SHOWN_ASSIGNMENTS.has(target.name.text)
          ? `.${target.name.text} =`
          : undefined;
      }
      const passesValueThrough =
        (ts.isConditionalExpression(parent) && parent.condition !== node) ||
        ts.isParenthesizedExpression(parent) ||
        ts.isAsExpression(parent) ||
        ts.isArrayLiteralExpression(parent) ||
        ts.isTemplateSpan(parent) ||
        ts.isTemplateExpression(parent) ||
        (ts.isArrowFunction(parent) && parent.body === node) ||
        (ts.isBinaryExpression(parent) && VALUE_OPERATORS.has(parent.operatorToken.kind));
      if (!passesValueThrough) return undefined;
    }
    return undefined;
  }

  it('shows no untranslated literal in src/ui (dashboard aside) or src/capture/lm', () => {
    const inScope = sources.filter(
      (source) =>
        /^src[/\\](ui|capture[/\\]lm)[/\\]/.test(source.fileName) &&
        !/^src[/\\]ui[/\\]dashboard[/\\]/.test(source.fileName) &&
        /from 'vscode'/.test(source.text),
    );
    assert.ok(inScope.length > 10, 'the UI sources were found');
    const untranslated = inScope.flatMap((source) =>
      [...nodes(source)]
        .filter((node) => ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node))
        .filter((node) => node.getText().length > 2 && !NOT_WORDS.has(ts.isTemplateExpression(node) ? '' : (node as ts.StringLiteral).text))
        .flatMap((node) => {
          const shown = shownUntranslated(node);
          return shown ? [`${where(node)} (${shown}): ${node.getText().slice(0, 70)}`] : [];
        }),
    );
    assert.deepEqual(untranslated, []);
  });
});
