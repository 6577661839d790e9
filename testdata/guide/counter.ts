export function buildRootObject(_vp: unknown, _p: unknown, baggage: Baggage) {
// Restore state from baggage, or initialize if first run
let counter: number;
if (baggage.has('counter')) {
counter = baggage.get('counter') as number;
} else {
counter = 0;
baggage.init('counter', counter);
}
// Restore service references from baggage (for resuscitation)
let myService: unknown = baggage.has('myService')
? baggage.get('myService')
: undefined;
return makeDefaultExo('root', {
async bootstrap(_vats: unknown, services: { myService: unknown }) {
// Only called on first launch, not on restart
myService = services.myService;
baggage.init('myService', myService);
},
increment(): number {
counter += 1;
baggage.set('counter', counter);
return counter;
},
});
}
