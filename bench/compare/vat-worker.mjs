// One vat's worker thread, as @ocap/nodejs's vat-worker.ts of the kernel's
// repository (not published on npm) sets it up: SES lockdown, then a
// VatSupervisor on the thread's parent port.
import '@metamask/kernel-shims/endoify';
import { isJsonRpcMessage } from '@metamask/kernel-utils';
import { Logger, makeStreamTransport, splitLoggerStream } from '@metamask/logger';
import { VatSupervisor } from '@metamask/ocap-kernel';
import { NodeWorkerDuplexStream } from '@metamask/streams';
import fs from 'node:fs/promises';
import url from 'node:url';
import { parentPort } from 'node:worker_threads';

// fetchBlob reads file: URLs, which Node's fetch does not.
async function fetchBlob(blobURL) {
  const parsed = new URL(blobURL);
  if (parsed.protocol === 'file:') {
    return new Response(await fs.readFile(url.fileURLToPath(parsed)));
  }
  return fetch(blobURL);
}

const vatId = process.env.NODE_VAT_ID;
const stream = new NodeWorkerDuplexStream(parentPort, isJsonRpcMessage);
const { kernelStream, loggerStream } = splitLoggerStream(stream);
await stream.synchronize();
const logger = new Logger({ tags: ['vat', vatId], transports: [makeStreamTransport(loggerStream)] });
// eslint-disable-next-line no-new
new VatSupervisor({ id: vatId, kernelStream, logger, fetchBlob, vatPowers: { logger } });
