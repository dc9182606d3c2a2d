/**
 * The public API as the other languages see it: the jsii assembly (.jsii) that `projen compile` writes and
 * jsii-pacmak turns into Python, Java, .NET and Go. `npx projen test` compiles before jest runs.
 */
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');
const ASSEMBLY = path.join(ROOT, '.jsii');

interface JsiiProperty { readonly name: string; readonly type: { readonly fqn?: string } }
interface JsiiType {
  readonly name: string;
  readonly kind: string;
  readonly interfaces?: string[];
  readonly properties?: JsiiProperty[];
  readonly methods?: Array<{ readonly name: string }>;
}
interface Assembly {
  readonly targets: {
    readonly dotnet: { readonly namespace: string; readonly packageId: string };
    readonly java: { readonly package: string };
    readonly python: { readonly module: string };
    readonly go: { readonly moduleName: string; readonly packageName?: string };
  };
  readonly types: Record<string, JsiiType>;
}

function newestMtime(dir: string): number {
  return Math.max(...fs.readdirSync(dir, { withFileTypes: true }).map((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs;
  }));
}

function loadAssembly(): Assembly {
  if (!fs.existsSync(ASSEMBLY) || fs.statSync(ASSEMBLY).mtimeMs < newestMtime(path.join(ROOT, 'src'))) {
    throw new Error('.jsii is missing or older than src/: run `npx projen compile` first (`npx projen test` does)');
  }
  return JSON.parse(fs.readFileSync(ASSEMBLY, 'utf8')) as Assembly;
}

const assembly = loadAssembly();
const typeNames = Object.values(assembly.types).map((t) => t.name);
const type = (name: string) => assembly.types[`llm-function-url.${name}`];

describe('namespaces and packages of the bindings', () => {
  // C# resolves `A.B` inside `namespace A` to the member A of the namespace when a type is called A, so a
  // namespace segment equal to a type name breaks every qualified reference (CS0426). Java has the same
  // shadowing between a package segment and a class name; Python and Go do not, checked all the same.
  test.each([
    ['.NET namespace', () => assembly.targets.dotnet.namespace],
    ['.NET package id', () => assembly.targets.dotnet.packageId],
    ['Java package', () => assembly.targets.java.package],
    ['Python module', () => assembly.targets.python.module],
    ['Go package', () => assembly.targets.go.packageName ?? 'llmfunctionurl'],
  ])('no segment of the %s is an exported type name', (_what, value) => {
    const segments = value().split('.');
    expect(segments.filter((segment) => typeNames.includes(segment))).toEqual([]);
  });

  test('the clash the test guards against is real: the class LlmFunctionUrl is exported', () => {
    expect(typeNames).toContain('LlmFunctionUrl');
  });
});

describe('the public API', () => {
  test('attributes are typed by interface, so bring-your-own props stay non-breaking', () => {
    const properties = Object.fromEntries((type('LlmFunctionUrl').properties ?? []).map((p) => [p.name, p.type.fqn]));
    expect(properties).toMatchObject({
      function: 'aws-cdk-lib.aws_lambda.IFunction',
      functionUrl: 'aws-cdk-lib.aws_lambda.IFunctionUrl',
      logGroup: 'aws-cdk-lib.aws_logs.ILogGroup',
      role: 'aws-cdk-lib.aws_iam.IRole',
      grantPrincipal: 'aws-cdk-lib.aws_iam.IPrincipal',
      apiKeySecret: 'aws-cdk-lib.aws_secretsmanager.ISecret',
    });
  });

  test('the construct is an iam.IGrantable', () => {
    expect(type('LlmFunctionUrl').interfaces).toContain('aws-cdk-lib.aws_iam.IGrantable');
  });

  test('the runtime contract (build args, variables) is internal: no bind() and no config type', () => {
    expect((type('LlmModel').methods ?? []).map((m) => m.name).sort()).toEqual(['fromBucket', 'fromFile', 'fromImage', 'fromUrl']);
    expect((type('LlmImage').methods ?? []).map((m) => m.name)).toEqual(['fromEcr']);
    expect(typeNames.filter((name) => /Config$/.test(name))).toEqual([]);
  });
});

describe('README.md follows the assembly', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = (heading: string) => {
    const start = readme.indexOf(`\n## ${heading}\n`);
    if (start < 0) throw new Error(`README.md has no "## ${heading}" section`);
    const end = readme.indexOf('\n## ', start + 1);
    return readme.slice(start, end < 0 ? undefined : end);
  };

  test('the Properties table has one row for every prop of LlmFunctionUrlProps, and no other', () => {
    const documented = section('Properties').split('\n')
      .filter((line) => line.startsWith('| `'))
      .flatMap((line) => [...line.split('|')[1].matchAll(/`(\w+)`/g)].map((m) => m[1]));
    const props = (type('LlmFunctionUrlProps').properties ?? []).map((p) => p.name);
    expect([...documented].sort()).toEqual([...props].sort());
  });

  test('the install lines name the packages the bindings are generated as', () => {
    const install = section('Install');
    const { dotnet, java, python, go } = assembly.targets;
    const javaTarget = assembly.targets.java as unknown as { maven: { groupId: string; artifactId: string } };
    expect(install).toContain(`pip install ${(assembly.targets.python as unknown as { distName: string }).distName} `);
    expect(install).toContain(`import ${python.module}`);
    expect(install).toContain(`dotnet add package ${dotnet.packageId} `);
    expect(install).toContain(`namespace ${dotnet.namespace}\n`);
    expect(install).toContain(`<groupId>${javaTarget.maven.groupId}</groupId><artifactId>${javaTarget.maven.artifactId}</artifactId>`);
    expect(install).toContain(`package \`${java.package}\``);
    expect(install).toContain(`go get ${go.moduleName}/${go.packageName ?? 'llmfunctionurl'} `);
  });
});
