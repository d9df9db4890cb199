// wasi:cli/terminal-*: a container's standard streams are never presented as terminals
// (they are byte sources and sinks chosen by the caller), so every getter answers none.

export class TerminalInput {}
export class TerminalOutput {}

export function cliTerminalInput(): Record<string, unknown> {
  return { TerminalInput };
}

export function cliTerminalOutput(): Record<string, unknown> {
  return { TerminalOutput };
}

export function cliTerminalStdin(): Record<string, unknown> {
  return { getTerminalStdin: (): TerminalInput | undefined => undefined };
}

export function cliTerminalStdout(): Record<string, unknown> {
  return { getTerminalStdout: (): TerminalOutput | undefined => undefined };
}

export function cliTerminalStderr(): Record<string, unknown> {
  return { getTerminalStderr: (): TerminalOutput | undefined => undefined };
}
