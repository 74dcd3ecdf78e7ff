// Loaded before every test (.mocharc.json): the price refresh of anything a test starts — the CLI,
// a store, the extension's controller — reads from loopback, never the internet. Tests that refresh
// on purpose serve their own catalog and pass its URL explicitly.
process.env.TOKEN_METER_PRICES_URL ??= 'http://127.0.0.1:9/no-network-in-tests/data.json';
