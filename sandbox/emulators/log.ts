/** One line per event, workflow step and request; never a code, hash or email address. */
export class SandboxLog {
  constructor(private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {}

  /** Logs `message` under `component`, redacting anything shaped like an email address or a code. */
  line(component: string, message: string): void {
    this.write(`${new Date().toISOString()} ${component.padEnd(7)} ${redact(message)}`);
  }
}

/** Defence in depth: the sandbox never formats secrets into lines, and this catches a slip. */
export function redact(text: string): string {
  return text
    .replace(/[^\s@"']+@[^\s@"']+\.[^\s@"']+/g, '<email>')
    .replace(/(?<![\w-])\d{6}(?![\w-])/g, '<6 digits>');
}
