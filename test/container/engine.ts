/**
 * The container engine the test drives: docker or podman, from CONTAINER_ENGINE or whichever is installed.
 * Every call is asynchronous, so the HTTP servers this process runs for the builds keep answering.
 */
import { spawn, spawnSync } from 'child_process';

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

export function pickEngine(): string {
  const wanted = process.env.CONTAINER_ENGINE?.trim();
  if (wanted) {
    if (spawnSync(wanted, ['--version'], { stdio: 'ignore' }).status !== 0) throw new Error(`CONTAINER_ENGINE=${wanted}, but \`${wanted} --version\` does not run`);
    return wanted;
  }
  for (const candidate of ['docker', 'podman']) {
    if (spawnSync(candidate, ['--version'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  throw new Error('No container engine: install docker or podman, or set CONTAINER_ENGINE');
}

export class ContainerEngine {
  constructor(readonly command: string) {}

  run(args: readonly string[], options: { input?: string } = {}): Promise<CommandResult> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const child = spawn(this.command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr, seconds: (Date.now() - started) / 1000 }));
      // A command that exits before reading its input closes the pipe: EPIPE here is not a failure of the command.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input ?? '');
    });
  }

  async mustRun(args: readonly string[]): Promise<CommandResult> {
    const result = await this.run(args);
    if (result.code !== 0) {
      throw new Error(`${this.command} ${args.join(' ')} failed (exit ${result.code}):\n${tail(result.stderr || result.stdout)}`);
    }
    return result;
  }

  /** Builds `context` with the given build args; the network is the host's (npm registry, local servers). */
  build(context: string, tag: string, buildArgs: Readonly<Record<string, string>>, extra: readonly string[] = []): Promise<CommandResult> {
    const args = ['build', '--network', 'host', '-t', tag, ...extra];
    for (const [name, value] of Object.entries(buildArgs)) args.push('--build-arg', `${name}=${value}`);
    return this.run([...args, context]);
  }

  /** Starts a detached container the way Lambda runs it: read-only, /tmp writable, non-root. Returns its id. */
  async start(image: string, env: Readonly<Record<string, string>>): Promise<string> {
    const args = ['run', '-d', '--network', 'host', '--read-only', '--tmpfs', '/tmp', '--user', '1000:1000'];
    for (const [name, value] of Object.entries(env)) args.push('-e', `${name}=${value}`);
    const result = await this.mustRun([...args, image]);
    return result.stdout.trim().split('\n').pop()!.trim();
  }

  /** Runs a shell command in a throw-away container of `image` and returns its output. */
  async shell(image: string, script: string): Promise<CommandResult> {
    return this.run(['run', '--rm', '--read-only', '--user', '1000:1000', '--entrypoint', 'sh', image, '-c', script]);
  }

  async logs(containerId: string): Promise<string> {
    const result = await this.run(['logs', containerId]);
    return result.stdout + result.stderr;
  }

  async inspect(target: string, kind: 'image' | 'container'): Promise<Record<string, any>> {
    const result = await this.mustRun([kind, 'inspect', target]);
    return (JSON.parse(result.stdout) as Array<Record<string, any>>)[0];
  }

  async removeContainer(containerId: string): Promise<void> {
    await this.run(['rm', '-f', containerId]);
  }

  async removeImage(tag: string): Promise<void> {
    await this.run(['rmi', '-f', tag]);
  }

  /** Ids of untagged images (podman keeps each build stage as one; BuildKit keeps a cache instead). */
  async danglingImages(): Promise<Set<string>> {
    const result = await this.run(['images', '-q', '--no-trunc', '--filter', 'dangling=true']);
    return new Set(result.stdout.split('\n').map((line) => line.trim()).filter(Boolean));
  }
}

export function tail(text: string, lines = 25): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
