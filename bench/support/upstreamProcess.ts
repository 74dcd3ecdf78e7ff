// The fake upstream in its own process, so benchmark figures are not the client's or gateway's CPU.
import { FakeUpstream } from '../../test/support/fakeUpstream';

void new FakeUpstream().start().then((upstream) => process.stdout.write(`${upstream.port}\n`));
