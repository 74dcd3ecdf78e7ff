import * as config from './ui/config';
import * as priceCatalog from './core/priceCatalog';
import * as pricing from './core/pricing';
import * as settingsSchema from './core/settingsSchema';
import * as time from './core/time';
import * as tokenizer from './core/tokenizer';

/**
 * The modules whose state must exist once in the extension host, by source path: the bundles loaded
 * on first use (esbuild.js, LAZY_BUNDLES) take these from dist/extension.js instead of carrying
 * their own copies, which would hold a second settings service, price catalog or time zone. The
 * settings' schema is shared too, so zod and its schemas are loaded and built once.
 */
export const sharedModules: Record<string, object> = {
  'src/ui/config.ts': config,
  'src/core/priceCatalog.ts': priceCatalog,
  'src/core/pricing.ts': pricing,
  'src/core/time.ts': time,
  'src/core/tokenizer/index.ts': tokenizer,
  'src/core/settingsSchema.ts': settingsSchema,
};
