/**
 * Kills registered child process groups when this process exits or is interrupted, so a
 * crashed or Ctrl-C'd test run never leaves a JVM behind. One set of handlers for all children.
 */
const liveProcessGroups = new Set<number>()
let handlersInstalled = false

export function killProcessGroup(groupId: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-groupId, signal)
  } catch {
    // Already gone.
  }
}

function killAll(): void {
  for (const groupId of liveProcessGroups) killProcessGroup(groupId)
  liveProcessGroups.clear()
}

function onSignal(signal: NodeJS.Signals): void {
  killAll()
  process.off(signal, onSignal)
  // Our listener replaced Node's default "terminate"; restore it when nobody else handles the signal.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
}

function installHandlers(): void {
  if (handlersInstalled) return
  handlersInstalled = true
  process.on('exit', killAll)
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
}

function uninstallHandlers(): void {
  if (!handlersInstalled) return
  handlersInstalled = false
  process.off('exit', killAll)
  process.off('SIGINT', onSignal)
  process.off('SIGTERM', onSignal)
}

export function killOnExit(groupId: number): void {
  liveProcessGroups.add(groupId)
  installHandlers()
}

export function forgetOnExit(groupId: number): void {
  liveProcessGroups.delete(groupId)
  if (liveProcessGroups.size === 0) uninstallHandlers()
}
