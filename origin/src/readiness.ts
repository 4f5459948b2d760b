export type ReadinessState =
  | { status: 'preparing'; stage: string; progress: number }
  | { status: 'ready' }
  | { status: 'failed'; reason: string };

/**
 * The origin is ready once its sample content exists. Until then /healthz answers 503 with the
 * progress, so launchers can wait for it and show how far it got.
 */
export class Readiness {
  #state: ReadinessState = { status: 'preparing', stage: 'starting', progress: 0 };

  get state(): ReadinessState {
    return this.#state;
  }

  progress(stage: string, progress: number): void {
    if (this.#state.status === 'preparing') this.#state = { status: 'preparing', stage, progress };
  }

  ready(): void {
    this.#state = { status: 'ready' };
  }

  failed(reason: string): void {
    this.#state = { status: 'failed', reason };
  }
}
