/**
 * A POSIX sh loop that kills a process group once the parent node process is gone. It exists for
 * the one case no Node handler covers: the test runner being SIGKILLed. It polls every second and
 * also ends by itself when the watched group is gone.
 * Usage: sh -c SCRIPT watchdog <parentPid> <groupId>
 */
export const parentWatchdogScript = [
  'parent="$1"; group="$2"',
  'while kill -0 "$parent" 2>/dev/null && kill -0 "-$group" 2>/dev/null; do sleep 1; done',
  'kill -9 "-$group" 2>/dev/null',
  'exit 0',
].join('\n')
