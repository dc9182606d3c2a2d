import * as iam from 'aws-cdk-lib/aws-iam';
import { Dependable } from 'constructs';

/**
 * The principal grants go to when the role is given: the role itself, except that a grant an immutable role
 * swallows is reported. An immutable role (`Role.fromRoleArn(..., { mutable: false })`, `withoutPolicyUpdates()`)
 * answers every `addToPrincipalPolicy` with "added" and adds nothing, so `bucket.grantRead(llm)` would look like
 * it worked and the function would be denied at run time.
 */
export class ReportingGrantPrincipal implements iam.IPrincipal {
  public readonly grantPrincipal: iam.IPrincipal = this;

  /**
   * @param role the role grants are added to
   * @param report called with each statement the role accepted without adding it anywhere
   */
  constructor(private readonly role: iam.IRole, private readonly report: (statement: iam.PolicyStatement) => void) {}

  public get assumeRoleAction(): string {
    return this.role.assumeRoleAction;
  }

  public get policyFragment(): iam.PrincipalPolicyFragment {
    return this.role.policyFragment;
  }

  public get principalAccount(): string | undefined {
    return this.role.principalAccount;
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    const result = this.role.addToPrincipalPolicy(statement);
    // A statement that really lands in a policy comes back with that policy as its dependable.
    const landed = result.policyDependable !== undefined && Dependable.of(result.policyDependable).dependencyRoots.length > 0;
    if (result.statementAdded && !landed) {
      this.report(statement);
    }
    return result;
  }

  /** Lets policy documents deduplicate this principal with the role itself. */
  public dedupeString(): string | undefined {
    return iam.ComparablePrincipal.dedupeStringFor(this.role);
  }
}
