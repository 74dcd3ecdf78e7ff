// The gateway in its own process (argv: upstream URL), recording into a no-op sink.
import { GatewayServer } from '../../src/capture/gateway/server';

const gateway = new GatewayServer({
  secret: 's'.repeat(32),
  upstreams: { openai: process.argv[2], anthropic: process.argv[2] },
  sink: { record: () => undefined },
});
void gateway.listen(0).then((port) => process.stdout.write(`${port}\n`));
process.on('SIGINT', () => process.exit(0));
