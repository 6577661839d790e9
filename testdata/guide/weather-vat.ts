import { E } from '@endo/eventual-send';
import { makeDefaultExo } from '@metamask/kernel-utils/exo';
import type { Baggage } from '@metamask/ocap-kernel';
type WeatherService = {
getTemperature(city: string): Promise<number>;
getForecast(city: string, days: number): Promise<string[]>;
};
export function buildRootObject(
_vatPowers: unknown,
parameters: { defaultCity?: string },
baggage: Baggage,
) {
const defaultCity = parameters.defaultCity ?? 'London';
let weatherService: WeatherService | undefined = baggage.has('weatherService')
? (baggage.get('weatherService') as WeatherService)
: undefined;
return makeDefaultExo('root', {
async bootstrap(
_vats: unknown,
services: { weatherService: WeatherService },
): Promise<void> {
weatherService = services.weatherService;
baggage.init('weatherService', weatherService);
},
async getWeatherReport(city?: string): Promise<string> {
const target = city ?? defaultCity;
const temp = await E(weatherService!).getTemperature(target);
const forecast = await E(weatherService!).getForecast(target, 3);
return `${target}: ${temp}C. Next 3 days: ${forecast.join(', ')}`;
},
});
}
