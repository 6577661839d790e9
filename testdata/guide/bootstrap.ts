import { makeDefaultExo } from '@metamask/kernel-utils/exo';
import type { Baggage } from '@metamask/ocap-kernel';
export function buildRootObject(
vatPowers: unknown,
parameters: Record<string, unknown>,
baggage: Baggage,
) {
return makeDefaultExo('root', {
async bootstrap(
vats: Record<string, unknown>,
services: Record<string, unknown>,
): Promise<void> {
// Called once when the subcluster is first launched.
// `vats` contains references to other vats in the subcluster.
// `services` contains references to kernel services requested in the cluster config.
},
async myMethod(arg: string): Promise<string> {
return `hello ${arg}`;
},
});
}
