import { E } from '@endo/eventual-send';
export function buildRootObject(
_vatPowers: unknown,
_params: unknown,
baggage: Baggage,
) {
let myService: unknown;
return makeDefaultExo('root', {
async bootstrap(_vats: unknown, services: { myService: unknown }) {
myService = services.myService;
baggage.init('myService', myService); // persist for restarts
},
async doWork() {
const result = await E(myService).doSomething('hello');
console.log(result); // "result: hello"
},
});
}
