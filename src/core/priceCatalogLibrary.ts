// Entry point of dist/genaiPrices.js: the price catalog library and its bundled data in a file of
// their own, loaded on the first price lookup instead of with the extension (see priceCatalog.ts).
export * from '@pydantic/genai-prices';
