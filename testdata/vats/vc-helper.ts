// vat-code corpus: a relative TypeScript import of vc-modules.ts.
export type Doubler = (n: number) => number;

export interface Named {
  readonly name: string;
}

export const double: Doubler = (n: number): number => n * 2;

export enum Color {
  Red = 'red',
  Green = 'green',
}

export class Greeter implements Named {
  constructor(public readonly name: string) {}

  greet(other?: string): string {
    return `${this.name} greets ${other ?? 'nobody'}`;
  }
}
