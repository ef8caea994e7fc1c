export function surviveLostOutput(): void;
export function releaseHungUpTerminal(): void;
