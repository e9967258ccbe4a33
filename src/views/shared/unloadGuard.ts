/**
 * Asks before the tab closes or reloads while `isRunning()` says a job runs. Returns the remover.
 * Browsers show their own wording; setting `returnValue` is what triggers the prompt.
 */
export function guardUnload(isRunning: () => boolean, target: Window = window): () => void {
  const onBeforeUnload = (event: BeforeUnloadEvent): void => {
    if (!isRunning()) return;
    event.preventDefault();
    event.returnValue = '';
  };
  target.addEventListener('beforeunload', onBeforeUnload);
  return () => target.removeEventListener('beforeunload', onBeforeUnload);
}
